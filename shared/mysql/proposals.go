package mysql

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Proposal is a maker-checker proposal (migration 0015).
type Proposal struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Subject      string     `json:"subject"`
	Payload      string     `json:"payload"`
	SubjectState string     `json:"subject_state"`
	Reason       string     `json:"reason"`
	Impact       string     `json:"impact,omitempty"`
	Status       string     `json:"status"`
	MakerID      int64      `json:"maker_id"`
	Maker        string     `json:"maker"`
	MadeAt       time.Time  `json:"made_at"`
	CheckerID    int64      `json:"checker_id,omitempty"`
	Checker      string     `json:"checker,omitempty"`
	CheckedAt    *time.Time `json:"checked_at,omitempty"`
	CheckReason  string     `json:"check_reason,omitempty"`
	Result       string     `json:"result,omitempty"`
}

// Proposals stores proposals.
type Proposals struct{ DB *sql.DB }

// CreateProposal stores a pending proposal; a pending one of the same kind
// and subject is a conflict (reason already_pending).
func (tx *Tx) CreateProposal(ctx context.Context, p Proposal) (int64, error) {
	res, err := tx.exec(ctx, `INSERT INTO proposals (kind, subject, payload, subject_state, reason, impact, status, pending_key, maker_id, maker, made_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`, p.Kind, p.Subject, p.Payload, clip(p.SubjectState, 512), clip(p.Reason, 512),
		nullString(p.Impact), clip(p.Kind+":"+p.Subject, 191), p.MakerID, p.Maker, tx.now)
	if IsDuplicate(err) {
		return 0, &apierr.Error{Code: apierr.Conflict, Reason: "already_pending", Message: "a proposal for this subject is already waiting for a checker"}
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

const proposalColumns = `id, kind, subject, payload, subject_state, reason, COALESCE(impact, ''), status, maker_id, maker, made_at,
	COALESCE(checker_id, 0), checker, checked_at, check_reason, result`

func scanProposal(row interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var checked sql.NullTime
	err := row.Scan(&p.ID, &p.Kind, &p.Subject, &p.Payload, &p.SubjectState, &p.Reason, &p.Impact, &p.Status, &p.MakerID, &p.Maker,
		&p.MadeAt, &p.CheckerID, &p.Checker, &checked, &p.CheckReason, &p.Result)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apierr.New(apierr.NotFound, "proposal not found")
	}
	if checked.Valid {
		p.CheckedAt = &checked.Time
	}
	return p, err
}

// Get loads one proposal.
func (s Proposals) Get(ctx context.Context, id int64) (Proposal, error) {
	return scanProposal(s.DB.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM proposals WHERE id = ?`, id))
}

// List returns proposals with status ("" for all), newest first.
func (s Proposals) List(ctx context.Context, status string, limit int) ([]Proposal, error) {
	return queryList(ctx, s.DB, scanProposal, `SELECT `+proposalColumns+` FROM proposals WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ?`,
		status, status, limit)
}

// LockProposal locks one proposal for its decision.
func (tx *Tx) LockProposal(ctx context.Context, id int64) (Proposal, error) {
	return scanProposal(tx.queryRow(ctx, `SELECT `+proposalColumns+` FROM proposals WHERE id = ? FOR UPDATE`, id))
}

// CheckProposal moves a pending proposal to status (approved, rejected)
// with its checker; failed_precondition (reason not_pending) if it is no
// longer pending.
func (tx *Tx) CheckProposal(ctx context.Context, id int64, status string, checkerID int64, checker, reason, result string) error {
	res, err := tx.exec(ctx, `UPDATE proposals SET status = ?, pending_key = NULL, checker_id = ?, checker = ?, checked_at = ?, check_reason = ?, result = ?
		WHERE id = ? AND status = 'pending'`, status, checkerID, checker, tx.now, clip(reason, 512), clip(result, 512), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_pending", Message: "the proposal was already decided"}
	}
	return nil
}
