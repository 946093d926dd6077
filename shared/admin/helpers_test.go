package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/admin"
	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/backoffice"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/staff"
	"github.com/wxlend/wxlend/shared/staff/stafftest"
)

// stack is the admin function (and the borrower endpoints the tests
// need) behind the SCF adapter, on a fresh database.
type stack struct {
	env *apptest.Env
	url string
	svc backoffice.Service
	// extra accounts, one per role, password "<role>-password-1"
	secrets map[string]string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	env := apptest.New(t, apptest.Options{IPPerMinute: 100000})
	a := env.App
	srv := scftest.Server(t, a.Log,
		scftest.Route{Pattern: "/admin/", Handler: admin.Handler(a)},
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(a)},
		scftest.Route{Pattern: "GET /v1/me", Handler: api.Me(a)},
		scftest.Route{Pattern: "GET /v1/me/export", Handler: api.Export(a)},
		scftest.Route{Pattern: "POST /v1/me/close", Handler: api.Close(a)})
	s := &stack{env: env, url: srv.URL, svc: backoffice.Service{A: a}, secrets: map[string]string{}}
	ctx := context.Background()
	for _, f := range stafftest.Fixtures {
		if err := s.svc.EnsureStaff(ctx, f.Member, f.Password, f.Secret); err != nil {
			t.Fatal(err)
		}
		s.secrets[f.Username] = f.Secret
	}
	for _, r := range staff.Roles() {
		secret, _, err := staff.NewTOTPSecret("wxlend", "role-"+string(r))
		if err != nil {
			t.Fatal(err)
		}
		m := staff.Member{Username: "role-" + string(r), DisplayName: string(r), Role: r}
		if err := s.svc.EnsureStaff(ctx, m, string(r)+"-password-1", secret); err != nil {
			t.Fatal(err)
		}
		s.secrets[m.Username] = secret
	}
	return s
}

func password(username string) string {
	if strings.HasPrefix(username, "role-") {
		return strings.TrimPrefix(username, "role-") + "-password-1"
	}
	return stafftest.Get(username).Password
}

// code is the user's TOTP code at the wall clock's now.
func (s *stack) code(username string) string {
	c, err := staff.TOTPCode(s.secrets[username], s.env.Wall.Now())
	if err != nil {
		panic(err)
	}
	return c
}

// staffClient is a browser-less staff session: its cookie and CSRF token.
type staffClient struct {
	s      *stack
	cookie string
	csrf   string
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// code and reason of an error envelope.
// A console page shows them as data attributes of its error box.
func (r resp) refusal() (string, string) {
	var e struct{ Code, Reason string }
	if json.Unmarshal(r.Body, &e) == nil {
		return e.Code, e.Reason
	}
	if m := errorBox.FindSubmatch(r.Body); m != nil {
		return string(m[1]), string(m[2])
	}
	return "", ""
}

var errorBox = regexp.MustCompile(`id="error" data-code="([a-z_]*)" data-reason="([a-z_]*)"`)

func (s *stack) do(t *testing.T, method, path string, body any, hdr map[string]string) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// login signs username in with password and the current code, after
// moving the wall clock to the next TOTP step (a code is good once).
func (s *stack) login(t *testing.T, username string) *staffClient {
	t.Helper()
	s.env.Wall.Advance(staff.TOTPPeriod * time.Second)
	r := s.do(t, "POST", "/admin/v1/auth/login", map[string]string{"username": username, "password": password(username), "totp": s.code(username)}, nil)
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	r.decode(t, &out)
	c := &staffClient{s: s, csrf: out.CSRF}
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == staff.CookieName {
			c.cookie = ck.Value
		}
	}
	if c.cookie == "" {
		t.Fatalf("login %s set no session cookie: %v", username, r.Header)
	}
	return c
}

func (c *staffClient) headers() map[string]string {
	return map[string]string{"Cookie": staff.CookieName + "=" + c.cookie, "X-CSRF-Token": c.csrf}
}

func (c *staffClient) get(t *testing.T, path string) resp {
	t.Helper()
	return c.s.do(t, "GET", path, nil, c.headers())
}

func (c *staffClient) post(t *testing.T, path string, body any) resp {
	t.Helper()
	return c.s.do(t, "POST", path, body, c.headers())
}

// want fails unless r has status and (for errors) code and reason.
func want(t *testing.T, r resp, status int, code, reason string) {
	t.Helper()
	gc, gr := r.refusal()
	if r.Status != status || (code != "" && gc != code) || (reason != "" && gr != reason) {
		t.Fatalf("got %d %s, want %d %s/%s", r.Status, r.Body, status, code, reason)
	}
}

// audit lists the trail, newest first.
func (s *stack) audit(t *testing.T) []mysql.AuditEntry {
	t.Helper()
	es, err := mysql.Audit{DB: s.env.App.DB}.List(context.Background(), mysql.AuditFilter{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// audited reports whether the trail has action on subject with outcome
// starting with outcome.
func (s *stack) audited(t *testing.T, actor, action, outcome string) bool {
	t.Helper()
	for _, e := range s.audit(t) {
		if e.Actor == actor && e.Action == action && strings.HasPrefix(e.Outcome, outcome) {
			return true
		}
	}
	return false
}
