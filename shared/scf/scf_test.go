package scf

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/wxlend/wxlend/shared/apierr"
)

func loadEvent(t *testing.T, name string) HTTPEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev HTTPEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// invokeCtx is the context scf-go-lib gives a handler: the SCF request id
// in the function context.
func invokeCtx() context.Context {
	return functioncontext.NewContext(context.Background(), &functioncontext.FunctionContext{RequestID: "5b9e6e3a3c0f4b8e9d6a1f2e3d4c5b6a"})
}

// TestCapturedEventBecomesRequest: the documented function-URL event (no
// requestContext, isBase64Encoded, pathParameters, queryStringParameters,
// headerParameters) becomes the request; the client IP is the platform's
// x-scf-remote-addr, not the X-Forwarded-For or X-Real-Ip the client sent;
// the request id is SCF's.
func TestCapturedEventBecomesRequest(t *testing.T) {
	ev := loadEvent(t, "fnurl_post_login.json")
	var logs bytes.Buffer
	var seen *http.Request
	var body []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-Custom", "1")
		WriteJSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
	})
	resp, err := APIGateway(h, NewLogger(&logs, slog.LevelInfo))(invokeCtx(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Method != "POST" || seen.URL.Path != "/v1/auth/login" || string(body) != `{"code":"0a1B2c3D4e5F"}` {
		t.Fatalf("request %s %s %q", seen.Method, seen.URL.Path, body)
	}
	if seen.URL.Query().Get("lang") != "zh_CN" || len(seen.URL.Query()["tag"]) != 2 || !seen.URL.Query().Has("flag") {
		t.Fatalf("query %v", seen.URL.Query())
	}
	if seen.Header.Get("Content-Type") != "application/json" || seen.RemoteAddr != "203.0.113.9" {
		t.Fatalf("headers %v remote %q", seen.Header, seen.RemoteAddr)
	}
	if RequestID(seen.Context()) != "5b9e6e3a3c0f4b8e9d6a1f2e3d4c5b6a" {
		t.Fatalf("request id %q", RequestID(seen.Context()))
	}
	if resp.StatusCode != 201 || resp.Body != `{"ok":"yes"}` || resp.Headers["X-Custom"] != "1" ||
		resp.Headers["X-Request-Id"] != "5b9e6e3a3c0f4b8e9d6a1f2e3d4c5b6a" || resp.IsBase64Encoded {
		t.Fatalf("response %+v", resp)
	}
	if !strings.Contains(logs.String(), `"request_id":"5b9e6e3a3c0f4b8e9d6a1f2e3d4c5b6a"`) {
		t.Fatalf("log line without request id: %s", logs.String())
	}
}

// TestResponseIsTheIntegratedResponse: what ApiGwCompatible asks the
// platform to parse is the documented standard response payload
// {statusCode, headers, body} (+ isBase64Encoded, false for JSON): the
// response JSON has exactly those keys, body a string.
func TestResponseIsTheIntegratedResponse(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]int{"n": 1}) })
	resp, _ := APIGateway(h, NewLogger(io.Discard, slog.LevelInfo))(invokeCtx(), loadEvent(t, "fnurl_post_login.json"))
	raw, _ := json.Marshal(resp)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	if len(m) != 4 || string(m["statusCode"]) != "200" || string(m["body"]) != `"{\"n\":1}"` || string(m["isBase64Encoded"]) != "false" {
		t.Fatalf("response JSON %s", raw)
	}
	var hs map[string]string
	if err := json.Unmarshal(m["headers"], &hs); err != nil || hs["Content-Type"] != "application/json; charset=utf-8" {
		t.Fatalf("headers %s", m["headers"])
	}
}

// TestClientIPOnlyFromThePlatform: an API-gateway-shaped event (what a
// function URL with ApiGwCompatible might add, or a replayed capture) is
// still read, but its requestContext.sourceIp and a client's
// X-Forwarded-For are not the client IP; without the platform's header the
// IP is unknown (empty), and the event's base64 body arrives decoded.
func TestClientIPOnlyFromThePlatform(t *testing.T) {
	ev := loadEvent(t, "apigw_legacy.json")
	r, err := RequestFromEvent(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.RemoteAddr != "" || string(body) != `{"code":"x"}` || r.URL.Query().Get("lang") != "zh_CN" {
		t.Fatalf("remote %q body %q query %v", r.RemoteAddr, body, r.URL.Query())
	}
	ev.Headers["X-SCF-Remote-Addr"] = "203.0.113.11"
	if r, _ = RequestFromEvent(context.Background(), ev); r.RemoteAddr != "203.0.113.11" {
		t.Fatalf("platform header in another case: %q", r.RemoteAddr)
	}
	// The local gateway's event: the TCP peer replaces a client-sent x-scf-remote-addr.
	req, _ := http.NewRequest("GET", "/v1/me?x=1", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.66")
	req.Header.Set("X-Scf-Remote-Addr", "198.51.100.67")
	if got := EventFromRequest(req, nil, "127.0.0.9").Header(RemoteAddrHeader); got != "127.0.0.9" {
		t.Fatalf("client-sent x-scf-remote-addr kept: %q", got)
	}
}

func TestPanicBecomesBareInternal(t *testing.T) {
	var logs bytes.Buffer
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("db password is hunter2")) })
	resp, _ := APIGateway(h, NewLogger(&logs, slog.LevelInfo))(context.Background(), loadEvent(t, "fnurl_post_login.json"))
	if resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["code"] != "internal" || body["request_id"] == "" || strings.Contains(resp.Body, "hunter2") || strings.Contains(resp.Body, "goroutine") {
		t.Fatalf("body %s", resp.Body)
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Fatal("the log should keep the panic for engineers")
	}
}

