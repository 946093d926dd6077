package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/evidence"
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

// Accept stores the record once per user, code and version, and appends
// its hash to the evidence chain in the same transaction.
func (s Consents) Accept(ctx context.Context, r consent.Record) (consent.Record, error) {
	err := InTx(ctx, s.DB, r.AcceptedAt, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO consents (user_id, agreement_code, agreement_version, text_sha256, accepted_at, client_ip, user_agent, request_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.UserID, r.Code, r.Version, r.SHA256, r.AcceptedAt, clip(r.ClientIP, 64), clip(r.UserAgent, 512), clip(r.RequestID, 64))
		if IsDuplicate(err) {
			return tx.queryRow(ctx, `SELECT id, accepted_at FROM consents WHERE user_id = ? AND agreement_code = ? AND agreement_version = ?`,
				r.UserID, r.Code, r.Version).Scan(&r.ID, &r.AcceptedAt)
		}
		if err != nil {
			return fmt.Errorf("insert consent: %w", err)
		}
		r.ID, _ = res.LastInsertId()
		_, err = tx.AppendEvidence(ctx, evidence.Consent, fmt.Sprintf("consent:%d", r.ID), consentHash(r))
		return err
	})
	return r, err
}

// consentHash is what the evidence chain keeps of a consent: who accepted
// which text when, without the personal data.
func consentHash(r consent.Record) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("consent\n%d\n%s\n%d\n%s\n%s", r.UserID, r.Code, r.Version, r.SHA256,
		r.AcceptedAt.UTC().Format(time.RFC3339Nano))))
	return hex.EncodeToString(sum[:])
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
