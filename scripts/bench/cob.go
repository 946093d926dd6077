package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/cob"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// cobDate is the business date the benchmark closes; every seeded loan is
// closed up to the day before (cob_runs says so).
var cobDate = lending.Date{Year: 2026, Month: 11, Day: 29}

// cobMch is the merchant account the seeded loans were disbursed from.
const cobMch = "1900000109"

// benchCOB seeds n loans being repaid (12-month equal installments of the
// standard product, one borrower and credit line each) straight into a
// throw-away database, as the disbursement, the repayments and earlier
// closes of business would have left them, then closes ONE business date
// with shared/cob.Run and, as the ceiling, runs a raw batched UPDATE of the
// same loan and servicing rows in chunks of the COB's size. Every tenth
// loan has an installment unpaid past its grace days (overdue, penalty
// accruing; some of them go overdue on the closed date itself); the others
// paid every installment due. workers is cob.Limits.Workers (0: the
// default); cpuprofile, when set, profiles Run.
func benchCOB(n, workers int, cpuprofile string) error {
	ctx := context.Background()
	db, dsn, done, err := scratchDB(ctx)
	if err != nil {
		return err
	}
	defer done()

	t0 := time.Now()
	seeded, err := seedCOB(ctx, db, n)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d loans (%d overdue, %d installments, %d ledger transactions) in %.1f s\n",
		n, seeded.overdue, seeded.installments, seeded.ledgerTx, time.Since(t0).Seconds())

	cfgEnv := gateway.DevEnv("127.0.0.1:1")
	cfgEnv["MYSQL_DSN"] = dsn
	cfgEnv["REDIS_PREFIX"] = "wxlend:bench:"
	cfg, err := app.Load(func(k string) string { return cfgEnv[k] })
	if err != nil {
		return err
	}
	at := time.Date(cobDate.Year, cobDate.Month, cobDate.Day, 0, 30, 0, 0, lending.Shanghai).AddDate(0, 0, 1)
	a, err := app.New(ctx, cfg, scf.NewLogger(os.Stderr, slog.LevelWarn), clock.NewFixed(at), clock.System{})
	if err != nil {
		return err
	}
	defer a.Close()

	fmt.Printf("closing %s with %d workers (0: cob.Workers = %d), chunks of %d, MYSQL_MAX_OPEN %d; load before the close: %s\n",
		cobDate, workers, cob.Workers, cob.Chunk, cfg.MySQLMaxOpen, uptime())
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start := time.Now()
	res, err := cob.Run(ctx, a, cob.Limits{MaxLoans: n + 1, Workers: workers}) // the default bound, 100,000, is exactly n: the empty read that finishes the date would be left to the next invocation
	took := time.Since(start)
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("cob: %+v: %w", res, err)
	}
	if !res.Done || len(res.Closed) != 1 || res.Closed[0] != cobDate || res.Loans != n || res.Failed != 0 {
		return fmt.Errorf("cob closed %+v, want %s for %d loans", res, cobDate, n)
	}
	fmt.Printf("close of business %s: %d loans in %.2f s = %.0f loans/s, penalty %d fen  (load after: %s)\n",
		cobDate, res.Loans, took.Seconds(), float64(res.Loans)/took.Seconds(), res.PenaltyFen, uptime())
	if err := checkCOB(ctx, db, seeded, res); err != nil {
		return err
	}

	ceil, err := ceilingCOB(ctx, db, n)
	if err != nil {
		return err
	}
	fmt.Printf("ceiling (raw batched UPDATE of loans + servicing, chunks of %d): %.2f s = %.0f loans/s\n",
		cob.Chunk, ceil.Seconds(), float64(n)/ceil.Seconds())
	fmt.Printf("ratio COB / ceiling: %.1fx   goal: the date closes in < 60 s (%s)\n", took.Seconds()/ceil.Seconds(),
		map[bool]string{true: "met", false: "NOT met"}[took < time.Minute])
	fmt.Printf("load at the end: %s\n", uptime())
	return nil
}

// seeded is what seedCOB wrote, for the checks after the close.
type seeded struct {
	overdue, installments, ledgerTx int
	wentOverdue                     int64 // a loan whose installment passes its grace on cobDate
	stillOverdue                    int64 // a loan overdue before cobDate
	current                         int64 // a current loan
	penaltyBefore                   int64 // penalty receivable booked before the close
}

// batch accumulates the rows of one multi-row INSERT.
type batch struct {
	head  string
	marks []string
	args  []any
}

func (b *batch) add(mark string, args ...any) {
	b.marks = append(b.marks, mark)
	b.args = append(b.args, args...)
}

