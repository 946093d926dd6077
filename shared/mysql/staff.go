package mysql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/staff"
)

// StaffAccount is a staff row with its credentials (never leaves the server).
type StaffAccount struct {
	staff.Member
	PasswordHash string
	TOTPEnc      string
	LastStep     int64
	Failures     int
	LockedUntil  *time.Time
	Status       string
}

// Staff stores staff accounts (migration 0014).
type Staff struct{ DB *sql.DB }

// Ensure creates the account unless the username exists (fixtures); it
// never overwrites an existing account's credentials.
func (s Staff) Ensure(ctx context.Context, m staff.Member, passwordHash, totpEnc string, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT IGNORE INTO staff (username, display_name, role, password_hash, totp_secret_enc, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.Username, m.DisplayName, string(m.Role), passwordHash, totpEnc, now)
	return err
}

// ByUsername loads an account; not_found if unknown.
func (s Staff) ByUsername(ctx context.Context, username string) (StaffAccount, error) {
	var a StaffAccount
	var role string
	var locked sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT id, username, display_name, role, password_hash, totp_secret_enc, totp_last_step, failures,
		locked_until, status FROM staff WHERE username = ?`, username).Scan(&a.ID, &a.Username, &a.DisplayName, &role, &a.PasswordHash,
		&a.TOTPEnc, &a.LastStep, &a.Failures, &locked, &a.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return a, apierr.New(apierr.NotFound, "no such staff account")
	}
	a.Role = staff.Role(role)
	if locked.Valid {
		a.LockedUntil = &locked.Time
	}
	return a, err
}

// RecordFailure counts a failed sign-in; the MaxFailures-th in a row locks
// the account until now + LockoutFor. It reports whether the account is
// now locked.
func (s Staff) RecordFailure(ctx context.Context, id int64, now time.Time) (bool, error) {
	_, err := s.DB.ExecContext(ctx, `UPDATE staff SET failures = failures + 1,
		locked_until = IF(failures >= ?, ?, locked_until) WHERE id = ?`, staff.MaxFailures, now.Add(staff.LockoutFor), id)
	if err != nil {
		return false, err
	}
	var locked sql.NullTime
	err = s.DB.QueryRowContext(ctx, `SELECT locked_until FROM staff WHERE id = ?`, id).Scan(&locked)
	return locked.Valid && locked.Time.After(now), err
}

// AcceptSignIn stores the TOTP step just accepted and clears the failure
// count, only if step is after the stored one: of two sign-ins racing with
// the same code exactly one wins (the other is a replay, false).
func (s Staff) AcceptSignIn(ctx context.Context, id, step int64) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE staff SET totp_last_step = ?, failures = 0, locked_until = NULL
		WHERE id = ? AND totp_last_step < ?`, step, id, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// StaffSessions stores staff sessions; borrower sessions are another table.
type StaffSessions struct{ DB *sql.DB }

// Create stores a new session.
func (s StaffSessions) Create(ctx context.Context, ss staff.Session, clientIP string) (int64, error) {
	res, err := s.DB.ExecContext(ctx, `INSERT INTO staff_sessions (id_hash, staff_id, created_at, last_seen_at, expires_at, client_ip)
		VALUES (?, ?, ?, ?, ?, ?)`, ss.IDHash[:], ss.Member.ID, ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt, clip(clientIP, 64))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// ByHash loads a session with its member; not_found if unknown or the
// account is no longer active.
func (s StaffSessions) ByHash(ctx context.Context, h [32]byte) (staff.Session, error) {
	var ss staff.Session
	var role string
	var revoked sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, m.id, m.username, m.display_name, m.role
		FROM staff_sessions s JOIN staff m ON m.id = s.staff_id WHERE s.id_hash = ? AND m.status = 'active'`, h[:]).
		Scan(&ss.ID, &ss.CreatedAt, &ss.LastSeenAt, &ss.ExpiresAt, &revoked, &ss.Member.ID, &ss.Member.Username, &ss.Member.DisplayName, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, apierr.New(apierr.NotFound, "no such session")
	}
	ss.IDHash, ss.Member.Role = h, staff.Role(role)
	if revoked.Valid {
		ss.RevokedAt = &revoked.Time
	}
	return ss, err
}

// Touch moves last_seen_at to now unless the session is revoked or went
// idle meanwhile (conditional, so an idle session cannot be revived by a
// request racing the timeout). It reports whether the session lives.
func (s StaffSessions) Touch(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE staff_sessions SET last_seen_at = ?, requests = requests + 1 WHERE id = ? AND revoked_at IS NULL
		AND last_seen_at > ? AND expires_at > ?`, now, id, now.Add(-staff.IdleTimeout), now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Revoke ends a session.
func (s StaffSessions) Revoke(ctx context.Context, id int64, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE staff_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id)
	return err
}
