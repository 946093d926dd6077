// Command chaos runs borrowers' whole journeys on a local stack while it
// injects faults, then heals the stack, lets the sweepers finish and
// checks the book. Loopback only, bounded in time. From the repository root:
//
//	go run ./scripts/chaos -seconds 60 -borrowers 4      (the short run in scripts/test.sh)
//	go run ./scripts/chaos -minutes 10 -borrowers 8      (the long run)
//
// Faults, one every -every: a random running function process killed with
// SIGKILL (gateway.KillFunction), the stack's private redis-server (its own
// port, never the shared 6379) stopped and restarted, and throughout the
// run the WeChat Pay fakes fail a fraction of calls (SYSTEM_ERROR,
// FREQUENCY_LIMITED) and duplicate and delay notifications
// (wxpaytest.SetNotifyChaos). Borrowers retry what a mini-program retries:
// a transport error or a 502/503/504, re-signed with a fresh nonce.
//
// Then: faults off, redis up, every transfer still waiting for its
// borrower confirmed (the borrower comes back), the business clock moved
// 35 days (across the first due date) with the close of business, and the
// sweepers fired until nothing moves. The invariants: every loan final or
// resting in a state its borrower resumes (applied, signed), none left
// disbursing; no disbursement part paid twice and no transfer unknown to
// the book; every repayment WeChat Pay took is PAID in the book; every
// credit line's used amount equals the principal its loans owe; the ledger
// and evidence verifiers clean. A broken invariant exits 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
)

func main() {
	minutes := flag.Int("minutes", 0, "length of the fault phase in minutes")
	seconds := flag.Int("seconds", 0, "length of the fault phase in seconds (added to -minutes; default 60 s when both are 0)")
	borrowers := flag.Int("borrowers", 4, "concurrent borrowers")
	every := flag.Duration("every", 2*time.Second, "time between two injected faults")
	failRate := flag.Float64("wxpay-fail", 0.1, "fraction of WeChat Pay calls that fail")
	flag.Parse()
	length := time.Duration(*minutes)*time.Minute + time.Duration(*seconds)*time.Second
	if length <= 0 {
		length = time.Minute
	}
	ok, err := run(length, *borrowers, *every, *failRate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(length time.Duration, borrowers int, every time.Duration, failRate float64) (bool, error) {
	ctx := context.Background()
	rds, err := startRedis()
	if err != nil {
		return false, err
	}
	defer rds.stop()
	l, err := gateway.StartLocal(ctx, ".", ".local/chaos-bin", map[string]string{
		"REDIS_ADDR": rds.addr, "REDIS_PREFIX": "wxlend:chaos:", "RATE_LIMIT_IP_PER_MIN": "1000000", "RATE_LIMIT_USER_PER_MIN": "1000000"})
	if err != nil {
		return false, err
	}
	defer l.Close()
	l.StartTimers()
	db, err := mysql.Open(ctx, l.DSN, 4)
	if err != nil {
		return false, err
	}
	defer db.Close()

	rec := newRecorder()
	probe := apitest.New(l.URL)
	if r, err := probe.Login(ctx, "chaos-probe."+apitest.NewNonce()); err != nil || r.Status != 200 {
		return false, fmt.Errorf("probe login: %v %v", err, r)
	}
	inj := &injector{g: l.Gateway, rds: rds, base: l.URL, rec: rec, probe: probe}
	inj.wxpayChaos(failRate)
	fmt.Printf("chaos: %d borrowers for %s, a fault every %s, WeChat Pay failing %.0f%% of calls; private redis on %s\n",
		borrowers, length, every, failRate*100, rds.addr)
	deadline := time.Now().Add(length)
	stopFaults := make(chan struct{})
	var faults sync.WaitGroup
	faults.Add(1)
	go func() { defer faults.Done(); inj.loop(every, stopFaults) }()
	var wg sync.WaitGroup
	for i := 0; i < borrowers; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); borrower(ctx, l.URL, i, deadline, rec) }(i)
	}
	wg.Wait()
	close(stopFaults)
	faults.Wait()

	healed := time.Now()
	if err := inj.heal(ctx); err != nil {
		return false, err
	}
	if err := closeBusinessMonth(ctx, l); err != nil {
		return false, err
	}
	rounds, err := quiesce(ctx, l, db)
	if err != nil {
		return false, err
	}
	rec.recovery("sweepers quiescent after healing", time.Since(healed))
	results, err := check(ctx, l.Gateway, db)
	if err != nil {
		return false, err
	}
	return report(rec, inj, rounds, results), nil
}

