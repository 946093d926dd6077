// Command client is a signing client for people: it logs in to a wxlend
// gateway with a local login code and sends signed requests, so nobody has
// to compute HMACs by hand. Used by scripts/call.
//
//	go run ./scripts/client -user alice GET /v1/me
//	go run ./scripts/client -user alice POST /v1/auth/logout '{}'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/api/apitest"
)

func main() {
	base := flag.String("base", envOr("WXLEND_URL", "http://127.0.0.1:9000"), "gateway URL")
	user := flag.String("user", "alice", "local fixture user: the login code is <user>.<random>")
	verbose := flag.Bool("v", false, "print the login response too")
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: client [-base URL] [-user NAME] METHOD PATH [JSON]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := apitest.New(*base)
	login, err := c.Login(ctx, *user+"."+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err != nil {
		fail(err)
	}
	if login.Status != 200 || *verbose {
		fmt.Fprintf(os.Stderr, "login: %d %s\n", login.Status, login.Body)
		if login.Status != 200 {
			os.Exit(1)
		}
	}
	var body any
	if len(args) > 2 {
		body = []byte(args[2])
	} else if args[0] == "POST" {
		body = []byte("{}")
	}
	resp, err := c.Send(ctx, args[0], args[1], body, nil)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%d %s\n", resp.Status, resp.Body)
	if resp.Status >= 400 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "client:", err)
	os.Exit(1)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
