package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/lending"
)

type clockAnswer struct {
	Now          time.Time `json:"now"`
	BusinessDate string    `json:"business_date"`
	Code         string    `json:"code"`
	Message      string    `json:"message"`
	RequestID    string    `json:"request_id"`
	Field        string    `json:"field"`
	Reason       string    `json:"reason"`
}

func clockCall(t *testing.T, method, url, body string) (int, clockAnswer) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a clockAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, a
}

// The local business clock moves forward only; every refusal is a 400 in
// the envelope with a field and a reason, and leaves the clock and its
// file as they were.
func TestTheLocalClockOnlyMovesForward(t *testing.T) {
	file := filepath.Join(t.TempDir(), "business-clock.json")
	_, addr := serveUnbuilt(t, gateway.Config{ClockFile: file})
	url := "http://" + addr + "/_local/clock"

	status, got := clockCall(t, "GET", url, "")
	if status != 200 || time.Since(got.Now).Abs() > time.Minute || got.BusinessDate != lending.ShanghaiDate(got.Now).String() {
		t.Fatalf("GET before any setting: %d %+v", status, got)
	}
	ahead := time.Date(2031, 3, 31, 17, 30, 0, 0, time.UTC) // 01:30 on 1 April in Shanghai
	status, got = clockCall(t, "POST", url, `{"now":"2031-04-01T01:30:00+08:00"}`)
	if status != 200 || got.Now.Sub(ahead) < 0 || got.Now.Sub(ahead) > time.Minute || got.BusinessDate != "2031-04-01" {
		t.Fatalf("POST forward: %d %+v", status, got)
	}
	state, _ := os.ReadFile(file)

	cases := []struct{ name, body, field, reason string }{
		{"backwards", `{"now":"2031-03-31T09:00:00+08:00"}`, "now", "backwards"},
		{"back to today", `{"now":"` + time.Now().UTC().Format(time.RFC3339) + `"}`, "now", "backwards"},
		{"no zone", `{"now":"2031-05-01T09:00:00"}`, "now", "malformed"},
		{"a date only", `{"now":"2031-05-01"}`, "now", "malformed"},
		{"not a time", `{"now":"tomorrow"}`, "now", "malformed"},
		{"a number", `{"now":1932000000}`, "now", "type"},
		{"missing", `{}`, "now", "required"},
		{"not JSON", `now=2031-05-01T09:00:00Z`, "body", ""},
		{"two objects", `{"now":"2031-05-01T09:00:00Z"}{}`, "body", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, got := clockCall(t, "POST", url, c.body)
			if status != 400 || got.Code != "invalid_argument" || got.Field != c.field || got.Message == "" || got.RequestID == "" {
				t.Fatalf("%d %+v, want 400 invalid_argument on %s", status, got, c.field)
			}
			if got.Reason == "" || c.reason != "" && got.Reason != c.reason {
				t.Fatalf("reason %q, want %q", got.Reason, c.reason)
			}
			if after, _ := os.ReadFile(file); string(after) != string(state) {
				t.Fatalf("a refused setting changed the clock file: %s -> %s", state, after)
			}
		})
	}
	status, got = clockCall(t, "GET", url, "")
	if status != 200 || got.BusinessDate != "2031-04-01" || got.Now.Before(ahead) {
		t.Fatalf("GET after the refusals: %d %+v", status, got)
	}
}
