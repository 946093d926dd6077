package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Sealed is a personal-information field as stored: ciphertext token,
// blind index and masked form. The plain value never reaches MySQL.
type Sealed struct {
	Enc    string
	Index  []byte
	Masked string
}

// KYCState is a borrower's onboarding state.
type KYCState struct {
	PhoneEnc    string
	PhoneMasked string
	Identity    string // none | verified
	Liveness    string // none | pending | verified | failed
	BankCard    string // none | verified
}

// KYC stores onboarding data.
type KYC struct{ DB *sql.DB }

// State reads userID's onboarding state.
func (s KYC) State(ctx context.Context, userID int64) (KYCState, error) {
	var k KYCState
	var enc, masked sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT phone_enc, phone_masked, kyc_identity, kyc_liveness, kyc_bank_card FROM users WHERE id = ?`, userID).
		Scan(&enc, &masked, &k.Identity, &k.Liveness, &k.BankCard)
	if errors.Is(err, sql.ErrNoRows) {
		return k, apierr.New(apierr.NotFound, "user not found")
	}
	k.PhoneEnc, k.PhoneMasked = enc.String, masked.String
	return k, err
}

// SetPhone binds a WeChat phone number to userID. Once the identity is
// verified the phone is the one operator three-factor checked with it (and
// the one e-signing uses), so it can no longer change: binding another
// number is ErrPhoneLocked; binding the same one again is allowed. The
// condition is in the UPDATE, so no verification can slip in between.
func (s KYC) SetPhone(ctx context.Context, userID int64, phone Sealed, now time.Time) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE users SET phone_enc = ?, phone_bidx = ?, phone_masked = ?, updated_at = ?
		WHERE id = ? AND (kyc_identity <> 'verified' OR phone_bidx = ?)`,
		phone.Enc, phone.Index, phone.Masked, now, userID, phone.Index)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrPhoneLocked
	}
	return nil
}

// ErrPhoneLocked: the account's identity is verified with its bound phone.
var ErrPhoneLocked = &apierr.Error{Code: apierr.FailedPrecondition, Reason: "phone_locked",
	Message: "the phone number of a verified account cannot be changed; contact customer service"}

// ErrPhoneChanged: the bound phone changed while the identity was being
// verified with the previous one; nothing was saved.
var ErrPhoneChanged = &apierr.Error{Code: apierr.FailedPrecondition, Reason: "phone_changed",
	Message: "your phone number changed during verification; verify your identity again"}

// IdentityOwner returns the user holding the identity with blind index idx.
func (s KYC) IdentityOwner(ctx context.Context, idx []byte) (int64, bool, error) {
	var uid int64
	err := s.DB.QueryRowContext(ctx, `SELECT user_id FROM identities WHERE id_number_bidx = ?`, idx).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return uid, err == nil, err
}

// Identity is a verified identity as stored.
type Identity struct {
	NameEnc, IDNumberEnc     string
	NameMasked, IDNumberMask string
}

// Identity loads userID's verified identity; not_found if none.
func (s KYC) Identity(ctx context.Context, userID int64) (Identity, error) {
	var id Identity
	err := s.DB.QueryRowContext(ctx, `SELECT name_enc, id_number_enc, name_masked, id_number_masked FROM identities WHERE user_id = ?`, userID).
		Scan(&id.NameEnc, &id.IDNumberEnc, &id.NameMasked, &id.IDNumberMask)
	if errors.Is(err, sql.ErrNoRows) {
		return id, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "identity_required", Message: "verify your identity first"}
	}
	return id, err
}

