// Package wechattest is a local fake of the WeChat mini-program server API
// speaking its real wire format (query parameters, errcode/errmsg JSON).
//
// Fixtures, deterministic: a login code is "<user>" or "<user>.<anything>";
// the openid is derived from <user> alone, so "alice.1" and "alice.2" are the
// same borrower. Each code works once (40163 afterwards), like WeChat's.
// Users with special behaviour: "invalid" -> 40029, "busy" -> -1 (system
// busy), "risky" -> 40226 (risk control), "slow" -> answers after 5 s.
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
var Paths = []string{"/sns/jscode2session"}

// Handler serves the fake's paths.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", f.code2session)
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
	f.mu.Lock()
	used := f.used[code]
	f.used[code] = true
	f.mu.Unlock()
	if used {
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
