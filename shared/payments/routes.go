package payments

import (
	"context"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Routing over merchant accounts. A part's first number goes to the first
// route that is not resting. When that account refuses for lack of
// balance (NOT_ENOUGH) or its own limit, the refusal is definite and we
// hold the only call in flight for the number (mysql.ClaimAttempt), so a
// query answering NOT_FOUND proves the number was never created: it is
// retired (REROUTED) and a new number on the next untried route pays the
// part. A bill that was created and then failed for a payer-side reason
// is equally dead (FAIL is final), and is rerouted the same way; one that
// failed on the borrower's daily receiving limit is sent again from the
// next day. An unknown outcome is never rerouted: the same number is
// queried or resent until WeChat Pay says what happened.

// maxAttempts bounds the numbers one part may use.
const maxAttempts = 8

// firstRoute is the merchant account new disbursements start on: the
// first route not resting, else the first.
func firstRoute(ctx context.Context, d Deps) (string, error) {
	if len(d.Routes) == 0 {
		return "", ErrNoRoute
	}
	resting, err := d.store().RestingRoutes(ctx, d.Clock.Now())
	if err != nil {
		return "", err
	}
	for _, c := range d.Routes {
		if !resting[c.MchID()] {
			return c.MchID(), nil
		}
	}
	return d.Routes[0].MchID(), nil
}

// nextAttempt is the attempt that replaces p (the last of its part among
// rows, ordered as ForLoan returns them) on an untried route, preferring
// routes not resting. ok is false when every route was tried or the part
// used its attempts.
func nextAttempt(d Deps, rows []disbursement.Part, p disbursement.Part, resting map[string]bool) (disbursement.Part, bool) {
	tried := map[string]bool{}
	last := 0
	for _, r := range rows {
		if r.PartNo == p.PartNo {
			tried[r.MchID] = true
			last = max(last, r.AttemptNo)
		}
	}
	if last >= maxAttempts {
		return disbursement.Part{}, false
	}
	for _, pass := range []bool{false, true} {
		for _, c := range d.Routes {
			if m := c.MchID(); !tried[m] && resting[m] == pass {
				return attemptOf(p, last+1, m), true
			}
		}
	}
	return disbursement.Part{}, false
}

func attemptOf(p disbursement.Part, n int, mchID string) disbursement.Part {
	return disbursement.Part{LoanID: p.LoanID, PartNo: p.PartNo, AttemptNo: n, OutBillNo: OutBillNo(p.LoanID, p.PartNo, n),
		MchID: mchID, AmountFen: p.AmountFen, State: disbursement.Creating}
}

// routeRefused handles a definite refusal for the paying account (its
// balance or limit) of a claimed part: the account rests; with another
// route, the number is proved dead and the part moves on; with none, the
// number waits (until tomorrow for a limit) and is sent again unchanged.
func routeRefused(ctx context.Context, d Deps, c *wxpay.Client, userID int64, p disbursement.Part, refusal error) error {
	code := errorCode(refusal)
	d.Log.Error("disburse: merchant account refused; top up or raise its limit", "mch_id", p.MchID, "code", code, "out_bill_no", p.OutBillNo)
	rows, err := d.store().ForLoan(ctx, p.LoanID)
	if err != nil {
		return err
	}
	var next disbursement.Part
	var ok bool
	err = mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		next, ok, err = restAndPickNext(ctx, tx, d, rows, p, code)
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		hold := time.Time{}
		if errors.Is(refusal, wxpay.ErrMerchantLimit) {
			hold = nextBusinessDay(d.Clock.Now())
		}
		markUnknown(ctx, d, p, hold)
		return refusal
	}
	bill, err := c.QueryTransfer(ctx, p.OutBillNo)
	switch {
	case err == nil:
		return apply(ctx, d, billUpdate(p.OutBillNo, bill, false))
	case !errors.Is(err, wxpay.ErrNotFound):
		markUnknown(ctx, d, p, time.Time{})
		return err
	}
	moved, err := rerouteTx(ctx, d, p, code, next)
	if err != nil || !moved {
		return err
	}
	d.Log.Warn("disburse: part rerouted", "from", p.OutBillNo, "to", next.OutBillNo, "mch_id", next.MchID)
	return sendPart(ctx, d, userID, next)
}

func rerouteTx(ctx context.Context, d Deps, p disbursement.Part, code string, next disbursement.Part) (bool, error) {
	var moved bool
	err := mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		var err error
		moved, err = tx.Reroute(ctx, p, truncate(code, reasonLen), next)
		return err
	})
	return moved, err
}

// retryAfterFail is the attempt that follows a bill that ended FAIL, when
// the failure leaves the money payable: a payer-side reason moves it to an
// untried route; the borrower's daily limit sends it again tomorrow from
// the same account. ok is false otherwise (the loan waits for a person or
// is cancelled).
func retryAfterFail(ctx context.Context, tx *mysql.Tx, d Deps, rows []disbursement.Part, p disbursement.Part) (disbursement.Part, bool, error) {
	switch {
	case wxpay.PayerSideFailure(p.FailReason):
		return restAndPickNext(ctx, tx, d, rows, p, p.FailReason)
	case wxpay.PayeeDailyLimit(p.FailReason) && p.AttemptNo < maxAttempts:
		next := attemptOf(p, p.AttemptNo+1, p.MchID)
		next.NotBefore = nextBusinessDay(tx.Now())
		return next, true, nil
	}
	return p, false, nil
}

// restAndPickNext rests p's account for reason and picks the attempt that
// replaces p on an untried route (nextAttempt), in tx: the rest commits
// with the refusal it answers, once however often tx is rerun.
func restAndPickNext(ctx context.Context, tx *mysql.Tx, d Deps, rows []disbursement.Part, p disbursement.Part, reason string) (disbursement.Part, bool, error) {
	if err := tx.RestRoute(ctx, p.MchID, truncate(reason, reasonLen), tx.Now().Add(d.RouteRest)); err != nil {
		return p, false, err
	}
	resting, err := tx.RestingRoutes(ctx)
	if err != nil {
		return p, false, err
	}
	next, ok := nextAttempt(d, rows, p, resting)
	return next, ok, nil
}

// dailyLimitReset is how long after midnight in China a number held for
// a daily limit is sent again, once the limits have surely reset.
const dailyLimitReset = 5 * time.Minute

// nextBusinessDay is 00:05 (dailyLimitReset) of the next day in China.
func nextBusinessDay(now time.Time) time.Time {
	day := lending.ShanghaiDate(now).AddDays(1)
	return time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, lending.Shanghai).Add(dailyLimitReset)
}

func errorCode(err error) string {
	var we *wxpay.Error
	if errors.As(err, &we) {
		return we.Code
	}
	return "ERROR"
}
