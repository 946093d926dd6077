package main

import (
	"github.com/wxlend/wxlend/scripts/internal/journey"

	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

var signToActive = regexp.MustCompile(`contract-sign -> active (\d+) ms`)

// benchJourney runs n whole borrower journeys (scripts/demo's) with a WeChat
// Pay fake that confirms transfers at once, and reports contract-sign ->
// active and the gateway's per-invocation latency of the callback functions.
func benchJourney(n int, failover bool) error {
	ctx := context.Background()
	env := benchEnv()
	g, base, stop, err := startLocal(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	for _, mch := range []string{wxpaytest.DevMchID, wxpaytest.DevMchID2} {
		if r, err := http.Post(base+"/_local/wxpay/settings?auto_confirm=true&mch_id="+mch, "", nil); err != nil || r.StatusCode >= 300 {
			return fmt.Errorf("auto confirm: %v %v", err, r)
		}
	}
	var sign, rerouted []time.Duration
	for i := 0; i < n; i++ {
		id, err := gateway.DevID(fmt.Sprintf("1101051990%02d%02d", i%12+1, i%28+1), '9')
		if err != nil {
			return err
		}
		var out bytes.Buffer
		opts := journey.JourneyOptions{Failover: failover}
		if err := journey.Journey(ctx, base, &out, fmt.Sprintf("journey%d", i), id, gateway.DevCard(fmt.Sprintf("6217000000%08d", i)), opts); err != nil {
			return fmt.Errorf("journey %d: %w\n%s", i, err, out.String())
		}
		for k, m := range signToActive.FindAllStringSubmatch(out.String(), -1) {
			ms, _ := strconv.Atoi(m[1])
			if k == 0 {
				sign = append(sign, time.Duration(ms)*time.Millisecond)
			} else {
				rerouted = append(rerouted, time.Duration(ms)*time.Millisecond)
			}
		}
	}
	fmt.Printf("%d journeys\n", n)
	report("contract-sign -> loan active", sign)
	if failover {
		report("contract-sign -> active, first account empty", rerouted)
	}
	stats := g.Stats()
	for _, fn := range []string{"notify-ess", "notify-wxpay-transfer", "notify-wxpay-transaction", "notify-wxpay-refund", "disburse"} {
		s := stats[fn]
		if s.Invokes == 0 {
			fmt.Printf("%-34s not invoked (the journey pays exactly, so nothing is refunded)\n", fn)
			continue
		}
		fmt.Printf("%-34s p50 %7.3f ms  p99 %7.3f ms  (n=%d, gateway -> function -> back)\n", fn, s.P50MS, s.P99MS, s.Invokes)
	}
	return nil
}
