package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wxlend/wxlend/shared/apierr"
)

// StoredResponse is the first answer given to an idempotency key.
type StoredResponse struct {
	Status int
	Body   []byte
}

// ClaimIdempotency claims (userID, key) for a request whose body hashes
// to hash, inside the transaction that will create the object. If a
// finished request already holds the key, its response is returned (same
// body) or `conflict` (other body). A racing request with the same key
// blocks on the row until the first commits, then gets the stored answer.
func (tx *Tx) ClaimIdempotency(ctx context.Context, userID int64, key, endpoint, hash string) (*StoredResponse, error) {
	_, err := tx.exec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, endpoint, request_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		userID, key, endpoint, hash, tx.now)
	if err == nil {
		return nil, nil
	}
	if !IsDuplicate(err) {
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	var got, ep string
	var status int
	var body sql.NullString
	if err := tx.queryRow(ctx, `SELECT endpoint, request_hash, status_code, response FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`,
		userID, key).Scan(&ep, &got, &status, &body); err != nil {
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	if got != hash || ep != endpoint {
		return nil, &apierr.Error{Code: apierr.Conflict, Reason: "idempotency_key_reused", Message: "Idempotency-Key was already used with a different request"}
	}
	return &StoredResponse{Status: status, Body: []byte(body.String)}, nil
}

// FinishIdempotency stores the response given to the claimed key.
func (tx *Tx) FinishIdempotency(ctx context.Context, userID int64, key string, r StoredResponse) error {
	_, err := tx.exec(ctx, `UPDATE idempotency_keys SET status_code = ?, response = ? WHERE user_id = ? AND idem_key = ?`,
		r.Status, string(r.Body), userID, key)
	return err
}
