package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/ops"
)

// Application is a credit application (授信申请).
type Application struct {
	ID             int64
	UserID         int64
	ProductCode    string
	Status         string // pending | approved | declined | review
	Step           string // the step that runs next: antifraud | rules | score | decide | done
	Device         json.RawMessage
	ClientIP       string
	LimitFen       money.Fen
	AnnualRateBP   money.BP
	Reasons        json.RawMessage
	Arm            string
	RuleSetVersion int
	ModelVersion   int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Applications stores credit applications and their steps.
type Applications struct{ DB *sql.DB }

// Create inserts a pending application whose first step is antifraud,
// with its device facts (the risk event and the device binding that
// velocity counts), in one transaction. The application row is the risk
// chain's outbox: its caller invokes the first step after the commit, and
// job-risk-redrive re-invokes a pending application that did not move.
func (s Applications) Create(ctx context.Context, a Application, deviceID string, now time.Time) (int64, error) {
	var id int64
	err := InTx(ctx, s.DB, now, func(tx *Tx) error {
		if err := tx.recordDevice(ctx, a.UserID, deviceID, a.ClientIP, nil, nil); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `INSERT INTO credit_applications (user_id, product_code, status, step, device, client_ip, created_at, updated_at)
			VALUES (?, ?, 'pending', 'antifraud', ?, ?, ?, ?)`, a.UserID, a.ProductCode, string(a.Device), clip(a.ClientIP, 64), now, now)
		if err != nil {
			return fmt.Errorf("insert application: %w", err)
		}
		id, _ = res.LastInsertId()
		return nil
	})
	return id, err
}

// ApplyState is what a new application is checked against, read at once:
// the borrower's KYC levels and the application still in progress, if any.
type ApplyState struct {
	Identity, Liveness string
	PendingID          int64 // 0: none
}

// ApplyState reads userID's KYC levels and pending application in one
// statement; an unknown user is not_found.
func (s Applications) ApplyState(ctx context.Context, userID int64) (ApplyState, error) {
	var st ApplyState
	err := s.DB.QueryRowContext(ctx, `SELECT kyc_identity, kyc_liveness,
		COALESCE((SELECT MAX(id) FROM credit_applications WHERE user_id = u.id AND status = 'pending'), 0) FROM users u WHERE u.id = ?`, userID).
		Scan(&st.Identity, &st.Liveness, &st.PendingID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, apierr.New(apierr.NotFound, "user not found")
	}
	return st, err
}

const appColumns = `id, user_id, product_code, status, step, device, client_ip, limit_fen, annual_rate_bp, COALESCE(reasons, '[]'), arm,
	rule_set_version, model_version, created_at, updated_at`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var dev, reasons string
	err := row.Scan(&a.ID, &a.UserID, &a.ProductCode, &a.Status, &a.Step, &dev, &a.ClientIP, &a.LimitFen, &a.AnnualRateBP, &reasons, &a.Arm,
		&a.RuleSetVersion, &a.ModelVersion, &a.CreatedAt, &a.UpdatedAt)
	a.Device, a.Reasons = json.RawMessage(dev), json.RawMessage(reasons)
	return a, err
}

