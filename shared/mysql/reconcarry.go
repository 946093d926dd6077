package mysql

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wxlend/wxlend/shared/money"
)

// OursByNo is the settled record of ours of kind under number no (ok
// false when there is none, or it has not settled): a bill line's record
// on a neighbouring date. Payments and refunds only when withPayments.
func (s Recon) OursByNo(ctx context.Context, mch string, withPayments bool, kind, no string) (OursRow, bool, error) {
	var q string
	args := []any{no}
	switch {
	case kind == OursPayment && withPayments:
		q = `SELECT amount_fen, COALESCE(paid_at, updated_at) FROM repayments WHERE out_trade_no = ? AND state = 'PAID'`
	case kind == OursRefund && withPayments:
		q = `SELECT amount_fen, updated_at FROM refunds WHERE out_refund_no = ? AND state = 'SUCCESS'`
	case kind == OursTransfer:
		q, args = `SELECT amount_fen, updated_at FROM disbursements WHERE out_bill_no = ? AND state = 'SUCCESS' AND mch_id = ?`, []any{no, mch}
	default:
		return OursRow{}, false, nil
	}
	r := OursRow{Kind: kind, No: no}
	var amount int64
	err := s.DB.QueryRowContext(ctx, q, args...).Scan(&amount, &r.At)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	r.AmountFen = money.Fen(amount)
	return r, err == nil, err
}

// Carry states (table recon_carries).
const (
	CarryCounted  = "counted"  // the report of BillDate counted the record: no other date does
	CarryDeferred = "deferred" // the run of BillDate must count it
)

// Carry is a record of ours whose reconciliation crosses midnight.
type Carry struct{ Kind, No, BillDate, State string }

// Carries lists mch's carries whose bill date is in [from, to] (YYYY-MM-DD).
func (s Recon) Carries(ctx context.Context, mch, from, to string) ([]Carry, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (c Carry, err error) {
		err = r.Scan(&c.Kind, &c.No, &c.BillDate, &c.State)
		return
	}, `SELECT kind, no, DATE_FORMAT(bill_date, '%Y-%m-%d'), state FROM recon_carries
		WHERE mch_id = ? AND bill_date >= ? AND bill_date <= ?`, mch, from, to)
}

// PutCarry records c in the transaction that stores the run deciding it;
// a record counted already stays with the date that counted it.
func (tx *Tx) PutCarry(ctx context.Context, mch string, c Carry) error {
	// Assignments run left to right: state, which the others test, last.
	_, err := tx.exec(ctx, `INSERT INTO recon_carries (mch_id, kind, no, bill_date, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE bill_date = IF(state = 'counted', bill_date, VALUES(bill_date)),
		updated_at = IF(state = 'counted', updated_at, VALUES(updated_at)), state = IF(state = 'counted', state, VALUES(state))`,
		mch, c.Kind, c.No, c.BillDate, c.State, tx.now)
	return err
}
