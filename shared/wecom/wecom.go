// Package wecom is the WeCom (企业微信) group robot webhook: alerts go to
// a group as markdown messages. POST <webhook URL> with
// {"msgtype":"markdown","markdown":{"content":...}}; the answer is
// {"errcode":0,"errmsg":"ok"} on success (a robot takes about 20 messages
// a minute; markdown content at most 4096 bytes).
package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxContentBytes bounds one markdown message.
const MaxContentBytes = 4096

// Robot sends to one group robot webhook.
type Robot struct {
	URL  string // https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
	HTTP *http.Client
}

// New is a robot on url with a 5 s timeout.
func New(url string) *Robot { return &Robot{URL: url, HTTP: &http.Client{Timeout: 5 * time.Second}} }

// Markdown sends content (cut to MaxContentBytes on a rune boundary).
func (r *Robot) Markdown(ctx context.Context, content string) error {
	if len(content) > MaxContentBytes {
		n := MaxContentBytes
		for n > 0 && content[n]&0xC0 == 0x80 {
			n--
		}
		content = content[:n]
	}
	body, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wecom: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("wecom: %w", err)
	}
	defer resp.Body.Close()
	var ans struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &ans) != nil || ans.ErrCode != 0 {
		return fmt.Errorf("wecom: HTTP %d errcode %d %s", resp.StatusCode, ans.ErrCode, ans.ErrMsg)
	}
	return nil
}
