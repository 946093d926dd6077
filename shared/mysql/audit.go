package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// AuditEntry is one row of the staff audit trail (migration 0015).
type AuditEntry struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	ActorID   int64          `json:"actor_id"`
	Actor     string         `json:"actor"`
	Role      string         `json:"role"`
	Action    string         `json:"action"`
	Subject   string         `json:"subject"`
	Outcome   string         `json:"outcome"` // ok | refused:<code>
	Reason    string         `json:"reason"`
	ClientIP  string         `json:"ip"`
	RequestID string         `json:"request_id"`
	Detail    map[string]any `json:"detail,omitempty"`
}

// Audit appends to and reads the audit trail. There is no update and no
// delete but Retain's: the database refuses both otherwise.
type Audit struct{ DB *sql.DB }

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func appendAudit(ctx context.Context, db execer, e AuditEntry) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, role, action, subject, outcome, reason, client_ip, request_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.At, e.ActorID, clip(e.Actor, 64), clip(e.Role, 32), clip(e.Action, 64), clip(e.Subject, 128),
		clip(e.Outcome, 64), clip(e.Reason, 512), clip(e.ClientIP, 64), clip(e.RequestID, 64), string(detail))
	return err
}

// Append writes one entry.
func (s Audit) Append(ctx context.Context, e AuditEntry) error { return appendAudit(ctx, s.DB, e) }

// Audit writes one entry inside the transaction, so the trail and the
// change it records commit together or not at all.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error { return appendAudit(ctx, tx.tx, e) }

// AuditFilter narrows List; zero fields match everything.
type AuditFilter struct {
	Action   string
	Subject  string
	ActorID  int64
	BeforeID int64
}

// List returns entries newest first, at most limit.
func (s Audit) List(ctx context.Context, f AuditFilter, limit int) ([]AuditEntry, error) {
	return queryList(ctx, s.DB, scanAudit, `SELECT id, at, actor_id, actor, role, action, subject, outcome, reason, client_ip, request_id, detail
		FROM audit_log WHERE (? = '' OR action = ?) AND (? = '' OR subject = ?) AND (? = 0 OR actor_id = ?) AND (? = 0 OR id < ?)
		ORDER BY id DESC LIMIT ?`, f.Action, f.Action, f.Subject, f.Subject, f.ActorID, f.ActorID, f.BeforeID, f.BeforeID, limit)
}

func scanAudit(row interface{ Scan(...any) error }) (AuditEntry, error) {
	var e AuditEntry
	var detail string
	err := row.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Role, &e.Action, &e.Subject, &e.Outcome, &e.Reason, &e.ClientIP, &e.RequestID, &detail)
	if err == nil && detail != "" && detail != "null" {
		err = json.Unmarshal([]byte(detail), &e.Detail)
	}
	return e, err
}

// AuditRetention is how long audit rows are kept at least (the
// database's trigger enforces the same bound with its own clock).
const AuditRetention = 180 * 24 * time.Hour

// Retain deletes at most limit entries older than keep (never less than
// AuditRetention) before now, oldest first, and reports how many.
func (s Audit) Retain(ctx context.Context, now time.Time, keep time.Duration, limit int) (int64, error) {
	keep = max(keep, AuditRetention)
	res, err := s.DB.ExecContext(ctx, `DELETE FROM audit_log WHERE at < ? ORDER BY id LIMIT ?`, now.Add(-keep), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
