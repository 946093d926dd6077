package api_test

import (
	"context"
	"testing"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

func TestConsentRecords(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	srv := scftest.Server(t, env.App.Log,
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(env.App)},
		scftest.Route{Pattern: "POST /v1/consents", Handler: api.ConsentAccept(env.App)},
		scftest.Route{Pattern: "GET /v1/agreements", Handler: api.Agreements(env.App)})
	s := &stack{env: env, url: srv.URL}
	c := s.client(t, "yuki")
	ctx := context.Background()
	resp, err := c.Get(ctx, "/v1/agreements")
	want(t, resp, err, 200, "")
	var list struct {
		Agreements []struct {
			Agreement string
			Version   int
			SHA256    string
		}
	}
	_ = resp.Decode(&list)
	if len(list.Agreements) != 5 {
		t.Fatalf("agreements %+v", list)
	}
	resp, err = c.Post(ctx, "/v1/consents", map[string]any{"agreement": consent.PrivacyPolicy, "version": 1})
	want(t, resp, err, 200, "")
	first := string(resp.Body)
	resp, err = c.Post(ctx, "/v1/consents", map[string]any{"agreement": consent.PrivacyPolicy, "version": 1})
	want(t, resp, err, 200, "")
	if string(resp.Body) != first {
		t.Fatalf("accepting twice made a second record: %s vs %s", first, resp.Body)
	}
	resp, err = c.Post(ctx, "/v1/consents", map[string]any{"agreement": consent.PrivacyPolicy, "version": 0})
	want(t, resp, err, 409, "failed_precondition")
	resp, err = c.Post(ctx, "/v1/consents", map[string]any{"agreement": "contacts_upload", "version": 1})
	want(t, resp, err, 400, "invalid_argument")
	var ip, ua, rid, sum string
	if err := env.DB.QueryRow("SELECT client_ip, user_agent, request_id, text_sha256 FROM consents").Scan(&ip, &ua, &rid, &sum); err != nil {
		t.Fatal(err)
	}
	cur, _ := consent.Current(consent.PrivacyPolicy)
	if ip == "" || ua == "" || rid == "" || sum != cur.SHA256 {
		t.Fatalf("record %q %q %q %q", ip, ua, rid, sum)
	}
	if s.count(t, "agreements") != 5 {
		t.Fatal("agreements not synced to the registry table")
	}
}
