package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

// invokeParams is the SCF Invoke request (scf/v20180416).
type invokeParams struct {
	FunctionName   string
	InvocationType string
	Qualifier      string
	ClientContext  string
	Namespace      string
}

// registerSCF makes the Tencent Cloud fake answer SCF's Invoke like the
// cloud: "Event" queues the event and answers at once, retrying a failed
// invocation after cfg.AsyncRetryDelays; "RequestResponse" waits.
func (g *Gateway) registerSCF() {
	g.TCloud.Handle("scf", "Invoke", func(r *http.Request, body []byte) (any, *tcloudtest.Error) {
		var p invokeParams
		if err := json.Unmarshal(body, &p); err != nil || p.FunctionName == "" {
			return nil, &tcloudtest.Error{Code: "InvalidParameter", Message: "FunctionName is required"}
		}
		if _, ok := g.funcs[p.FunctionName]; !ok {
			return nil, &tcloudtest.Error{Code: "ResourceNotFound.Function", Message: "function " + p.FunctionName + " not found"}
		}
		if p.ClientContext == "" {
			p.ClientContext = "{}"
		}
		if !json.Valid([]byte(p.ClientContext)) {
			return nil, &tcloudtest.Error{Code: "InvalidParameterValue.ClientContext", Message: "ClientContext must be JSON"}
		}
		rid := scf.NewID()
		if p.InvocationType == "Event" {
			if len(p.ClientContext) > 128<<10 {
				return nil, &tcloudtest.Error{Code: "InvalidParameterValue.ClientContext", Message: "async event over 128 KB"}
			}
			g.async.Add(1)
			go g.runAsync(p.FunctionName, rid, []byte(p.ClientContext), time.Now())
			return map[string]any{"Result": map[string]any{"FunctionRequestId": rid, "InvokeResult": 0}}, nil
		}
		out, err := g.Invoke(r.Context(), p.FunctionName, rid, []byte(p.ClientContext))
		res := map[string]any{"FunctionRequestId": rid, "InvokeResult": 0, "RetMsg": string(out)}
		if err != nil {
			res["InvokeResult"], res["ErrMsg"] = -1, err.Error()
		}
		return map[string]any{"Result": res}, nil
	})
}

// runAsync delivers an Event invocation, retrying on failure as SCF does.
// accepted is when the Invoke API queued it (for the trace).
func (g *Gateway) runAsync(function, rid string, payload []byte, accepted time.Time) {
	defer g.async.Done()
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		_, err := g.invokeTraced(ctx, function, rid, payload, accepted)
		cancel()
		if err == nil {
			return
		}
		if attempt >= len(g.cfg.AsyncRetryDelays) {
			g.cfg.Log.Error("async invocation failed for good", "function", function, "request_id", rid, "error", err)
			return
		}
		g.cfg.Log.Warn("async invocation failed, will retry", "function", function, "request_id", rid, "error", err)
		select {
		case <-g.stop:
			return
		case <-time.After(g.cfg.AsyncRetryDelays[attempt]):
		}
	}
}
