// Package admin is the back office's HTTP edge: one SCF function (`admin`)
// owns /admin/* and routes inside itself. /admin/v1/... is the JSON API,
// everything else under /admin/ the server-rendered console (Chinese UI,
// html/template, assets embedded). Both use the same staff session: a
// __Host- cookie (HttpOnly, Secure, SameSite=Strict) plus a CSRF token on
// every state-changing request, idle timeout and lockout (shared/staff);
// borrower bearer tokens mean nothing here, and the staff cookie nothing
// on /v1.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/backoffice"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/staff"
)

// Route is one admin endpoint: its pattern, the permission it needs
// ("" = any signed-in staff member) and whether it is public (sign-in).
type Route struct {
	Method, Path string
	Perm         staff.Permission
	Public       bool
	handle       func(c *call) error
}

// Pattern is the ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// call is one request with its session.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	svc  backoffice.Service
	sess staff.Session
	who  backoffice.Actor
	page bool // console (HTML) rather than API (JSON)
}

// devAccount is a dev fixture account (local builds only: local.go).
type devAccount struct {
	staff.Member
	Password, Secret string
}

var devStaff []devAccount

// ensureDevStaff creates the dev fixture accounts unless they exist; a
// prod configuration with fixtures linked stops the cold start.
func ensureDevStaff(a *app.App, svc backoffice.Service) {
	if len(devStaff) == 0 {
		return
	}
	if a.Cfg.Env == "prod" {
		app.Fail(a.Log, "configuration", errors.New("dev staff fixtures are linked into a prod build"))
	}
	for _, d := range devStaff {
		if err := svc.EnsureStaff(context.Background(), d.Member, d.Password, d.Secret); err != nil {
			app.Fail(a.Log, "dev staff", err)
		}
	}
}

// Handler is the admin function's handler.
func Handler(a *app.App) http.Handler {
	svc := backoffice.Service{A: a}
	ensureDevStaff(a, svc)
	mux := http.NewServeMux()
	for _, rt := range Routes() {
		mux.Handle(rt.Pattern(), serve(svc, rt))
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scf.WriteError(w, r, &apierr.Error{Code: apierr.Forbidden, Reason: "cross_origin", Message: "cross-origin request refused"})
	}))
	h := cop.Handler(scf.Routes(mux))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "" { // requests rebuilt from an API gateway event carry Host as a header
			r.Host = r.Header.Get("Host")
		}
		h.ServeHTTP(w, r)
	})
}

// Routes lists every admin endpoint: the JSON API then the console.
func Routes() []Route { return append(apiRoutes(), pageRoutes()...) }

func serve(svc backoffice.Service, rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{w: w, r: r, svc: svc, page: !strings.HasPrefix(rt.Path, "/admin/v1/")}
		c.who = backoffice.Actor{IP: clientIP(r), RequestID: scf.RequestID(r.Context())}
		if err := c.guard(rt); err != nil {
			c.fail(err)
			return
		}
		if err := rt.handle(c); err != nil {
			c.fail(err)
		}
	})
}

// guard: session, then CSRF on anything but GET, then the permission.
// A refused permission is audited (who tried what).
func (c *call) guard(rt Route) error {
	if rt.Public {
		return nil
	}
	cookie, _ := c.r.Cookie(staff.CookieName)
	var err error
	if cookie == nil {
		cookie = &http.Cookie{}
	}
	if c.sess, err = c.svc.Authenticate(c.r.Context(), cookie.Value); err != nil {
		return err
	}
	c.who.Member = c.sess.Member
	c.r = c.r.WithContext(scf.WithUserID(c.r.Context(), c.sess.Member.ID))
	if c.r.Method != http.MethodGet && !staff.CheckCSRF(c.svc.A.Cfg.AuthSecret, c.sess.IDHash, c.csrfPresented()) {
		return c.svc.Refuse(c.r.Context(), c.who, "csrf.refused", rt.Pattern(), "",
			&apierr.Error{Code: apierr.Forbidden, Reason: "csrf", Message: "missing or wrong CSRF token"})
	}
	if rt.Perm != "" && !c.who.Role.Can(rt.Perm) {
		return c.svc.Refuse(c.r.Context(), c.who, "access.denied", rt.Pattern(), "", backoffice.Forbidden(rt.Perm))
	}
	return nil
}

// csrfPresented is the X-CSRF-Token header (API) or the csrf form field
// (console forms).
func (c *call) csrfPresented() string {
	if t := c.r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	if strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return c.r.PostFormValue("csrf")
	}
	return ""
}

func (c *call) csrf() string { return staff.CSRFToken(c.svc.A.Cfg.AuthSecret, c.sess.IDHash) }

func (c *call) ctx() context.Context { return c.r.Context() }

func (c *call) fail(err error) {
	if c.page {
		c.errorPage(err)
		return
	}
	scf.WriteError(c.w, c.r, err)
}

func (c *call) json(v any) error {
	scf.WriteJSON(c.w, http.StatusOK, v)
	return nil
}

// idParam is a positive integer path parameter.
func (c *call) idParam(name string) (int64, error) {
	id, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.Invalid(name, "format", name+" must be a positive integer")
	}
	return id, nil
}

// decode reads a JSON body strictly.
func (c *call) decode(v any) error { return scf.DecodeJSON(c.r, v) }

// setSession sets (or with "" clears) the session cookie.
func (c *call) setSession(value string) {
	ck := &http.Cookie{Name: staff.CookieName, Value: value, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
		MaxAge: int(staff.AbsoluteTimeout.Seconds())}
	if value == "" {
		ck.MaxAge = -1
	}
	http.SetCookie(c.w, ck)
}

// clientIP is the caller's address as API gateway reported it.
func clientIP(r *http.Request) string {
	ip := strings.TrimSpace(strings.Split(r.RemoteAddr, ",")[0])
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return ip
}

// rawJSON is a JSON value kept as sent (a proposal's payload).
type rawJSON = json.RawMessage