func (b *batch) flush(ctx context.Context, db *sql.DB) error {
	if len(b.marks) == 0 {
		return nil
	}
	_, err := db.ExecContext(ctx, b.head+strings.Join(b.marks, ","), b.args...)
	b.marks, b.args = b.marks[:0], b.args[:0]
	return err
}

// seedBatch is how many loans go in one round of multi-row INSERTs.
const seedBatch = 500

// seedCOB writes n loans as the real code leaves them once disbursed and
// closed up to the day before cobDate: the products row is the migration's;
// per loan a credit line (limit twice the amount, what is unrepaid drawn),
// the loans row (status, the redated quote JSON as schedule,
// last_closed_date, dpd), its servicing state (installments due paid, the
// overdue one's penalty accrued day by day by lending.CloseDay), the
// disbursement in the ledger and each earlier day's penalty_accrual under
// its real key. Ids are assigned here (loan i is user i).
func seedCOB(ctx context.Context, db *sql.DB, n int) (seeded, error) {
	var s seeded
	pv, err := mysql.Products{DB: db}.Active(ctx, "standard")
	if err != nil {
		return s, err
	}
	p := pv.Product
	now := time.Date(cobDate.Year, cobDate.Month, cobDate.Day, 0, 30, 0, 0, lending.Shanghai).UTC()
	prev := cobDate.AddDays(-1)
	const capBP = 2400

	// Ledger ids: account 1 the clearing account, 2 penalty income; then
	// per loan its principal account, and a penalty account when one accrued.
	accounts := &batch{head: `INSERT INTO ledger_accounts (id, code, type, balance_fen, created_at) VALUES `}
	txs := &batch{head: `INSERT INTO ledger_transactions (id, idem_key, kind, input_hash, reverses_key, created_at) VALUES `}
	entries := &batch{head: `INSERT INTO ledger_entries (tx_id, account_id, amount_fen, created_at) VALUES `}
	lines := &batch{head: `INSERT INTO credit_lines (user_id, limit_fen, used_fen, annual_rate_bp, status, frozen_reason, on_time_streak, expires_at, application_id, updated_at) VALUES `}
	loans := &batch{head: `INSERT INTO loans (id, user_id, quote_id, product_code, product_version, amount_fen, term_months, method, annual_rate_bp, apr_bp,
		status, status_reason, schedule, last_closed_date, dpd, dpd_bucket, writeoff_eligible, created_at, updated_at) VALUES `}
	servicing := &batch{head: `INSERT INTO loan_servicing (loan_id, state, version, updated_at) VALUES `}
	var clearing, penaltyIncome int64
	nextAccount, nextTx := int64(3), int64(1)
	post := func(t ledger.Transaction, ids map[ledger.Account]int64) {
		id := nextTx
		nextTx++
		s.ledgerTx++
		txs.add("(?,?,?,?,NULL,?)", id, t.Key, t.Kind, t.Hash(), now)
		for _, e := range t.Entries {
			entries.add("(?,?,?,?)", id, ids[e.Account], int64(e.AmountFen), now)
		}
	}
	flush := func() error {
		for _, b := range []*batch{accounts, txs, entries, lines, loans, servicing} {
			if err := b.flush(ctx, db); err != nil {
				return fmt.Errorf("%.40s: %w", b.head, err)
			}
		}
		return nil
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		id := int64(i + 1)
		amount := money.Fen(1000_00 + (i%40)*500_00)
		overdue := i%10 == 0
		var startDate lending.Date
		if overdue {
			startDate = cobDate.AddDays(-(35 + (i*7919)%300))
		} else {
			startDate = cobDate.AddDays(-(1 + (i*7919)%330))
		}
		q, err := lending.Quote(p, lending.QuoteRequest{AmountFen: amount, TermMonths: 12, Method: lending.EqualInstallment, AnnualRateBP: 1800},
			startDate, capBP)
		if err != nil {
			return s, err
		}
		k := len(q.Installments)
		s.installments += k
		st := lending.LoanState{Schedule: q.Schedule, Paid: make([]lending.Components, k), PenaltyAccruedFen: make([]money.Fen, k), AsOf: prev}
		unpaid := -1
		if overdue { // the last installment past its grace on cobDate is unpaid
			for j, in := range q.Installments {
				if lending.PenaltyDays(in.DueDate, cobDate, p.GraceDays) > 0 {
					unpaid = j
				}
			}
		}
		remaining := amount
		for j, in := range q.Installments {
			if j != unpaid && !in.DueDate.After(cobDate) && (j < unpaid || unpaid < 0) {
				st.Paid[j] = lending.Components{FeeFen: in.FeeFen, InterestFen: in.InterestFen, PrincipalFen: in.PrincipalFen}
				remaining -= in.PrincipalFen
			}
		}
		status, reason, dpd, bucket := loan.Active, "disbursed", 0, lending.BucketCurrent
		principalAcct, penaltyAcct := ledger.LoanAccount(id, ledger.Principal), ledger.LoanAccount(id, ledger.Penalty)
		ids := map[ledger.Account]int64{}
		if i == 0 {
			clearing, penaltyIncome = 1, 2
			accounts.add("(?,?,?,?,?)", clearing, string(ledger.Clearing(cobMch)), string(ledger.Asset), 0, now)
			accounts.add("(?,?,?,?,?)", penaltyIncome, string(ledger.PenaltyIncome), string(ledger.Income), 0, now)
		}
		ids[ledger.Clearing(cobMch)], ids[ledger.PenaltyIncome] = clearing, penaltyIncome
		ids[principalAcct] = nextAccount
		accounts.add("(?,?,?,?,?)", nextAccount, string(principalAcct), string(ledger.Asset), int64(amount), now)
		nextAccount++
		post(ledger.Transaction{Key: "disb:" + fmt.Sprintf("D%08d01", id), Kind: "disbursement", Entries: []ledger.Entry{
			{Account: principalAcct, AmountFen: amount}, {Account: ledger.Clearing(cobMch), AmountFen: -amount}}}, ids)
		if unpaid >= 0 {
			s.overdue++
			due := q.Installments[unpaid].DueDate
			var penaltyTotal money.Fen
			var txsOfLoan []ledger.Transaction
			for day := due.AddDays(1); !day.After(prev); day = day.AddDays(1) {
				out, err := lending.CloseDay(st, p, capBP, day)
				if err != nil {
					return s, fmt.Errorf("loan %d on %s: %w", id, day, err)
				}
				st, dpd, bucket = out.State, out.DPD, out.Bucket
				if out.PenaltyFen > 0 {
					penaltyTotal += out.PenaltyFen
					txsOfLoan = append(txsOfLoan, ledger.Transaction{Key: "penalty:" + strconv.FormatInt(id, 10) + ":" + day.String(), Kind: "penalty_accrual",
						Entries: []ledger.Entry{ledger.Debit(penaltyAcct, out.PenaltyFen), ledger.Credit(ledger.PenaltyIncome, out.PenaltyFen)}})
				}
			}
			st.AsOf = prev
			if penaltyTotal > 0 {
				ids[penaltyAcct] = nextAccount
				accounts.add("(?,?,?,?,?)", nextAccount, string(penaltyAcct), string(ledger.Asset), int64(penaltyTotal), now)
				nextAccount++
				for _, t := range txsOfLoan {
					post(t, ids)
				}
				s.penaltyBefore += int64(penaltyTotal)
			}
			if dpd > 0 {
				status, reason = loan.Overdue, "past_due"
				if s.stillOverdue == 0 {
					s.stillOverdue = id
				}
			} else if s.wentOverdue == 0 {
				s.wentOverdue = id
			}
		} else if s.current == 0 {
			s.current = id
		}
		lineStatus, frozen := loan.LineActive, ""
		if status == loan.Overdue {
			lineStatus, frozen = loan.LineFrozen, mysql.FrozenOverdue
		}
		lines.add("(?,?,?,?,?,?,?,?,NULL,?)", id, int64(amount)*2, int64(remaining), 1800, string(lineStatus), frozen, 0, now.AddDate(1, 0, 0), now)
		sched, err := json.Marshal(q)
		if err != nil {
			return s, err
		}
		state, err := json.Marshal(st)
		if err != nil {
			return s, err
		}
		var rnd [16]byte
		_, _ = rand.Read(rnd[:])
		created := time.Date(startDate.Year, startDate.Month, startDate.Day, 10, 0, 0, 0, lending.Shanghai).UTC()
		loans.add("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)", id, id, hex.EncodeToString(rnd[:]), q.ProductCode, pv.Version, int64(amount), q.TermMonths,
			string(q.Method), int64(q.AnnualRateBP), int64(q.APRBP), string(status), reason, string(sched), prev.String(), dpd, string(bucket), created, now)
		servicing.add("(?,?,?,?)", id, string(state), 1+prev.DaysSince(startDate), now)
		if (i+1)%seedBatch == 0 || i == n-1 {
			if err := flush(); err != nil {
				return s, err
			}
		}
		if (i+1)%10_000 == 0 || i == n-1 {
			el := time.Since(start).Seconds()
			fmt.Printf("  seeded %6d / %d loans  %5.1f s  (%.0f loans/s)\n", i+1, n, el, float64(i+1)/el)
		}
	}
	// Balances of the shared accounts: the sum of their entries.
	if _, err := db.ExecContext(ctx, `UPDATE ledger_accounts a JOIN (SELECT account_id, SUM(amount_fen) s FROM ledger_entries
		WHERE account_id IN (?, ?) GROUP BY account_id) e ON e.account_id = a.id SET a.balance_fen = e.s`, clearing, penaltyIncome); err != nil {
		return s, err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO cob_runs (business_date, status, cursor_loan_id, loans_closed, penalty_fen, started_at, updated_at, finished_at)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?)`, prev.String(), mysql.COBDone, n, n, now.Add(-24*time.Hour), now.Add(-24*time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		return s, err
	}
	_, err = db.ExecContext(ctx, `ANALYZE TABLE loans, loan_servicing, credit_lines, ledger_accounts, ledger_transactions, ledger_entries`)
	return s, err
}

// checkCOB verifies the book and spot-checks three loans after the close.
func checkCOB(ctx context.Context, db *sql.DB, s seeded, res cob.Result) error {
	v, err := mysql.Ledger{DB: db}.Verify(ctx)
	if err != nil {
		return err
	}
	if len(v) > 0 {
		return fmt.Errorf("ledger: %+v", v)
	}
	var penalty, left, overdue, frozen int64
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_accounts WHERE code LIKE 'loan:%:penalty'),
		(SELECT COUNT(*) FROM loans WHERE last_closed_date <> ?),
		(SELECT COUNT(*) FROM loans WHERE status = 'overdue'),
		(SELECT COUNT(*) FROM credit_lines WHERE status = 'frozen')`, cobDate.String()).Scan(&penalty, &left, &overdue, &frozen); err != nil {
		return err
	}
	if penalty != s.penaltyBefore+int64(res.PenaltyFen) || left != 0 || overdue != int64(s.overdue) || frozen != overdue {
		return fmt.Errorf("after the close: penalty %d (want %d + %d), %d loans not closed, %d overdue (want %d), %d lines frozen",
			penalty, s.penaltyBefore, res.PenaltyFen, left, overdue, s.overdue, frozen)
	}
	for _, c := range []struct {
		id     int64
		status loan.Status
		line   loan.LineStatus
		dpd    bool
	}{{s.wentOverdue, loan.Overdue, loan.LineFrozen, true}, {s.stillOverdue, loan.Overdue, loan.LineFrozen, true}, {s.current, loan.Active, loan.LineActive, false}} {
		if c.id == 0 {
			continue
		}
		var status loan.Status
		var line loan.LineStatus
		var dpd int
		var last string
		if err := db.QueryRowContext(ctx, `SELECT l.status, l.dpd, CAST(l.last_closed_date AS CHAR), c.status FROM loans l JOIN credit_lines c ON c.user_id = l.user_id
			WHERE l.id = ?`, c.id).Scan(&status, &dpd, &last, &line); err != nil {
			return err
		}
		if status != c.status || line != c.line || (dpd > 0) != c.dpd || last != cobDate.String() {
			return fmt.Errorf("loan %d after the close: %s dpd %d closed %s line %s", c.id, status, dpd, last, line)
		}
	}
	fmt.Printf("checked: ledger verifies, every loan closed for %s, %d overdue with frozen lines, penalty receivable %d fen (%d before + %d today); spot checks of loans %d (went overdue today), %d (overdue), %d (current) pass\n",
		cobDate, overdue, penalty, s.penaltyBefore, res.PenaltyFen, s.wentOverdue, s.stillOverdue, s.current)
	return nil
}

// ceilingCOB is the raw write the close of business must at least do: the
// loans and servicing rows of the same n loans updated in chunks of
// cob.Chunk, one batched UPDATE each, autocommitted.
func ceilingCOB(ctx context.Context, db *sql.DB, n int) (time.Duration, error) {
	next := cobDate.AddDays(1).String()
	now := time.Now().UTC()
	start := time.Now()
	for lo := 1; lo <= n; lo += cob.Chunk {
		hi := min(lo+cob.Chunk-1, n)
		if _, err := db.ExecContext(ctx, `UPDATE loans SET last_closed_date = ? WHERE id BETWEEN ? AND ?`, next, lo, hi); err != nil {
			return 0, err
		}
		if _, err := db.ExecContext(ctx, `UPDATE loan_servicing SET version = version + 1, updated_at = ? WHERE loan_id BETWEEN ? AND ?`, now, lo, hi); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func uptime() string {
	out, err := exec.Command("uptime").Output()
	if err != nil {
		return "uptime: " + err.Error()
	}
	s := strings.TrimSpace(string(out))
	if i := strings.Index(s, "load average"); i >= 0 {
		return s[i:]
	}
	return s
}