func TestErrorEnvelope(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
		msg    string
	}{
		{apierr.Invalid("amount_fen", "too_small", "amount is below the minimum"), 400, "invalid_argument", "amount is below the minimum"},
		{apierr.New(apierr.Replayed, "seen"), 401, "replayed", "seen"},
		{apierr.New(apierr.FailedPrecondition, "cap"), 409, "failed_precondition", "cap"},
		{apierr.New(apierr.RateLimited, "slow down"), 429, "rate_limited", "slow down"},
		{errors.New("Error 1062: Duplicate entry '13800138000'"), 500, "internal", "internal error"},
		{apierr.Wrap(apierr.Internal, errors.New("SELECT secret"), "oops SELECT"), 500, "internal", "internal error"},
		{apierr.Wrap(apierr.Unavailable, errors.New("dial tcp 10.0.0.1"), "try again"), 503, "unavailable", "try again"},
	}
	for _, tc := range cases {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, tc.err) })
		resp, _ := APIGateway(h, NewLogger(io.Discard, slog.LevelInfo))(context.Background(), loadEvent(t, "fnurl_post_login.json"))
		var body map[string]string
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if resp.StatusCode != tc.status || body["code"] != tc.code || body["message"] != tc.msg {
			t.Errorf("%v: %d %s", tc.err, resp.StatusCode, resp.Body)
		}
	}
}

