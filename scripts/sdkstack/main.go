// Command sdkstack starts a local stack (every function behind the local
// gateway, the WeChat, WeChat Pay and Tencent Cloud fakes, a throw-away
// database) for the mini-program SDK's tests and prints its URL; with -out
// it writes {url, approved_id, declined_id, card} there (fixtures: ID
// numbers the local risk provider approves and blacklists, README). It
// stops, dropping the database, on SIGINT or SIGTERM.
// scripts/sdk-test.sh runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
)

func main() {
	out := flag.String("out", "", "write the stack's URL and fixtures (JSON) to this file once it serves")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	local, err := gateway.StartLocal(ctx, ".", ".local/sdk-bin", nil)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkstack:", err)
		os.Exit(1)
	}
	defer local.Close()
	if *out != "" {
		if err := writeFixtures(*out, local.URL); err != nil {
			fmt.Fprintln(os.Stderr, "sdkstack:", err)
			return
		}
	}
	fmt.Println(local.URL)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

// writeFixtures writes the URL and fixtures whole, then renames: a reader
// polling for the file never sees half of it.
func writeFixtures(path, url string) error {
	approved, err := gateway.DevID("11010519900307", '9')
	if err != nil {
		return err
	}
	declined, err := gateway.DevID("11010519850512", '0') // blacklisted
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]string{"url": url, "approved_id": approved, "declined_id": declined,
		"card": gateway.DevCard("621700000012345678")})
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
