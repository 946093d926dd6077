package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/auth"
)

// Users implements auth.Users.
type Users struct{ DB *sql.DB }

// FindOrCreate inserts the user, or finds the one a racing login inserted
// first (the unique openid decides).
func (s Users) FindOrCreate(ctx context.Context, openid, unionid string, now time.Time) (auth.User, bool, error) {
	u, err := s.byOpenID(ctx, openid)
	if err == nil {
		return u, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, false, err
	}
	res, err := s.DB.ExecContext(ctx, `INSERT INTO users (openid, unionid, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		openid, nullString(unionid), now, now)
	if IsDuplicate(err) {
		u, err := s.byOpenID(ctx, openid)
		return u, false, err
	}
	if err != nil {
		return auth.User{}, false, fmt.Errorf("insert user: %w", err)
	}
	id, _ := res.LastInsertId()
	return auth.User{ID: id, OpenID: openid, UnionID: unionid, CreatedAt: now}, true, nil
}

// ByID loads a user; a missing one is not_found.
func (s Users) ByID(ctx context.Context, id int64) (auth.User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT id, openid, COALESCE(unionid, ''), created_at FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apierr.New(apierr.NotFound, "user not found")
	}
	return u, err
}

func (s Users) byOpenID(ctx context.Context, openid string) (auth.User, error) {
	return scanUser(s.DB.QueryRowContext(ctx, `SELECT id, openid, COALESCE(unionid, ''), created_at FROM users WHERE openid = ?`, openid))
}

func scanUser(row *sql.Row) (auth.User, error) {
	var u auth.User
	err := row.Scan(&u.ID, &u.OpenID, &u.UnionID, &u.CreatedAt)
	return u, err
}

// Sessions implements auth.Sessions.
type Sessions struct{ DB *sql.DB }

// Create stores a session by its token hash.
func (s Sessions) Create(ctx context.Context, ss auth.Session, clientIP string) (int64, error) {
	if len(clientIP) > 64 {
		clientIP = clientIP[:64]
	}
	res, err := s.DB.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, client_ip) VALUES (?, ?, ?, ?, ?)`,
		ss.TokenHash[:], ss.UserID, ss.CreatedAt, ss.ExpiresAt, clientIP)
	if err != nil {
		return 0, fmt.Errorf("insert session: %w", err)
	}
	return res.LastInsertId()
}

// ByTokenHash finds a session (expired or revoked ones too: auth decides).
func (s Sessions) ByTokenHash(ctx context.Context, h [32]byte) (auth.Session, error) {
	var ss auth.Session
	var raw []byte
	var revoked sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT id, user_id, token_hash, created_at, expires_at, revoked_at FROM sessions WHERE token_hash = ?`, h[:]).
		Scan(&ss.ID, &ss.UserID, &raw, &ss.CreatedAt, &ss.ExpiresAt, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, apierr.New(apierr.NotFound, "session not found")
	}
	if err != nil {
		return ss, fmt.Errorf("load session: %w", err)
	}
	copy(ss.TokenHash[:], raw)
	if revoked.Valid {
		t := revoked.Time
		ss.RevokedAt = &t
	}
	return ss, nil
}

// Revoke ends a live session; an already revoked one stays as it was.
func (s Sessions) Revoke(ctx context.Context, id int64, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id)
	return err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// SessionDeleteChunk is how many sessions one DELETE of DeleteExpired
// removes (short statements, short locks).
const SessionDeleteChunk = 500

// DeleteExpired deletes sessions that expired before cutoff, in chunks of
// SessionDeleteChunk, stopping after max rows; it returns how many it
// deleted.
func (s Sessions) DeleteExpired(ctx context.Context, cutoff time.Time, max int) (int64, error) {
	var total int64
	for total < int64(max) {
		res, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? ORDER BY id LIMIT ?`, cutoff, SessionDeleteChunk)
		if err != nil {
			return total, fmt.Errorf("delete expired sessions: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < SessionDeleteChunk {
			break
		}
	}
	return total, nil
}
