package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// tokenCache holds the app's access token for this instance. stable_token
// hands every caller the same token until it nears expiry, so concurrent
// instances do not invalidate each other's tokens (as the old token API did).
type tokenCache struct {
	mu      sync.Mutex
	token   string
	expires time.Time
}

// accessToken returns a cached token, fetching one when absent, within five
// minutes of expiry, or when force is set (after WeChat said it is invalid).
func (c *Client) accessToken(ctx context.Context, force bool) (string, error) {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if !force && c.tokens.token != "" && time.Until(c.tokens.expires) > 5*time.Minute {
		return c.tokens.token, nil
	}
	var out struct {
		apiError
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	body := map[string]any{"grant_type": "client_credential", "appid": c.AppID, "secret": c.Secret, "force_refresh": false}
	if err := c.post(ctx, "/cgi-bin/stable_token", body, &out); err != nil {
		return "", err
	}
	if err := classify(out.apiError); err != nil {
		return "", err
	}
	c.tokens.token, c.tokens.expires = out.AccessToken, time.Now().Add(time.Duration(out.ExpiresIn)*time.Second)
	return c.tokens.token, nil
}

// PhoneNumber exchanges a getPhoneNumber button code for the borrower's
// mainland number (getuserphonenumber). Errors: invalid_argument for a bad
// or used code, unavailable when WeChat is down.
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return "", err
		}
		var out struct {
			apiError
			PhoneInfo struct {
				PurePhoneNumber string `json:"purePhoneNumber"`
				CountryCode     string `json:"countryCode"`
				Watermark       struct {
					AppID string `json:"appid"`
				} `json:"watermark"`
			} `json:"phone_info"`
		}
		if err := c.post(ctx, "/wxa/business/getuserphonenumber?access_token="+url.QueryEscape(tok), map[string]string{"code": code}, &out); err != nil {
			return "", err
		}
		if out.ErrCode == 40001 || out.ErrCode == 42001 {
			continue // token invalid or expired: refresh once
		}
		if err := classify(out.apiError); err != nil {
			return "", err
		}
		if out.PhoneInfo.Watermark.AppID != c.AppID || out.PhoneInfo.CountryCode != "86" {
			return "", apierr.New(apierr.FailedPrecondition, "only a mainland China mobile number can be used")
		}
		return out.PhoneInfo.PurePhoneNumber, nil
	}
	return "", apierr.New(apierr.Unavailable, "WeChat is busy, try again")
}

func (c *Client) post(ctx context.Context, pathQuery string, in, out any) error {
	b, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+pathQuery, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("wechat request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, out)
}

func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "WeChat is not reachable, try again")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return apierr.Wrap(apierr.Unavailable, fmt.Errorf("wechat status %d: %v", resp.StatusCode, err), "WeChat is not reachable, try again")
	}
	if err := json.Unmarshal(body, out); err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "WeChat answered unexpectedly, try again")
	}
	return nil
}
