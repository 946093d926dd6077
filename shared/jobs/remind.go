package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/remind"
)

// Bounds of one job-remind run (style.md: a limit on everything).
const (
	RemindPage        = 200    // loans read per query
	RemindMaxLoans    = 50_000 // loans looked at per run
	RemindMaxAttempts = 3      // provider calls per notice, all channels together
)

// RemindReport counts what one run did.
type RemindReport struct {
	Loans, Sent, Failed, Skipped int
}

// Remind is job-remind (hourly): within the window of the business clock
// (a.Clock, Asia/Shanghai) it sends each repaying loan's due-soon and
// overdue notices (remind.Notices on lending.NewBill), each at most once,
// at most DailyMax a day per borrower, to the borrower's own openid or own
// verified phone, in the configured channel order. A provider failure is
// recorded and retried by a later run; only a database failure fails the
// invocation.
func Remind(a *app.App) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		r, err := RunRemind(ctx, a)
		a.Log.InfoContext(ctx, "remind", "loans", r.Loans, "sent", r.Sent, "failed", r.Failed, "skipped", r.Skipped)
		return err
	}
}

// RunRemind is one run of job-remind; tests call it with a moved clock.
func RunRemind(ctx context.Context, a *app.App) (RemindReport, error) {
	var r RemindReport
	now := a.Clock.Now()
	if !a.Cfg.Remind.InWindow(now) {
		return r, nil
	}
	var after int64
	for r.Loans < RemindMaxLoans {
		ids, err := mysql.Messages{DB: a.DB}.RepayingLoans(ctx, after, RemindPage)
		if err != nil || len(ids) == 0 {
			return r, err
		}
		for _, id := range ids {
			after = id
			r.Loans++
			if err := remindLoan(ctx, a, id, &r); err != nil {
				return r, err
			}
		}
	}
	a.Log.WarnContext(ctx, "remind: loan bound reached; the rest wait for the next run", "max", RemindMaxLoans)
	return r, nil
}

func remindLoan(ctx context.Context, a *app.App, loanID int64, r *RemindReport) error {
	l, err := mysql.Loans{DB: a.DB}.ByID(ctx, loanID)
	if err != nil {
		return err
	}
	b, err := repayingBill(ctx, a, l)
	if err != nil {
		return err
	}
	for _, n := range remind.Notices(b) {
		if err := sendNotice(ctx, a, l.UserID, l.ID, n, r); err != nil {
			return err
		}
	}
	return nil
}

// repayingBill is the bill of a loan being repaid on today's business date.
func repayingBill(ctx context.Context, a *app.App, l loan.Loan) (lending.Bill, error) {
	pv, err := mysql.Products{DB: a.DB}.Version(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return lending.Bill{}, err
	}
	sv, err := mysql.Loans{DB: a.DB}.Servicing(ctx, l.ID, l.Quote.Schedule)
	if err != nil {
		return lending.Bill{}, err
	}
	st := sv.State
	st.AsOf = lending.ShanghaiDate(a.Clock.Now())
	b, err := lending.NewBill(st, pv.Product, lending.StandingRepaying)
	if err != nil {
		return b, fmt.Errorf("bill of loan %d: %w", l.ID, err)
	}
	return b, nil
}

// recipient is where a claimed notice goes, in clear only in memory.
type recipient struct {
	channel remind.Channel
	address string // openid or 11-digit phone
}

// sendNotice claims the notice (cap, channel, subscription) in one
// transaction, calls the provider outside it and records the answer.
func sendNotice(ctx context.Context, a *app.App, userID, loanID int64, n remind.Notice, r *RemindReport) error {
	now := a.Clock.Now()
	p := a.Cfg.Remind
	day := lending.ShanghaiDate(now)
	c, err := mysql.Messages{DB: a.DB}.Contact(ctx, userID)
	if err != nil {
		return err
	}
	phone := ""
	if c.PhoneEnc != "" {
		if phone, err = a.Vault.Decrypt(ctx, pii.FieldPhone, c.PhoneEnc); err != nil {
			a.Log.ErrorContext(ctx, "remind: phone unreadable", "user_id", userID, "error", err.Error())
			phone = ""
		}
	}
	params := remind.ParamsOf(n)
	masked, _ := json.Marshal(params)
	var to recipient
	var m mysql.Notice
	err = mysql.InTx(ctx, a.DB, now, func(tx *mysql.Tx) error {
		to = recipient{}
		st, err := tx.NoticeState(ctx, userID, loanID, n.Seq, string(n.Kind), day)
		if err != nil || (st.ID != 0 && st.Status != mysql.MessageFailed) || st.Attempts >= RemindMaxAttempts || st.SentToday >= p.DailyMax {
			return err
		}
		for _, ch := range p.Channels {
			tid := p.TemplateID(ch, n.Template)
			switch {
			case ch == remind.WeChat && c.OpenID != "":
				ok, err := tx.TakeQuota(ctx, userID, tid)
				if err != nil {
					return err
				}
				if ok {
					to = recipient{ch, c.OpenID}
					m.Recipient = remind.MaskOpenID(c.OpenID)
				}
			case ch == remind.SMS && phone != "":
				to = recipient{ch, phone}
				m.Recipient = pii.MaskPhone(phone)
			}
			if to.channel != "" {
				m = mysql.Notice{ID: st.ID, UserID: userID, LoanID: loanID, Seq: n.Seq, Kind: string(n.Kind), Template: string(n.Template),
					Channel: string(ch), TemplateID: tid, Recipient: m.Recipient, Params: string(masked), Attempts: st.Attempts + 1}
				m.ID, err = tx.ClaimMessage(ctx, m, day)
				return err
			}
		}
		return nil
	})
	if mysql.IsClaimLost(err) || (err == nil && to.channel == "") {
		r.Skipped++
		return nil
	}
	if err != nil {
		return err
	}
	return deliver(ctx, a, m, to, params, r)
}

// deliver calls the provider and records its answer: sent; failed (a
// later run may retry, on the next channel after a WeChat refusal); or
// gave_up after RemindMaxAttempts or a refusal a retry cannot fix.
func deliver(ctx context.Context, a *app.App, m mysql.Notice, to recipient, params []remind.Param, r *RemindReport) error {
	var res remind.Result
	var err error
	if to.channel == remind.WeChat {
		res, err = a.WeChat.SendSubscribe(ctx, to.address, m.TemplateID, a.Cfg.Remind.Page, params)
	} else {
		values := make([]string, len(params))
		for i, p := range params {
			values[i] = p.Value
		}
		res, err = a.SMS.SendSMS(ctx, to.address, m.TemplateID, values)
	}
	if err != nil {
		res = remind.Result{Outcome: remind.Retry, Code: "error"}
		a.Log.ErrorContext(ctx, "remind: send", "message_id", m.ID, "error", err.Error())
	}
	status, quota := mysql.MessageSent, mysql.QuotaKeep
	switch {
	case res.Outcome == remind.Sent:
		r.Sent++
	case to.channel == remind.WeChat && res.Code == "43101":
		status, quota = mysql.MessageFailed, mysql.QuotaClear
	case res.Outcome == remind.Retry:
		status = mysql.MessageFailed
		if to.channel == remind.WeChat {
			quota = mysql.QuotaRefund
		}
	default:
		status = mysql.MessageGaveUp
	}
	if status == mysql.MessageFailed && m.Attempts >= RemindMaxAttempts {
		status = mysql.MessageGaveUp
	}
	if status != mysql.MessageSent {
		r.Failed++
	}
	return mysql.Messages{DB: a.DB}.FinishMessage(ctx, m.ID, status, res.Code, quota, a.Clock.Now())
}
