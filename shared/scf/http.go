// Package scf turns SCF events into net/http-shaped handlers and back, so
// every function's logic is an http.Handler tested with httptest, while the
// binary speaks scf-go-lib's protocol. It also owns the error envelope,
// request ids, panic recovery and the JSON request log.
package scf

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/apierr"

	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"
)

// MaxBodyBytes bounds a request body; API gateway itself caps at 6 MB, we
// need far less.
const MaxBodyBytes = 64 << 10

// HTTPEvent is the event an HTTP request arrives as: scf-go-lib's
// APIGatewayRequest plus isBase64Encoded, which that type drops. A body
// that is not UTF-8 text travels base64-encoded with isBase64Encoded set,
// so the handler (and the request signature) sees the bytes the client
// sent, not a JSON string's lossy copy of them.
type HTTPEvent struct {
	events.APIGatewayRequest
	IsBase64Encoded bool `json:"isBase64Encoded"`
}

// APIGateway adapts h to scf-go-lib's API gateway signature. Every response
// carries X-Request-Id; a panic in h becomes a 500 `internal` with no detail.
func APIGateway(h http.Handler, log *slog.Logger) func(context.Context, HTTPEvent) (events.APIGatewayResponse, error) {
	h = Recover(log, h)
	return func(ctx context.Context, ev HTTPEvent) (events.APIGatewayResponse, error) {
		rid := ev.Context.RequestID
		if fc, ok := functioncontext.FromContext(ctx); ok && rid == "" {
			rid = fc.RequestID
		}
		ctx = WithRequestID(ctx, rid)
		r, err := RequestFromEvent(ctx, ev)
		if err != nil {
			if apierr.CodeOf(err) == apierr.Internal {
				log.ErrorContext(ctx, "bad event", "error", err.Error())
			}
			w := newRecorder()
			WriteError(w, r, err)
			return w.event(), nil
		}
		w := newRecorder()
		w.Header().Set("X-Request-Id", RequestID(ctx))
		h.ServeHTTP(w, r)
		return w.event(), nil
	}
}

// RequestFromEvent rebuilds the HTTP request API gateway received, with
// the body's bytes exactly as sent (decoded when isBase64Encoded). Errors:
// invalid_argument (a request line net/http cannot represent), internal (a
// base64 body that does not decode: the platform's fault, not the caller's).
func RequestFromEvent(ctx context.Context, ev HTTPEvent) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range ev.QueryString {
		if len(vs) == 0 { // a bare flag (?flag) arrives as true
			q.Add(k, "")
		}
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	target := ev.Path
	if target == "" || target[0] != '/' {
		target = "/" + target
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	method := ev.Method
	if method == "" {
		method = ev.Context.Method
	}
	body := []byte(ev.Body)
	var bodyErr error
	if ev.IsBase64Encoded {
		body, bodyErr = base64.StdEncoding.DecodeString(ev.Body)
	}
	r, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), target, bytes.NewReader(body))
	if err != nil {
		r, _ = http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		return r, apierr.Invalid("path", "malformed", "malformed request line")
	}
	if bodyErr != nil {
		return r, apierr.Wrap(apierr.Internal, fmt.Errorf("event body marked base64 does not decode: %w", bodyErr), "internal error")
	}
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	r.ContentLength = int64(len(body))
	r.RemoteAddr = ev.Context.SourceIP
	if r.RemoteAddr == "" {
		r.RemoteAddr = r.Header.Get("X-Forwarded-For")
	}
	return r, nil
}

// EventFromRequest is the inverse of RequestFromEvent, used by the local
// gateway and by tests that replay captured events. A body that is not
// valid UTF-8 is sent base64-encoded (isBase64Encoded), as API gateway does
// with binary bodies, so not one byte changes on the way.
func EventFromRequest(r *http.Request, body []byte, requestID, sourceIP string) HTTPEvent {
	ev := HTTPEvent{APIGatewayRequest: events.APIGatewayRequest{
		Headers:     map[string]string{},
		Method:      r.Method,
		Path:        r.URL.Path,
		QueryString: events.APIGatewayQueryString{},
		Body:        string(body),
	}}
	if !utf8.Valid(body) {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	for k, vs := range r.Header {
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	for k, vs := range r.URL.Query() {
		ev.QueryString[k] = vs
	}
	ev.Context.RequestID = requestID
	ev.Context.Method = r.Method
	ev.Context.Path = r.URL.Path
	ev.Context.SourceIP = sourceIP
	ev.Context.Stage = "release"
	return ev
}

// recorder is the ResponseWriter handed to handlers; it becomes the
// APIGatewayResponse (integrated response mode).
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *recorder) event() events.APIGatewayResponse {
	w.WriteHeader(http.StatusOK)
	resp := events.APIGatewayResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, vs := range w.header {
		resp.Headers[k] = strings.Join(vs, ",")
	}
	if utf8.Valid(w.body.Bytes()) {
		resp.Body = w.body.String()
	} else {
		resp.IsBase64Encoded = true
		resp.Body = base64.StdEncoding.EncodeToString(w.body.Bytes())
	}
	return resp
}
