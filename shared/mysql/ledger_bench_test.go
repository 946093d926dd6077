package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// BenchmarkLedger compares ledger transactions posted per second (3 entries:
// one of benchLoans loans' principal and two hot accounts, a channel's
// clearing and interest income; idempotency key) with raw single-row
// INSERT transactions on the same pool (same sessions, same server
// durability), for several worker counts:
//
//	go test -run=^$ -bench=BenchmarkLedger -benchtime=3000x ./shared/mysql/
//
// A third run, rows-only, writes what a posting writes but its balances:
// a transaction row and its 3 entries, in one batch, into copies of the
// ledger's tables (same indexes). Post against rows-only is what keeping
// the balances costs; rows-only against raw-insert, the rows themselves.
// The book is verified at the end.
func BenchmarkLedger(b *testing.B) {
	db := mysqltest.New(b)
	for _, q := range []string{
		"CREATE TABLE raw_rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(64) NOT NULL, amount_fen BIGINT NOT NULL) ENGINE=InnoDB",
		"CREATE TABLE raw_transactions LIKE ledger_transactions",
		"CREATE TABLE raw_entries LIKE ledger_entries",
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	l := mysql.Ledger{DB: db.DB}
	openLoans(b, db.DB)
	var seq atomic.Int64
	for _, workers := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("post/workers=%d", workers), func(b *testing.B) {
			parallel(b, workers, func(ctx context.Context) error {
				n := seq.Add(1)
				_, err := l.Post(ctx, ledger.Transaction{Key: fmt.Sprintf("bench:%d", n), Kind: "repayment", Entries: []ledger.Entry{
					ledger.Debit(ledger.Clearing("1900000001"), 1100),
					ledger.Debit(ledger.LoanAccount(n%benchLoans+1, ledger.Principal), -1000),
					ledger.Debit(ledger.InterestIncome, -100),
				}}, time.Now().UTC())
				return err
			})
		})
		b.Run(fmt.Sprintf("raw-insert/workers=%d", workers), func(b *testing.B) {
			parallel(b, workers, func(ctx context.Context) error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO raw_rows (k, amount_fen) VALUES (?, ?)", fmt.Sprint(seq.Add(1)), 1); err != nil {
					tx.Rollback()
					return err
				}
				return tx.Commit()
			})
		})
		b.Run(fmt.Sprintf("rows-only/workers=%d", workers), func(b *testing.B) {
			parallel(b, workers, func(ctx context.Context) error {
				n, now := seq.Add(1), time.Now().UTC()
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				// account ids 1-3: the entries' values, not their meaning, matter here
				if _, err := tx.ExecContext(ctx, `INSERT INTO raw_transactions (idem_key, kind, input_hash, reverses_key, created_at) VALUES (?, 'repayment', SHA2(?, 256), NULL, ?);
					INSERT INTO raw_entries (tx_id, account_id, amount_fen, created_at) VALUES (LAST_INSERT_ID(), 1, 1100, ?), (LAST_INSERT_ID(), ?, -1000, ?), (LAST_INSERT_ID(), 3, -100, ?)`,
					fmt.Sprintf("bench:%d", n), n, now, now, n%benchLoans+4, now, now); err != nil {
					tx.Rollback()
					return err
				}
				return tx.Commit()
			})
		})
	}
	if v, err := l.Verify(context.Background()); err != nil || len(v) != 0 {
		b.Fatalf("ledger verifier: %v %+v", err, v)
	}
}

// benchLoans is how many loans the postings spread over.
const benchLoans = 5000

// openLoans posts every loan's disbursement before the clock starts, so
// each worker count measures postings to existing accounts (a loan's
// accounts are made once, by its first posting; the lower worker counts,
// run first, would otherwise pay for all of them).
func openLoans(b *testing.B, db *sql.DB) {
	ctx, now := context.Background(), time.Now().UTC()
	const chunk = 500
	for lo := int64(1); lo <= benchLoans; lo += chunk {
		err := mysql.InTx(ctx, db, now, func(tx *mysql.Tx) error {
			var ts []ledger.Transaction
			for n := lo; n < lo+chunk && n <= benchLoans; n++ {
				ts = append(ts, ledger.Transaction{Key: fmt.Sprintf("open:%d", n), Kind: "disbursement", Entries: []ledger.Entry{
					ledger.Debit(ledger.LoanAccount(n, ledger.Principal), 100000),
					ledger.Credit(ledger.Clearing("1900000001"), 100000),
				}})
			}
			return tx.PostMany(ctx, ts)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func parallel(b *testing.B, workers int, op func(context.Context) error) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	b.ResetTimer()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
}
