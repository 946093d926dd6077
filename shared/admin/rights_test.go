package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// TestBorrowerExportsAndClosesTheirAccount: the export is the borrower's
// own data in clear; closing waits for every loan to be settled, then
// erases PII, keeps the records the law requires and says why.
func TestBorrowerExportsAndClosesTheirAccount(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	db := s.env.App.DB
	b := apitest.New(s.url)
	b.Now = s.env.Wall.Now
	if r, err := b.Login(ctx, "carol"); err != nil || r.Status != 200 {
		t.Fatalf("login: %v %v", r, err)
	}
	// carol's PII, sealed as onboarding does (her user row exists now).
	var openid string
	_ = db.QueryRow(`SELECT openid FROM users WHERE id = ?`, b.UserID).Scan(&openid)
	if uid := borrower(t, s, openid, "13700001111", "王五", "11010519491231002X"); uid != b.UserID {
		t.Fatalf("user %d vs %d", uid, b.UserID)
	}
	r, err := b.Get(ctx, "/v1/me/export")
	if err != nil || r.Status != 200 {
		t.Fatalf("export: %v %v", r, err)
	}
	for _, plain := range []string{`"phone":"13700001111"`, `"name":"王五"`, `"id_number":"11010519491231002X"`, `"consents"`, `"loans"`} {
		if !strings.Contains(string(r.Body), plain) {
			t.Errorf("export lacks %s: %s", plain, r.Body)
		}
	}

	loanID, _ := mysqltest.SignedLoan(t, db, b.UserID, 5000_00, 1000_00, s.env.Clock.Now())
	r, _ = b.Post(ctx, "/v1/me/close", map[string]bool{"confirm": false})
	if r.Status != 400 || r.Code() != "invalid_argument" {
		t.Fatalf("close without confirm: %d %s", r.Status, r.Body)
	}
	r, _ = b.Post(ctx, "/v1/me/close", map[string]bool{"confirm": true})
	if r.Status != 409 || !strings.Contains(string(r.Body), "loans_open") {
		t.Fatalf("close with an open loan: %d %s", r.Status, r.Body)
	}
	if st, _ := (mysql.KYC{DB: db}).State(ctx, b.UserID); st.PhoneMasked == "" {
		t.Fatal("a refused closure erased something")
	}
	mustExec(t, db, `UPDATE loans SET status = 'settled' WHERE id = ?`, loanID)
	r, _ = b.Post(ctx, "/v1/me/close", map[string]bool{"confirm": true})
	if r.Status != 200 || !strings.Contains(string(r.Body), "retention_reason") || !strings.Contains(string(r.Body), `"contracts"`) {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	var phone, status, openidAfter string
	var cards, kept int
	_ = db.QueryRow(`SELECT COALESCE(phone_enc, ''), status, openid FROM users WHERE id = ?`, b.UserID).Scan(&phone, &status, &openidAfter)
	_ = db.QueryRow(`SELECT COUNT(*) FROM bank_cards WHERE user_id = ?`, b.UserID).Scan(&cards)
	_ = db.QueryRow(`SELECT COUNT(*) FROM loans WHERE user_id = ?`, b.UserID).Scan(&kept)
	if phone != "" || status != "closed" || openidAfter == openid || cards != 0 || kept != 1 {
		t.Fatalf("after closing: phone %q status %s openid %s cards %d loans %d", phone, status, openidAfter, cards, kept)
	}
	var reason string
	if err := db.QueryRow(`SELECT retention_reason FROM account_closures WHERE user_id = ?`, b.UserID).Scan(&reason); err != nil || reason == "" {
		t.Fatalf("closure record: %q %v", reason, err)
	}
	// The session died with the account.
	if r, _ := b.Get(ctx, "/v1/me/export"); r.Status != 401 {
		t.Fatalf("export after closing: %d %s", r.Status, r.Body)
	}
}
