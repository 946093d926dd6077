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
	"context"
	"fmt"
	"os"
	"time"

	"github.com/wxlend/wxlend/shared/client"
	"github.com/wxlend/wxlend/shared/gateway"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/underwriting"
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
	id, err := approvingID()
	if err != nil {
		fail(err)
	}
	if err := client.Journey(ctx, local.URL, os.Stdout, "demo", id, luhn("621700000012345678"), client.JourneyOptions{Failover: true}); err != nil {
		local.Close()
		fail(err)
	}
	fmt.Printf("journey complete in %s\n", time.Since(start).Round(time.Millisecond))
}

// approvingID is a valid ID number (born 1990) whose keyed provider hash
// ends in 9: a clean record with a good third-party score (README fixtures).
func approvingID() (string, error) {
	key := []byte(gateway.DevEnv("")["PII_INDEX_KEY"])
	for seq := 0; seq < 1000; seq++ {
		first := fmt.Sprintf("11010519900307%03d", seq)
		c, ok := pii.IDCheckChar(first)
		if !ok {
			continue
		}
		if h := underwriting.IDHash(key, first+string(c)); h[len(h)-1] == '9' {
			return first + string(c), nil
		}
	}
	return "", fmt.Errorf("no approving ID fixture found")
}

func luhn(stem string) string {
	for d := 0; d <= 9; d++ {
		if s := stem + fmt.Sprint(d); pii.LuhnValid(s) {
			return s
		}
	}
	return ""
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo:", err)
	os.Exit(1)
}
