package gateway_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/staff/stafftest"
)

// ScreenshotDir is where the console test saves its screenshots (README,
// "The back office"), relative to the repository root.
const ScreenshotDir = ".local/screenshots"

// browser starts Debian's chromium headless (scripts/test.sh installs it;
// nothing is downloaded) and returns a context driving one tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the console test needs Debian's chromium: apt-get install -y chromium (scripts/test.sh does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// TestConsoleInARealBrowser: through the local gateway (the admin function
// built as deployed, with the dev fixtures), a maker signs in with password
// and TOTP and proposes a rule-set activation, is refused approving it, a
// checker approves it, and the audit trail shows all three. Every page is
// screenshotted to ScreenshotDir.
func TestConsoleInARealBrowser(t *testing.T) {
	_, base, db := startStackDB(t)
	base = strings.Replace(base, "127.0.0.1", "localhost", 1) // a secure context for the __Host- cookie
	rs := risk.NextDraft(risk.DefaultRuleSet())
	for i, r := range rs.Rules {
		if r.ID == "POL_MULTI_LENDING" {
			rs.Rules[i].Expr = "multi_platform_apps_3m > 2" // tighter: the impact shows changed outcomes
		}
	}
	if err := (mysql.RuleSets{DB: db.DB}).SaveDraft(context.Background(), rs, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, apps := range []int{0, 1, 3, 5, 12} {
		mysqltest.Decided(t, db.DB, int64(100+i), map[string]any{"multi_platform_apps_3m": apps}, time.Now())
	}
	dir := filepath.Join("..", "..", "..", ScreenshotDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	n := 0
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			n++
			return os.WriteFile(filepath.Join(dir, fmt.Sprintf("console-%02d-%s.png", n, name)), png, 0o644)
		})
	}
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			t.Fatalf("%s of %s: %v", name, sel, err)
		}
		return v.Value
	}
	page := func(path, name string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + path), chromedp.WaitVisible(chromedp.CSS("h1")), shot(name)}
	}
	signIn := func(user string) {
		f := stafftest.Get(user)
		do("sign in "+user, chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), f.Password),
			chromedp.SendKeys(chromedp.ID("totp"), f.Code(time.Now())), shot("sign-in-"+user),
			chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("whoami")))
	}

	signIn("dev-maker")
	do("dashboard", chromedp.WaitVisible(chromedp.CSS("figure")), shot("dashboard"))
	for _, p := range [][2]string{{"/admin/reviews", "reviews"}, {"/admin/ops", "ops"}, {"/admin/overdue", "overdue"}, {"/admin/borrowers", "borrowers"}} {
		do(p[1], page(p[0], p[1])...)
	}

	do("propose", chromedp.Navigate(base+"/admin/proposals"), chromedp.WaitVisible(chromedp.ID("payload")),
		chromedp.SetValue(chromedp.ID("payload"), fmt.Sprintf(`{"strategy":%q,"version":%d}`, rs.Strategy, rs.Version)),
		chromedp.SendKeys(chromedp.ID("reason"), "上线新版规则集"), shot("proposals"),
		chromedp.Click(chromedp.ID("submit-proposal")), chromedp.WaitVisible(chromedp.ID("impact")), shot("proposal-impact"))
	proposalURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if st := text("#status"); st != "pending" {
		t.Fatalf("proposal status %q", st)
	}

	do("the maker approves their own", chromedp.SendKeys(chromedp.ID("check-reason"), "我来批准"), chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("error")), shot("maker-refused"))
	if code, reason := attr("#error", "data-code"), attr("#error", "data-reason"); code != "forbidden" || reason != "own_proposal" {
		t.Fatalf("the maker's approval: %s/%s", code, reason)
	}
	do("sign out", chromedp.Navigate(proposalURL), chromedp.WaitVisible(chromedp.ID("whoami")),
		chromedp.Click(chromedp.CSS("form.who button")), chromedp.WaitVisible(chromedp.ID("username")))

	signIn("dev-checker")
	do("the checker approves", chromedp.Navigate(proposalURL), chromedp.WaitVisible(chromedp.ID("check-reason")),
		chromedp.SendKeys(chromedp.ID("check-reason"), "影响评估已核对"), chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitNotPresent(chromedp.ID("decide")), shot("approved"))
	if st := text("#status"); st != "approved" {
		t.Fatalf("after approval: %q", st)
	}
	if active, err := (mysql.RuleSets{DB: db.DB}).Active(context.Background(), rs.Strategy); err != nil || active.Version != rs.Version {
		t.Fatalf("active rule set v%d %v", active.Version, err)
	}

	do("audit trail", page("/admin/audit", "audit")...)
	trail := text("#audit")
	for _, row := range []string{"dev-maker\trisk_analyst\tproposal.create", "dev-maker\trisk_analyst\tproposal.approve", "refused:forbidden:own_proposal",
		"dev-checker\trisk_manager\tproposal.approve", "staff.sign_in"} {
		if !strings.Contains(trail, row) {
			t.Errorf("the audit page lacks %q:\n%s", row, trail)
		}
	}
}
