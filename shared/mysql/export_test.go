package mysql

import (
	"context"
	"database/sql"
)

// Exec runs raw SQL in tx, for tests of InTx itself on tables of their own
// (production code has only Tx's operations).
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.exec(context.Background(), query, args...)
}
