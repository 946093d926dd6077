package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/ops"
)

// AddOpsItem queues it for a person in this transaction; an item with the
// same dedupe key already queued (open or not) makes this a no-op. It
// reports whether the item is new.
func (tx *Tx) AddOpsItem(ctx context.Context, it ops.Item) (bool, error) {
	if err := it.Valid(); err != nil {
		return false, err
	}
	ev, err := it.EvidenceJSON()
	if err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO ops_items (kind, subject_type, subject_id, dedupe_key, amount_fen, moves_money, reason, evidence, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`,
		string(it.Kind), it.SubjectType, it.SubjectID, it.DedupeKey, int64(it.AmountFen), it.MovesMoney, ops.Truncate(it.Reason, ops.ReasonLen), ev, tx.now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// OpsItems reads and works the operations queue.
type OpsItems struct{ DB *sql.DB }

// OpsItem is a stored item with its bookkeeping.
type OpsItem struct {
	ops.Item
	CreatedAt  time.Time
	ResolvedAt time.Time
	ResolvedBy string
	Resolution string
}

const opsColumns = `id, kind, subject_type, subject_id, dedupe_key, amount_fen, moves_money, reason, evidence, state, created_at,
	resolved_at, resolved_by, resolution`

func scanOps(r interface{ Scan(...any) error }) (OpsItem, error) {
	var x OpsItem
	var kind, ev string
	var amount int64
	var resolved sql.NullTime
	err := r.Scan(&x.ID, &kind, &x.SubjectType, &x.SubjectID, &x.DedupeKey, &amount, &x.MovesMoney, &x.Reason, &ev, &x.State,
		&x.CreatedAt, &resolved, &x.ResolvedBy, &x.Resolution)
	x.Kind, x.AmountFen, x.ResolvedAt = ops.Kind(kind), money.Fen(amount), resolved.Time
	if err == nil {
		err = json.Unmarshal([]byte(ev), &x.Evidence)
	}
	return x, err
}

// List answers items newest first, filtered by state and kind when given,
// at most limit.
func (s OpsItems) List(ctx context.Context, state string, kind ops.Kind, limit int) ([]OpsItem, error) {
	return queryList(ctx, s.DB, scanOps, `SELECT `+opsColumns+` FROM ops_items
		WHERE (? = '' OR state = ?) AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?`, state, state, string(kind), string(kind), limit)
}

// ByKey answers the item of a dedupe key (not_found when none).
func (s OpsItems) ByKey(ctx context.Context, key string) (OpsItem, error) {
	x, err := scanOps(s.DB.QueryRowContext(ctx, `SELECT `+opsColumns+` FROM ops_items WHERE dedupe_key = ?`, key))
	if err == sql.ErrNoRows {
		return x, apierr.New(apierr.NotFound, "no such ops item")
	}
	return x, err
}

// Resolve closes an open item as resolved or dismissed (conditional: an
// item already closed is a conflict), recording who and how.
func (s OpsItems) Resolve(ctx context.Context, id int64, state, by, how string, now time.Time) error {
	if state != ops.Resolved && state != ops.Dismissed {
		return apierr.Invalid("state", "invalid", "state must be resolved or dismissed")
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE ops_items SET state = ?, resolved_at = ?, resolved_by = ?, resolution = ?
		WHERE id = ? AND state = 'open'`, state, now, ops.Truncate(by, 64), ops.Truncate(how, 255), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.New(apierr.Conflict, "the item is not open")
	}
	return nil
}

// OpenSummary counts open items and their amount per kind.
func (s OpsItems) OpenSummary(ctx context.Context) (map[ops.Kind][2]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT kind, COUNT(*), COALESCE(SUM(amount_fen), 0) FROM ops_items WHERE state = 'open' GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[ops.Kind][2]int64{}
	for rows.Next() {
		var k string
		var n, fen int64
		if err := rows.Scan(&k, &n, &fen); err != nil {
			return nil, err
		}
		out[ops.Kind(k)] = [2]int64{n, fen}
	}
	return out, rows.Err()
}
