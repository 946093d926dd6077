package jobs

import (
	"context"
	"encoding/json"
	"errors"
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
	if errors.Is(err, errNoBill) {
		a.Log.ErrorContext(ctx, "remind: loan skipped", "loan_id", l.ID, "error", err.Error())
		return nil
	}
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

// errNoBill: a loan's stored state or product that lending cannot read
// (logged; the loan is skipped rather than stopping everyone's reminders).
var errNoBill = errors.New("no bill")

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
		return b, fmt.Errorf("%w: loan %d: %v", errNoBill, l.ID, err)
	}
	return b, nil
}

// sendNotice claims the notice (cap, channel, subscription) in one
// transaction, calls the provider outside it and records the answer. The
// phone is decrypted only for a notice claimed for SMS.
func sendNotice(ctx context.Context, a *app.App, userID, loanID int64, n remind.Notice, r *RemindReport) error {
	now := a.Clock.Now()
	p := a.Cfg.Remind
	day := lending.ShanghaiDate(now)
	c, err := mysql.Messages{DB: a.DB}.Contact(ctx, userID)
	if err != nil {
		return err
	}
	params := remind.ParamsOf(n)
	masked, _ := json.Marshal(params)
	var m mysql.Notice
	err = mysql.InTx(ctx, a.DB, now, func(tx *mysql.Tx) error {
		m = mysql.Notice{}
		st, err := tx.NoticeState(ctx, userID, loanID, n.Seq, string(n.Kind), day)
		if err != nil || (st.ID != 0 && st.Status != mysql.MessageFailed) || st.Attempts >= RemindMaxAttempts || st.SentToday >= p.DailyMax {
			return err
		}
		ch, recipient, err := pickChannel(ctx, tx, p, c, userID, n.Template)
		if err != nil || ch == "" {
			return err
		}
		m = mysql.Notice{ID: st.ID, UserID: userID, LoanID: loanID, Seq: n.Seq, Kind: string(n.Kind), Template: string(n.Template),
			Channel: string(ch), TemplateID: p.TemplateID(ch, n.Template), Recipient: recipient, Params: string(masked), Attempts: st.Attempts + 1}
		m.ID, err = tx.ClaimMessage(ctx, m, day)
		return err
	})
	if mysql.IsClaimLost(err) || (err == nil && m.Channel == "") {
		r.Skipped++
		return nil
	}
	if err != nil {
		return err
	}
	return deliver(ctx, a, m, c, params, r)
}

// pickChannel is the first channel of the configured order that reaches
// the borrower: WeChat while they hold a subscription to the template
// (one is used), SMS when their verified phone is known. It returns the
// masked recipient, or no channel.
func pickChannel(ctx context.Context, tx *mysql.Tx, p remind.Policy, c mysql.Contact, userID int64, t remind.Template) (remind.Channel, string, error) {
	for _, ch := range p.Channels {
		switch {
		case ch == remind.WeChat && c.OpenID != "":
			ok, err := tx.TakeQuota(ctx, userID, p.TemplateID(ch, t))
			if err != nil || ok {
				return ch, remind.MaskOpenID(c.OpenID), err
			}
		case ch == remind.SMS && c.PhoneEnc != "":
			return ch, c.PhoneMasked, nil
		}
	}
	return "", "", nil
}

// deliver calls the provider and records its answer: sent; failed (a
// later run may retry, on the next channel after a WeChat refusal); or
// gave_up after RemindMaxAttempts or a refusal a retry cannot fix.
func deliver(ctx context.Context, a *app.App, m mysql.Notice, c mysql.Contact, params []remind.Param, r *RemindReport) error {
	res, err := send(ctx, a, m, c, params)
	if err != nil {
		res = remind.Result{Outcome: remind.Retry, Code: "error"}
		a.Log.ErrorContext(ctx, "remind: send", "message_id", m.ID, "error", err.Error())
	}
	wechat := m.Channel == string(remind.WeChat)
	status, quota := mysql.MessageSent, mysql.QuotaKeep
	switch {
	case res.Outcome == remind.Sent:
		r.Sent++
	case wechat && res.Code == "43101":
		status, quota = mysql.MessageFailed, mysql.QuotaClear
	case res.Outcome == remind.Retry:
		status = mysql.MessageFailed
		if wechat {
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

// send calls m's channel; the phone is decrypted here, in memory only.
func send(ctx context.Context, a *app.App, m mysql.Notice, c mysql.Contact, params []remind.Param) (remind.Result, error) {
	if m.Channel == string(remind.WeChat) {
		return a.WeChat.SendSubscribe(ctx, c.OpenID, m.TemplateID, a.Cfg.Remind.Page, params)
	}
	phone, err := a.Vault.Decrypt(ctx, pii.FieldPhone, c.PhoneEnc)
	if err != nil {
		return remind.Result{}, fmt.Errorf("phone of user %d: %w", m.UserID, err)
	}
	return a.SMS.SendSMS(ctx, phone, m.TemplateID, remind.SMSValues(params))
}
