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

// MaxBodyBytes bounds a request body; SCF caps a synchronous event at
// 6 MB, we need far less.
const MaxBodyBytes = 64 << 10

// RemoteAddrHeader is the header the function-URL platform sets to the
// caller's address (refs/scf.md, src: cloud.tencent.com/document/product/583/96099).
// It is the only source of the client IP: a client-sent X-Forwarded-For
// (or X-Real-Ip) is never read.
const RemoteAddrHeader = "x-scf-remote-addr"

// HTTPEvent is the event an HTTP request reaches an event function as,
// through its function URL (trigger type http, ApiGwCompatible): the API
// gateway shape without headerParameters, isBase64Encoded, pathParameters,
// queryStringParameters and requestContext. queryString values are strings
// (or arrays, as API gateway sent repeated keys; both decode).
//
// IsBase64Encoded is not in the documented function-URL event. It is
// honoured when present (an API-gateway-shaped replay, or a platform that
// does send it for a binary body: UNCONFIRMED), and the local gateway sets
// it for a body that is not UTF-8, so the handler always reads the bytes
// the client sent, the bytes the request signature covers.
type HTTPEvent struct {
	Headers         map[string]string            `json:"headers"`
	Method          string                       `json:"httpMethod"`
	Path            string                       `json:"path"`
	QueryString     events.APIGatewayQueryString `json:"queryString"`
	Body            string                       `json:"body"`
	IsBase64Encoded bool                         `json:"isBase64Encoded,omitempty"`
}

// Header is the event's header k, whatever its case (the platform sends
// lower case; a replayed event may not).
func (ev HTTPEvent) Header(k string) string {
	if v, ok := ev.Headers[k]; ok {
		return v
	}
	for hk, v := range ev.Headers {
		if strings.EqualFold(hk, k) {
			return v
		}
	}
	return ""
}

// APIGateway adapts h to scf-go-lib's handler signature for the function-URL
// event (the name is from the API gateway era; the response shape, the
// integrated response {statusCode, headers, body, isBase64Encoded}, is the
// same). Every response carries X-Request-Id, the SCF request id; a panic
// in h becomes a 500 `internal` with no detail.
func APIGateway(h http.Handler, log *slog.Logger) func(context.Context, HTTPEvent) (events.APIGatewayResponse, error) {
	h = Recover(log, h)
	return func(ctx context.Context, ev HTTPEvent) (events.APIGatewayResponse, error) {
		rid := ""
		if fc, ok := functioncontext.FromContext(ctx); ok {
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

// RequestFromEvent rebuilds the HTTP request the function URL received,
// with the body's bytes exactly as sent (decoded when isBase64Encoded) and
// RemoteAddr the platform's x-scf-remote-addr (empty when absent: the
// client IP is then unknown, never guessed from client headers). Errors:
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
	body := []byte(ev.Body)
	var bodyErr error
	if ev.IsBase64Encoded {
		body, bodyErr = base64.StdEncoding.DecodeString(ev.Body)
	}
	r, err := http.NewRequestWithContext(ctx, strings.ToUpper(ev.Method), target, bytes.NewReader(body))
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
	r.RemoteAddr = strings.TrimSpace(ev.Header(RemoteAddrHeader))
	return r, nil
}

// EventFromRequest is the inverse of RequestFromEvent: the function-URL
// event the platform would send for r, used by the local gateway and by
// tests. remoteAddr is the caller's address as the platform sees it (the
// TCP peer); it replaces any x-scf-remote-addr the client sent. A body
// that is not valid UTF-8 is sent base64-encoded with isBase64Encoded
// (the local stand-in for the platform's UNCONFIRMED binary handling), so
// not one byte changes on the way.
func EventFromRequest(r *http.Request, body []byte, remoteAddr string) HTTPEvent {
	ev := HTTPEvent{
		Headers:     map[string]string{},
		Method:      r.Method,
		Path:        r.URL.Path,
		QueryString: events.APIGatewayQueryString{},
		Body:        string(body),
	}
	if !utf8.Valid(body) {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	for k, vs := range r.Header {
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	ev.Headers[RemoteAddrHeader] = remoteAddr
	for k, vs := range r.URL.Query() {
		ev.QueryString[k] = vs
	}
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
