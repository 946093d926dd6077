package admin_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/backoffice"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/risk"
)

var moved = apierr.FailedPrecondition.Status()

// decided stores an application decided by the default plan with the
// given multi-lending count, as the risk chain would.
func decided(t *testing.T, s *stack, userID int64, multiApps int) int64 {
	return decidedWith(t, s, userID, map[string]any{"multi_platform_apps_3m": multiApps})
}

// decidedWith stores an application decided by the default plan on a good
// applicant with set's features changed.
func decidedWith(t *testing.T, s *stack, userID int64, set map[string]any) int64 {
	return mysqltest.Decided(t, s.env.App.DB, userID, set, s.env.Clock.Now())
}

// tighterDraft stores the default rule set's next version with the
// multi-lending threshold lowered from 10 to 2.
func tighterDraft(t *testing.T, s *stack) risk.RuleSet {
	t.Helper()
	rs := risk.NextDraft(risk.DefaultRuleSet())
	for i, r := range rs.Rules {
		if r.ID == "POL_MULTI_LENDING" {
			rs.Rules[i].Expr = "multi_platform_apps_3m > 2"
		}
	}
	if err := (mysql.RuleSets{DB: s.env.App.DB}).SaveDraft(context.Background(), rs, s.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRuleSetActivationNeedsAnotherCheckerAndShowsItsImpact(t *testing.T) {
	s := newStack(t)
	apps := []int64{decided(t, s, 101, 0), decided(t, s, 102, 3), decided(t, s, 103, 5)}
	rs := tighterDraft(t, s)
	maker, checker, viewer := s.login(t, "dev-maker"), s.login(t, "dev-checker"), s.login(t, "dev-viewer")

	r := maker.post(t, "/admin/v1/proposals", map[string]any{"kind": "ruleset_activate",
		"payload": map[string]any{"strategy": rs.Strategy, "version": rs.Version}, "reason": "多头借贷收紧"})
	want(t, r, 200, "", "")
	var p mysql.Proposal
	r.decode(t, &p)
	var imp backoffice.Impact
	if err := json.Unmarshal([]byte(p.Impact), &imp); err != nil {
		t.Fatalf("impact %q: %v", p.Impact, err)
	}
	if imp.Replayed != 3 || imp.Decided.Approve != 3 || imp.Replay.Approve != 1 || imp.Replay.Decline != 2 || imp.ChangeBP != -6667 {
		t.Fatalf("impact %+v", imp)
	}
	if len(imp.Changed) != 2 || imp.Changed[0].ApplicationID != apps[1] || imp.Changed[0].To != "decline" ||
		strings.Join(imp.Changed[0].Rules, ",") != "POL_MULTI_LENDING" {
		t.Fatalf("changed %+v", imp.Changed)
	}
	// A second proposal for the same subject waits for the first.
	want(t, maker.post(t, "/admin/v1/proposals", map[string]any{"kind": "ruleset_activate",
		"payload": map[string]any{"strategy": rs.Strategy, "version": rs.Version}, "reason": "again"}), 409, "conflict", "already_pending")

	path := fmt.Sprintf("/admin/v1/proposals/%d/", p.ID)
	want(t, maker.post(t, path+"approve", map[string]string{"reason": "我自己批"}), 403, "forbidden", "own_proposal")
	want(t, viewer.post(t, path+"approve", map[string]string{"reason": "看看"}), 403, "forbidden", "permission")
	want(t, checker.post(t, path+"approve", map[string]string{"reason": ""}), 400, "invalid_argument", "required")
	if active, _ := (mysql.RuleSets{DB: s.env.App.DB}).Active(context.Background(), rs.Strategy); active.Version != 1 {
		t.Fatalf("refusals changed the active rule set: v%d", active.Version)
	}
	r = checker.post(t, path+"approve", map[string]string{"reason": "影响可接受"})
	want(t, r, 200, "", "")
	if active, _ := (mysql.RuleSets{DB: s.env.App.DB}).Active(context.Background(), rs.Strategy); active.Version != 2 {
		t.Fatalf("approved, active is v%d", active.Version)
	}
	want(t, checker.post(t, path+"reject", map[string]string{"reason": "晚了"}), moved, "failed_precondition", "not_pending")
	for _, c := range []struct{ actor, action, outcome string }{
		{"dev-maker", "proposal.create", "ok"}, {"dev-maker", "proposal.approve", "refused:forbidden:own_proposal"},
		{"dev-viewer", "proposal.approve", "refused:forbidden:permission"}, {"dev-checker", "proposal.approve", "ok"},
	} {
		if !s.audited(t, c.actor, c.action, c.outcome) {
			t.Errorf("audit lacks %+v", c)
		}
	}
}

func TestApprovalFailsCleanlyWhenTheSubjectMoved(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	db := s.env.App.DB
	pv, err := mysql.Products{DB: db}.Active(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	next := pv.Product
	next.MaxAmountFen = 100000_00
	maker, checker := s.login(t, "role-risk_manager"), s.login(t, "dev-checker")
	r := maker.post(t, "/admin/v1/proposals", map[string]any{"kind": "product_publish", "payload": map[string]any{"product": next}, "reason": "降低最高额度"})
	want(t, r, 200, "", "")
	var p mysql.Proposal
	r.decode(t, &p)
	// The maker holds the checker right too, and still may not check their own.
	want(t, maker.post(t, fmt.Sprintf("/admin/v1/proposals/%d/approve", p.ID), map[string]string{"reason": "自批"}), 403, "forbidden", "own_proposal")
	// Someone publishes another version meanwhile.
	if _, err := (mysql.Products{DB: db}).Publish(ctx, pv.Product, 2400, s.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	before, _ := mysql.Products{DB: db}.Active(ctx, "standard")
	want(t, checker.post(t, fmt.Sprintf("/admin/v1/proposals/%d/approve", p.ID), map[string]string{"reason": "同意"}), moved, "failed_precondition", "state_moved")
	after, _ := mysql.Products{DB: db}.Active(ctx, "standard")
	got, _ := mysql.Proposals{DB: db}.Get(ctx, p.ID)
	if after.Version != before.Version || got.Status != "pending" {
		t.Fatalf("a moved subject changed something: product v%d -> v%d, proposal %s", before.Version, after.Version, got.Status)
	}
	if !s.audited(t, "dev-checker", "proposal.approve", "refused:failed_precondition:state_moved") {
		t.Error("the refused approval is not audited")
	}
	// A product that breaks the rate cap is refused before any checker sees it.
	bad := pv.Product
	bad.MaxAnnualRateBP = 3500
	want(t, maker.post(t, "/admin/v1/proposals", map[string]any{"kind": "product_publish", "payload": map[string]any{"product": bad}, "reason": "提价"}),
		moved, "failed_precondition", "")
}

func TestMoneyProposals(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	db := s.env.App.DB
	now := s.env.Clock.Now()
	ops, fin, analyst, manager := s.login(t, "role-operations"), s.login(t, "role-finance"), s.login(t, "dev-maker"), s.login(t, "dev-checker")
	approve := func(c *staffClient, r resp) mysql.Proposal {
		t.Helper()
		want(t, r, 200, "", "")
		var p mysql.Proposal
		r.decode(t, &p)
		r = c.post(t, fmt.Sprintf("/admin/v1/proposals/%d/approve", p.ID), map[string]string{"reason": "核对无误"})
		want(t, r, 200, "", "")
		r.decode(t, &p)
		return p
	}

	// Write-off: an overdue loan past the write-off DPD, its receivable to expense.
	loanID, _ := mysqltest.SignedLoan(t, db, 7, 5000_00, 3000_00, now)
	mustExec(t, db, `UPDATE loans SET status = 'overdue', dpd = 200, dpd_bucket = 'M6+', writeoff_eligible = 1 WHERE id = ?`, loanID)
	if _, err := (mysql.Ledger{DB: db}).Post(ctx, ledger.Transaction{Key: "test-disburse", Kind: "disbursement", Entries: []ledger.Entry{
		ledger.Debit(ledger.LoanAccount(loanID, ledger.Principal), 3000_00), ledger.Credit(ledger.Funding("1230000109"), 3000_00)}}, now); err != nil {
		t.Fatal(err)
	}
	other, _ := mysqltest.SignedLoan(t, db, 8, 5000_00, 1000_00, now)
	want(t, ops.post(t, "/admin/v1/proposals", map[string]any{"kind": "loan_write_off", "payload": map[string]any{"loan_id": other}, "reason": "无法收回"}),
		moved, "failed_precondition", "not_eligible")
	p := approve(fin, ops.post(t, "/admin/v1/proposals", map[string]any{"kind": "loan_write_off", "payload": map[string]any{"loan_id": loanID}, "reason": "逾期200天"}))
	l, _ := mysql.Loans{DB: db}.ByID(ctx, loanID)
	wo, _ := mysql.Ledger{DB: db}.Balance(ctx, ledger.WriteOff)
	pr, _ := mysql.Ledger{DB: db}.Balance(ctx, ledger.LoanAccount(loanID, ledger.Principal))
	if l.Status != "written_off" || wo != 3000_00 || pr != 0 {
		t.Fatalf("write-off: %s, expense %d, principal %d (%s)", l.Status, wo, pr, p.Result)
	}

	// Credit limit override, recorded as a limit change.
	approve(manager, analyst.post(t, "/admin/v1/proposals", map[string]any{"kind": "credit_limit", "payload": map[string]any{"user_id": 8, "limit_fen": 8000_00}, "reason": "客户资质提升"}))
	line, _ := mysql.CreditLines{DB: db}.Get(ctx, 8)
	if line.LimitFen != 8000_00 {
		t.Fatalf("limit %d", line.LimitFen)
	}

	// An ops item that moves money is not resolved directly, only by proposal.
	if err := (mysql.OpsQueue{DB: db}).Create(ctx, mysql.OpsRow{Kind: "recon_break", SubjectType: "transfer", SubjectID: "T1", AmountFen: 500_00,
		MovesMoney: true, Reason: "对账差异"}, "recon:test:1", now); err != nil {
		t.Fatal(err)
	}
	items, _ := mysql.OpsQueue{DB: db}.List(ctx, "open", 10)
	want(t, ops.post(t, fmt.Sprintf("/admin/v1/ops/%d/resolve", items[0].ID), map[string]string{"state": "resolved", "resolution": "手工处理"}),
		moved, "failed_precondition", "needs_proposal")
	approve(fin, ops.post(t, "/admin/v1/proposals", map[string]any{"kind": "ops_resolve", "payload": map[string]any{"ops_item_id": items[0].ID, "resolution": "已补记账"}, "reason": "核对银行流水"}))
	if it, _ := (mysql.OpsQueue{DB: db}).Get(ctx, items[0].ID); it.State != "resolved" {
		t.Fatalf("ops item %+v", it)
	}

	// Manual refund of part of a paid repayment, never more than it paid.
	mustExec(t, db, `INSERT INTO repayments (loan_id, user_id, out_trade_no, kind, amount_fen, state, created_at, updated_at) VALUES (?, 8, 'R000001T000001', 'amount', 10000, 'PAID', ?, ?)`, other, now, now)
	var repID int64
	_ = db.QueryRow(`SELECT id FROM repayments WHERE out_trade_no = 'R000001T000001'`).Scan(&repID)
	r := ops.post(t, "/admin/v1/proposals", map[string]any{"kind": "manual_refund", "payload": map[string]any{"repayment_id": repID, "amount_fen": 20000}, "reason": "多扣"})
	want(t, r, 200, "", "")
	var over mysql.Proposal
	r.decode(t, &over)
	want(t, fin.post(t, fmt.Sprintf("/admin/v1/proposals/%d/approve", over.ID), map[string]string{"reason": "同意"}), moved, "failed_precondition", "over_refund")
	want(t, fin.post(t, fmt.Sprintf("/admin/v1/proposals/%d/reject", over.ID), map[string]string{"reason": "金额超过实付"}), 200, "", "")
	approve(fin, ops.post(t, "/admin/v1/proposals", map[string]any{"kind": "manual_refund", "payload": map[string]any{"repayment_id": repID, "amount_fen": 4000}, "reason": "多扣40元"}))
	var n int
	var amount money.Fen
	_ = db.QueryRow(`SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM refunds WHERE repayment_id = ?`, repID).Scan(&n, &amount)
	if n != 1 || amount != 4000 {
		t.Fatalf("refunds %d of %d fen", n, amount)
	}
	if v, err := (mysql.Ledger{DB: db}).Verify(ctx); err != nil || len(v) != 0 {
		t.Fatalf("ledger: %v %v", v, err)
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}