// TestAnsweredErrorsAreLogged: the request log line names the code of the
// error answered and, for a 5xx, keeps the detail the client never sees.
func TestAnsweredErrorsAreLogged(t *testing.T) {
	for _, tc := range []struct {
		err        error
		logged     string
		notInBody  string
		detailKept bool
	}{
		{apierr.Wrap(apierr.Internal, errors.New("scan users: sql: no rows"), "internal error"), `"code":"internal"`, "scan users", true},
		{apierr.Wrap(apierr.Unavailable, errors.New("dial tcp 10.0.0.7:6379"), "try again"), `"code":"unavailable"`, "10.0.0.7", true},
		{apierr.Invalid("amount_fen", "too_small", "amount is below the minimum"), `"code":"invalid_argument"`, "", false},
	} {
		var logs bytes.Buffer
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, tc.err) })
		resp, _ := APIGateway(h, NewLogger(&logs, slog.LevelInfo))(context.Background(), loadEvent(t, "fnurl_post_login.json"))
		line := logs.String()
		if !strings.Contains(line, tc.logged) || strings.Contains(line, `"error":`) != tc.detailKept ||
			(tc.detailKept && !strings.Contains(line, tc.notInBody)) {
			t.Errorf("%v: log %s", tc.err, line)
		}
		if tc.notInBody != "" && strings.Contains(resp.Body, tc.notInBody) {
			t.Errorf("%v: detail in the answer %s", tc.err, resp.Body)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type in struct {
		Amount int64  `json:"amount_fen"`
		Method string `json:"method"`
	}
	bad := map[string]string{
		"empty": ``, "malformed": `{"amount_fen":`, "type": `{"amount_fen":"x"}`, "trailing": `{} {}`,
		"array": `[1]`, "too large": `{"method":"` + strings.Repeat("a", MaxBodyBytes) + `"}`,
		"not utf-8": "{\"method\":\"\xff\xfe\"}",
		// Escapes of half a surrogate pair: valid JSON, no character;
		// encoding/json would read U+FFFD.
		"lone high surrogate": `{"method":"a\ud800"}`, "lone low surrogate": `{"method":"\udc00b"}`,
		"high then not low": `{"method":"\ud800\u0041"}`, "high at the end": `{"method":"\uD83D"}`,
	}
	for name, body := range bad {
		r, _ := http.NewRequest("POST", "/", strings.NewReader(body))
		var v in
		err := DecodeJSON(r, &v)
		if apierr.CodeOf(err) != apierr.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, _ := http.NewRequest("POST", "/", strings.NewReader(`{"amount_fen":100,"method":"bullet"}`))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	var v in
	if err := DecodeJSON(r, &v); err != nil || v.Amount != 100 {
		t.Fatalf("%v %+v", err, v)
	}
	for _, ok := range []string{`"\ud83d\ude00"`, `"\\ud800"`, `"\\\\ud800"`, `"\u00e9\"\n"`} {
		var m map[string]string
		if err := DecodeBytes([]byte(`{"method":`+ok+`}`), &m); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	var pe *apierr.Error
	if errors.As(DecodeBytes([]byte(`{"method":"\udfff"}`), &v), &pe); pe == nil || pe.Field != "body" || pe.Reason != "not_utf8" {
		t.Fatalf("a lone surrogate: %+v, want body not_utf8", pe)
	}
	if err := DecodeBytes([]byte(`{}`), in{}); apierr.CodeOf(err) != apierr.Internal {
		t.Fatalf("decoding into a non-pointer is the program's fault (internal), got %v", err)
	}
	var e *apierr.Error
	r, _ = http.NewRequest("POST", "/", strings.NewReader(`{"amount_fen":"x"}`))
	if errors.As(DecodeJSON(r, &v), &e); e == nil || e.Field != "amount_fen" {
		t.Fatalf("type error should name the field: %+v", e)
	}
}

func TestLoggerRedactsSensitiveKeys(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelInfo)
	log.Info("x", "phone", "13800138000", "id_number", "110101199003074578", "token", "abc", "amount_fen", 100)
	out := buf.String()
	for _, leak := range []string{"13800138000", "110101199003074578", `"abc"`} {
		if strings.Contains(out, leak) {
			t.Fatalf("leaked %s: %s", leak, out)
		}
	}
	if !strings.Contains(out, `"amount_fen":100`) {
		t.Fatalf("lost a safe field: %s", out)
	}
}

func TestTimerAndAsyncRecoverPanics(t *testing.T) {
	log := NewLogger(io.Discard, slog.LevelInfo)
	err := Timer(log, func(context.Context, events.TimerEvent) error { panic("boom") })(context.Background(), events.TimerEvent{})
	if err == nil {
		t.Fatal("timer panic should become an error")
	}
	err = Async(log, func(context.Context, json.RawMessage) error { return nil })(context.Background(), json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
}

// TestBodyBytesCrossTheEventUnchanged: whatever bytes a client sends, the
// handler reads exactly those (the request signature is computed over
// them): text as the event's body string, anything else base64 with
// isBase64Encoded, as API gateway sends binary bodies.
func TestBodyBytesCrossTheEventUnchanged(t *testing.T) {
	bodies := []string{``, `{"code":"x"}`, `{"name":"张三"}`, "{\"x\":\"\xff\"}", "\x00\x01\xfe\xff", "\xe5\xbc"}
	for _, body := range bodies {
		r, _ := http.NewRequest("POST", "/v1/auth/phone", nil)
		raw, err := json.Marshal(EventFromRequest(r, []byte(body), "203.0.113.9"))
		if err != nil {
			t.Fatal(err)
		}
		var ev HTTPEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		req, err := RequestFromEvent(context.Background(), ev)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		got, _ := io.ReadAll(req.Body)
		if string(got) != body || req.ContentLength != int64(len(body)) {
			t.Errorf("body %q arrived as %q (length %d)", body, got, req.ContentLength)
		}
	}
	var ev HTTPEvent
	if err := json.Unmarshal([]byte(`{"httpMethod":"POST","path":"/x","body":"/w==","isBase64Encoded":true}`), &ev); err != nil {
		t.Fatal(err)
	}
	req, err := RequestFromEvent(context.Background(), ev)
	if got, _ := io.ReadAll(req.Body); err != nil || string(got) != "\xff" {
		t.Fatalf("base64 event body: %q %v", got, err)
	}
	ev.Body = "not base64!"
	if _, err := RequestFromEvent(context.Background(), ev); apierr.CodeOf(err) != apierr.Internal {
		t.Fatalf("an undecodable base64 body is the platform's fault (internal), got %v", err)
	}
}

func FuzzRequestFromEvent(f *testing.F) {
	f.Add("POST", "/v1/auth/login", "a=1", `{"code":"x"}`, "content-type", "application/json")
	f.Add("GET", "/v1/loans/detail/{id}", "", "", "x", "y")
	f.Fuzz(func(t *testing.T, method, path, query, body, hk, hv string) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v map[string]any
			if err := DecodeJSON(r, &v); err != nil {
				WriteError(w, r, err)
				return
			}
			WriteJSON(w, 200, v)
		})
		fn := APIGateway(h, NewLogger(io.Discard, slog.LevelError))
		_, notBase64 := base64.StdEncoding.DecodeString(body)
		for _, b64 := range []bool{false, true} {
			ev := HTTPEvent{Method: method, Path: path, Body: body,
				Headers: map[string]string{hk: hv}, QueryString: events.APIGatewayQueryString{"q": {query}}, IsBase64Encoded: b64}
			resp, err := fn(context.Background(), ev)
			if err != nil || resp.StatusCode == 0 || (resp.StatusCode == 500 && !(b64 && notBase64 != nil)) {
				t.Fatalf("base64 %v: %v %+v", b64, err, resp)
			}
		}
		r, _ := http.NewRequest("POST", "/", nil)
		req, err := RequestFromEvent(context.Background(), EventFromRequest(r, []byte(body), ""))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(req.Body); string(got) != body {
			t.Fatalf("body %q came back as %q", body, got)
		}
	})
}
