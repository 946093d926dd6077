package mysql

import (
	"context"
	"database/sql"
	"time"

	"github.com/wxlend/wxlend/shared/risk"
)

// RiskEvents records applications' device and network facts and counts
// them into velocity features. MySQL is the record; at this volume indexed
// counts answer in well under a millisecond.
type RiskEvents struct{ DB *sql.DB }

// Record notes one application's device, IP and location, and binds the
// device to the user.
func (s RiskEvents) Record(ctx context.Context, userID int64, deviceID, ip string, lat, lng *int, now time.Time) error {
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO risk_events (user_id, device_id, client_ip, lat_e6, lng_e6, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, deviceID, clip(ip, 64), lat, lng, now); err != nil {
		return err
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO device_bindings (device_id, user_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE last_seen = VALUES(last_seen)`, deviceID, userID, now, now)
	return err
}

// Velocity counts events per IP and device in the last hour and day, and
// the accounts bound to the device.
func (s RiskEvents) Velocity(ctx context.Context, userID int64, ip, deviceID string, now time.Time) (risk.Velocity, error) {
	var v risk.Velocity
	q := `SELECT
		(SELECT COUNT(*) FROM risk_events WHERE client_ip = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE client_ip = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE device_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM risk_events WHERE device_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM device_bindings WHERE device_id = ?)`
	h, d := now.Add(-time.Hour), now.Add(-24*time.Hour)
	err := s.DB.QueryRowContext(ctx, q, ip, h, ip, d, deviceID, h, deviceID, d, deviceID).
		Scan(&v.IP1h, &v.IP24h, &v.Device1h, &v.Device24h, &v.AccountsPerDevice)
	return v, err
}

// Blacklisted reports an internal blacklist hit on the ID number's blind
// index or the device's hash.
func (s RiskEvents) Blacklisted(ctx context.Context, idIndex, deviceHash []byte) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM blacklist WHERE (kind = 'id_number' AND value_hash = ?) OR (kind = 'device' AND value_hash = ?)`,
		idIndex, deviceHash).Scan(&n)
	return n > 0, err
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
