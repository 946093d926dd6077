package main

import (
	"github.com/wxlend/wxlend/scripts/internal/journey"

	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql"
)

// benchRisk drives n credit applications from `users` concurrent borrowers
// through the local gateway (each application: POST -> four async SCF
// functions -> decision stored in MariaDB) and reports throughput and the
// latency from POST to decision stored, as the client saw it and as the
// database recorded it (created_at -> decided_at).
func benchRisk(n, users int) error {
	ctx := context.Background()
	env := benchEnv()
	_, base, stop, err := startLocal(ctx, env)
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
	var mu sync.Mutex
	var seen []time.Duration
	var ids []int64
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *apitest.Client) {
			defer wg.Done()
			for k := i; k < n; k += users {
				t0 := time.Now()
				id, err := applyOnce(ctx, c, fmt.Sprintf("fp-bench-%d-%d-0123456789", i, k))
				if err != nil {
					fmt.Println("apply:", err)
					return
				}
				mu.Lock()
				seen, ids = append(seen, time.Since(t0)), append(ids, id)
				mu.Unlock()
			}
		}(i, c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("%d applications by %d borrowers in %.1f s: %.1f decisions/s\n", len(seen), users, elapsed.Seconds(), float64(len(seen))/elapsed.Seconds())
	report("POST -> decision seen by client", seen)
	stored, err := storedLatency(ctx, env["MYSQL_DSN"])
	if err != nil {
		return err
	}
	report("created_at -> decided_at (MySQL)", stored)
	return countSteps(ctx, env, clients[0], 20)
}

func applyOnce(ctx context.Context, c *apitest.Client, fp string) (int64, error) {
	resp, err := c.Post(ctx, "/v1/credit/applications", map[string]any{"device": map[string]any{"fingerprint_id": fp}, "captcha": journey.DevCaptcha()})
	if err != nil || resp.Status != 202 {
		return 0, fmt.Errorf("apply: %v %v", err, resp)
	}
	var app struct {
		ApplicationID int64 `json:"application_id"`
	}
	_ = resp.Decode(&app)
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
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("application %d not decided", app.ApplicationID)
}

func storedLatency(ctx context.Context, dsn string) ([]time.Duration, error) {
	db, err := mysql.Open(ctx, dsn, 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT created_at, decided_at FROM credit_applications WHERE decided_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var a, b time.Time
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, b.Sub(a))
	}
	return out, rows.Err()
}
