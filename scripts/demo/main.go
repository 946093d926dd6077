// Command demo runs one borrower end to end on a local stack it starts
// itself (every function of serverless.yml behind the local gateway, the
// WeChat and Tencent Cloud fakes, a throw-away database): onboarding,
// credit decision, quote, loan, contract signing, disbursement with the
// borrower's confirmation, repayment and payoff, then a second loan while
// the first merchant account is empty (rerouted to the second), and the
// ledger at the end, which must reconcile.
// Used by scripts/demo.sh; exits non-zero if any step fails.
package main

import (
	"github.com/wxlend/wxlend/scripts/internal/journey"

	"context"
	"fmt"
	"os"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	local, err := gateway.StartLocal(ctx, ".", ".local/demo-bin", nil)
	if err != nil {
		fail(err)
	}
	defer local.Close()
	fmt.Printf("local stack at %s (built in %s)\n", local.URL, time.Since(start).Round(time.Millisecond))
	id, err := gateway.DevID("11010519900307", '9') // approved (README fixtures)
	if err != nil {
		fail(err)
	}
	if err := journey.Journey(ctx, local.URL, os.Stdout, "demo", id, gateway.DevCard("621700000012345678"), journey.JourneyOptions{Failover: true}); err != nil {
		local.Close()
		fail(err)
	}
	fmt.Printf("journey complete in %s\n", time.Since(start).Round(time.Millisecond))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo:", err)
	os.Exit(1)
}