// SaveIdentity records a verified identity and raises the KYC level, in one
// transaction, provided the bound phone is still the one three-factor
// checked (blind index phoneIndex; otherwise ErrPhoneChanged and nothing is
// saved). The unique blind index makes a second account for the same
// person a `conflict`, even when two verifications race.
func (s KYC) SaveIdentity(ctx context.Context, userID int64, phoneIndex []byte, name, idNumber Sealed, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO identities (user_id, name_enc, id_number_enc, id_number_bidx, name_masked, id_number_masked, verified_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, name.Enc, idNumber.Enc, idNumber.Index, name.Masked, idNumber.Masked, now)
		if IsDuplicate(err) {
			return ErrIdentityTaken
		}
		if err != nil {
			return fmt.Errorf("insert identity: %w", err)
		}
		res, err := tx.exec(ctx, `UPDATE users SET kyc_identity = 'verified', updated_at = ? WHERE id = ? AND phone_bidx = ?`, now, userID, phoneIndex)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrPhoneChanged
		}
		return nil
	})
}

// ErrIdentityTaken: the person already holds an account (or this account
// already has an identity).
var ErrIdentityTaken = &apierr.Error{Code: apierr.Conflict, Reason: "identity_in_use", Message: "this identity is already bound to an account"}

// RecordCheck keeps one provider check (no personal information).
func (s KYC) RecordCheck(ctx context.Context, userID int64, step, outcome, code, requestID string, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO kyc_checks (user_id, step, outcome, provider_code, provider_request_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, step, outcome, clip(code, 16), clip(requestID, 64), now)
	return err
}

// ChecksSince counts userID's provider checks of step since t, and gives
// the time of the oldest of them (zero when there is none).
func (s KYC) ChecksSince(ctx context.Context, userID int64, step string, t time.Time) (int, time.Time, error) {
	var n int
	var oldest sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM kyc_checks WHERE user_id = ? AND step = ? AND created_at >= ?`, userID, step, t).Scan(&n, &oldest)
	return n, oldest.Time, err
}

// StartLiveness records a liveness session and marks the level pending.
func (s KYC) StartLiveness(ctx context.Context, userID int64, bizToken string, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO liveness_sessions (biz_token, user_id, status, created_at) VALUES (?, ?, 'pending', ?)`,
			bizToken, userID, now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE users SET kyc_liveness = 'pending', updated_at = ? WHERE id = ? AND kyc_liveness <> 'verified'`, now, userID)
		return err
	})
}

// LivenessStatus reads the borrower's own session; another's is not_found.
func (s KYC) LivenessStatus(ctx context.Context, userID int64, bizToken string) (string, error) {
	var st string
	err := s.DB.QueryRowContext(ctx, `SELECT status FROM liveness_sessions WHERE biz_token = ? AND user_id = ?`, bizToken, userID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apierr.New(apierr.NotFound, "liveness session not found")
	}
	return st, err
}

// FinishLiveness settles a pending session (conditional: once) and sets the
// user's level when it passed.
func (s KYC) FinishLiveness(ctx context.Context, userID int64, bizToken, status, code string, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE liveness_sessions SET status = ?, provider_code = ?, finished_at = ? WHERE biz_token = ? AND user_id = ? AND status = 'pending'`,
			status, clip(code, 16), now, bizToken, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		_, err = tx.exec(ctx, `UPDATE users SET kyc_liveness = ?, updated_at = ? WHERE id = ? AND kyc_liveness <> 'verified'`, status, now, userID)
		return err
	})
}

// SaveBankCard records a four-factor-verified card and raises the level.
func (s KYC) SaveBankCard(ctx context.Context, userID int64, card, reservedPhone Sealed, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO bank_cards (user_id, card_enc, card_bidx, card_masked, reserved_phone_enc, verified_at) VALUES (?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE verified_at = VALUES(verified_at)`, userID, card.Enc, card.Index, card.Masked, reservedPhone.Enc, now)
		if err != nil {
			return fmt.Errorf("insert bank card: %w", err)
		}
		_, err = tx.exec(ctx, `UPDATE users SET kyc_bank_card = 'verified', updated_at = ? WHERE id = ?`, now, userID)
		return err
	})
}
