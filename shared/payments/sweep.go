package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// DefaultSweepAge is how long a transfer, order or refund may stay open
// before the sweeper asks WeChat Pay about it.
const DefaultSweepAge = 60 * time.Second

// Sweep bounds: job-sweeper runs every minute and takes at most SweepBatch
// transfers, orders and refunds each per run; no caller takes more than
// maxSweepBatch.
const (
	SweepBatch    = 100
	maxSweepBatch = 500
)

// Sweep is the payments share of job-sweeper: SweepTransfers, SweepOrders
// and SweepRefunds over what is open for DefaultSweepAge, SweepBatch of
// each. Every sweep runs whatever the others did; their failures come
// back joined.
func Sweep(ctx context.Context, d Deps) error {
	_, errTransfers := SweepTransfers(ctx, d, DefaultSweepAge, SweepBatch)
	_, errOrders := SweepOrders(ctx, d, DefaultSweepAge, SweepBatch)
	_, errRefunds := SweepRefunds(ctx, d, DefaultSweepAge, SweepBatch)
	return errors.Join(errTransfers, errOrders, errRefunds)
}

// sweepBatch is limit within 1..maxSweepBatch (maxSweepBatch when unset).
func sweepBatch(limit int) int {
	if limit <= 0 || limit > maxSweepBatch {
		return maxSweepBatch
	}
	return limit
}

// SweepTransfers finishes open transfers untouched for at least age, at
// most limit per run: it queries each by its number and applies the
// answer exactly as a notification would; a number WeChat Pay never
// accepted (NotFound while CREATING/UNKNOWN: a process died between
// storing and sending) is sent again with the same number and parameters,
// as is a bill awaiting confirmation whose package_info was lost. It
// returns how many parts it looked at; the error is the first failure
// (the others are retried next run).
func SweepTransfers(ctx context.Context, d Deps, age time.Duration, limit int) (int, error) {
	d = d.withDefaults()
	now := d.Clock.Now()
	parts, err := d.store().Stale(ctx, now.Add(-age), now, sweepBatch(limit))
	if err != nil {
		return 0, fmt.Errorf("sweep transfers: %w", err)
	}
	var first error
	for _, p := range parts {
		if err := sweepPart(ctx, d, p); err != nil {
			d.Log.Warn("sweep transfer", "out_bill_no", p.OutBillNo, "error", err.Error())
			if first == nil {
				first = err
			}
		}
	}
	return len(parts), first
}

// sweepPart claims p, then queries it and applies the answer; a number
// never sent (a new attempt, or a process that died before the call) is
// sent, as is one WeChat Pay does not know or whose package_info was lost.
func sweepPart(ctx context.Context, d Deps, p disbursement.Part) error {
	neverSent := p.Attempts == 0
	ok, err := claim(ctx, d, &p)
	if !ok {
		return err
	}
	if neverSent {
		return resend(ctx, d, p)
	}
	c, err := d.route(ctx, p)
	if err != nil {
		return err
	}
	bill, err := c.QueryTransfer(ctx, p.OutBillNo)
	switch {
	case err == nil:
		if bill.State == wxpay.TransferWaitUserConfirm && p.PackageInfo == "" {
			return resend(ctx, d, p)
		}
		return apply(ctx, d, billUpdate(p.OutBillNo, bill, false))
	case errors.Is(err, wxpay.ErrNotFound) && (p.State == disbursement.Creating || p.State == disbursement.Unknown):
		return resend(ctx, d, p)
	case errors.Is(err, wxpay.ErrNotFound):
		d.Log.Error("transfer vanished at WeChat Pay; queued for review", "out_bill_no", p.OutBillNo, "state", p.State)
		return errors.Join(err, queue(ctx, d, ops.New(ops.TransferVanished, ops.SubjectDisbursement, p.OutBillNo,
			"transfer vanished at WeChat Pay", p.AmountFen, map[string]any{"state": p.State, "mch_id": p.MchID, "attempts": p.Attempts})))
	default:
		return err
	}
}

// queue adds an item for a person on its own (the state it describes is
// already stored and does not change).
func queue(ctx context.Context, d Deps, it ops.Item) error {
	return mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		_, err := tx.AddOpsItem(ctx, it)
		return err
	})
}

// resend sends a part the caller has claimed.
func resend(ctx context.Context, d Deps, p disbursement.Part) error {
	l, err := mysql.Loans{DB: d.DB}.ByID(ctx, p.LoanID)
	if err != nil {
		return err
	}
	return createClaimed(ctx, d, l.UserID, p)
}
