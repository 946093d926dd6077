package backoffice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/staff"
)

// Payload is a proposal's request: which fields a kind reads.
type Payload struct {
	Strategy    string           `json:"strategy,omitempty"`     // ruleset_activate
	Version     int              `json:"version,omitempty"`      // ruleset_activate
	Product     *lending.Product `json:"product,omitempty"`      // product_publish
	UserID      int64            `json:"user_id,omitempty"`      // credit_limit
	LimitFen    money.Fen        `json:"limit_fen,omitempty"`    // credit_limit
	LoanID      int64            `json:"loan_id,omitempty"`      // loan_write_off
	OpsItemID   int64            `json:"ops_item_id,omitempty"`  // ops_resolve
	Resolution  string           `json:"resolution,omitempty"`   // ops_resolve
	RepaymentID int64            `json:"repayment_id,omitempty"` // manual_refund
	AmountFen   money.Fen        `json:"amount_fen,omitempty"`   // manual_refund
}

// subject is the proposal's subject ("ruleset:champion") with the state
// query's key and extra argument, after checking the kind's fields.
func subject(k staff.Kind, p Payload) (subj, key, arg string, err error) {
	bad := func(field, msg string) error { return apierr.Invalid("payload."+field, "required", msg) }
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch k {
	case staff.KindRuleSet:
		if p.Strategy == "" || p.Version <= 0 {
			return "", "", "", bad("version", "strategy and version of a draft rule set are required")
		}
		return "ruleset:" + p.Strategy, p.Strategy, strconv.Itoa(p.Version), nil
	case staff.KindProduct:
		if p.Product == nil || p.Product.Code == "" {
			return "", "", "", bad("product", "the product definition with its code is required")
		}
		return "product:" + p.Product.Code, p.Product.Code, "", nil
	case staff.KindLimit:
		if p.UserID <= 0 || p.LimitFen <= 0 {
			return "", "", "", bad("limit_fen", "user_id and a positive limit_fen are required")
		}
		return "user:" + id(p.UserID), id(p.UserID), "", nil
	case staff.KindWriteOff:
		if p.LoanID <= 0 {
			return "", "", "", bad("loan_id", "loan_id is required")
		}
		return "loan:" + id(p.LoanID), id(p.LoanID), "", nil
	case staff.KindOps:
		if p.OpsItemID <= 0 || p.Resolution == "" {
			return "", "", "", bad("resolution", "ops_item_id and a resolution are required")
		}
		return "ops:" + id(p.OpsItemID), id(p.OpsItemID), "", nil
	case staff.KindRefund:
		if p.RepaymentID <= 0 || p.AmountFen <= 0 {
			return "", "", "", bad("amount_fen", "repayment_id and a positive amount_fen are required")
		}
		return "repayment:" + id(p.RepaymentID), id(p.RepaymentID), "", nil
	}
	return "", "", "", apierr.Invalid("kind", "unknown", "unknown proposal kind")
}

// Propose stores a pending proposal of kind by who (who needs the kind's
// propose permission and a written reason), with the subject's state as
// it is now and, for a rule set, the impact replay. Refusals are audited.
func (s Service) Propose(ctx context.Context, who Actor, kind string, raw json.RawMessage, reason string) (mysql.Proposal, error) {
	k := staff.Kind(kind)
	action := "proposal.create"
	if !k.Valid() {
		return mysql.Proposal{}, s.Refuse(ctx, who, action, "kind:"+kind, reason, apierr.Invalid("kind", "unknown", "unknown proposal kind"))
	}
	if err := Require(who, k.ProposeRight()); err != nil {
		return mysql.Proposal{}, s.Refuse(ctx, who, action, "kind:"+kind, reason, err)
	}
	var p Payload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return mysql.Proposal{}, s.Refuse(ctx, who, action, "kind:"+kind, reason, apierr.Invalid("payload", "malformed", "payload is not a valid "+kind+" request"))
	}
	subj, key, arg, err := subject(k, p)
	if err == nil && !written(reason) {
		err = apierr.Invalid("reason", "required", "a written reason is required")
	}
	if err == nil {
		err = s.precheck(ctx, k, p)
	}
	if err != nil {
		return mysql.Proposal{}, s.Refuse(ctx, who, action, firstNonEmpty(subj, "kind:"+kind), reason, err)
	}
	prop := mysql.Proposal{Kind: kind, Subject: subj, Reason: reason, MakerID: who.ID, Maker: who.Username}
	canon, _ := json.Marshal(p)
	prop.Payload = string(canon)
	if k == staff.KindRuleSet {
		imp, err := s.RuleSetImpact(ctx, p.Strategy, p.Version)
		if err != nil {
			return prop, s.Refuse(ctx, who, action, subj, reason, err)
		}
		b, _ := json.Marshal(imp)
		prop.Impact = string(b)
	}
	err = mysql.InTx(ctx, s.A.DB, s.A.Clock.Now(), func(tx *mysql.Tx) error {
		st, err := tx.SubjectState(ctx, k, key, arg)
		if err != nil {
			return err
		}
		prop.SubjectState = st
		if prop.ID, err = tx.CreateProposal(ctx, prop); err != nil {
			return err
		}
		return tx.Audit(ctx, s.entry(who, action, subj, reason, nil, map[string]any{"proposal_id": prop.ID, "kind": kind}))
	})
	if err != nil && apierr.CodeOf(err) != apierr.Internal {
		return prop, s.Refuse(ctx, who, action, subj, reason, err)
	}
	prop.Status = staff.Pending
	return prop, err
}

