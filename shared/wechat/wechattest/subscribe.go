package wechattest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Subscribe is one subscribe message the fake accepted.
type Subscribe struct {
	ToUser     string
	TemplateID string
	Page       string
	Data       map[string]string
	State      string
	At         time.Time
}

type subscribeLog struct {
	mu   sync.Mutex
	sent []Subscribe
	fail []int
}

// FailSubscribe makes the next sends answer these errcodes, in order
// (43101: refused or no subscription; -1: system busy).
func (f *Fake) FailSubscribe(codes ...int) {
	f.sub.mu.Lock()
	f.sub.fail = append(f.sub.fail, codes...)
	f.sub.mu.Unlock()
}

// Subscribes is every message accepted so far.
func (f *Fake) Subscribes() []Subscribe {
	f.sub.mu.Lock()
	defer f.sub.mu.Unlock()
	return append([]Subscribe(nil), f.sub.sent...)
}

func (f *Fake) subscribeSend(w http.ResponseWriter, r *http.Request) {
	if !f.tokenOK(w, r) {
		return
	}
	var in struct {
		ToUser     string                       `json:"touser"`
		TemplateID string                       `json:"template_id"`
		Page       string                       `json:"page"`
		Data       map[string]map[string]string `json:"data"`
		State      string                       `json:"miniprogram_state"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.ToUser == "" || in.TemplateID == "" || len(in.Data) == 0 {
		errcode(w, 47003, "argument invalid")
		return
	}
	data := map[string]string{}
	for k, v := range in.Data {
		if v["value"] == "" || len([]rune(v["value"])) > 20 {
			errcode(w, 47003, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = v["value"]
	}
	f.sub.mu.Lock()
	defer f.sub.mu.Unlock()
	if len(f.sub.fail) > 0 {
		code := f.sub.fail[0]
		f.sub.fail = f.sub.fail[1:]
		errcode(w, code, "injected")
		return
	}
	f.sub.sent = append(f.sub.sent, Subscribe{ToUser: in.ToUser, TemplateID: in.TemplateID, Page: in.Page, Data: data, State: in.State, At: time.Now()})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}
