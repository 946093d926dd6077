package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// frontDoor runs on TestLocalStack's stack (one build) as the custom
// domain and function URLs would: every route of serverless.yml reaches a
// handler that serves exactly its method and path; a raw function-URL
// event through /_local/invoke answers like the platform's; the client IP
// is the connection's, whatever X-Forwarded-For says.
func frontDoor(t *testing.T, g *gateway.Gateway, base string, db *mysqltest.DB) {
	t.Run("every route reaches its handler, which serves only its method", func(t *testing.T) {
		everyRouteServed(t, g, base)
	})
	t.Run("a raw function-URL event for GET /v1/me", func(t *testing.T) {
		rawEventForMe(t, base)
	})
	t.Run("X-Forwarded-For does not change the recorded IP", func(t *testing.T) {
		spoofedIP(t, base, db)
	})
}

// everyRouteServed: each declared (method, path), its parameter filled in,
// reaches a handler (any answer but 404 and 405: 401 without a token, 400
// for a callback's empty body); the same path with another method is the
// function's own 405 naming the declared method in Allow. A handler whose
// pattern differs from serverless.yml would answer 404 here. (A callback
// checks the sender's signature before anything else: another method is
// refused there, 4xx, and never applied.)
func everyRouteServed(t *testing.T, g *gateway.Gateway, base string) {
	c := apitest.New(base)
	unchecked := apitest.New(base)
	unchecked.Check = nil
	for _, r := range g.Manifest.Routes() {
		if r.SelfRouted() {
			continue // a function that routes inside itself (admin) walks its own table: shared/admin's tests
		}
		path := r.Path
		if i := strings.LastIndex(path, "/{"); i >= 0 {
			path = path[:i] + "/1"
		}
		resp, err := c.Send(context.Background(), r.Method, path, []byte(`{}`), &apitest.Signing{Skip: true})
		if err != nil {
			t.Fatalf("%s %s (%s): %v", r.Method, path, r.Function, err)
		}
		if resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed {
			t.Errorf("%s %s (%s): %d %s: no handler for the declared route", r.Method, path, r.Function, resp.Status, resp.Body)
		}
		if strings.HasPrefix(path, "/notify/") {
			resp, err = unchecked.Send(context.Background(), http.MethodPatch, path, []byte(`{}`), nil)
			if err != nil || resp.Status < 400 || resp.Status > 499 {
				t.Errorf("PATCH %s (%s): %v %v, want a 4xx refusal", path, r.Function, err, resp)
			}
			continue
		}
		resp, err = c.Send(context.Background(), http.MethodPatch, path, []byte(`{}`), &apitest.Signing{Skip: true})
		if err != nil {
			t.Fatalf("PATCH %s: %v", path, err)
		}
		if resp.Status != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), r.Method) {
			t.Errorf("PATCH %s (%s): %d Allow %q, want 405 allowing %s", path, r.Function, resp.Status, resp.Header.Get("Allow"), r.Method)
		}
	}
}

// invokeRaw posts a function-URL event to /_local/invoke/<function> and
// returns the function's integrated response.
func invokeRaw(t *testing.T, base, function string, ev map[string]any) events.APIGatewayResponse {
	t.Helper()
	raw, _ := json.Marshal(ev)
	r, err := http.Post(base+"/_local/invoke/"+function, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct {
		Result events.APIGatewayResponse `json:"result"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &out); err != nil || r.StatusCode != 200 {
		t.Fatalf("invoke %s: %d %s", function, r.StatusCode, b)
	}
	return out.Result
}

// rawEventForMe: the documented event shape, nothing else (no
// requestContext, isBase64Encoded, pathParameters, queryStringParameters,
// headerParameters): 401 without a token, 200 with one.
func rawEventForMe(t *testing.T, base string) {
	ev := func(headers map[string]string) map[string]any {
		return map[string]any{"httpMethod": "GET", "path": "/v1/me", "headers": headers, "queryString": map[string]string{}, "body": ""}
	}
	resp := invokeRaw(t, base, "user-me", ev(map[string]string{"x-scf-remote-addr": "203.0.113.20"}))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, `"unauthenticated"`) {
		t.Fatalf("without a token: %+v", resp)
	}
	c := apitest.New(base)
	if r, err := c.Login(context.Background(), "dora."+apitest.NewNonce()); err != nil || r.Status != 200 {
		t.Fatal(err, r)
	}
	resp = invokeRaw(t, base, "user-me", ev(map[string]string{"x-scf-remote-addr": "203.0.113.20", "authorization": "Bearer " + c.Token}))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"user_id"`) {
		t.Fatalf("with a token: %+v", resp)
	}
}

// spoofedIP: a borrower on 127.0.0.77 claims 203.0.113.66 in
// X-Forwarded-For (and in x-scf-remote-addr itself); the session and the
// consent record 127.0.0.77, the platform's field.
func spoofedIP(t *testing.T, base string, db *mysqltest.DB) {
	ctx := context.Background()
	c := apitest.New(base)
	c.FromIP("127.0.0.77")
	spoof := map[string]string{"X-Forwarded-For": "203.0.113.66", "X-Real-Ip": "203.0.113.66", "X-Scf-Remote-Addr": "203.0.113.66"}
	resp, err := c.SendWith(ctx, http.MethodPost, "/v1/auth/login", map[string]string{"code": "erin." + apitest.NewNonce()}, spoof)
	if err != nil || resp.Status != 200 {
		t.Fatal(err, resp)
	}
	var login struct {
		Token   string `json:"token"`
		SignKey string `json:"sign_key"`
		UserID  int64  `json:"user_id"`
	}
	_ = resp.Decode(&login)
	c.Token, c.SignKey, c.UserID = login.Token, login.SignKey, login.UserID
	resp, err = c.SendWith(ctx, http.MethodPost, "/v1/consents", map[string]any{"agreement": consent.PrivacyPolicy, "version": 1}, spoof)
	if err != nil || resp.Status != 200 {
		t.Fatal(err, resp)
	}
	var sessionIP, consentIP string
	if err := db.QueryRow(`SELECT client_ip FROM sessions WHERE user_id = ?`, c.UserID).Scan(&sessionIP); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT client_ip FROM consents WHERE user_id = ?`, c.UserID).Scan(&consentIP); err != nil {
		t.Fatal(err)
	}
	if sessionIP != "127.0.0.77" || consentIP != "127.0.0.77" {
		t.Fatalf("recorded IPs: session %q, consent %q; want the connection's 127.0.0.77", sessionIP, consentIP)
	}
}