// borrower plays one borrower until the deadline: approved once (a fresh
// identity after a failed onboarding, as a borrower who starts over), then
// loans taken and paid off one after the other.
func borrower(ctx context.Context, base string, i int, deadline time.Time, rec *recorder) {
	var c *apitest.Client
	var limit int64
	approved := false
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if !approved {
			c = rec.client(base, apitest.LoopbackIP(i))
			user := fmt.Sprintf("chaos%d-%d", i, attempt)
			id, err := gateway.DevID(fmt.Sprintf("1101051987%02d%02d", (i+attempt)%12+1, (i*7+attempt)%28+1), '9')
			if err != nil {
				rec.journey("onboard", err)
				return
			}
			limit, err = journey.Approve(ctx, c, user, "赵六", id, gateway.DevCard(fmt.Sprintf("621700%04d%05d", i, attempt)), fmt.Sprintf("1381%03d%04d", i, attempt%9999+1))
			rec.journey("onboard+credit", err)
			approved = err == nil
			continue
		}
		// A borrower looks at their loans first, as the app's home page
		// does: pay off what is owed (the business clock may have made it
		// overdue), cancel what was never paid out, and wait while a loan
		// is being paid out; drawing again meanwhile is refused for the
		// credit in use, which measures the borrower, not the faults.
		loanID, inFlight := owedLoan(ctx, c)
		if inFlight {
			time.Sleep(2 * time.Second)
			continue
		}
		if loanID == 0 {
			// Within the line the decision granted, for the same reason.
			var err error
			loanID, err = journey.Borrow(ctx, c, base, io.Discard, min(100000+int64(rand.N(5))*10000, limit), 3)
			rec.journey("borrow+disburse", err)
			if err != nil {
				time.Sleep(time.Second)
				continue
			}
		}
		_, err := journey.Pay(ctx, c, base, io.Discard, loanID, "payoff", 0)
		rec.journey("repay", err)
	}
}

// owedLoan is one of the borrower's loans that is owed (active or
// overdue: 0 if none), and whether one is being paid out (signed or
// disbursing). A loan created but not signed is cancelled on the way,
// which releases its credit. A failed read reports nothing.
func owedLoan(ctx context.Context, c *apitest.Client) (owed int64, inFlight bool) {
	var list struct {
		Loans []struct {
			LoanID int64  `json:"loan_id"`
			Status string `json:"status"`
		} `json:"loans"`
	}
	if err := journey.GetJSON(ctx, c, "/v1/loans", &list); err != nil {
		return 0, false
	}
	for _, l := range list.Loans {
		switch loan.Status(l.Status) {
		case loan.Active, loan.Overdue:
			return l.LoanID, false
		case loan.Applied:
			_, _ = c.Post(ctx, apitest.LoanPath("cancel", l.LoanID), map[string]any{})
		case loan.Signed, loan.Disbursing:
			inFlight = true
		}
	}
	return 0, inFlight
}

func report(rec *recorder, inj *injector, rounds int, results []result) bool {
	fmt.Println()
	fmt.Println("faults injected")
	for _, k := range sortedKeys(inj.counts()) {
		fmt.Printf("  %-34s %8d\n", k, inj.counts()[k])
	}
	r := rec.snapshot()
	fmt.Println("requests")
	fmt.Printf("  %-34s %8d\n", "borrower requests (with retries)", r.requests)
	fmt.Printf("  %-34s %8d\n", "retried by the client", r.retries)
	fmt.Println("client-visible errors by code (status code)")
	for _, k := range sortedKeys(r.errors) {
		fmt.Printf("  %-34s %8d\n", k, r.errors[k])
	}
	fmt.Println("journeys (stage: ok / failed, the first failure)")
	stages := map[string]bool{}
	for k := range r.stagesOK {
		stages[k] = true
	}
	for k := range r.stagesFailed {
		stages[k] = true
	}
	for _, k := range sortedKeys(stages) {
		fmt.Printf("  %-34s %4d / %d  %s\n", k, r.stagesOK[k], r.stagesFailed[k], clip(r.firstErr[k], 110))
	}
	fmt.Println("recovery")
	for _, k := range sortedKeys(r.recoveries) {
		ds := r.recoveries[k]
		fmt.Printf("  %-34s n=%d max %.1f s\n", k, len(ds), maxSeconds(ds))
	}
	fmt.Printf("  %-34s %8d\n", "sweeper rounds", rounds)
	fmt.Println("invariants")
	ok := true
	for _, res := range results {
		mark := "held"
		if !res.ok {
			mark, ok = "BROKEN", false
		}
		fmt.Printf("  %-52s %s %s\n", res.name, mark, res.detail)
	}
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func maxSeconds(ds []time.Duration) float64 {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m.Seconds()
}
