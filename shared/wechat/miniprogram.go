// Package wechat is a small client of the WeChat mini-program server API
// (api.weixin.qq.com): code2session (sign-in), getPhoneNumber (the bound
// phone) and the stable access token it needs, cached per instance. Errors
// are classified at this boundary into apierr codes. WeChat Pay is wxpay.
package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/auth"
)

// Client calls the mini-program server API of one app.
type Client struct {
	BaseURL string // https://api.weixin.qq.com, or the local fake
	AppID   string
	Secret  string
	HTTP    *http.Client
	tokens  tokenCache
}

// NewClient makes a client with a short timeout: login must answer fast.
func NewClient(baseURL, appID, secret string) *Client {
	return &Client{BaseURL: baseURL, AppID: appID, Secret: secret, HTTP: &http.Client{Timeout: 3 * time.Second}}
}

// apiError is the errcode/errmsg every WeChat API answer may carry.
type apiError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Code2Session exchanges a wx.login code (jscode2session). The session_key
// is returned to auth, which never sends or stores it.
func (c *Client) Code2Session(ctx context.Context, code string) (auth.WxSession, error) {
	q := url.Values{"appid": {c.AppID}, "secret": {c.Secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	var out struct {
		apiError
		OpenID     string `json:"openid"`
		UnionID    string `json:"unionid"`
		SessionKey string `json:"session_key"`
	}
	if err := c.get(ctx, "/sns/jscode2session?"+q.Encode(), &out); err != nil {
		return auth.WxSession{}, err
	}
	if err := classify(out.apiError); err != nil {
		return auth.WxSession{}, err
	}
	if out.OpenID == "" {
		return auth.WxSession{}, apierr.New(apierr.Internal, "WeChat returned no openid")
	}
	return auth.WxSession{OpenID: out.OpenID, UnionID: out.UnionID, SessionKey: out.SessionKey}, nil
}

func (c *Client) get(ctx context.Context, pathQuery string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+pathQuery, nil)
	if err != nil {
		return fmt.Errorf("wechat request: %w", err)
	}
	return c.do(req, out)
}

// classify maps WeChat errcodes to ours. Unknown codes are internal: they
// need a person to look, not a retry by the user.
func classify(e apiError) error {
	cause := fmt.Errorf("wechat errcode %d: %s", e.ErrCode, e.ErrMsg)
	switch e.ErrCode {
	case 0:
		return nil
	case 40029, 40163:
		return &apierr.Error{Code: apierr.InvalidArgument, Field: "code", Reason: "invalid_code", Message: "the code is invalid or used; ask WeChat for a new one"}
	case 40226:
		return &apierr.Error{Code: apierr.Forbidden, Reason: "wechat_risk", Message: "WeChat has restricted this account's sign-in"}
	case -1, 45011:
		return apierr.Wrap(apierr.Unavailable, cause, "WeChat is busy, try again")
	default:
		return apierr.Wrap(apierr.Internal, cause, "internal error")
	}
}
