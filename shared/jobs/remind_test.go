package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/wechat/wechattest"
)

// remindRig is a test application with borrowers and active loans whose
// first installment falls due on due.
type remindRig struct {
	t   *testing.T
	env *apptest.Env
	due lending.Date
}

func newRemindRig(t *testing.T) *remindRig {
	return &remindRig{t: t, env: apptest.New(t, apptest.Options{})}
}

// borrower signs user in; phone, when given, is bound, and verified when
// verified is set.
func (r *remindRig) borrower(user, phone string, verified bool) int64 {
	r.t.Helper()
	ctx, a := context.Background(), r.env.App
	u, _, err := a.Users.FindOrCreate(ctx, wechattest.OpenID(user), "", a.Clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	if phone != "" {
		enc, err := a.Vault.Encrypt(ctx, pii.FieldPhone, phone)
		if err != nil {
			r.t.Fatal(err)
		}
		sealed := mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldPhone, phone), Masked: pii.MaskPhone(phone)}
		if err := (mysql.KYC{DB: a.DB}).SetPhone(ctx, u.ID, sealed, a.Clock.Now()); err != nil {
			r.t.Fatal(err)
		}
	}
	if verified {
		r.exec(`UPDATE users SET kyc_identity = 'verified' WHERE id = ?`, u.ID)
	}
	return u.ID
}

// withAlice is a rig with alice, her phone verified, and n active loans.
func withAlice(t *testing.T, n int) (*remindRig, int64) {
	r := newRemindRig(t)
	u := r.borrower("alice", "13812345678", true)
	for range n {
		r.activeLoan(u)
	}
	return r, u
}

// subscribe records userID's acceptance of the due_soon subscribe message.
func (r *remindRig) subscribe(userID int64) {
	r.t.Helper()
	err := mysql.Messages{DB: r.env.App.DB}.Subscribe(context.Background(), userID, map[string]bool{"wxtplDueSoonDEV": true}, r.env.Clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *remindRig) exec(q string, args ...any) {
	r.t.Helper()
	if _, err := r.env.App.DB.Exec(q, args...); err != nil {
		r.t.Fatal(err)
	}
}

// activeLoan lends userID 1,000.00 today (the business clock) and makes the
// loan active; it returns the loan id and sets r.due to its first due date.
func (r *remindRig) activeLoan(userID int64) int64 {
	r.t.Helper()
	a := r.env.App
	id, q := mysqltest.SignedLoan(r.t, a.DB, userID, 10_000_000, 100_000, a.Clock.Now())
	for _, tr := range [][2]loan.Status{{loan.Signed, loan.Disbursing}, {loan.Disbursing, loan.Active}} {
		if err := (mysql.Loans{DB: a.DB}).Transition(context.Background(), mysql.Transition{LoanID: id, From: tr[0], To: tr[1], Reason: "test"}, a.Clock.Now()); err != nil {
			r.t.Fatal(err)
		}
	}
	r.due = q.Schedule.Installments[0].DueDate
	return id
}

// at moves the business clock to hour:00 Asia/Shanghai, days from r.due.
func (r *remindRig) at(days, hour int) {
	d := r.due.AddDays(days)
	target := time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, lending.Shanghai)
	r.env.Clock.Advance(target.Sub(r.env.Clock.Now()))
}

