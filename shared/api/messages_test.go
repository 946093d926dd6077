package api_test

import (
	"context"
	"testing"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

const (
	dueSoonTpl = "wxtplDueSoonDEV"
	pastDueTpl = "wxtplPastDueDEV"
)

// subscriptionStack serves sign-in and message-subscribe.
func subscriptionStack(t *testing.T) *stack {
	env := apptest.New(t, apptest.Options{})
	srv := scftest.Server(t, env.App.Log,
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(env.App)},
		scftest.Route{Pattern: "POST /v1/messages/subscriptions", Handler: api.MessageSubscribe(env.App)})
	return &stack{env: env, url: srv.URL}
}

func TestSubscriptionsCountAcceptsPerBorrower(t *testing.T) {
	s := subscriptionStack(t)
	env := s.env
	alice, bob := s.client(t, "alice"), s.client(t, "bob")
	ctx := context.Background()
	for range 2 {
		resp, err := alice.Post(ctx, "/v1/messages/subscriptions", map[string]any{"template_ids": []string{dueSoonTpl, pastDueTpl},
			"results": map[string]string{dueSoonTpl: "accept", pastDueTpl: "reject"}})
		want(t, resp, err, 200, "")
	}
	resp, err := bob.Post(ctx, "/v1/messages/subscriptions", map[string]any{"template_ids": []string{pastDueTpl},
		"results": map[string]string{pastDueTpl: "accept"}})
	want(t, resp, err, 200, "")
	var out struct {
		Subscriptions []struct {
			TemplateID string `json:"template_id"`
			Remaining  int
		}
	}
	_ = resp.Decode(&out)
	if len(out.Subscriptions) != 1 || out.Subscriptions[0].TemplateID != pastDueTpl || out.Subscriptions[0].Remaining != 1 {
		t.Fatalf("bob sees %+v", out)
	}
	subs, err := mysql.Messages{DB: env.App.DB}.Subscriptions(ctx, alice.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].TemplateID != dueSoonTpl || subs[0].Quota != 2 || subs[1].Quota != 0 || subs[1].Rejected != 2 {
		t.Fatalf("alice's %+v (bob's report must not touch them)", subs)
	}
}

func TestABadSubscriptionReportChangesNothing(t *testing.T) {
	s := subscriptionStack(t)
	c := s.client(t, "alice")
	ctx := context.Background()
	for name, body := range map[string]map[string]any{
		"unknown template": {"template_ids": []string{dueSoonTpl, "someoneElsesTpl"}, "results": map[string]string{dueSoonTpl: "accept", "someoneElsesTpl": "accept"}},
		"no ids":           {"template_ids": []string{}, "results": map[string]string{}},
		"four ids":         {"template_ids": []string{dueSoonTpl, pastDueTpl, dueSoonTpl, pastDueTpl}, "results": map[string]string{dueSoonTpl: "accept"}},
		"missing result":   {"template_ids": []string{dueSoonTpl, pastDueTpl}, "results": map[string]string{dueSoonTpl: "accept"}},
		"odd result":       {"template_ids": []string{dueSoonTpl}, "results": map[string]string{dueSoonTpl: "yes"}},
		"extra result":     {"template_ids": []string{dueSoonTpl}, "results": map[string]string{dueSoonTpl: "accept", pastDueTpl: "accept"}},
	} {
		resp, err := c.Post(ctx, "/v1/messages/subscriptions", body)
		if err != nil || resp.Status != 400 {
			t.Errorf("%s: %v %+v", name, err, resp)
		}
	}
	if n := s.count(t, "message_subscriptions"); n != 0 {
		t.Fatalf("%d rows recorded", n)
	}
}
