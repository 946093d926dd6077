package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
)

// ReviewItem is an application risk sent to review, with its decision
// record (features, hits, score, reasons) and the borrower's masks.
type ReviewItem struct {
	ApplicationID int64           `json:"application_id"`
	UserID        int64           `json:"user_id"`
	ProductCode   string          `json:"product_code"`
	CreatedAt     time.Time       `json:"created_at"`
	NameMasked    string          `json:"name_masked"`
	PhoneMasked   string          `json:"phone_masked"`
	Decision      json.RawMessage `json:"decision"`
}

// Reviews is the risk review queue.
type Reviews struct{ DB *sql.DB }

const reviewQuery = `SELECT a.id, a.user_id, a.product_code, a.created_at, COALESCE(i.name_masked, ''), COALESCE(u.phone_masked, ''), d.decision
	FROM credit_applications a JOIN risk_decisions d ON d.application_id = a.id LEFT JOIN users u ON u.id = a.user_id
	LEFT JOIN identities i ON i.user_id = a.user_id WHERE a.status = 'review'`

func scanReview(row interface{ Scan(...any) error }) (ReviewItem, error) {
	var r ReviewItem
	var dec string
	err := row.Scan(&r.ApplicationID, &r.UserID, &r.ProductCode, &r.CreatedAt, &r.NameMasked, &r.PhoneMasked, &dec)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apierr.New(apierr.NotFound, "no such application in review")
	}
	r.Decision = json.RawMessage(dec)
	return r, err
}

// List returns the waiting applications, oldest first.
func (s Reviews) List(ctx context.Context, limit int) ([]ReviewItem, error) {
	return queryList(ctx, s.DB, scanReview, reviewQuery+` ORDER BY a.id LIMIT ?`, limit)
}

// Get returns one waiting application.
func (s Reviews) Get(ctx context.Context, id int64) (ReviewItem, error) {
	return scanReview(s.DB.QueryRowContext(ctx, reviewQuery+` AND a.id = ?`, id))
}

// ManualDecision is a reviewer's decision on an application in review.
type ManualDecision struct {
	ApplicationID int64
	ReviewerID    int64
	Reviewer      string
	Outcome       string // approved | declined
	Reason        string
	LimitFen      money.Fen
	AnnualRateBP  money.BP
	ExpiresAt     time.Time
}