func (r *remindRig) run() jobs.RemindReport {
	r.t.Helper()
	rep, err := jobs.RunRemind(context.Background(), r.env.App)
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

func (r *remindRig) messages(userID int64) []mysql.Notice {
	r.t.Helper()
	ms, err := mysql.Messages{DB: r.env.App.DB}.List(context.Background(), userID, 100)
	if err != nil {
		r.t.Fatal(err)
	}
	return ms
}

func TestAReminderIsNotSentAt23AndGoesOutTheNextMorning(t *testing.T) {
	r, u := withAlice(t, 1)
	r.at(-3, 23)
	if rep := r.run(); rep.Sent != 0 || len(r.env.SMS.Sent()) != 0 {
		t.Fatalf("sent at 23:00: %+v", rep)
	}
	r.at(-2, 7)
	if rep := r.run(); rep.Sent != 0 {
		t.Fatalf("sent at 07:00: %+v", rep)
	}
	r.at(-2, 8)
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("not sent at 08:00: %+v", rep)
	}
	sms := r.env.SMS.Sent()
	if len(sms) != 1 || sms[0].Phone != "+8613812345678" || sms[0].TemplateID != "2000001" || len(sms[0].Params) != 2 || sms[0].Params[1] != fmt.Sprintf("%02d月%02d日", int(r.due.Month), r.due.Day) {
		t.Fatalf("%+v", sms)
	}
	ms := r.messages(u)
	if len(ms) != 1 || ms[0].Kind != "due_3d" || ms[0].Channel != "sms" || ms[0].Recipient != "138****5678" || ms[0].Status != mysql.MessageSent ||
		ms[0].BusinessDate != r.due.AddDays(-2).String() || ms[0].Result != "Ok" {
		t.Fatalf("%+v", ms)
	}
	r.at(-2, 9)
	if rep := r.run(); rep.Sent != 0 {
		t.Fatalf("sent twice: %+v", rep)
	}
}

func TestTheScheduleIsDueSoonThenOverdueEachNoticeOnce(t *testing.T) {
	r, u := withAlice(t, 1)
	for d := -5; d <= 15; d++ {
		r.at(d, 10)
		r.run()
		r.at(d, 15)
		r.run()
	}
	var kinds []string
	for _, m := range r.messages(u) {
		kinds = append([]string{m.Kind}, kinds...)
	}
	want := []string{"due_3d", "due_1d", "due_0d", "overdue_1d", "overdue_3d", "overdue_7d", "overdue_14d"}
	if len(kinds) != len(want) {
		t.Fatalf("%v", kinds)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("%v", kinds)
		}
	}
	if got := len(r.env.SMS.Sent()); got != len(want) {
		t.Fatalf("%d SMS", got)
	}
}

func TestNoticesStopWhenNothingIsOwed(t *testing.T) {
	r, u := withAlice(t, 0)
	id := r.activeLoan(u)
	r.at(-3, 10)
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("%+v", rep)
	}
	if err := (mysql.Loans{DB: r.env.App.DB}).Transition(context.Background(), mysql.Transition{LoanID: id, From: loan.Active, To: loan.Settled, Reason: "paid off"}, r.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	for d := -1; d <= 8; d++ {
		r.at(d, 10)
		if rep := r.run(); rep.Sent+rep.Loans != 0 {
			t.Fatalf("day %d: %+v", d, rep)
		}
	}
}

func TestAtMostTheDailyCapOfMessagesGoesToOneBorrower(t *testing.T) {
	r, u := withAlice(t, 3)
	r.at(0, 10)
	if rep := r.run(); rep.Sent != 2 || rep.Skipped != 1 {
		t.Fatalf("%+v", rep)
	}
	r.at(0, 11)
	if rep := r.run(); rep.Sent != 0 {
		t.Fatalf("over the cap: %+v", rep)
	}
	r.at(1, 10)
	if rep := r.run(); rep.Sent != 2 {
		t.Fatalf("next day: %+v", rep)
	}
	perDay := map[string]int{}
	for _, m := range r.messages(u) {
		perDay[m.BusinessDate]++
	}
	if len(perDay) != 2 || perDay[r.due.String()] != 2 || perDay[r.due.AddDays(1).String()] != 2 {
		t.Fatalf("%v", perDay)
	}
}

func TestOnlyTheBorrowersOwnVerifiedPhoneOrOpenIDIsUsed(t *testing.T) {
	r := newRemindRig(t)
	alice := r.borrower("alice", "13812345678", true)
	bob := r.borrower("bob", "13900001111", false)
	carol := r.borrower("carol", "", false)
	for _, u := range []int64{alice, bob, carol} {
		r.activeLoan(u)
	}
	r.subscribe(carol)
	r.at(-1, 10)
	if rep := r.run(); rep.Sent != 2 || rep.Skipped != 1 {
		t.Fatalf("%+v", rep)
	}
	if sms := r.env.SMS.Sent(); len(sms) != 1 || sms[0].Phone != "+8613812345678" {
		t.Fatalf("SMS %+v", sms)
	}
	if wx := r.env.WeChat.Subscribes(); len(wx) != 1 || wx[0].ToUser != wechattest.OpenID("carol") || wx[0].TemplateID != "wxtplDueSoonDEV" {
		t.Fatalf("WeChat %+v", wx)
	}
	if ms := r.messages(bob); len(ms) != 0 {
		t.Fatalf("bob's unverified phone was used: %+v", ms)
	}
	if ms := r.messages(carol); len(ms) != 1 || ms[0].Recipient != remindMask(wechattest.OpenID("carol")) {
		t.Fatalf("%+v", ms)
	}
	r.at(0, 10)
	r.run()
	if wx := r.env.WeChat.Subscribes(); len(wx) != 1 {
		t.Fatalf("a used subscription was used again: %+v", wx)
	}
}

