package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// closeBusinessMonth moves the business clock 35 days on, across the
// loans' first due date, and runs the close of business (it catches up
// every date it missed).
func closeBusinessMonth(ctx context.Context, l *gateway.Local) error {
	at := l.Clock.Now().AddDate(0, 0, 35)
	if err := l.Clock.Set(at); err != nil {
		return err
	}
	_, err := l.FireTimer(ctx, "job-cob", at)
	return err
}

// quiesce fires the sweepers until the book stops moving (the same
// snapshot twice, no loan disbursing, no message waiting to be sent), at
// most for three minutes of wall time (claims age in wall time).
func quiesce(ctx context.Context, l *gateway.Local, db *sql.DB) (int, error) {
	start, last := time.Now(), ""
	for round := 1; ; round++ {
		for _, fn := range []string{"job-sweeper", "job-risk-redrive"} {
			if _, err := l.FireTimer(ctx, fn, l.Clock.Now()); err != nil {
				return round, fmt.Errorf("%s: %w", fn, err)
			}
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		_ = l.WaitAsync(wctx)
		confirmWaiting([]*wxpaytest.Fake{l.WxPay, l.WxPay2}) // a transfer the sweeper re-created waits for its borrower
		for _, f := range []*wxpaytest.Fake{l.WxPay, l.WxPay2} {
			_ = f.Flush(wctx)
		}
		cancel()
		snap, busy, err := snapshot(ctx, db)
		if err != nil {
			return round, err
		}
		if snap == last && !busy || time.Since(start) > 3*time.Minute {
			return round, nil
		}
		last = snap
		time.Sleep(2 * time.Second)
	}
}

// snapshot is the book's moving parts as text, and whether anything is
// still in flight.
func snapshot(ctx context.Context, db *sql.DB) (string, bool, error) {
	var b strings.Builder
	var busy int
	for _, q := range []string{
		`SELECT CONCAT(status, ':', COUNT(*)) FROM loans GROUP BY status ORDER BY status`,
		`SELECT CONCAT(state, ':', COUNT(*)) FROM disbursements GROUP BY state ORDER BY state`,
		`SELECT CONCAT(state, ':', COUNT(*)) FROM repayments GROUP BY state ORDER BY state`,
		`SELECT CONCAT('outbox:', COUNT(*)) FROM outbox WHERE dispatched_at IS NULL`,
		`SELECT CONCAT('pending applications:', COUNT(*)) FROM credit_applications WHERE status = 'pending'`,
	} {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return "", false, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return "", false, err
			}
			b.WriteString(s + " ")
		}
		rows.Close()
	}
	err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM loans WHERE status = 'disbursing') +
		(SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL)`).Scan(&busy)
	return b.String(), busy > 0, err
}

type result struct {
	name, detail string
	ok           bool
}

func check(ctx context.Context, g *gateway.Gateway, db *sql.DB) ([]result, error) {
	var out []result
	for _, c := range []func(context.Context, *gateway.Gateway, *sql.DB) (result, error){
		loansAtRest, partsPaidOnce, repaymentsKept, linesEqualOwed, verifiers,
	} {
		r, err := c(ctx, g, db)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// loansAtRest: every loan final, active/overdue, or waiting for its
// borrower (applied, signed); none still disbursing.
func loansAtRest(ctx context.Context, g *gateway.Gateway, db *sql.DB) (result, error) {
	r := result{name: "every loan final or resumable (none disbursing)", ok: true}
	rows, err := db.QueryContext(ctx, `SELECT status, COUNT(*) FROM loans GROUP BY status ORDER BY status`)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return r, err
		}
		parts = append(parts, fmt.Sprintf("%s %d", s, n))
		switch s {
		case "active", "overdue", "settled", "cancelled", "written_off", "applied", "signed":
		default:
			r.ok = false
		}
	}
	r.detail = "(" + strings.Join(parts, ", ") + ")"
	if err := rows.Err(); err != nil || r.ok {
		return r, err
	}
	stuck, err := stuckParts(ctx, g, db)
	r.detail += " " + stuck
	return r, err
}

// stuckParts names the parts of loans still disbursing, as the book and
// WeChat Pay hold them, for whoever reads a broken run.
func stuckParts(ctx context.Context, g *gateway.Gateway, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, `SELECT d.loan_id, d.part_no, d.out_bill_no, d.mch_id, d.state, d.attempts, d.fail_reason, CAST(d.updated_at AS CHAR)
		FROM disbursements d JOIN loans l ON l.id = d.loan_id WHERE l.status = 'disbursing' ORDER BY d.loan_id, d.id`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var loan, part, attempts int64
		var no, mch, state, reason, at string
		if err := rows.Scan(&loan, &part, &no, &mch, &state, &attempts, &reason, &at); err != nil {
			return "", err
		}
		fake := "absent at WeChat Pay"
		for _, f := range []*wxpaytest.Fake{g.WxPay, g.WxPay2} {
			if t, ok := f.Transfer(no); ok {
				fake = "WeChat Pay " + t.State + " " + strings.Join(t.History, ">")
			}
		}
		out = append(out, fmt.Sprintf("[loan %d part %d %s mch %s: %s, %d attempts %s, updated %s; %s]", loan, part, no, mch, state, attempts, reason, at, fake))
	}
	return strings.Join(out, " "), rows.Err()
}

// partsPaidOnce: no disbursement part has two successful transfers, and
// WeChat Pay holds no transfer the book does not know.
func partsPaidOnce(ctx context.Context, g *gateway.Gateway, db *sql.DB) (result, error) {
	r := result{name: "no disbursement part paid twice", ok: true}
	part := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT out_bill_no, CONCAT(loan_id, '/', part_no) FROM disbursements`)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var no, p string
		if err := rows.Scan(&no, &p); err != nil {
			rows.Close()
			return r, err
		}
		part[no] = p
	}
	rows.Close()
	paid, unknown, transfers := map[string]int{}, 0, 0
	for _, f := range []*wxpaytest.Fake{g.WxPay, g.WxPay2} {
		for _, t := range f.Transfers() {
			transfers++
			p, ok := part[t.OutBillNo]
			if !ok {
				unknown++
				continue
			}
			if t.State == wxpaytest.TransferSuccess {
				paid[p]++
			}
		}
	}
	twice := 0
	for _, n := range paid {
		if n > 1 {
			twice++
		}
	}
	r.ok = twice == 0 && unknown == 0
	r.detail = fmt.Sprintf("(%d transfers, %d parts paid, %d twice, %d unknown)", transfers, len(paid), twice, unknown)
	return r, nil
}

