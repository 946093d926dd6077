package admin

import (
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/staff"
)

// apiRoutes is the JSON API (README, "The back office").
func apiRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/admin/v1/auth/login", Public: true, handle: apiLogin},
		{Method: "POST", Path: "/admin/v1/auth/logout", handle: apiLogout},
		{Method: "GET", Path: "/admin/v1/me", handle: apiMe},
		{Method: "GET", Path: "/admin/v1/dashboard", Perm: staff.ReadDashboard, handle: apiDashboard},
		{Method: "GET", Path: "/admin/v1/ops", Perm: staff.ReadOps, handle: apiOps},
		{Method: "POST", Path: "/admin/v1/ops/{id}/resolve", Perm: staff.ResolveOps, handle: apiResolveOps},
		{Method: "GET", Path: "/admin/v1/reviews", Perm: staff.ReadReviews, handle: apiReviews},
		{Method: "GET", Path: "/admin/v1/reviews/{id}", Perm: staff.ReadReviews, handle: apiReview},
		{Method: "POST", Path: "/admin/v1/reviews/{id}/approve", Perm: staff.DecideReview, handle: apiDecideReview(true)},
		{Method: "POST", Path: "/admin/v1/reviews/{id}/decline", Perm: staff.DecideReview, handle: apiDecideReview(false)},
		{Method: "GET", Path: "/admin/v1/loans/overdue", Perm: staff.ReadLoans, handle: apiOverdue},
		{Method: "GET", Path: "/admin/v1/borrowers", Perm: staff.SearchBorrowers, handle: apiSearch},
		{Method: "GET", Path: "/admin/v1/borrowers/{id}", Perm: staff.SearchBorrowers, handle: apiBorrower},
		{Method: "POST", Path: "/admin/v1/borrowers/{id}/unmask", Perm: staff.UnmaskPII, handle: apiUnmask},
		{Method: "GET", Path: "/admin/v1/proposals", Perm: staff.ReadProposals, handle: apiProposals},
		{Method: "GET", Path: "/admin/v1/proposals/{id}", Perm: staff.ReadProposals, handle: apiProposal},
		// Proposing and checking name their permission per kind (backoffice).
		{Method: "POST", Path: "/admin/v1/proposals", handle: apiPropose},
		{Method: "POST", Path: "/admin/v1/proposals/{id}/approve", handle: apiDecideProposal(true)},
		{Method: "POST", Path: "/admin/v1/proposals/{id}/reject", handle: apiDecideProposal(false)},
		{Method: "GET", Path: "/admin/v1/audit", Perm: staff.ReadAudit, handle: apiAudit},
	}
}

const listMax = 200

func apiLogin(c *call) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	return c.login(in.Username, in.Password, in.TOTP, func(csrf string, m staff.Member) error {
		return c.json(map[string]any{"username": m.Username, "role": m.Role, "csrf_token": csrf,
			"idle_timeout_s": int(staff.IdleTimeout.Seconds())})
	})
}

// login signs in (per-IP rate limit first), sets the cookie and answers.
func (c *call) login(username, password, totp string, answer func(csrf string, m staff.Member) error) error {
	if err := c.svc.A.Auth.CheckRate(c.ctx(), "ip", c.who.IP, c.who.RequestID); err != nil {
		return err
	}
	if username == "" || len(username) > 64 {
		return apierr.Invalid("username", "required", "username is required")
	}
	in, err := c.svc.SignIn(c.ctx(), username, password, totp, c.who.IP, c.who.RequestID)
	if err != nil {
		return err
	}
	c.sess = in.Session
	c.setSession(in.Cookie)
	return answer(in.CSRF, in.Session.Member)
}

func apiLogout(c *call) error {
	if err := c.svc.SignOut(c.ctx(), c.who, c.sess); err != nil {
		return err
	}
	c.setSession("")
	return c.json(map[string]string{"status": "signed_out"})
}

func apiMe(c *call) error {
	return c.json(map[string]any{"username": c.who.Username, "display_name": c.who.DisplayName, "role": c.who.Role,
		"permissions": c.who.Role.Permissions(), "csrf_token": c.csrf()})
}

func apiDashboard(c *call) error {
	d, err := dashboard(c)
	if err != nil {
		return err
	}
	return c.json(d)
}

// dashboardData is what the dashboard charts.
type dashboardData struct {
	Approval []mysql.Count `json:"approval_by_day"`
	DPD      []mysql.Count `json:"dpd_buckets"`
	Ops      []mysql.Count `json:"ops_by_state"`
}

func dashboard(c *call) (dashboardData, error) {
	db := mysql.Dashboard{DB: c.svc.A.DB}
	var d dashboardData
	var err error
	if d.Approval, err = db.ApprovalByDay(c.ctx(), c.svc.A.Clock.Now().Add(-30*24*time.Hour)); err != nil {
		return d, err
	}
	if d.DPD, err = db.DPDBuckets(c.ctx()); err != nil {
		return d, err
	}
	d.Ops, err = db.OpsByState(c.ctx())
	return d, err
}

func apiOps(c *call) error {
	items, err := mysql.OpsQueue{DB: c.svc.A.DB}.List(c.ctx(), c.r.URL.Query().Get("state"), listMax)
	if err != nil {
		return err
	}
	return c.json(map[string]any{"items": orEmpty(items)})
}

