package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/consent"
)

// SyncAgreements records every embedded agreement version. A published
// version whose text hash differs from the stored one is an error: texts
// are immutable once borrowers may have accepted them.
func SyncAgreements(ctx context.Context, db *sql.DB, now time.Time) error {
	for _, a := range consent.Registry() {
		var sum string
		err := db.QueryRowContext(ctx, `SELECT text_sha256 FROM agreements WHERE code = ? AND version = ?`, a.Code, a.Version).Scan(&sum)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = db.ExecContext(ctx, `INSERT IGNORE INTO agreements (code, version, title, text_sha256, published_at) VALUES (?, ?, ?, ?, ?)`,
				a.Code, a.Version, a.Title, a.SHA256, now)
		case err == nil && sum != a.SHA256:
			err = fmt.Errorf("agreement %s v%d was edited after publication: publish a new version", a.Code, a.Version)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Consents implements consent.Store.
type Consents struct{ DB *sql.DB }

// Accept stores the record once per user, code and version.
func (s Consents) Accept(ctx context.Context, r consent.Record) (consent.Record, error) {
	res, err := s.DB.ExecContext(ctx, `INSERT INTO consents (user_id, agreement_code, agreement_version, text_sha256, accepted_at, client_ip, user_agent, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.UserID, r.Code, r.Version, r.SHA256, r.AcceptedAt, clip(r.ClientIP, 64), clip(r.UserAgent, 512), clip(r.RequestID, 64))
	if IsDuplicate(err) {
		err = s.DB.QueryRowContext(ctx, `SELECT id, accepted_at FROM consents WHERE user_id = ? AND agreement_code = ? AND agreement_version = ?`,
			r.UserID, r.Code, r.Version).Scan(&r.ID, &r.AcceptedAt)
		return r, err
	}
	if err != nil {
		return r, fmt.Errorf("insert consent: %w", err)
	}
	r.ID, _ = res.LastInsertId()
	return r, nil
}

// Accepted lists what userID accepted, as consent.Key strings.
func (s Consents) Accepted(ctx context.Context, userID int64) (map[string]bool, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT agreement_code, agreement_version FROM consents WHERE user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var code string
		var v int
		if err := rows.Scan(&code, &v); err != nil {
			return nil, err
		}
		out[consent.Key(code, v)] = true
	}
	return out, rows.Err()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
