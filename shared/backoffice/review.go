package backoffice

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/staff"
)

// DecideReview approves or declines an application risk sent to review,
// as who (DECIDE_REVIEW) with a written reason. Approval grants the offer
// the decision record proposed (its score band's limit and rate); a
// record with no offer can only be declined. The manual decision is
// pinned to the reviewer and audited.
func (s Service) DecideReview(ctx context.Context, who Actor, appID int64, approve bool, reason string) error {
	action := map[bool]string{true: "review.approve", false: "review.decline"}[approve]
	subj := "application:" + strconv.FormatInt(appID, 10)
	if err := Require(who, staff.DecideReview); err != nil {
		return s.Refuse(ctx, who, action, subj, reason, err)
	}
	if !written(reason) {
		return s.Refuse(ctx, who, action, subj, reason, apierr.Invalid("reason", "required", "a written reason is required"))
	}
	item, err := mysql.Reviews{DB: s.A.DB}.Get(ctx, appID)
	if apierr.CodeOf(err) == apierr.NotFound {
		if _, e := (mysql.Applications{DB: s.A.DB}).Get(ctx, appID, 0); e == nil {
			err = &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_in_review", Message: "the application is not waiting for review"}
		}
	}
	if err != nil {
		return s.Refuse(ctx, who, action, subj, reason, err)
	}
	var rec risk.Decision
	if err := json.Unmarshal(item.Decision, &rec); err != nil {
		return err
	}
	d := mysql.ManualDecision{ApplicationID: appID, ReviewerID: who.ID, Reviewer: who.Username, Outcome: "declined", Reason: reason}
	if approve {
		if rec.LimitFen <= 0 {
			return s.Refuse(ctx, who, action, subj, reason, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "no_offer",
				Message: "the score band declines: there is no offer to approve"})
		}
		now := s.A.Clock.Now()
		d.Outcome, d.LimitFen, d.AnnualRateBP, d.ExpiresAt = "approved", rec.LimitFen, money.BP(rec.AnnualRateBP), now.AddDate(1, 0, 0)
	}
	err = mysql.InTx(ctx, s.A.DB, s.A.Clock.Now(), func(tx *mysql.Tx) error {
		if err := tx.DecideReview(ctx, d); err != nil {
			return err
		}
		return tx.Audit(ctx, s.entry(who, action, subj, reason, nil, map[string]any{"limit_fen": d.LimitFen, "annual_rate_bp": d.AnnualRateBP}))
	})
	if err != nil && apierr.CodeOf(err) != apierr.Internal {
		return s.Refuse(ctx, who, action, subj, reason, err)
	}
	return err
}

// ResolveOps resolves or dismisses an operations item that moves no money
// (one that does goes through a proposal), audited.
func (s Service) ResolveOps(ctx context.Context, who Actor, id int64, state, resolution string) error {
	subj := "ops:" + strconv.FormatInt(id, 10)
	action := "ops." + state
	if err := Require(who, staff.ResolveOps); err != nil {
		return s.Refuse(ctx, who, action, subj, resolution, err)
	}
	if state != "resolved" && state != "dismissed" {
		return s.Refuse(ctx, who, action, subj, resolution, apierr.Invalid("state", "unknown", "state is resolved or dismissed"))
	}
	if !written(resolution) {
		return s.Refuse(ctx, who, action, subj, resolution, apierr.Invalid("resolution", "required", "a written resolution is required"))
	}
	err := mysql.InTx(ctx, s.A.DB, s.A.Clock.Now(), func(tx *mysql.Tx) error {
		if err := tx.ResolveOps(ctx, id, state, who.Username, resolution, false); err != nil {
			return err
		}
		return tx.Audit(ctx, s.entry(who, action, subj, resolution, nil, nil))
	})
	if err != nil && apierr.CodeOf(err) != apierr.Internal {
		return s.Refuse(ctx, who, action, subj, resolution, err)
	}
	return err
}

// Unmasked is a borrower's PII in clear, for one audited view.
type Unmasked struct {
	Phone    string `json:"phone"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Unmask decrypts a borrower's PII for who (UNMASK_PII) with a written
// reason; the view is audited before anything is shown.
func (s Service) Unmask(ctx context.Context, who Actor, userID int64, reason string) (Unmasked, error) {
	subj := "user:" + strconv.FormatInt(userID, 10)
	if err := Require(who, staff.UnmaskPII); err != nil {
		return Unmasked{}, s.Refuse(ctx, who, "pii.unmask", subj, reason, err)
	}
	if !written(reason) {
		return Unmasked{}, s.Refuse(ctx, who, "pii.unmask", subj, reason, apierr.Invalid("reason", "required", "a written reason is required to see PII"))
	}
	p, n, i, err := mysql.Borrowers{DB: s.A.DB}.Sealed(ctx, userID)
	if err != nil {
		return Unmasked{}, s.Refuse(ctx, who, "pii.unmask", subj, reason, err)
	}
	if err := s.Audit(ctx, who, "pii.unmask", subj, reason, nil, nil); err != nil {
		return Unmasked{}, err
	}
	var u Unmasked
	err = s.open(ctx, []sealed{{pii.FieldPhone, p, &u.Phone}, {pii.FieldName, n, &u.Name}, {pii.FieldIDNumber, i, &u.IDNumber}})
	return u, err
}

// sealed is a PII ciphertext of a vault field and where its plain text goes.
type sealed struct {
	field, enc string
	dst        *string
}

// open decrypts every non-empty ciphertext into its destination.
func (s Service) open(ctx context.Context, fs []sealed) error {
	for _, f := range fs {
		if f.enc == "" {
			continue
		}
		var err error
		if *f.dst, err = s.A.Vault.Decrypt(ctx, f.field, f.enc); err != nil {
			return err
		}
	}
	return nil
}
