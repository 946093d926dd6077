package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// PersonalData is everything stored about one borrower that the export
// (PIPL Art. 45) gives back. Ciphertexts are decrypted by the caller.
type PersonalData struct {
	UserID      int64
	OpenID      string
	Status      string
	CreatedAt   time.Time
	PhoneEnc    string
	NameEnc     string
	IDNumberEnc string
	CardsEnc    []string
	// Records are the borrower's rows by table, as JSON objects (no
	// ciphertexts): consents, applications, credit line, loans, repayments.
	Records map[string][]map[string]any
}

// exportQueries: per table, the columns the export gives (never a
// ciphertext or blind index; those are decrypted or left out).
var exportQueries = map[string]string{
	"consents":     `SELECT agreement_code, agreement_version, accepted_at, client_ip FROM consents WHERE user_id = ? ORDER BY id`,
	"applications": `SELECT id, product_code, status, limit_fen, annual_rate_bp, created_at, decided_at FROM credit_applications WHERE user_id = ? ORDER BY id`,
	"credit_line":  `SELECT limit_fen, used_fen, annual_rate_bp, status, expires_at FROM credit_lines WHERE user_id = ?`,
	"loans":        `SELECT id, amount_fen, term_months, method, annual_rate_bp, apr_bp, status, created_at FROM loans WHERE user_id = ? ORDER BY id`,
	"repayments":   `SELECT id, loan_id, out_trade_no, kind, amount_fen, state, created_at FROM repayments WHERE user_id = ? ORDER BY id`,
	"messages":     `SELECT kind, channel, status, business_date FROM messages WHERE user_id = ? ORDER BY id`,
}

// Rights reads and erases a borrower's personal data.
type Rights struct{ DB *sql.DB }

// Export gathers userID's data.
func (s Rights) Export(ctx context.Context, userID int64) (PersonalData, error) {
	d := PersonalData{UserID: userID, Records: map[string][]map[string]any{}}
	var phone, name, id sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT u.openid, u.status, u.created_at, u.phone_enc, i.name_enc, i.id_number_enc FROM users u
		LEFT JOIN identities i ON i.user_id = u.id WHERE u.id = ?`, userID).Scan(&d.OpenID, &d.Status, &d.CreatedAt, &phone, &name, &id)
	if err == sql.ErrNoRows {
		return d, apierr.New(apierr.NotFound, "user not found")
	} else if err != nil {
		return d, err
	}
	d.PhoneEnc, d.NameEnc, d.IDNumberEnc = phone.String, name.String, id.String
	if d.CardsEnc, err = queryList(ctx, s.DB, func(row interface{ Scan(...any) error }) (string, error) {
		var c string
		return c, row.Scan(&c)
	}, `SELECT card_enc FROM bank_cards WHERE user_id = ? ORDER BY id`, userID); err != nil {
		return d, err
	}
	for table, q := range exportQueries {
		rows, err := rowsAsMaps(ctx, s.DB, q, userID)
		if err != nil {
			return d, fmt.Errorf("export %s: %w", table, err)
		}
		d.Records[table] = rows
	}
	return d, nil
}

func rowsAsMaps(ctx context.Context, db *sql.DB, q string, args ...any) ([]map[string]any, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Closure is what closing an account erased and kept, and why.
type Closure struct {
	Erased          []string `json:"erased"`
	Kept            []string `json:"kept"`
	RetentionReason string   `json:"retention_reason"`
}

// openLoanStatuses are the statuses that keep an account open.
const openLoanStatuses = `('applied', 'signed', 'disbursing', 'active', 'overdue', 'written_off')`

// RetentionReason is recorded with every closure: why records outlive it.
const RetentionReason = "loan contracts, repayment and ledger records and consent records are kept as the lending and " +
	"anti-money-laundering record-keeping rules require (period per compliance; UNCONFIRMED in refs)"

// CloseAccount erases userID's personal information in one transaction,
// once no loan is open (failed_precondition reason loans_open otherwise;
// conflict reason closed if already closed): phone, openid, bank cards,
// devices, risk events, subscriptions and sessions go; the identity goes
// too unless a loan (a contract) exists, whose counterparty record the law
// requires to be kept. The closure and its reason are recorded.
func (tx *Tx) CloseAccount(ctx context.Context, userID int64, requestID string) (Closure, error) {
	var status string
	if err := tx.queryRow(ctx, `SELECT status FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&status); err != nil {
		return Closure{}, err
	}
	if status == "closed" {
		return Closure{}, &apierr.Error{Code: apierr.Conflict, Reason: "closed", Message: "the account is already closed"}
	}
	var open, loans int
	if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(status IN `+openLoanStatuses+`), 0), COUNT(*) FROM loans WHERE user_id = ?`, userID).Scan(&open, &loans); err != nil {
		return Closure{}, err
	}
	if open > 0 {
		return Closure{}, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "loans_open", Message: "settle every loan before closing the account"}
	}
	c := Closure{Erased: []string{"phone", "openid", "bank_cards", "devices", "risk_events", "message_subscriptions", "sessions"},
		Kept: []string{"consents", "loans", "contracts", "repayments", "ledger", "credit_applications"}, RetentionReason: RetentionReason}
	stmts := []string{
		`UPDATE users SET status = 'closed', openid = CONCAT('closed:', id), unionid = NULL, phone_enc = NULL, phone_bidx = NULL, phone_masked = NULL, updated_at = ? WHERE id = ?`,
		`DELETE FROM bank_cards WHERE ? IS NOT NULL AND user_id = ?`,
		`DELETE FROM device_bindings WHERE ? IS NOT NULL AND user_id = ?`,
		`DELETE FROM risk_events WHERE ? IS NOT NULL AND user_id = ?`,
		`DELETE FROM message_subscriptions WHERE ? IS NOT NULL AND user_id = ?`,
		`UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE user_id = ?`,
		`UPDATE credit_lines SET status = 'expired', updated_at = ? WHERE user_id = ?`,
	}
	if loans == 0 {
		stmts = append(stmts, `DELETE FROM identities WHERE ? IS NOT NULL AND user_id = ?`)
		c.Erased = append(c.Erased, "identity")
	} else {
		c.Kept = append(c.Kept, "identity (encrypted: the contracts' counterparty)")
	}
	for _, q := range stmts {
		if _, err := tx.exec(ctx, q, tx.now, userID); err != nil {
			return c, err
		}
	}
	erased, _ := json.Marshal(c.Erased)
	kept, _ := json.Marshal(c.Kept)
	_, err := tx.exec(ctx, `INSERT INTO account_closures (user_id, closed_at, erased, kept, retention_reason, request_id) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, tx.now, string(erased), string(kept), c.RetentionReason, clip(requestID, 64))
	return c, err
}