// Get loads an application; userID 0 skips the owner check (internal).
// Another borrower's is not_found.
func (s Applications) Get(ctx context.Context, id, userID int64) (Application, error) {
	a, err := scanApp(s.DB.QueryRowContext(ctx, `SELECT `+appColumns+` FROM credit_applications WHERE id = ? AND (? = 0 OR user_id = ?)`, id, userID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apierr.New(apierr.NotFound, "application not found")
	}
	return a, err
}

// Pending returns userID's application still in progress, if any.
func (s Applications) Pending(ctx context.Context, userID int64) (Application, bool, error) {
	a, err := scanApp(s.DB.QueryRowContext(ctx, `SELECT `+appColumns+` FROM credit_applications WHERE user_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// StepOutput returns a step's stored output, if the step ran.
func (s Applications) StepOutput(ctx context.Context, id int64, step string) (json.RawMessage, bool, error) {
	var out string
	err := s.DB.QueryRowContext(ctx, `SELECT output FROM risk_steps WHERE application_id = ? AND step = ?`, id, step).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return json.RawMessage(out), err == nil, err
}

// StepInput is what a risk step reads before it computes.
type StepInput struct {
	Application
	Prev           json.RawMessage // the output of the step named to ForStep (nil if it has none)
	ProductVersion int             // the active version of the application's product (0: none)
}

// ForStep reads an application, the stored output of step prev ("" for
// none) and the active version of its product in one statement (internal:
// no owner check). An unknown application is not_found.
func (s Applications) ForStep(ctx context.Context, id int64, prev string) (StepInput, error) {
	var in StepInput
	var dev, reasons string
	var out sql.NullString
	a := &in.Application
	err := s.DB.QueryRowContext(ctx, `SELECT `+appColumns+`,
		(SELECT output FROM risk_steps WHERE application_id = a.id AND step = ?),
		COALESCE((SELECT version FROM products p WHERE p.code = a.product_code AND p.status = 'active'), 0)
		FROM credit_applications a WHERE a.id = ?`, prev, id).
		Scan(&a.ID, &a.UserID, &a.ProductCode, &a.Status, &a.Step, &dev, &a.ClientIP, &a.LimitFen, &a.AnnualRateBP, &reasons, &a.Arm,
			&a.RuleSetVersion, &a.ModelVersion, &a.CreatedAt, &a.UpdatedAt, &out, &in.ProductVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return in, apierr.New(apierr.NotFound, "application not found")
	}
	a.Device, a.Reasons = json.RawMessage(dev), json.RawMessage(reasons)
	if out.Valid {
		in.Prev = json.RawMessage(out.String)
	}
	return in, err
}

// FinishStep stores a step's output once and advances the application to
// next, in one transaction; the caller invokes next after the commit (the
// application row is the chain's outbox, job-risk-redrive its sweeper). A
// step already stored (a duplicate or retried invocation) is reported as
// done=false and writes nothing.
func (s Applications) FinishStep(ctx context.Context, id int64, step, next string, output any, latency time.Duration, now time.Time) (bool, error) {
	b, err := json.Marshal(output)
	if err != nil {
		return false, err
	}
	done := false
	err = InTx(ctx, s.DB, now, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO risk_steps (application_id, step, output, latency_us, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, step, string(b), latency.Microseconds(), now)
		if IsDuplicate(err) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE credit_applications SET step = ?, updated_at = ? WHERE id = ? AND step = ? AND status = 'pending'`, next, now, id, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("application %d is not at step %s", id, step)
		}
		done = true
		return nil
	})
	return done, err
}

// Decided is a decision to store.
type Decided struct {
	ApplicationID  int64
	UserID         int64
	Outcome        string
	LimitFen       money.Fen
	AnnualRateBP   money.BP
	Reasons        any
	Arm            string
	RuleSetVersion int
	ModelVersion   int
	Record         any // the full decision record (risk.Decision)
	ExpiresAt      time.Time
}

// Decide settles a pending application (conditional: exactly once), stores
// the decision record, and creates or updates the credit line on approval,
// all in one transaction. A second call is a no-op (false).
func (s Applications) Decide(ctx context.Context, d Decided, now time.Time) (bool, error) {
	rec, err := json.Marshal(d.Record)
	if err != nil {
		return false, err
	}
	reasons, _ := json.Marshal(d.Reasons)
	done := false
	err = InTx(ctx, s.DB, now, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE credit_applications SET status = ?, step = 'done', limit_fen = ?, annual_rate_bp = ?, reasons = ?,
			arm = ?, rule_set_version = ?, model_version = ?, decided_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
			d.Outcome, d.LimitFen, d.AnnualRateBP, string(reasons), d.Arm, d.RuleSetVersion, d.ModelVersion, now, now, d.ApplicationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		done = true
		if _, err := tx.exec(ctx, `INSERT INTO risk_decisions (application_id, outcome, decision, created_at) VALUES (?, ?, ?, ?)`,
			d.ApplicationID, d.Outcome, string(rec), now); err != nil {
			return err
		}
		if d.Outcome == "review" {
			_, err := tx.AddOpsItem(ctx, ops.ForApplication(d.ApplicationID, d.UserID, json.RawMessage(reasons)))
			return err
		}
		if d.Outcome != "approved" {
			return nil
		}
		return tx.UpsertCreditLine(ctx, loan.CreditLine{UserID: d.UserID, LimitFen: d.LimitFen, AnnualRateBP: d.AnnualRateBP,
			Status: loan.LineActive, ExpiresAt: d.ExpiresAt}, d.ApplicationID)
	})
	return done, err
}

// Stuck lists pending applications not advanced since before, oldest
// first, at most limit (for the re-drive timer).
func (s Applications) Stuck(ctx context.Context, before time.Time, limit int) ([]Application, error) {
	return queryList(ctx, s.DB, scanApp, `SELECT `+appColumns+` FROM credit_applications WHERE status = 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?`, before, limit)
}

// Touch records a re-drive attempt.
func (s Applications) Touch(ctx context.Context, id int64, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE credit_applications SET attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'pending'`, now, id)
	return err
}
