package admin

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/staff"
)

//go:embed web/templates/*.html web/static/*
var web embed.FS

// pageRoutes is the console: forms post back and redirect (303), so a
// page reload never repeats an action.
func pageRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/admin/{$}", Public: true, handle: func(c *call) error { return c.redirect("/admin/dashboard") }},
		{Method: "GET", Path: "/admin/static/{file}", Public: true, handle: pageStatic},
		{Method: "GET", Path: "/admin/login", Public: true, handle: func(c *call) error { return c.render("login", nil) }},
		{Method: "POST", Path: "/admin/login", Public: true, handle: pageLogin},
		{Method: "POST", Path: "/admin/logout", handle: pageLogout},
		{Method: "GET", Path: "/admin/dashboard", Perm: staff.ReadDashboard, handle: pageDashboard},
		{Method: "GET", Path: "/admin/reviews", Perm: staff.ReadReviews, handle: pageReviews},
		{Method: "GET", Path: "/admin/reviews/{id}", Perm: staff.ReadReviews, handle: pageReview},
		{Method: "POST", Path: "/admin/reviews/{id}/decide", Perm: staff.DecideReview, handle: pageDecideReview},
		{Method: "GET", Path: "/admin/ops", Perm: staff.ReadOps, handle: pageOps},
		{Method: "POST", Path: "/admin/ops/{id}/resolve", Perm: staff.ResolveOps, handle: pageResolveOps},
		{Method: "GET", Path: "/admin/overdue", Perm: staff.ReadLoans, handle: pageOverdue},
		{Method: "GET", Path: "/admin/borrowers", Perm: staff.SearchBorrowers, handle: pageSearch},
		{Method: "GET", Path: "/admin/borrowers/{id}", Perm: staff.SearchBorrowers, handle: pageBorrower},
		{Method: "POST", Path: "/admin/borrowers/{id}/unmask", Perm: staff.UnmaskPII, handle: pageUnmask},
		{Method: "GET", Path: "/admin/proposals", Perm: staff.ReadProposals, handle: pageProposals},
		{Method: "GET", Path: "/admin/proposals/{id}", Perm: staff.ReadProposals, handle: pageProposal},
		{Method: "POST", Path: "/admin/proposals", handle: pagePropose},
		{Method: "POST", Path: "/admin/proposals/{id}/decide", handle: pageDecideProposal},
		{Method: "GET", Path: "/admin/audit", Perm: staff.ReadAudit, handle: pageAudit},
	}
}

var funcs = template.FuncMap{
	"yuan": yuan,
	"can":  func(r staff.Role, p string) bool { return r.Can(staff.Permission(p)) },
	"pct":  pct,
	"json": func(v any) string { b, _ := json.MarshalIndent(v, "", "  "); return string(b) },
}

// pct shows basis points (a JSON number) as a percentage with 2 decimals.
func pct(v any) string {
	var bp int
	switch n := v.(type) {
	case float64:
		bp = int(n)
	case int:
		bp = n
	}
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return sign + strconv.Itoa(bp/100) + "." + strconv.Itoa(bp%100/10) + strconv.Itoa(bp%10) + "%"
}

// yuan shows fen (money.Fen, or a JSON number) as yuan with 2 decimals.
func yuan(v any) string {
	var n int64
	switch f := v.(type) {
	case money.Fen:
		n = int64(f)
	case float64:
		n = int64(f)
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// pages are parsed once per cold start: the layout with each page.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	names, _ := fs.Glob(web, "web/templates/*.html")
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(web, "web/templates/layout.html", n))
	}
	return out
}()

// view is what every page gets.
type view struct {
	Title string
	Me    staff.Member
	CSRF  string
	Data  any
	Error *apierr.Error
	Flash string
}

var titles = map[string]string{"login": "登录", "dashboard": "概览", "reviews": "人工审核", "review": "审核详情", "ops": "运营待办",
	"overdue": "逾期贷款", "borrowers": "借款人查询", "borrower": "借款人", "proposals": "待复核提案", "proposal": "提案详情",
	"audit": "审计日志", "error": "操作被拒绝"}

func (c *call) render(page string, data any) error {
	return c.renderStatus(http.StatusOK, page, view{Data: data})
}

func (c *call) renderStatus(status int, page string, v view) error {
	v.Title, v.Me = titles[page], c.who.Member
	if c.sess.ID != 0 {
		v.CSRF = c.csrf()
	}
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	c.w.Header().Set("X-Frame-Options", "DENY")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	return pages[page].Execute(c.w, v)
}

func (c *call) redirect(to string) error {
	http.Redirect(c.w, c.r, to, http.StatusSeeOther)
	return nil
}

// errorPage shows a refusal with its code and reason; a page asked
// without a session goes to sign-in.
func (c *call) errorPage(err error) {
	pub := apierr.Public(err)
	if pub.Code == apierr.Unauthenticated && c.r.Method == http.MethodGet {
		_ = c.redirect("/admin/login")
		return
	}
	if pub.Code == apierr.Internal {
		c.svc.A.Log.ErrorContext(c.ctx(), "console error", "error", err.Error())
	}
	page := "error"
	if c.r.URL.Path == "/admin/login" {
		page = "login"
	}
	_ = c.renderStatus(pub.Code.Status(), page, view{Error: pub})
}