// precheck refuses what approval could never apply (a product breaking
// the rate cap, a loan not eligible for write-off), so no checker is asked.
func (s Service) precheck(ctx context.Context, k staff.Kind, p Payload) error {
	switch k {
	case staff.KindProduct:
		return p.Product.Validate(money.BP(s.A.Cfg.RateCapBP))
	case staff.KindWriteOff:
		ok, err := mysql.Loans{DB: s.A.DB}.WriteOffEligible(ctx, p.LoanID)
		if err != nil || ok {
			return err
		}
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_eligible", Message: "the loan is not overdue past the write-off days past due"}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Decide approves or rejects proposal id as who. The checker needs the
// kind's checker permission, may not be the maker, and must give a
// reason; approval reads the subject's state again under lock and applies
// the payload only if it is what the maker saw (failed_precondition
// reason state_moved otherwise, and the proposal stays pending). Every
// refusal is audited; nothing else changes.
func (s Service) Decide(ctx context.Context, who Actor, id int64, approve bool, reason string) (mysql.Proposal, error) {
	action := map[bool]string{true: "proposal.approve", false: "proposal.reject"}[approve]
	subj := "proposal:" + strconv.FormatInt(id, 10)
	prop, err := mysql.Proposals{DB: s.A.DB}.Get(ctx, id)
	if err != nil {
		return prop, s.Refuse(ctx, who, action, subj, reason, err)
	}
	k := staff.Kind(prop.Kind)
	switch {
	case prop.MakerID == who.ID:
		err = &apierr.Error{Code: apierr.Forbidden, Reason: "own_proposal", Message: "the maker of a proposal cannot check it"}
	case !who.Role.Can(k.CheckRight()):
		err = Forbidden(k.CheckRight())
	case !written(reason):
		err = apierr.Invalid("reason", "required", "a written reason is required")
	}
	if err != nil {
		return prop, s.Refuse(ctx, who, action, subj, reason, err)
	}
	err = mysql.InTx(ctx, s.A.DB, s.A.Clock.Now(), func(tx *mysql.Tx) error {
		locked, err := tx.LockProposal(ctx, id)
		if err != nil {
			return err
		}
		if locked.Status != staff.Pending {
			return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_pending", Message: "the proposal was already " + locked.Status}
		}
		status, result := staff.Rejected, ""
		if approve {
			status = staff.Approved
			if result, err = s.apply(ctx, tx, locked); err != nil {
				return err
			}
		}
		if err := tx.CheckProposal(ctx, id, status, who.ID, who.Username, reason, result); err != nil {
			return err
		}
		prop.Status, prop.Result, prop.CheckerID, prop.Checker = status, result, who.ID, who.Username
		return tx.Audit(ctx, s.entry(who, action, subj, reason, nil, map[string]any{"kind": prop.Kind, "subject": prop.Subject, "result": result}))
	})
	if err != nil && apierr.CodeOf(err) != apierr.Internal {
		return prop, s.Refuse(ctx, who, action, subj, reason, err)
	}
	return prop, err
}

// apply replays the proposal against the current state inside tx.
func (s Service) apply(ctx context.Context, tx *mysql.Tx, prop mysql.Proposal) (string, error) {
	var p Payload
	if err := json.Unmarshal([]byte(prop.Payload), &p); err != nil {
		return "", err
	}
	k := staff.Kind(prop.Kind)
	_, key, arg, err := subject(k, p)
	if err != nil {
		return "", err
	}
	st, err := tx.SubjectState(ctx, k, key, arg)
	if err != nil {
		return "", err
	}
	if st != prop.SubjectState {
		return "", &apierr.Error{Code: apierr.FailedPrecondition, Reason: "state_moved",
			Message: fmt.Sprintf("the subject changed since the proposal (was %s, now %s); propose again", prop.SubjectState, st)}
	}
	switch k {
	case staff.KindRuleSet:
		return fmt.Sprintf("rule set %s v%d active", p.Strategy, p.Version), tx.ActivateRuleSet(ctx, p.Strategy, p.Version)
	case staff.KindProduct:
		v, err := tx.PublishProduct(ctx, *p.Product, money.BP(s.A.Cfg.RateCapBP))
		return fmt.Sprintf("product %s v%d active", p.Product.Code, v), err
	case staff.KindLimit:
		return fmt.Sprintf("limit %d fen", p.LimitFen), tx.OverrideLimit(ctx, p.UserID, p.LimitFen, lending.ShanghaiDate(s.A.Clock.Now()).String(), prop.ID)
	case staff.KindWriteOff:
		total, err := tx.WriteOff(ctx, p.LoanID, prop.ID)
		return fmt.Sprintf("written off %d fen to expense:write_off", total), err
	case staff.KindOps:
		return "resolved: " + p.Resolution, tx.ResolveOps(ctx, p.OpsItemID, "resolved", prop.Maker, p.Resolution, true)
	case staff.KindRefund:
		rf, err := tx.ManualRefund(ctx, p.RepaymentID, p.AmountFen, prop.ID)
		return "refund " + rf.OutRefundNo + " queued", err
	}
	return "", apierr.Invalid("kind", "unknown", "unknown proposal kind")
}