func remindMask(s string) string { return s[:4] + "****" + s[len(s)-4:] }

func TestAProviderFailureIsRetriedOnceLaterAndNeverDuplicated(t *testing.T) {
	r, u := withAlice(t, 1)
	r.env.SMS.FailNext("InternalError.Timeout")
	r.at(-3, 10)
	if rep := r.run(); rep.Sent != 0 || rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	if ms := r.messages(u); len(ms) != 1 || ms[0].Status != mysql.MessageFailed || ms[0].Result != "InternalError.Timeout" {
		t.Fatalf("%+v", ms)
	}
	r.at(-3, 11)
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("%+v", rep)
	}
	r.at(-3, 12)
	r.run()
	ms := r.messages(u)
	if len(ms) != 1 || ms[0].Status != mysql.MessageSent || ms[0].Attempts != 2 || len(r.env.SMS.Sent()) != 1 {
		t.Fatalf("%+v, %d SMS", ms, len(r.env.SMS.Sent()))
	}
}

func TestARefusalIsNotRetriedOnTheSameChannel(t *testing.T) {
	r, u := withAlice(t, 1)
	r.subscribe(u)
	r.env.WeChat.FailSubscribe(43101)
	r.env.SMS.FailNext("FailedOperation.PhoneNumberInBlacklist")
	r.at(-3, 10)
	r.run() // WeChat: no subscription after all
	r.at(-3, 11)
	r.run() // SMS: blacklisted, given up
	r.at(-3, 12)
	if rep := r.run(); rep.Sent != 0 || rep.Failed != 0 {
		t.Fatalf("%+v", rep)
	}
	ms := r.messages(u)
	if len(ms) != 1 || ms[0].Status != mysql.MessageGaveUp || ms[0].Channel != "sms" || ms[0].Attempts != 2 {
		t.Fatalf("%+v", ms)
	}
	if len(r.env.SMS.Sent())+len(r.env.WeChat.Subscribes()) != 0 {
		t.Fatal("something was delivered")
	}
}

func TestConcurrentRunsNeitherDuplicateNorExceedTheCap(t *testing.T) {
	r, u := withAlice(t, 3)
	r.at(0, 10)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := jobs.RunRemind(context.Background(), r.env.App)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.env.SMS.Sent()); n != 2 {
		t.Fatalf("%d SMS, want the cap of 2", n)
	}
	if ms := r.messages(u); len(ms) != 2 {
		t.Fatalf("%+v", ms)
	}
}

func TestAWeChatFailureGivesTheSubscriptionBackForTheRetry(t *testing.T) {
	r, u := withAlice(t, 1)
	ctx := context.Background()
	msgs := mysql.Messages{DB: r.env.App.DB}
	r.subscribe(u)
	r.env.WeChat.FailSubscribe(-1)
	r.at(-1, 10)
	if rep := r.run(); rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	r.at(-1, 11)
	if rep := r.run(); rep.Sent != 1 {
		t.Fatalf("%+v", rep)
	}
	ms := r.messages(u)
	if len(ms) != 1 || ms[0].Channel != "wechat" || ms[0].Attempts != 2 || len(r.env.WeChat.Subscribes()) != 1 || len(r.env.SMS.Sent()) != 0 {
		t.Fatalf("%+v", ms)
	}
	subs, err := msgs.Subscriptions(ctx, u)
	if err != nil || len(subs) != 1 || subs[0].Quota != 0 {
		t.Fatalf("%+v %v", subs, err)
	}
}
