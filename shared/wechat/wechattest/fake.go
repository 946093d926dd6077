// Package wechattest is a local fake of the WeChat mini-program server API
// speaking its real wire format (query parameters, errcode/errmsg JSON).
//
// Fixtures, deterministic: a login code is "<user>" or "<user>.<anything>";
// the openid is derived from <user> alone, so "alice.1" and "alice.2" are the
// same borrower. Each code works once (40163 afterwards), like WeChat's.
// Users with special behaviour: "invalid" -> 40029, "busy" -> -1 (system
// busy), "risky" -> 40226 (risk control), "slow" -> answers after 5 s.
//
// Phone: stable_token hands out one access token per app (7200 s).
// getuserphonenumber takes a code "phone:<11 digits>" or
// "phone:<11 digits>.<anything>" and answers that number (country code 86);
// "foreign:<digits>" answers country code 1; any other code is 40029; each
// code works once.
//
// Subscribe messages: subscribeMessage.send checks the token and the body
// (touser, template_id, data values), records what it accepted
// (Subscribes) and answers the errcodes queued with FailSubscribe first.
package wechattest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fake is the fake API; mount it with Handler.
type Fake struct {
	AppID  string
	Secret string
	mu     sync.Mutex
	used   map[string]bool
	token  string
	sub    subscribeLog
}

// New makes a fake for one app.
func New(appID, secret string) *Fake {
	return &Fake{AppID: appID, Secret: secret, used: map[string]bool{}}
}

// OpenID is the openid the fake gives user.
func OpenID(user string) string { return "oDEV" + digest("openid", user) }

// UnionID is the unionid the fake gives user.
func UnionID(user string) string { return "uDEV" + digest("unionid", user) }

func digest(kind, user string) string {
	s := sha256.Sum256([]byte("wxlend-dev-" + kind + ":" + user))
	return base64.RawURLEncoding.EncodeToString(s[:])[:24]
}

// Paths the fake serves, as on api.weixin.qq.com.
var Paths = []string{"/sns/jscode2session", "/cgi-bin/stable_token", "/wxa/business/getuserphonenumber", "/cgi-bin/message/subscribe/send"}

// Handler serves the fake's paths.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", f.code2session)
	mux.HandleFunc("POST /cgi-bin/stable_token", f.stableToken)
	mux.HandleFunc("POST /wxa/business/getuserphonenumber", f.phoneNumber)
	mux.HandleFunc("POST /cgi-bin/message/subscribe/send", f.subscribeSend)
	return mux
}

func (f *Fake) code2session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != f.AppID {
		errcode(w, 40013, "invalid appid")
		return
	}
	if q.Get("secret") != f.Secret {
		errcode(w, 40125, "invalid appsecret")
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		errcode(w, 40002, "invalid grant_type")
		return
	}
	code := q.Get("js_code")
	user, _, _ := strings.Cut(code, ".")
	switch user {
	case "", "invalid":
		errcode(w, 40029, "invalid code")
		return
	case "busy":
		errcode(w, -1, "system error")
		return
	case "risky":
		errcode(w, 40226, "high risk user")
		return
	case "slow":
		time.Sleep(5 * time.Second)
	}
	if f.use(code) {
		errcode(w, 40163, "code been used")
		return
	}
	writeJSON(w, map[string]any{
		"openid": OpenID(user), "unionid": UnionID(user),
		"session_key": base64.StdEncoding.EncodeToString([]byte(digest("session_key", code)[:16])),
	})
}

func errcode(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// use marks code used and reports whether it already was.
func (f *Fake) use(code string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	used := f.used[code]
	f.used[code] = true
	return used
}

func (f *Fake) stableToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		GrantType string `json:"grant_type"`
		AppID     string `json:"appid"`
		Secret    string `json:"secret"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.GrantType != "client_credential" {
		errcode(w, 40002, "invalid grant_type")
		return
	}
	if in.AppID != f.AppID || in.Secret != f.Secret {
		errcode(w, 40125, "invalid appsecret")
		return
	}
	f.mu.Lock()
	if f.token == "" {
		f.token = "ATDEV" + digest("token", time.Now().String())
	}
	tok := f.token
	f.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
}

func (f *Fake) phoneNumber(w http.ResponseWriter, r *http.Request) {
	if !f.tokenOK(w, r) {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	kind, rest, _ := strings.Cut(in.Code, ":")
	number, _, _ := strings.Cut(rest, ".")
	if (kind != "phone" && kind != "foreign") || len(number) < 5 || len(number) > 15 || f.use(in.Code) {
		errcode(w, 40029, "invalid code")
		return
	}
	cc := "86"
	if kind == "foreign" {
		cc = "1"
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "phone_info": map[string]any{
		"phoneNumber": "+" + cc + number, "purePhoneNumber": number, "countryCode": cc,
		"watermark": map[string]any{"timestamp": time.Now().Unix(), "appid": f.AppID},
	}})
}

// tokenOK answers 40001 unless the request carries the current token.
func (f *Fake) tokenOK(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	tok := f.token
	f.mu.Unlock()
	if tok == "" || r.URL.Query().Get("access_token") != tok {
		errcode(w, 40001, "invalid credential, access_token is invalid or not latest")
		return false
	}
	return true
}