// DecideReview settles an application in review (conditional: exactly
// once; failed_precondition reason not_in_review otherwise), stores the
// manual decision pinned to the reviewer and, on approval, the credit line.
func (tx *Tx) DecideReview(ctx context.Context, d ManualDecision) error {
	res, err := tx.exec(ctx, `UPDATE credit_applications SET status = ?, limit_fen = ?, annual_rate_bp = ?, decided_at = ?, updated_at = ?
		WHERE id = ? AND status = 'review'`, d.Outcome, d.LimitFen, d.AnnualRateBP, tx.now, tx.now, d.ApplicationID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_in_review", Message: "the application is not waiting for review"}
	}
	if _, err := tx.exec(ctx, `INSERT INTO manual_decisions (application_id, reviewer_id, reviewer, outcome, reason, limit_fen, annual_rate_bp, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ApplicationID, d.ReviewerID, d.Reviewer, d.Outcome, clip(d.Reason, 512), d.LimitFen, d.AnnualRateBP, tx.now); err != nil {
		return err
	}
	if d.Outcome != "approved" {
		return nil
	}
	var userID int64
	if err := tx.queryRow(ctx, `SELECT user_id FROM credit_applications WHERE id = ?`, d.ApplicationID).Scan(&userID); err != nil {
		return err
	}
	return tx.UpsertCreditLine(ctx, loan.CreditLine{UserID: userID, LimitFen: d.LimitFen, AnnualRateBP: d.AnnualRateBP,
		Status: loan.LineActive, ExpiresAt: d.ExpiresAt}, d.ApplicationID)
}

// StoredDecision is one machine decision record for the impact replay.
type StoredDecision struct {
	ApplicationID int64
	Status        string // what was decided in the end (approved, declined, review)
	Record        json.RawMessage
}

// DecisionsSince lists the decision records made at or after since,
// oldest first, at most limit.
func (s Reviews) DecisionsSince(ctx context.Context, since time.Time, limit int) ([]StoredDecision, error) {
	return queryList(ctx, s.DB, func(row interface{ Scan(...any) error }) (StoredDecision, error) {
		var d StoredDecision
		var rec string
		err := row.Scan(&d.ApplicationID, &d.Status, &rec)
		d.Record = json.RawMessage(rec)
		return d, err
	}, `SELECT d.application_id, d.outcome, d.decision FROM risk_decisions d WHERE d.created_at >= ? ORDER BY d.application_id LIMIT ?`, since, limit)
}

// OverdueLoan is one line of the overdue queue.
type OverdueLoan struct {
	LoanID      int64     `json:"loan_id"`
	UserID      int64     `json:"user_id"`
	AmountFen   money.Fen `json:"amount_fen"`
	DPD         int       `json:"dpd"`
	Bucket      string    `json:"bucket"`
	Eligible    bool      `json:"writeoff_eligible"`
	PhoneMasked string    `json:"phone_masked"`
}

// Overdue lists overdue loans, most days past due first.
func (s Loans) Overdue(ctx context.Context, limit int) ([]OverdueLoan, error) {
	return queryList(ctx, s.DB, func(row interface{ Scan(...any) error }) (OverdueLoan, error) {
		var o OverdueLoan
		err := row.Scan(&o.LoanID, &o.UserID, &o.AmountFen, &o.DPD, &o.Bucket, &o.Eligible, &o.PhoneMasked)
		return o, err
	}, `SELECT l.id, l.user_id, l.amount_fen, l.dpd, l.dpd_bucket, l.writeoff_eligible, COALESCE(u.phone_masked, '') FROM loans l
		LEFT JOIN users u ON u.id = l.user_id WHERE l.status = 'overdue' ORDER BY l.dpd DESC, l.id LIMIT ?`, limit)
}

// Count is one labelled figure of a chart.
type Count struct {
	Label string    `json:"label"`
	N     int64     `json:"n"`
	Fen   money.Fen `json:"fen,omitempty"`
	Of    int64     `json:"of,omitempty"`
}

func scanCount(row interface{ Scan(...any) error }) (Count, error) {
	var c Count
	return c, row.Scan(&c.Label, &c.N, &c.Fen, &c.Of)
}

// Dashboard figures.
type Dashboard struct{ DB *sql.DB }

// ApprovalByDay is, per business day since since, approvals (N) of
// decided applications (Of).
func (s Dashboard) ApprovalByDay(ctx context.Context, since time.Time) ([]Count, error) {
	return queryList(ctx, s.DB, scanCount, `SELECT DATE_FORMAT(CONVERT_TZ(decided_at, '+00:00', '+08:00'), '%Y-%m-%d') d,
		SUM(status = 'approved'), 0, COUNT(*) FROM credit_applications WHERE decided_at >= ? AND status IN ('approved', 'declined')
		GROUP BY d ORDER BY d`, since)
}

// DPDBuckets is the overdue book by bucket: loans (N) and principal (Fen).
func (s Dashboard) DPDBuckets(ctx context.Context) ([]Count, error) {
	return queryList(ctx, s.DB, scanCount, `SELECT dpd_bucket, COUNT(*), COALESCE(SUM(amount_fen), 0), 0 FROM loans
		WHERE status IN ('active', 'overdue') GROUP BY dpd_bucket ORDER BY dpd_bucket`)
}

// OpsByState is the operations queue by state.
func (s Dashboard) OpsByState(ctx context.Context) ([]Count, error) {
	return queryList(ctx, s.DB, scanCount, `SELECT state, COUNT(*), COALESCE(SUM(amount_fen), 0), 0 FROM ops_items GROUP BY state ORDER BY state`)
}

// BorrowerView is what the back office shows of a borrower: masks only.
type BorrowerView struct {
	UserID         int64     `json:"user_id"`
	Status         string    `json:"status"`
	PhoneMasked    string    `json:"phone_masked"`
	NameMasked     string    `json:"name_masked"`
	IDNumberMasked string    `json:"id_number_masked"`
	KYC            string    `json:"kyc"`
	CreatedAt      time.Time `json:"created_at"`
	LimitFen       money.Fen `json:"limit_fen"`
	UsedFen        money.Fen `json:"used_fen"`
}

const borrowerQuery = `SELECT u.id, u.status, COALESCE(u.phone_masked, ''), COALESCE(i.name_masked, ''), COALESCE(i.id_number_masked, ''),
	CONCAT(u.kyc_identity, '/', u.kyc_liveness, '/', u.kyc_bank_card), u.created_at, COALESCE(c.limit_fen, 0), COALESCE(c.used_fen, 0)
	FROM users u LEFT JOIN identities i ON i.user_id = u.id LEFT JOIN credit_lines c ON c.user_id = u.id`

func scanBorrower(row interface{ Scan(...any) error }) (BorrowerView, error) {
	var b BorrowerView
	err := row.Scan(&b.UserID, &b.Status, &b.PhoneMasked, &b.NameMasked, &b.IDNumberMasked, &b.KYC, &b.CreatedAt, &b.LimitFen, &b.UsedFen)
	if errors.Is(err, sql.ErrNoRows) {
		return b, apierr.New(apierr.NotFound, "borrower not found")
	}
	return b, err
}

// Borrowers finds borrowers for the back office.
type Borrowers struct{ DB *sql.DB }

// ByIndex finds borrowers by the blind index of their phone or ID number:
// the plain value never reaches the database.
func (s Borrowers) ByIndex(ctx context.Context, phoneIdx, idIdx []byte) ([]BorrowerView, error) {
	return queryList(ctx, s.DB, scanBorrower, borrowerQuery+` WHERE u.phone_bidx = ? OR i.id_number_bidx = ? ORDER BY u.id LIMIT 20`, phoneIdx, idIdx)
}

// Get is one borrower.
func (s Borrowers) Get(ctx context.Context, userID int64) (BorrowerView, error) {
	return scanBorrower(s.DB.QueryRowContext(ctx, borrowerQuery+` WHERE u.id = ?`, userID))
}

// Sealed returns the ciphertexts of a borrower's PII (the unmask action
// decrypts them after checking permission and reason).
func (s Borrowers) Sealed(ctx context.Context, userID int64) (phoneEnc, nameEnc, idEnc string, err error) {
	var p, n, i sql.NullString
	err = s.DB.QueryRowContext(ctx, `SELECT u.phone_enc, i.name_enc, i.id_number_enc FROM users u LEFT JOIN identities i ON i.user_id = u.id
		WHERE u.id = ?`, userID).Scan(&p, &n, &i)
	if errors.Is(err, sql.ErrNoRows) {
		err = apierr.New(apierr.NotFound, "borrower not found")
	}
	return p.String, n.String, i.String, err
}

// WriteOffEligible reports whether loan id is overdue and flagged by the
// close of business as past the write-off days past due.
func (s Loans) WriteOffEligible(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.DB.QueryRowContext(ctx, `SELECT status = 'overdue' AND writeoff_eligible = 1 FROM loans WHERE id = ?`, id).Scan(&ok)
	if errors.Is(err, sql.ErrNoRows) {
		return false, apierr.New(apierr.NotFound, "loan not found")
	}
	return ok, err
}
