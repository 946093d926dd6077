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
func BenchmarkLedger(b *testing.B) {
	db := mysqltest.New(b)
	if _, err := db.Exec("CREATE TABLE raw_rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(64) NOT NULL, amount_fen BIGINT NOT NULL) ENGINE=InnoDB"); err != nil {
		b.Fatal(err)
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
