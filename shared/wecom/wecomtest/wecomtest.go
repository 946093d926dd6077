// Package wecomtest is a local fake of the WeCom group robot webhook: it
// accepts POST /cgi-bin/webhook/send?key=... with a markdown or text
// message, answers as WeCom does and keeps what it received.
package wecomtest

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Path is the webhook's path on qyapi.weixin.qq.com.
const Path = "/cgi-bin/webhook/send"

// DevKey is the robot key of the local stack.
const DevKey = "wxlend-dev-robot"

// Message is one message received.
type Message struct {
	Key      string    `json:"key"`
	MsgType  string    `json:"msgtype"`
	Content  string    `json:"content"`
	Received time.Time `json:"received"`
}

// Fake is the robot webhook.
type Fake struct {
	mu   sync.Mutex
	msgs []Message
}

// maxKept bounds the messages kept.
const maxKept = 1000

// ServeHTTP answers one webhook call.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
		Text struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	w.Header().Set("Content-Type", "application/json")
	key := r.URL.Query().Get("key")
	switch {
	case r.Method != http.MethodPost || key == "":
		_, _ = w.Write([]byte(`{"errcode":93000,"errmsg":"invalid webhook url"}`))
		return
	case json.Unmarshal(raw, &in) != nil || (in.MsgType != "markdown" && in.MsgType != "text"):
		_, _ = w.Write([]byte(`{"errcode":40008,"errmsg":"invalid message type"}`))
		return
	}
	content := in.Markdown.Content
	if in.MsgType == "text" {
		content = in.Text.Content
	}
	f.mu.Lock()
	f.msgs = append(f.msgs, Message{Key: key, MsgType: in.MsgType, Content: content, Received: time.Now()})
	if len(f.msgs) > maxKept {
		f.msgs = f.msgs[1:]
	}
	f.mu.Unlock()
	_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

// Messages returns a copy of what was received, oldest first.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}
