package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// maxParts bounds the split of one disbursement.
const maxParts = 64

// OutBillNo is the transfer number of a loan's part: "D<loan>P<part>" for
// its first attempt, "D<loan>P<part>A<n>" for attempt n >= 2 (a reroute or
// a retry on a later day, made only once the earlier number is proved
// dead).
func OutBillNo(loanID int64, partNo, attempt int) string {
	if attempt <= 1 {
		return fmt.Sprintf("D%dP%d", loanID, partNo)
	}
	return fmt.Sprintf("D%dP%dA%d", loanID, partNo, attempt)
}

// SplitFen splits amount into the fewest parts of at most limit, as equal
// as possible (the first parts take the remainder fen), so no part is a
// tiny tail below the channel minimum.
func SplitFen(amount, limit money.Fen) []money.Fen {
	if amount <= 0 || limit <= 0 {
		return nil
	}
	n := int64((amount + limit - 1) / limit)
	base, rem := int64(amount)/n, int64(amount)%n
	out := make([]money.Fen, n)
	for i := range out {
		out[i] = money.Fen(base)
		if int64(i) < rem {
			out[i]++
		}
	}
	return out
}

// DisburseJob is the disburse function: invoked asynchronously with
// {"loan_id": N} by the outbox when a loan becomes signed. It returns an
// error only when a platform retry can help.
func DisburseJob(d Deps) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, raw json.RawMessage) error {
		var in struct {
			LoanID int64 `json:"loan_id"`
		}
		if err := json.Unmarshal(raw, &in); err != nil || in.LoanID <= 0 {
			d.Log.Error("disburse: bad payload", "payload_bytes", len(raw))
			return nil
		}
		return Disburse(ctx, d, in.LoanID)
	}
}

// Disburse starts a signed loan's disbursement: it re-checks the amount
// against the signed terms, moves the loan signed→disbursing and stores the
// parts in one transaction (a trigger that loses the race does nothing),
// then sends each part. A part whose outcome is unknown stays for the
// sweeper. Errors are infrastructure failures worth a retry.
func Disburse(ctx context.Context, d Deps, loanID int64) error {
	d = d.withDefaults()
	userID, parts, err := startDisbursement(ctx, d, loanID)
	if err != nil || len(parts) == 0 {
		return err
	}
	for _, p := range parts {
		if err := sendPart(ctx, d, userID, p); err != nil {
			d.Log.Warn("disburse: part left for the sweeper", "out_bill_no", p.OutBillNo, "error", err.Error())
		}
	}
	return nil
}

// startDisbursement checks the loan and, if this caller wins the
// signed→disbursing update, stores its parts (CREATING). No parts means
// nothing to do (another caller won, or the loan is not disbursable).
func startDisbursement(ctx context.Context, d Deps, loanID int64) (int64, []disbursement.Part, error) {
	l, err := mysql.Loans{DB: d.DB}.ByID(ctx, loanID)
	if apierr.CodeOf(err) == apierr.NotFound {
		d.Log.Error("disburse: no such loan", "loan_id", loanID)
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("disburse loan %d: %w", loanID, err)
	}
	if l.Status != loan.Signed {
		return 0, nil, nil
	}
	stored, err := mysql.LoanAmountFen(ctx, d.DB, loanID)
	if err != nil {
		return 0, nil, fmt.Errorf("disburse loan %d: %w", loanID, err)
	}
	q := l.Quote
	net := q.AmountFen
	if q.UpfrontFeeDeducted {
		net -= q.UpfrontFeeFen
	}
	if stored != q.AmountFen || net <= 0 || net != q.NetAmountFen {
		d.Log.Error("disburse: amount does not match the signed terms", "loan_id", loanID)
		return 0, nil, nil
	}
	mch, err := firstRoute(ctx, d)
	if err != nil {
		return 0, nil, fmt.Errorf("disburse loan %d: %w", loanID, err)
	}
	amounts := SplitFen(net, d.PartLimitFen)
	if len(amounts) > maxParts {
		d.Log.Error("disburse: too many parts", "loan_id", loanID, "parts", len(amounts))
		return 0, nil, nil
	}
	parts := make([]disbursement.Part, len(amounts))
	for i, a := range amounts {
		parts[i] = disbursement.Part{LoanID: loanID, PartNo: i + 1, AttemptNo: 1, OutBillNo: OutBillNo(loanID, i+1, 1), MchID: mch,
			AmountFen: a, State: disbursement.Creating}
	}
	err = mysql.Loans{DB: d.DB}.Transition(ctx, mysql.Transition{LoanID: loanID, From: loan.Signed, To: loan.Disbursing,
		Reason: "disbursement_started", Also: func(tx *mysql.Tx) error { return tx.InsertDisbursementParts(ctx, parts) }}, d.Clock.Now())
	if c := apierr.CodeOf(err); c == apierr.FailedPrecondition || c == apierr.Conflict {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("disburse loan %d: %w", loanID, err)
	}
	return l.UserID, parts, nil
}

