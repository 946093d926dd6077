package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/evidence"
)

// Contract is a stored contract.
type Contract struct {
	ID              int64
	LoanID          int64
	TemplateVersion string
	Document        string
	SHA256, SM3     string
	Status          string // rendered | signing | signed | rejected | expired | cancelled
	FlowID, SignURL string
	SignedAt        *time.Time
}

// Contracts stores rendered contracts.
type Contracts struct{ DB *sql.DB }

// Save stores the rendered document of loanID once (the first render wins)
// with its hash in the evidence chain, and returns the stored contract.
func (s Contracts) Save(ctx context.Context, loanID int64, doc contract.Document, now time.Time) (Contract, error) {
	err := InTx(ctx, s.DB, now, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT IGNORE INTO contracts (loan_id, template_version, document, sha256, sm3, status, created_at)
			VALUES (?, ?, ?, ?, ?, 'rendered', ?)`, loanID, doc.TemplateVersion, doc.Text, doc.SHA256, doc.SM3, now)
		if err != nil {
			return fmt.Errorf("insert contract: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = tx.AppendEvidence(ctx, evidence.Contract, fmt.Sprintf("loan:%d", loanID), doc.SHA256)
		return err
	})
	if err != nil {
		return Contract{}, err
	}
	c, _, err := s.ByLoan(ctx, loanID)
	return c, err
}

const contractColumns = `id, loan_id, template_version, document, sha256, sm3, status, COALESCE(flow_id, ''), COALESCE(sign_url, ''), signed_at`

func scanContract(row *sql.Row) (Contract, error) {
	var c Contract
	var signed sql.NullTime
	err := row.Scan(&c.ID, &c.LoanID, &c.TemplateVersion, &c.Document, &c.SHA256, &c.SM3, &c.Status, &c.FlowID, &c.SignURL, &signed)
	if signed.Valid {
		c.SignedAt = &signed.Time
	}
	return c, err
}

// ByLoan returns loanID's contract, if rendered.
func (s Contracts) ByLoan(ctx context.Context, loanID int64) (Contract, bool, error) {
	c, err := scanContract(s.DB.QueryRowContext(ctx, `SELECT `+contractColumns+` FROM contracts WHERE loan_id = ?`, loanID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// ByFlow returns the contract of an e-sign flow; not_found if none.
func (s Contracts) ByFlow(ctx context.Context, flowID string) (Contract, error) {
	c, err := scanContract(s.DB.QueryRowContext(ctx, `SELECT `+contractColumns+` FROM contracts WHERE flow_id = ?`, flowID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apierr.New(apierr.NotFound, "no contract for this flow")
	}
	return c, err
}

// StartSigning records the e-sign flow of a rendered (or previously failed)
// contract; false when another request recorded one first.
func (s Contracts) StartSigning(ctx context.Context, id int64, flowID, signURL string) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE contracts SET status = 'signing', flow_id = ?, sign_url = ?
		WHERE id = ? AND status IN ('rendered', 'rejected', 'expired', 'cancelled')`, flowID, signURL, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetContractStatus moves a signing contract to a final e-sign status
// (conditional: once), signed at tx's instant.
func (tx *Tx) SetContractStatus(ctx context.Context, id int64, status string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE contracts SET status = ?, signed_at = IF(? = 'signed', ?, signed_at) WHERE id = ? AND status = 'signing'`,
		status, status, tx.now, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
