package gateway_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
)

// serveUnbuilt serves the gateway's handler without building the
// functions: enough for whatever the gateway answers itself.
func serveUnbuilt(t *testing.T, cfg gateway.Config) (*gateway.Gateway, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Root, cfg.BinDir, cfg.Addr = "../../..", t.TempDir(), l.Addr().String()
	cfg.Logs, cfg.Log = io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil))
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := g.Server()
	go gateway.Serve(srv, l)
	t.Cleanup(func() { srv.Close(); g.Close() })
	return g, l.Addr().String()
}

// rawRequest sends raw bytes and reads one answer.
func rawRequest(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return resp
}

func TestGatewayAnswersMisroutedAndMalformedRequestsInTheEnvelope(t *testing.T) {
	_, addr := serveUnbuilt(t, gateway.Config{})
	cases := []struct {
		name, raw   string
		status      int
		code, allow string
	}{
		{"unknown path", "GET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found", ""},
		{"a pre-reshape path the front door cannot route", "GET /v1/loans/7 HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found", ""},
		{"a wildcard route's bare prefix", "GET /v1/loans/detail HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found", ""},
		{"root without an API action", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404, "not_found", ""},
		{"malformed header line", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nX-Timestamp 17\r\n\r\n", 400, "invalid_argument", ""},
		{"bad header name", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nIdempotency Key: k\r\n\r\n", 400, "invalid_argument", ""},
		{"bad Content-Length", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", 400, "invalid_argument", ""},
		{"unsupported Transfer-Encoding", "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "invalid_argument", ""},
		{"no Host", "GET /v1/me HTTP/1.1\r\n\r\n", 400, "invalid_argument", ""},
		{"headers too large", "GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 1<<20+8<<10) + "\r\n\r\n", 400, "invalid_argument", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawRequest(t, addr, tc.raw)
			defer resp.Body.Close()
			var body struct {
				Code      string `json:"code"`
				Message   string `json:"message"`
				RequestID string `json:"request_id"`
			}
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil || resp.StatusCode != tc.status || body.Code != tc.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, raw, tc.status, tc.code)
			}
			if body.RequestID == "" || resp.Header.Get("X-Request-Id") != body.RequestID || body.Message == "" {
				t.Fatalf("no request id or message: %v %s", resp.Header, raw)
			}
			if resp.Header.Get("Allow") != tc.allow || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("headers %v", resp.Header)
			}
		})
	}
}

// TestASlowBodyIsCutOff: a client that sends its body a byte at a time
// loses the connection once Config.BodyTimeout has passed, instead of
// holding it (and the instance behind it) for as long as it likes.
func TestASlowBodyIsCutOff(t *testing.T) {
	_, addr := serveUnbuilt(t, gateway.Config{BodyTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	go func() { // 100 bytes at 20 a second: 5 s
		for i := 0; i < 100; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	answer, err := io.ReadAll(c)
	// Only the read deadline means the connection was held. The server
	// closes with the slow bytes still arriving, so the kernel may end it
	// with a reset instead of a FIN (after the answer): that is a cut too.
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %s (answer so far %q): %v", time.Since(start).Round(time.Millisecond), answer, err)
	}
	t.Logf("cut after %s, answer %q", time.Since(start).Round(time.Millisecond), answer)
	if len(answer) > 0 && !strings.Contains(string(answer), `"code":"invalid_argument"`) {
		t.Fatalf("answer before the cut: %q", answer)
	}
}
