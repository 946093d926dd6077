package admin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
)

// borrower stores a borrower with a bound phone and verified identity,
// sealed as onboarding does.
func borrower(t *testing.T, s *stack, openid, phone, name, idNumber string) int64 {
	t.Helper()
	ctx := context.Background()
	a := s.env.App
	u, _, err := mysql.Users{DB: a.DB}.FindOrCreate(ctx, openid, "", s.env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	seal := func(field, plain, masked string) mysql.Sealed {
		enc, err := a.Vault.Encrypt(ctx, field, plain)
		if err != nil {
			t.Fatal(err)
		}
		return mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, field, plain), Masked: masked}
	}
	ph := seal(pii.FieldPhone, phone, pii.MaskPhone(phone))
	if err := (mysql.KYC{DB: a.DB}).SetPhone(ctx, u.ID, ph, s.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := (mysql.KYC{DB: a.DB}).SaveIdentity(ctx, u.ID, ph.Index, seal(pii.FieldName, name, pii.MaskName(name)),
		seal(pii.FieldIDNumber, idNumber, pii.MaskIDNumber(idNumber)), s.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestReviewQueueDecisionIsPinnedToTheReviewer(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	db := s.env.App.DB
	uid := borrower(t, s, "o-review", "13800138000", "张三", "11010519491231002X")
	approveID := decidedWith(t, s, uid, map[string]any{"accounts_per_device": 5})
	declineID := decidedWith(t, s, 55, map[string]any{"accounts_per_device": 5})
	viewer, analyst := s.login(t, "dev-viewer"), s.login(t, "dev-maker")

	var list struct{ Items []mysql.ReviewItem }
	r := viewer.get(t, "/admin/v1/reviews")
	want(t, r, 200, "", "")
	r.decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].PhoneMasked != "138****8000" || !strings.Contains(string(list.Items[0].Decision), `"hits"`) {
		t.Fatalf("review queue %s", r.Body)
	}
	if strings.Contains(string(r.Body), "13800138000") || strings.Contains(string(r.Body), "张三") {
		t.Fatal("the queue shows PII in clear")
	}
	path := func(id int64, d string) string { return fmt.Sprintf("/admin/v1/reviews/%d/%s", id, d) }
	want(t, viewer.post(t, path(approveID, "approve"), map[string]string{"reason": "看着不错"}), 403, "forbidden", "permission")
	want(t, analyst.post(t, path(approveID, "approve"), map[string]string{"reason": " "}), 400, "invalid_argument", "required")
	want(t, analyst.post(t, path(approveID, "approve"), map[string]string{"reason": "设备共用为家庭成员，已电话核实"}), 200, "", "")
	want(t, analyst.post(t, path(declineID, "decline"), map[string]string{"reason": "无法核实"}), 200, "", "")
	want(t, analyst.post(t, path(approveID, "decline"), map[string]string{"reason": "改主意"}), 409, "failed_precondition", "not_in_review")

	line, err := mysql.CreditLines{DB: db}.Get(ctx, uid)
	if err != nil || line.LimitFen != 8000_00 || line.AnnualRateBP != 1600 {
		t.Fatalf("credit line after approval: %+v %v", line, err)
	}
	var reviewer, outcome string
	if err := db.QueryRow(`SELECT reviewer, outcome FROM manual_decisions WHERE application_id = ?`, approveID).Scan(&reviewer, &outcome); err != nil ||
		reviewer != "dev-maker" || outcome != "approved" {
		t.Fatalf("manual decision %s %s %v", reviewer, outcome, err)
	}
	if _, err := (mysql.CreditLines{DB: db}).Get(ctx, 55); err == nil {
		t.Fatal("a declined review has a credit line")
	}
	if !s.audited(t, "dev-maker", "review.approve", "ok") || !s.audited(t, "dev-viewer", "access.denied", "refused:forbidden:permission") {
		t.Error("review decisions or refusals not audited")
	}
}

func TestBorrowerSearchShowsMasksAndUnmaskingIsAudited(t *testing.T) {
	s := newStack(t)
	uid := borrower(t, s, "o-search", "13912345678", "李四", "11010519491231002X")
	viewer, manager := s.login(t, "dev-viewer"), s.login(t, "dev-checker")
	for _, q := range []string{"phone=13912345678", "id_number=11010519491231002X", "phone=%2B86+139+1234+5678"} {
		r := viewer.get(t, "/admin/v1/borrowers?"+q)
		want(t, r, 200, "", "")
		var out struct{ Borrowers []mysql.BorrowerView }
		r.decode(t, &out)
		if len(out.Borrowers) != 1 || out.Borrowers[0].UserID != uid || out.Borrowers[0].NameMasked != "李*" ||
			strings.Contains(string(r.Body), "13912345678") {
			t.Fatalf("search %s: %s", q, r.Body)
		}
	}
	want(t, viewer.get(t, "/admin/v1/borrowers?phone=123"), 400, "invalid_argument", "format")
	want(t, viewer.get(t, "/admin/v1/borrowers"), 400, "invalid_argument", "required")
	unmask := fmt.Sprintf("/admin/v1/borrowers/%d/unmask", uid)
	want(t, viewer.post(t, unmask, map[string]string{"reason": "好奇"}), 403, "forbidden", "permission")
	want(t, manager.post(t, unmask, map[string]string{}), 400, "invalid_argument", "required")
	r := manager.post(t, unmask, map[string]string{"reason": "借款人来电核对身份，工单 4711"})
	want(t, r, 200, "", "")
	if !strings.Contains(string(r.Body), "13912345678") || !strings.Contains(string(r.Body), "李四") {
		t.Fatalf("unmask %s", r.Body)
	}
	var found bool
	for _, e := range s.audit(t) {
		found = found || (e.Action == "pii.unmask" && e.Actor == "dev-checker" && e.Outcome == "ok" && e.Subject == fmt.Sprintf("user:%d", uid) &&
			strings.Contains(e.Reason, "工单 4711") && e.RequestID != "" && e.ClientIP != "")
	}
	if !found {
		t.Fatal("the PII view is not audited with reason, IP and request id")
	}
	for _, e := range s.audit(t) {
		if strings.Contains(fmt.Sprint(e), "13912345678") {
			t.Fatal("the audit trail holds PII in clear")
		}
	}
}

func TestOverdueQueueAndDashboard(t *testing.T) {
	s := newStack(t)
	viewer := s.login(t, "dev-viewer")
	mustExec(t, s.env.App.DB, `INSERT INTO loans (user_id, quote_id, product_code, product_version, amount_fen, term_months, method, annual_rate_bp, apr_bp, status,
		schedule, created_at, updated_at, dpd, dpd_bucket) VALUES (9, 'q1', 'standard', 1, 100000, 6, 'equal_installment', 1800, 1800, 'overdue', '[]', NOW(), NOW(), 12, 'M1')`)
	decided(t, s, 101, 0)
	r := viewer.get(t, "/admin/v1/loans/overdue")
	want(t, r, 200, "", "")
	if !strings.Contains(string(r.Body), `"bucket":"M1"`) || !strings.Contains(string(r.Body), `"dpd":12`) {
		t.Fatalf("overdue %s", r.Body)
	}
	r = viewer.get(t, "/admin/v1/dashboard")
	want(t, r, 200, "", "")
	if !strings.Contains(string(r.Body), `"approval_by_day":[{`) {
		t.Fatalf("dashboard %s", r.Body)
	}
	page := viewer.get(t, "/admin/dashboard")
	if page.Status != 200 || !strings.Contains(string(page.Body), "<svg") || !strings.Contains(string(page.Body), "<rect") {
		t.Fatalf("dashboard page %d %s", page.Status, page.Body)
	}
}
