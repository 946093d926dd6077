package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/scf"
)

// TestMain doubles as a tiny SCF function when the gateway starts this test
// binary as one (testFunctionEnv set): it counts every invocation in the
// file named by testCountEnv, dies (os.Exit) on path /crash and answers 200
// otherwise. Tests of the runtime need no function built.
func TestMain(m *testing.M) {
	if os.Getenv(testFunctionEnv) != "" {
		serveTestFunction()
		return
	}
	os.Exit(m.Run())
}

const (
	testFunctionEnv = "WXLEND_GATEWAY_TEST_FUNCTION"
	testCountEnv    = "WXLEND_GATEWAY_TEST_COUNT"
)

func serveTestFunction() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.OpenFile(os.Getenv(testCountEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			_, _ = f.WriteString(r.URL.Path + "\n")
			f.Close()
		}
		if r.URL.Path == "/crash" {
			os.Exit(3)
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	scf.Start(scf.APIGateway(h, scf.NewLogger(io.Discard, slog.LevelError)))
}

// testGateway runs this test binary as function "crash".
func testGateway(t *testing.T) (*Gateway, func() []string) {
	t.Helper()
	count := filepath.Join(t.TempDir(), "invocations")
	g := &Gateway{cfg: Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AsyncRetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}},
		funcs: map[string]*function{}, stop: make(chan struct{})}
	g.funcs["crash"] = &function{name: "crash", bin: os.Args[0], timeout: 10 * time.Second, memoryMB: 128, logs: io.Discard,
		env: []string{testFunctionEnv + "=1", testCountEnv + "=" + count}}
	t.Cleanup(g.funcs["crash"].stop)
	return g, func() []string {
		b, _ := os.ReadFile(count)
		return strings.Fields(string(b))
	}
}

// TestAProcessThatDiesIsNotRetriedSynchronously: SCF runs a synchronous
// invocation once; if the process dies, the client gets an error and the
// next request a fresh instance. Event invocations get SCF's two retries.
func TestAProcessThatDiesIsNotRetriedSynchronously(t *testing.T) {
	g, invocations := testGateway(t)
	route := g.route("crash")

	w := httptest.NewRecorder()
	route.ServeHTTP(w, httptest.NewRequest("POST", "/crash", strings.NewReader(`{}`)))
	var body struct{ Code, Message, RequestID string }
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	rid := w.Header().Get("X-Request-Id")
	if w.Code != http.StatusBadGateway || body.Code != "internal" || rid == "" || !strings.Contains(w.Body.String(), rid) {
		t.Fatalf("crash answered %d %s", w.Code, w.Body)
	}
	if got := invocations(); len(got) != 1 {
		t.Fatalf("a synchronous invocation ran %d times: %v", len(got), got)
	}

	w = httptest.NewRecorder()
	route.ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil))
	if w.Code != http.StatusOK || len(g.ColdStarts("crash")) != 2 {
		t.Fatalf("next request: %d %s after %d cold starts", w.Code, w.Body, len(g.ColdStarts("crash")))
	}

	ev, _ := json.Marshal(scf.HTTPEvent{Method: "POST", Path: "/crash"})
	g.async.Add(1)
	go g.runAsync("crash", scf.NewID(), ev, time.Now())
	if err := g.WaitAsync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := invocations(); len(got) != 2+3 {
		t.Fatalf("an Event invocation that crashes ran %d times, want 3 (SCF retries twice): %v", len(got)-2, got[2:])
	}
}

// TestALostPortIsRetriedOnAnother: the child binds its port itself, so
// another process can take it between freePort's check and the bind; the
// child then exits at once, and the cold start goes on with a fresh port
// instead of failing the request (a 502 CI once saw on contract-sign).
func TestALostPortIsRetriedOnAnother(t *testing.T) {
	g, invocations := testGateway(t)
	taken, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	picks := 0
	g.funcs["crash"].pickPort = func() (string, error) {
		if picks++; picks == 1 {
			return port, nil
		}
		return freePort()
	}
	w := httptest.NewRecorder()
	g.route("crash").ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil))
	if w.Code != http.StatusOK || picks != 2 || len(invocations()) != 1 || len(g.ColdStarts("crash")) != 1 {
		t.Fatalf("after a lost port: %d %s, %d port picks, %d invocations, %d cold starts", w.Code, w.Body, picks, len(invocations()), len(g.ColdStarts("crash")))
	}
}

// TestFreePortIsBelowTheEphemeralRange: outgoing connections take their
// ports from the ephemeral range; function ports stay out of it.
func TestFreePortIsBelowTheEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	if low-portFloor <= 1000 {
		t.Skipf("no room below the ephemeral range (starts at %d)", low)
	}
	for range 20 {
		p, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(p); n < portFloor || n >= low {
			t.Fatalf("port %s outside [%d, %d)", p, portFloor, low)
		}
	}
}