func apiResolveOps(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	var in struct {
		State      string `json:"state"`
		Resolution string `json:"resolution"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := c.svc.ResolveOps(c.ctx(), c.who, id, in.State, in.Resolution); err != nil {
		return err
	}
	return c.json(map[string]any{"id": id, "state": in.State})
}

func apiReviews(c *call) error {
	items, err := mysql.Reviews{DB: c.svc.A.DB}.List(c.ctx(), listMax)
	if err != nil {
		return err
	}
	return c.json(map[string]any{"items": orEmpty(items)})
}

func apiReview(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	item, err := mysql.Reviews{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.json(item)
}

func apiDecideReview(approve bool) func(c *call) error {
	return func(c *call) error {
		id, reason, err := c.idAndReason()
		if err != nil {
			return err
		}
		if err := c.svc.DecideReview(c.ctx(), c.who, id, approve, reason); err != nil {
			return err
		}
		return c.json(map[string]any{"application_id": id, "status": map[bool]string{true: "approved", false: "declined"}[approve]})
	}
}

func apiOverdue(c *call) error {
	loans, err := mysql.Loans{DB: c.svc.A.DB}.Overdue(c.ctx(), listMax)
	if err != nil {
		return err
	}
	buckets, err := mysql.Dashboard{DB: c.svc.A.DB}.DPDBuckets(c.ctx())
	if err != nil {
		return err
	}
	return c.json(map[string]any{"loans": orEmpty(loans), "buckets": orEmpty(buckets)})
}

// search finds borrowers by phone or ID number through the blind
// indexes: the value is normalised and HMACed, never stored or logged.
func search(c *call, phone, idNumber string) ([]mysql.BorrowerView, error) {
	key := c.svc.A.Cfg.PIIIndexKey
	var pIdx, iIdx []byte
	if phone != "" {
		p, err := pii.ParsePhone(phone)
		if err != nil {
			return nil, apierr.Invalid("phone", "format", "not a mainland mobile number")
		}
		pIdx = pii.BlindIndex(key, pii.FieldPhone, p.Plain())
	}
	if idNumber != "" {
		n, err := pii.ParseIDNumber(idNumber, pii.DateOf(c.svc.A.Clock.Now()))
		if err != nil {
			return nil, apierr.Invalid("id_number", "format", "not a valid ID number")
		}
		iIdx = pii.BlindIndex(key, pii.FieldIDNumber, n.Plain())
	}
	if pIdx == nil && iIdx == nil {
		return nil, apierr.Invalid("phone", "required", "search by phone or id_number")
	}
	return mysql.Borrowers{DB: c.svc.A.DB}.ByIndex(c.ctx(), pIdx, iIdx)
}

func apiSearch(c *call) error {
	q := c.r.URL.Query()
	found, err := search(c, q.Get("phone"), q.Get("id_number"))
	if err != nil {
		return err
	}
	return c.json(map[string]any{"borrowers": orEmpty(found)})
}

func apiBorrower(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	b, err := mysql.Borrowers{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.json(b)
}

func apiUnmask(c *call) error {
	id, reason, err := c.idAndReason()
	if err != nil {
		return err
	}
	u, err := c.svc.Unmask(c.ctx(), c.who, id, reason)
	if err != nil {
		return err
	}
	return c.json(u)
}

func apiProposals(c *call) error {
	ps, err := mysql.Proposals{DB: c.svc.A.DB}.List(c.ctx(), c.r.URL.Query().Get("status"), listMax)
	if err != nil {
		return err
	}
	return c.json(map[string]any{"proposals": orEmpty(ps)})
}

func apiProposal(c *call) error {
	id, err := c.idParam("id")
	if err != nil {
		return err
	}
	p, err := mysql.Proposals{DB: c.svc.A.DB}.Get(c.ctx(), id)
	if err != nil {
		return err
	}
	return c.json(p)
}

func apiPropose(c *call) error {
	var in struct {
		Kind    string  `json:"kind"`
		Payload rawJSON `json:"payload"`
		Reason  string  `json:"reason"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	p, err := c.svc.Propose(c.ctx(), c.who, in.Kind, in.Payload, in.Reason)
	if err != nil {
		return err
	}
	return c.json(p)
}

func apiDecideProposal(approve bool) func(c *call) error {
	return func(c *call) error {
		id, reason, err := c.idAndReason()
		if err != nil {
			return err
		}
		p, err := c.svc.Decide(c.ctx(), c.who, id, approve, reason)
		if err != nil {
			return err
		}
		return c.json(p)
	}
}

func apiAudit(c *call) error {
	entries, err := auditList(c)
	if err != nil {
		return err
	}
	return c.json(map[string]any{"entries": orEmpty(entries)})
}

func auditList(c *call) ([]mysql.AuditEntry, error) {
	q := c.r.URL.Query()
	f := mysql.AuditFilter{Action: q.Get("action"), Subject: q.Get("subject")}
	if b := q.Get("before_id"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return nil, apierr.Invalid("before_id", "format", "before_id must be a positive integer")
		}
		f.BeforeID = n
	}
	return mysql.Audit{DB: c.svc.A.DB}.List(c.ctx(), f, listMax)
}

// idAndReason reads the {id} path parameter and a {reason} body.
func (c *call) idAndReason() (int64, string, error) {
	id, err := c.idParam("id")
	if err != nil {
		return 0, "", err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	err = c.decode(&in)
	return id, in.Reason, err
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
