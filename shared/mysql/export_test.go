package mysql

import (
	"context"
	"database/sql"

	"github.com/wxlend/wxlend/shared/ledger"
)

// Exec runs raw SQL in tx, for tests of InTx itself on tables of their own
// (production code has only Tx's operations).
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.exec(context.Background(), query, args...)
}

// QueryRow reads in tx, for the same tests.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	return tx.queryRow(context.Background(), query, args...)
}

// CacheAccountID makes the pool's account cache claim id for a, as a stale
// or wrong cache would (tests of the posting's own check).
func CacheAccountID(db *sql.DB, a ledger.Account, id int64) {
	accountCacheOf(db).Store(a, id)
}