// repaymentsKept: every order WeChat Pay took money for is PAID in the
// book, and nothing is PAID that WeChat Pay did not take.
func repaymentsKept(ctx context.Context, g *gateway.Gateway, db *sql.DB) (result, error) {
	r := result{name: "no repayment lost (paid at WeChat Pay = PAID)", ok: true}
	rows, err := db.QueryContext(ctx, `SELECT out_trade_no, state FROM repayments`)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	var total, paid, lost, phantom int
	for rows.Next() {
		var no, state string
		if err := rows.Scan(&no, &state); err != nil {
			return r, err
		}
		total++
		taken := false
		for _, f := range []*wxpaytest.Fake{g.WxPay, g.WxPay2} {
			if o, ok := f.Order(no); ok && (o.State == "SUCCESS" || o.State == "REFUND") {
				taken = true
			}
		}
		switch {
		case taken && state != mysql.RepaymentPaid:
			lost++
		case !taken && state == mysql.RepaymentPaid:
			phantom++
		case taken:
			paid++
		}
	}
	r.ok = lost == 0 && phantom == 0
	r.detail = fmt.Sprintf("(%d repayments, %d paid, %d lost, %d paid without money)", total, paid, lost, phantom)
	return r, rows.Err()
}

// linesEqualOwed: a line's used amount is the amount of its loans not yet
// disbursed plus the principal its active and overdue loans still owe
// (their principal receivable in the ledger).
func linesEqualOwed(ctx context.Context, _ *gateway.Gateway, db *sql.DB) (result, error) {
	r := result{name: "every credit line's used = principal owed"}
	var lines, bad int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(used_fen <> owed), 0) FROM (
		SELECT c.user_id, c.used_fen, COALESCE(SUM(CASE
			WHEN l.status IN ('applied', 'signed', 'disbursing') THEN l.amount_fen
			WHEN l.status IN ('active', 'overdue') THEN (SELECT a.balance_fen FROM ledger_accounts a WHERE a.code = CONCAT('loan:', l.id, ':principal'))
			ELSE 0 END), 0) AS owed
		FROM credit_lines c LEFT JOIN loans l ON l.user_id = c.user_id GROUP BY c.user_id, c.used_fen) t`).Scan(&lines, &bad)
	r.ok = err == nil && bad == 0
	r.detail = fmt.Sprintf("(%d lines, %d differ)", lines, bad)
	return r, err
}

// verifiers: the ledger and evidence verifiers find nothing.
func verifiers(ctx context.Context, _ *gateway.Gateway, db *sql.DB) (result, error) {
	r := result{name: "ledger and evidence verifiers clean"}
	v, err := mysql.Ledger{DB: db}.Verify(ctx)
	if err != nil {
		return r, err
	}
	brk, err := mysql.VerifyEvidence(ctx, db)
	if err != nil {
		return r, err
	}
	r.ok = len(v) == 0 && brk == nil
	r.detail = fmt.Sprintf("(%d ledger violations, evidence break: %v)", len(v), brk)
	return r, nil
}