// sendPart claims a stored part and sends it; a part someone else
// claimed meanwhile, or held until later, is left alone.
func sendPart(ctx context.Context, d Deps, userID int64, p disbursement.Part) error {
	ok, err := claim(ctx, d, &p)
	if !ok {
		return err
	}
	return createClaimed(ctx, d, userID, p)
}

// claim takes the one call to WeChat Pay a part may have in flight
// (mysql.ClaimAttempt); p.Attempts counts it on success.
func claim(ctx context.Context, d Deps, p *disbursement.Part) (bool, error) {
	now := d.Clock.Now()
	if p.Held(now) {
		return false, nil
	}
	ok, err := d.store().ClaimAttempt(ctx, p.OutBillNo, p.Attempts, now)
	if ok {
		p.Attempts++
	}
	return ok, err
}

// createClaimed calls CreateTransfer for a claimed part (same number and
// parameters on every attempt) and applies the answer. A merchant account
// refusing for lack of balance or limits hands the part to the next route.
func createClaimed(ctx context.Context, d Deps, userID int64, p disbursement.Part) error {
	c, err := d.route(ctx, p)
	if err != nil {
		return err
	}
	req, err := transferRequest(ctx, d, userID, p)
	if err != nil {
		return err
	}
	bill, err := c.CreateTransfer(ctx, req)
	if err == nil {
		return apply(ctx, d, billUpdate(p.OutBillNo, bill, true))
	}
	if errors.Is(err, wxpay.ErrNotEnough) || errors.Is(err, wxpay.ErrMerchantLimit) {
		return routeRefused(ctx, d, c, userID, p, err)
	}
	var we *wxpay.Error
	if errors.As(err, &we) && we.Final {
		return settleRefusedCreate(ctx, d, c, p, we)
	}
	markUnknown(ctx, d, p, time.Time{})
	return err
}

// ErrNoRoute: a part's merchant account is not among the configured routes.
var ErrNoRoute = errors.New("payments: merchant account not configured")

// markUnknown leaves an open part for the sweeper, held until hold when
// that is set. The same number is queried or resent later, never replaced.
func markUnknown(ctx context.Context, d Deps, p disbursement.Part, hold time.Time) {
	if p.State == disbursement.Creating {
		_ = apply(ctx, d, update{OutBillNo: p.OutBillNo, State: disbursement.Unknown})
	}
	if !hold.IsZero() {
		if err := d.store().Hold(ctx, p.OutBillNo, hold); err != nil {
			d.Log.Warn("disburse: hold", "out_bill_no", p.OutBillNo, "error", err.Error())
		}
	}
}

// settleRefusedCreate handles a create WeChat Pay refused: the bill may
// still exist (the number reused with other parameters), so only a query
// answering NotFound lets the part end as FAIL.
func settleRefusedCreate(ctx context.Context, d Deps, c *wxpay.Client, p disbursement.Part, refused *wxpay.Error) error {
	bill, err := c.QueryTransfer(ctx, p.OutBillNo)
	switch {
	case err == nil:
		return apply(ctx, d, billUpdate(p.OutBillNo, bill, false))
	case errors.Is(err, wxpay.ErrNotFound):
		d.Log.Error("disburse: transfer refused; queued for review", "out_bill_no", p.OutBillNo, "code", refused.Code)
		item := ops.New(ops.TransferRefused, ops.SubjectDisbursement, p.OutBillNo, "transfer refused and unknown at WeChat Pay", 0,
			map[string]any{"code": refused.Code, "message": refused.Message, "mch_id": p.MchID, "amount_fen": p.AmountFen})
		return apply(ctx, d, update{OutBillNo: p.OutBillNo, State: wxpay.TransferFail, FailReason: "REFUSED_" + refused.Code, review: &item})
	default:
		return err
	}
}

// realNameFromFen is the transfer amount (2000.00 CNY) from which WeChat
// Pay checks the receiver's real name, so the request carries it.
const realNameFromFen money.Fen = 200_000

func transferRequest(ctx context.Context, d Deps, userID int64, p disbursement.Part) (wxpay.TransferRequest, error) {
	u, err := mysql.Users{DB: d.DB}.ByID(ctx, userID)
	if err != nil {
		return wxpay.TransferRequest{}, fmt.Errorf("borrower %d: %w", userID, err)
	}
	req := wxpay.TransferRequest{OutBillNo: p.OutBillNo, OpenID: u.OpenID, AmountFen: p.AmountFen, Remark: d.Remark,
		SceneID: d.SceneID, SceneReportInfos: d.SceneReports, UserRecvPerception: ""}
	if d.NameOf != nil && p.AmountFen >= realNameFromFen {
		if req.UserName, err = d.NameOf(ctx, userID); err != nil {
			return req, fmt.Errorf("borrower %d name: %w", userID, err)
		}
	}
	return req, nil
}
