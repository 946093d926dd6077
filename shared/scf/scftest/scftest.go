// Package scftest serves function handlers over HTTP in-process, passing
// every request through the same function-URL event JSON the cloud and the
// local gateway use, so handler tests exercise the real conversion without
// building binaries.
package scftest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/wxlend/wxlend/shared/scf"
)

// Route is a function's handler at its "METHOD /path" pattern.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Instances is how many requests a test server handles at once. SCF runs
// one request per instance and scales out across machines; in one test
// process every "instance" shares the same two CPUs, so a burst of 200
// requests handled at once measures the Go scheduler, not the code: a
// handler woken 300 ms after Redis answered sees its socket deadline pass
// and fails closed (503). Requests beyond this many wait for a free
// instance, as they would for SCF's concurrency quota; this many still race
// each other in MySQL and Redis, which is what concurrency tests prove.
const Instances = 8

// Server starts an httptest server dispatching to the routes' functions,
// at most Instances requests at a time. A request no route matches is
// answered as the local gateway does (scf.Routes: 404, or 405 with Allow).
func Server(t testing.TB, log *slog.Logger, routes ...Route) *httptest.Server {
	mux := http.NewServeMux()
	free := make(chan struct{}, Instances)
	for _, r := range routes {
		fn := scf.APIGateway(r.Handler, log)
		mux.HandleFunc(r.Pattern, func(w http.ResponseWriter, req *http.Request) {
			free <- struct{}{}
			resp := Invoke(req, fn)
			<-free
			for k, v := range resp.Headers {
				w.Header().Set(k, v)
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				body, _ = base64.StdEncoding.DecodeString(resp.Body)
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(body)
		})
	}
	srv := httptest.NewServer(scf.Routes(mux))
	t.Cleanup(srv.Close)
	return srv
}

// Invoke round-trips req through event JSON into fn.
func Invoke(req *http.Request, fn func(context.Context, scf.HTTPEvent) (events.APIGatewayResponse, error)) events.APIGatewayResponse {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	// The platform's x-scf-remote-addr is the TCP peer; a client acts as
	// another address by dialling from it (apitest.Client.SourceIP), never
	// by a header.
	ip, _, _ := net.SplitHostPort(req.RemoteAddr)
	raw, _ := json.Marshal(scf.EventFromRequest(req, body, ip))
	var ev scf.HTTPEvent
	_ = json.Unmarshal(raw, &ev)
	ctx := functioncontext.NewContext(context.Background(), &functioncontext.FunctionContext{RequestID: scf.NewID()})
	resp, err := fn(ctx, ev)
	if err != nil {
		return events.APIGatewayResponse{StatusCode: http.StatusBadGateway, Body: `{"code":"internal"}`}
	}
	return resp
}
