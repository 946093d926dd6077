package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Message is the next asynchronous step: invoke Function with Payload.
// DedupeKey makes enqueueing idempotent (e.g. "disburse:loan:42").
type Message struct {
	Function  string
	Payload   any
	DedupeKey string
}

// PendingMessage is a stored, not yet dispatched message.
type PendingMessage struct {
	ID       int64
	Function string
	Payload  json.RawMessage
	Attempts int
}

// Enqueue writes m in tx; a message with the same dedupe key already
// stored is not written again.
func (tx *Tx) Enqueue(ctx context.Context, m Message) error {
	b, err := json.Marshal(m.Payload)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", m.Function, err)
	}
	_, err = tx.exec(ctx, `INSERT IGNORE INTO outbox (function_name, payload, dedupe_key, created_at) VALUES (?, ?, ?, ?)`,
		m.Function, string(b), m.DedupeKey, tx.now)
	return err
}

// Outbox reads and marks messages.
type Outbox struct{ DB *sql.DB }

// Pending returns undispatched messages created before olderThan, oldest
// first, at most limit (a bounded batch per sweep).
func (o Outbox) Pending(ctx context.Context, olderThan time.Time, limit int) ([]PendingMessage, error) {
	rows, err := o.DB.QueryContext(ctx, `SELECT id, function_name, payload, attempts FROM outbox
		WHERE dispatched_at IS NULL AND created_at <= ? ORDER BY id LIMIT ?`, olderThan, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingMessage
	for rows.Next() {
		var m PendingMessage
		var p string
		if err := rows.Scan(&m.ID, &m.Function, &p, &m.Attempts); err != nil {
			return nil, err
		}
		m.Payload = json.RawMessage(p)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ByDedupeKey returns the pending message with key, if undispatched.
func (o Outbox) ByDedupeKey(ctx context.Context, key string) (PendingMessage, bool, error) {
	var m PendingMessage
	var p string
	err := o.DB.QueryRowContext(ctx, `SELECT id, function_name, payload, attempts FROM outbox WHERE dedupe_key = ? AND dispatched_at IS NULL`, key).
		Scan(&m.ID, &m.Function, &p, &m.Attempts)
	if err == sql.ErrNoRows {
		return m, false, nil
	}
	m.Payload = json.RawMessage(p)
	return m, err == nil, err
}

// MarkDispatched records that the platform accepted message id.
func (o Outbox) MarkDispatched(ctx context.Context, id int64, now time.Time) error {
	_, err := o.DB.ExecContext(ctx, `UPDATE outbox SET dispatched_at = ?, attempts = attempts + 1 WHERE id = ? AND dispatched_at IS NULL`, now, id)
	return err
}

// MarkFailed counts a failed dispatch attempt.
func (o Outbox) MarkFailed(ctx context.Context, id int64) error {
	_, err := o.DB.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = ?`, id)
	return err
}