func pageStatic(c *call) error {
	name := c.r.PathValue("file")
	b, err := web.ReadFile("web/static/" + name)
	if err != nil || strings.Contains(name, "/") {
		return apierr.New(apierr.NotFound, "no such file")
	}
	ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[path.Ext(name)]
	c.w.Header().Set("Content-Type", ct)
	c.w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = c.w.Write(b)
	return err
}

func pageLogin(c *call) error {
	f := c.r.PostFormValue
	return c.login(f("username"), f("password"), f("totp"), func(string, staff.Member) error { return c.redirect("/admin/dashboard") })
}

func pageLogout(c *call) error {
	if err := c.svc.SignOut(c.ctx(), c.who, c.sess); err != nil {
		return err
	}
	c.setSession("")
	return c.redirect("/admin/login")
}

func pageDashboard(c *call) error {
	d, err := dashboard(c)
	if err != nil {
		return err
	}
	return c.render("dashboard", charts(d))
}

func pageReviews(c *call) error {
	items, err := mysql.Reviews{DB: c.svc.A.DB}.List(c.ctx(), listMax)
	if err != nil {
		return err
	}
	return c.render("reviews", items)
}

func pageReview(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	item, err := mysql.Reviews{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	var rec map[string]any
	_ = json.Unmarshal(item.Decision, &rec)
	return c.render("review", map[string]any{"Item": item, "Record": rec})
}

func pageDecideReview(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	approve, err := decision(c.r.PostFormValue("decision"), "approve", "decline")
	if err != nil {
		return err
	}
	if err := c.svc.DecideReview(c.ctx(), c.who, id, approve, c.r.PostFormValue("reason")); err != nil {
		return err
	}
	return c.redirect("/admin/reviews")
}

// decision reads a form's two-way choice.
func decision(v, yes, no string) (bool, error) {
	switch v {
	case yes:
		return true, nil
	case no:
		return false, nil
	}
	return false, apierr.Invalid("decision", "unknown", "decision is "+yes+" or "+no)
}

func pageOps(c *call) error {
	items, err := mysql.OpsQueue{DB: c.svc.A.DB}.List(c.ctx(), c.r.URL.Query().Get("state"), listMax)
	if err != nil {
		return err
	}
	return c.render("ops", items)
}

func pageResolveOps(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	if err := c.svc.ResolveOps(c.ctx(), c.who, id, c.r.PostFormValue("state"), c.r.PostFormValue("resolution")); err != nil {
		return err
	}
	return c.redirect("/admin/ops")
}

func pageOverdue(c *call) error {
	loans, err := mysql.Loans{DB: c.svc.A.DB}.Overdue(c.ctx(), listMax)
	if err != nil {
		return err
	}
	buckets, err := mysql.Dashboard{DB: c.svc.A.DB}.DPDBuckets(c.ctx())
	if err != nil {
		return err
	}
	return c.render("overdue", map[string]any{"Loans": loans, "Buckets": buckets})
}

func pageSearch(c *call) error {
	q := c.r.URL.Query()
	data := map[string]any{"Phone": q.Get("phone"), "IDNumber": q.Get("id_number")}
	if q.Get("phone") != "" || q.Get("id_number") != "" {
		found, err := search(c, q.Get("phone"), q.Get("id_number"))
		if err != nil {
			return err
		}
		data["Found"], data["Searched"] = found, true
	}
	return c.render("borrowers", data)
}

func pageBorrower(c *call) error { return borrowerPage(c, nil) }

func borrowerPage(c *call, unmasked any) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	b, err := mysql.Borrowers{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.render("borrower", map[string]any{"B": b, "Unmasked": unmasked})
}

func pageUnmask(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	u, err := c.svc.Unmask(c.ctx(), c.who, id, c.r.PostFormValue("reason"))
	if err != nil {
		return err
	}
	return borrowerPage(c, u)
}

func pageProposals(c *call) error {
	ps, err := mysql.Proposals{DB: c.svc.A.DB}.List(c.ctx(), c.r.URL.Query().Get("status"), listMax)
	if err != nil {
		return err
	}
	return c.render("proposals", map[string]any{"Proposals": ps, "Kinds": staff.Kinds()})
}

func pageProposal(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	p, err := mysql.Proposals{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	var impact map[string]any
	if p.Impact != "" {
		_ = json.Unmarshal([]byte(p.Impact), &impact)
	}
	return c.render("proposal", map[string]any{"P": p, "Impact": impact})
}

func pagePropose(c *call) error {
	raw := strings.TrimSpace(c.r.PostFormValue("payload"))
	if !json.Valid([]byte(raw)) {
		return apierr.Invalid("payload", "malformed", "payload is not JSON")
	}
	p, err := c.svc.Propose(c.ctx(), c.who, c.r.PostFormValue("kind"), rawJSON(raw), c.r.PostFormValue("reason"))
	if err != nil {
		return err
	}
	return c.redirect("/admin/proposals/" + strconv.FormatInt(p.ID, 10))
}

func pageDecideProposal(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	approve, err := decision(c.r.PostFormValue("decision"), "approve", "reject")
	if err != nil {
		return err
	}
	if _, err := c.svc.Decide(c.ctx(), c.who, id, approve, c.r.PostFormValue("reason")); err != nil {
		return err
	}
	return c.redirect("/admin/proposals/" + strconv.FormatInt(id, 10))
}

func pageAudit(c *call) error {
	entries, err := auditList(c)
	if err != nil {
		return err
	}
	return c.render("audit", entries)
}
