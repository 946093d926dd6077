package main

import (
	"github.com/wxlend/wxlend/scripts/internal/journey"

	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql"
)

// benchRisk drives n credit applications from `users` concurrent borrowers
// through the local gateway (each application: POST -> four async SCF
// functions -> decision stored in MariaDB) and reports throughput, the
// latency from POST to decision stored (created_at -> decided_at, as the
// database recorded it) and as the client saw it, where that time goes per
// hop (riskhops.go), with -phases inside the handlers too (riskphases.go),
// and the CPU each process spent per decision (riskcpu.go).
//
// How a borrower learns its decision is the poll mode. "db" (default): one
// watcher polls MariaDB for all borrowers every 5 ms with one primary-key
// query, and the borrower then reads the decision once through the API.
// "api": every borrower polls GET /v1/credit/decisions/{id} every 10 ms
// through the gateway, as the bench did first; that is about 15 extra
// function invocations per decision, which on 2 cores competed with the
// chain it measured.
func benchRisk(n, users int, poll string, phases bool) error {
	if poll != "db" && poll != "api" {
		return fmt.Errorf("-poll must be db or api, got %q", poll)
	}
	ctx := context.Background()
	env := benchEnv()
	logPath := ""
	if phases {
		// The handlers' phase lines (riskphases.go). Off by default: five
		// more log lines per decision through the gateway's log pipe
		// raised p99 by about 100 ms in paired runs on the loaded machine.
		env["LOG_LEVEL"] = "debug"
		path, dropLog, err := phaseLog()
		if err != nil {
			return err
		}
		defer dropLog()
		logPath = path
	}
	g, base, stop, err := startLocal(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	clients := make([]*apitest.Client, users)
	for i := range clients {
		c := apitest.New(base)
		c.FromIP(apitest.LoopbackIP(i))
		id, err := gateway.DevID(fmt.Sprintf("1101051985%02d%02d", i%12+1, i%28+1), '9')
		if err != nil {
			return err
		}
		if err := journey.Onboard(ctx, c, fmt.Sprintf("bench%d", i), "王五", id, fmt.Sprintf("1371234%04d", i+1)); err != nil {
			return fmt.Errorf("onboard %d: %w", i, err)
		}
		clients[i] = c
	}
	// One connection: its server thread is the watcher's cost (dbThreads).
	db, err := mysql.Open(ctx, env["MYSQL_DSN"], 1)
	if err != nil {
		return err
	}
	defer db.Close()
	w := newWatcher(db)
	defer w.close()
	// One application first, untimed: it starts every function's process
	// (the cold starts of a deploy, not of the steady state measured).
	warm := time.Now()
	if _, err := applyOnce(ctx, clients[0], "fp-bench-warmup-0123456789", poll, w); err != nil {
		return err
	}
	fmt.Printf("warm-up application (cold starts of the chain's 6 functions included): %.1f ms\n", ms(time.Since(warm)))
	traces := &traceLog{}
	g.SetTrace(traces.add)
	defer g.SetTrace(nil)
	before := g.Stats()
	cpu0 := readCPU()
	var mu sync.Mutex
	var seen []time.Duration
	posts := map[int64]time.Time{}
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *apitest.Client) {
			defer wg.Done()
			for k := i; k < n; k += users {
				t0 := time.Now()
				id, err := applyOnce(ctx, c, fmt.Sprintf("fp-bench-%d-%d-0123456789", i, k), poll, w)
				if err != nil {
					fmt.Println("apply:", err)
					return
				}
				mu.Lock()
				seen = append(seen, time.Since(t0))
				posts[id] = t0
				mu.Unlock()
			}
		}(i, c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := readCPU().since(cpu0)
	g.SetTrace(nil)
	stackThreads, watcherThreads, err := dbThreads(ctx, db, env["MYSQL_DSN"][strings.LastIndexByte(env["MYSQL_DSN"], '/')+1:])
	if err != nil {
		return err
	}
	fmt.Printf("%d applications by %d borrowers in %.1f s: %.1f decisions/s (poll %s)\n", len(seen), users, elapsed.Seconds(), float64(len(seen))/elapsed.Seconds(), poll)
	stored, err := storedLatency(ctx, db, posts)
	if err != nil {
		return err
	}
	report("created_at -> decided_at (MySQL)", stored)
	report("POST -> decision seen by client", seen)
	all := traces.get()
	if err := hops(ctx, db, posts, all); err != nil {
		return err
	}
	if phases {
		if err := printPhases(logPath, posts); err != nil {
			return err
		}
	}
	printInvokes(before, g.Stats(), all)
	cpu.print(len(seen), elapsed, stackThreads, watcherThreads)
	return countSteps(ctx, env, clients[0], 20)
}

// applyOnce posts one application and waits until its decision is stored.
func applyOnce(ctx context.Context, c *apitest.Client, fp, poll string, w *watcher) (int64, error) {
	resp, err := c.Post(ctx, "/v1/credit/applications", map[string]any{"device": map[string]any{"fingerprint_id": fp}, "captcha": journey.DevCaptcha()})
	if err != nil || resp.Status != 202 {
		return 0, fmt.Errorf("apply: %v %v", err, resp)
	}
	var app struct {
		ApplicationID int64 `json:"application_id"`
	}
	_ = resp.Decode(&app)
	if poll == "db" {
		if err := w.wait(ctx, app.ApplicationID, 20*time.Second); err != nil {
			return 0, err
		}
	}
	for i := 0; i < 2000; i++ {
		r, err := c.Get(ctx, fmt.Sprintf("/v1/credit/decisions/%d", app.ApplicationID))
		if err != nil {
			return 0, err
		}
		var d struct{ Status string }
		_ = r.Decode(&d)
		if d.Status != "pending" {
			return app.ApplicationID, nil
		}
		if poll == "db" {
			return 0, fmt.Errorf("application %d: decided in MySQL, pending through the API (%d %s)", app.ApplicationID, r.Status, r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("application %d not decided", app.ApplicationID)
}

// watcher tells waiting borrowers their application left "pending",
// polling MariaDB for all of them at once.
type watcher struct {
	db      *sql.DB
	mu      sync.Mutex
	waiting map[int64]chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func newWatcher(db *sql.DB) *watcher {
	w := &watcher{db: db, waiting: map[int64]chan struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *watcher) wait(ctx context.Context, id int64, limit time.Duration) error {
	ch := make(chan struct{})
	w.mu.Lock()
	w.waiting[id] = ch
	w.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-t.C:
		return fmt.Errorf("application %d not decided within %s", id, limit)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *watcher) run() {
	defer close(w.done)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		w.mu.Lock()
		ids := make([]any, 0, len(w.waiting))
		for id := range w.waiting {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		rows, err := w.db.Query(`SELECT id FROM credit_applications WHERE status <> 'pending' AND id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, ids...)
		if err != nil {
			continue
		}
		var decided []int64
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil {
				decided = append(decided, id)
			}
		}
		rows.Close()
		w.mu.Lock()
		for _, id := range decided {
			if ch, ok := w.waiting[id]; ok {
				close(ch)
				delete(w.waiting, id)
			}
		}
		w.mu.Unlock()
	}
}

func (w *watcher) close() { close(w.stop); <-w.done }

// storedLatency is created_at -> decided_at of the timed run's applications.
func storedLatency(ctx context.Context, db *sql.DB, posts map[int64]time.Time) ([]time.Duration, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, created_at, decided_at FROM credit_applications WHERE decided_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var id int64
		var a, b time.Time
		if err := rows.Scan(&id, &a, &b); err != nil {
			return nil, err
		}
		if _, timed := posts[id]; timed {
			out = append(out, b.Sub(a))
		}
	}
	return out, rows.Err()
}
