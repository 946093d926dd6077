package mysql

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
)

// Tx is one database transaction and its business instant: everything it
// writes is stamped Now, however often InTx reruns it. What runs inside a
// transaction is a method of Tx, and a Tx holds no pool, so code given a
// *Tx cannot read or write around its transaction by accident; the
// repositories (Loans, Disbursements, ...) are the pool's side.
type Tx struct {
	tx  *sql.Tx
	now time.Time
	// accounts caches the pool's ledger account ids; created holds the
	// ones this transaction made, cached only once it commits.
	accounts *sync.Map
	created  map[ledger.Account]int64
}

// Now is the transaction's business instant.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, query, args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, query, args...)
}

// MaxTxAttempts bounds InTx's retries of deadlocked transactions; the
// rerun after attempt n waits n² × txBackoff plus up to txBackoff of jitter.
const (
	MaxTxAttempts = 5
	txBackoff     = 5 * time.Millisecond
)

// InTx runs fn in a transaction whose business instant is now, committing
// when fn returns nil. A deadlock or lock wait timeout reruns the whole of
// fn (with the same now), at most MaxTxAttempts times with jittered
// backoff; fn must therefore have no effect outside tx. Exhausted retries
// are unavailable.
func InTx(ctx context.Context, db *sql.DB, now time.Time, fn func(*Tx) error) error {
	var err error
	for attempt := 1; attempt <= MaxTxAttempts; attempt++ {
		err = runTx(ctx, db, now, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		backoff := time.Duration(attempt*attempt)*txBackoff + rand.N(txBackoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return apierr.Wrap(apierr.Unavailable, err, "the service is busy, try again")
}

func runTx(ctx context.Context, db *sql.DB, now time.Time, fn func(*Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqlTx, now: now, accounts: accountCacheOf(db)}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	for a, id := range tx.created {
		tx.accounts.Store(a, id)
	}
	return nil
}
