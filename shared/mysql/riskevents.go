package mysql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/risk"
)

// RiskEvents records applications' device and network facts and counts
// them into velocity features. MySQL is the record; at this volume indexed
// counts answer in well under a millisecond.
type RiskEvents struct{ DB *sql.DB }

// recordDevice notes one application's device, IP and location, and binds
// the device to the user (Applications.Create, in its transaction).
func (tx *Tx) recordDevice(ctx context.Context, userID int64, deviceID, ip string, lat, lng *int) error {
	if _, err := tx.exec(ctx, `INSERT INTO risk_events (user_id, device_id, client_ip, lat_e6, lng_e6, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, deviceID, clip(ip, 64), lat, lng, tx.now); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO device_bindings (device_id, user_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE last_seen = VALUES(last_seen)`, deviceID, userID, tx.now, tx.now)
	return err
}

// Facts is what the antifraud step reads from MySQL: the borrower's
// identity (sealed ID number) and KYC levels, the velocity counts, and
// whether the person (ID-number blind index) or the device is on the
// internal blacklist.
type Facts struct {
	IDNumberEnc        string
	Identity, Liveness string
	Velocity           risk.Velocity
	Blacklisted        bool
}

// Facts reads the antifraud step's facts in one statement. A borrower
// without a verified identity is failed_precondition (identity_required).
func (s RiskEvents) Facts(ctx context.Context, userID int64, ip, deviceID string, deviceHash []byte, now time.Time) (Facts, error) {
	var f Facts
	v := &f.Velocity
	h, d := now.Add(-time.Hour), now.Add(-24*time.Hour)
	var listed int
	err := s.DB.QueryRowContext(ctx, `SELECT i.id_number_enc, u.kyc_identity, u.kyc_liveness,
		(SELECT COUNT(*) FROM risk_events WHERE client_ip = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE client_ip = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE device_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE device_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM device_bindings WHERE device_id = ?),
		(SELECT COUNT(*) FROM blacklist WHERE (kind = 'id_number' AND value_hash = i.id_number_bidx) OR (kind = 'device' AND value_hash = ?))
		FROM users u JOIN identities i ON i.user_id = u.id WHERE u.id = ?`,
		ip, h, ip, d, deviceID, h, deviceID, d, deviceID, deviceHash, userID).
		Scan(&f.IDNumberEnc, &f.Identity, &f.Liveness, &v.IP1h, &v.IP24h, &v.Device1h, &v.Device24h, &v.AccountsPerDevice, &listed)
	if errors.Is(err, sql.ErrNoRows) {
		return f, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "identity_required", Message: "verify your identity first"}
	}
	f.Blacklisted = listed > 0
	return f, err
}

// DrawAllowed is the fast re-check at draw time: the account is active and
// the person (by ID-number blind index) is not on the internal blacklist.
func (tx *Tx) DrawAllowed(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE id = ? AND status <> 'active') +
		(SELECT COUNT(*) FROM blacklist b JOIN identities i ON b.kind = 'id_number' AND b.value_hash = i.id_number_bidx WHERE i.user_id = ?)`,
		userID, userID).Scan(&n)
	return n == 0, err
}
