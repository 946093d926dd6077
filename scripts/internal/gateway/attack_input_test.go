package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// The hostile-string class of the attack matrix: every string a request
// body carries, as openapi.yaml declares it, gets SQL metacharacters,
// control characters and bytes that are not UTF-8. No field of the
// contract is free text (each is a code, an id, a name or a number with a
// shape), so each must refuse them: 400 invalid_argument naming the field
// with a reason, and nothing changes. A body that is not UTF-8, or not
// JSON, is refused as a whole (field "body"). A free-text field added to
// the contract fails here until this attack learns where it is stored, to
// check it is kept exactly.

// bodyString is one string in a request body: a property of type string
// (or an enum of strings), an item of a string array, or the value of a
// string map.
type bodyString struct {
	method, path, op string
	field            string   // as error answers name it: "device.fingerprint_id"
	at               []string // where to put it: property names, "[]" (first item), "{}" (first value)
}

func (f bodyString) String() string { return f.method + " " + f.path + " " + strings.Join(f.at, ".") }

// contractStrings walks openapi.yaml's JSON request bodies.
func contractStrings(t *testing.T) []bodyString {
	t.Helper()
	doc, _, err := apitest.Contract()
	if err != nil {
		t.Fatal(err)
	}
	var out []bodyString
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil {
				continue
			}
			walkStrings(mt.Schema.Value, nil, nil, func(field, at []string) {
				out = append(out, bodyString{method: method, path: path, op: op.OperationID,
					field: strings.Join(field, "."), at: append([]string(nil), at...)})
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func walkStrings(s *openapi3.Schema, field, at []string, found func(field, at []string)) {
	if s == nil {
		return
	}
	switch {
	case s.Type.Is("string") || (s.Type == nil && len(s.Enum) > 0 && isString(s.Enum[0])):
		found(field, at)
	case s.Type.Is("array") && s.Items != nil:
		walkStrings(s.Items.Value, field, append(at, "[]"), found)
	case s.Type.Is("object") || s.Type == nil:
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walkStrings(s.Properties[n].Value, append(field, n), append(at, n), found)
		}
		if ap := s.AdditionalProperties.Schema; ap != nil {
			walkStrings(ap.Value, field, append(at, "{}"), found)
		}
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }

// validBodies are well-formed bodies of the operations with string fields,
// so only the attacked field can be wrong. An operation of openapi.yaml
// with string fields but no entry here fails the test: add one.
func validBodies(idNumber, card string) map[string]map[string]any {
	return map[string]map[string]any{
		"auth-login":        {"code": "attack-code"},
		"auth-phone":        {"code": "phone:13912345671.1"},
		"consent-accept":    {"agreement": "privacy_policy", "version": 1},
		"message-subscribe": {"template_ids": []any{"wxtplDueSoonDEV"}, "results": map[string]any{"wxtplDueSoonDEV": "accept"}},
		"kyc-identity":      {"name": "钱七", "id_number": idNumber},
		"kyc-bank-card":     {"card_number": card, "phone": "13912345671"},
		"credit-apply":      {"device": map[string]any{"fingerprint_id": "device-attack-0123456789"}},
		"loan-quote":        {"amount_fen": 50000, "term_months": 3, "method": "equal_installment", "product_code": "standard"},
		"loan-create":       {"quote_id": "0123456789abcdef0123456789abcdef"},
		"repay-create":      {"kind": "amount", "amount_fen": 100},
	}
}

// hostile is one payload appended to a field's valid value. raw payloads
// are spliced into the JSON text as bytes; the others are JSON-encoded, so
// the handler really receives the characters. wantField/wantReason is what
// the answer must name ("" field: the attacked field, any reason).
type hostile struct {
	name       string
	text       string
	raw        bool
	wantField  string
	wantReason string
}

var hostiles = []hostile{
	{name: "quote", text: "' OR '1'='1"},
	{name: "double quote", text: `" OR ""="`},
	{name: "statement", text: "; DROP TABLE loans; --"},
	{name: "comment", text: "/* */"},
	{name: "backslash", text: `\`},
	{name: "like", text: "%_%"},
	{name: "nul", text: "\x00"},
	{name: "escape", text: "\x1b[2J"},
	{name: "crlf", text: "\r\nX-Injected: 1"},
	{name: "rtl override", text: "\u202e"},
	{name: "raw nul", text: "\x00", raw: true, wantField: "body", wantReason: "malformed_json"},
	{name: "raw crlf", text: "\r\n", raw: true, wantField: "body", wantReason: "malformed_json"},
	{name: "invalid byte", text: "\xff", raw: true, wantField: "body", wantReason: "not_utf8"},
	{name: "truncated sequence", text: "\xc3\x28", raw: true, wantField: "body", wantReason: "not_utf8"},
	{name: "encoded surrogate", text: "\xed\xa0\x80", raw: true, wantField: "body", wantReason: "not_utf8"},
	{name: "overlong slash", text: "\xc0\xaf", raw: true, wantField: "body", wantReason: "not_utf8"},
	// Valid JSON, but not a Unicode character: encoding/json would decode
	// it to U+FFFD silently.
	{name: "lone surrogate escape", text: `\ud800`, raw: true, wantField: "body", wantReason: "not_utf8"},
}

const placeholder = "@@attack@@"

// freshCode is a wx.login code of a borrower never seen before (the
// WeChat fake makes one borrower of every code "<user>.<anything>").
func freshCode(prefix string) string {
	return prefix + strings.NewReplacer("-", "", "_", "").Replace(apitest.NewNonce()) + ".1"
}

// hostileBody is base with the string at f.at set to its valid value
// followed by h's text.
func hostileBody(t *testing.T, base map[string]any, f bodyString, h hostile) []byte {
	t.Helper()
	var tree any
	b, _ := json.Marshal(base) // a deep copy
	_ = json.Unmarshal(b, &tree)
	valid := setString(tree, f.at, placeholder)
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	var value []byte
	if h.raw {
		enc, _ := json.Marshal(valid)
		value = append(append(enc[:len(enc)-1:len(enc)-1], h.text...), '"')
	} else {
		value, _ = json.Marshal(valid + h.text)
	}
	return bytes.Replace(b, []byte(`"`+placeholder+`"`), value, 1)
}

// setString puts s at path in v (made if missing) and returns what was
// there ("" if nothing).
func setString(v any, path []string, s string) string {
	m, isMap := v.(map[string]any)
	arr, isArr := v.([]any)
	switch head := path[0]; {
	case head == "[]" && isArr && len(arr) > 0:
		if len(path) == 1 {
			old, _ := arr[0].(string)
			arr[0] = s
			return old
		}
		return setString(arr[0], path[1:], s)
	case head == "{}" && isMap:
		for k := range m { // the valid bodies' maps have one entry
			if len(path) == 1 {
				old, _ := m[k].(string)
				m[k] = s
				return old
			}
			return setString(m[k], path[1:], s)
		}
	case isMap:
		if len(path) == 1 {
			old, _ := m[head].(string)
			m[head] = s
			return old
		}
		if _, ok := m[head]; !ok {
			m[head] = map[string]any{}
		}
		return setString(m[head], path[1:], s)
	}
	panic(fmt.Sprintf("attack fixture: no place %v in %v", path, v))
}

// attackStrings runs the class. owner owns ownedID (for routes with a
// path parameter); every other route is attacked by a fresh borrower per
// route, from its own IP, so no rate window refuses first.
func attackStrings(t *testing.T, g *gateway.Gateway, base string, db *mysqltest.DB, owner *apitest.Client, ownedID string) {
	ctx := context.Background()
	id, err := gateway.DevID("11010519900307", '9')
	if err != nil {
		t.Fatal(err)
	}
	bodies := validBodies(id, gateway.DevCard("621700123456700"))
	fields := contractStrings(t)
	if len(fields) < 10 {
		t.Fatalf("only %d string fields found in openapi.yaml: %v", len(fields), fields)
	}
	t.Logf("%d string fields of openapi.yaml, %d payloads each", len(fields), len(hostiles))
	served := map[string]bool{}
	for _, r := range g.Manifest.Routes() {
		served[r.Method+" "+r.Path] = true
	}
	clients := map[string]*apitest.Client{}
	ip := 400
	for _, f := range fields {
		bodyOf, ok := bodies[f.op]
		if !ok {
			t.Fatalf("%s: openapi.yaml gives operation %s a string field but the attack has no valid body for it (validBodies)", f, f.op)
		}
		if !served[strings.ToUpper(f.method)+" "+f.path] {
			t.Fatalf("%s is in openapi.yaml but not in serverless.yml", f)
		}
		c, path := clients[f.path], param.ReplaceAllString(f.path, ownedID)
		if path != f.path {
			c = owner
		} else if c == nil {
			ip++
			c = apitest.New(base)
			c.FromIP(apitest.LoopbackIP(ip))
			if f.path != "/v1/auth/login" {
				if resp, err := c.Login(ctx, freshCode("strings")); err != nil || resp.Status != 200 {
					t.Fatal(resp, err)
				}
			}
			clients[f.path] = c
		}
		for _, h := range hostiles {
			if f.path == "/v1/auth/login" {
				// Failed sign-ins from one IP ask for a captcha after a few:
				// each attempt comes from its own address.
				ip++
				c.FromIP(apitest.LoopbackIP(ip))
			}
			body := hostileBody(t, bodyOf, f, h)
			what := fmt.Sprintf("%s with %s %q", f, h.name, h.text)
			before := snapshot(t, db)
			resp, err := c.SendWith(ctx, strings.ToUpper(f.method), path, body, map[string]string{"Idempotency-Key": "strings-" + apitest.NewNonce()[:16]})
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			wantField := h.wantField
			if wantField == "" {
				wantField = f.field
			}
			var e struct{ Code, Field, Reason string }
			_ = json.Unmarshal(resp.Body, &e)
			if resp.Status != http.StatusBadRequest || e.Code != "invalid_argument" || e.Field != wantField || e.Reason == "" ||
				(h.wantReason != "" && e.Reason != h.wantReason) {
				t.Errorf("%s: %d %s, want 400 invalid_argument on field %q (reason %q)", what, resp.Status, resp.Body, wantField, h.wantReason)
			}
			unchanged(t, db, before, what)
		}
	}
}
