// Package apitest is a borrower's client of the wxlend HTTP API, as the
// mini-program would be: it logs in and signs every POST per api.md. People
// use it through scripts/call; end-to-end tests use it directly.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/auth"
)

// Client talks to one base URL.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	Token   string
	SignKey string
	UserID  int64
	// Now is the clock used for X-Timestamp (tests move it).
	Now func() time.Time
	// Check validates every answer (default CheckResponse: openapi.yaml);
	// a failed check is Send's error.
	Check func(*http.Request, *Response) error
	extra map[string]string
}

// FromIP makes the client connect from ip, a loopback address such as
// 127.0.0.7 (Linux routes all of 127.0.0.0/8 to lo), so tests act as many
// clients. The local gateway, like the function-URL platform, takes the
// client IP from the connection (x-scf-remote-addr) and never from a
// header a client could set, so this is the only way to change it.
func (c *Client) FromIP(ip string) {
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.DialContext
	c.HTTP = &http.Client{Timeout: c.HTTP.Timeout, Transport: t}
}

// LoopbackIP is a distinct loopback address for client number i (i >= 0),
// never 127.0.0.1: for FromIP.
func LoopbackIP(i int) string {
	return fmt.Sprintf("127.%d.%d.%d", 1+i/62500%250, i/250%250, 1+i%250)
}

// New makes a client of baseURL.
func New(baseURL string) *Client {
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Timeout: 30 * time.Second}, Now: time.Now, Check: CheckResponse}
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Code is the api.md error code of an error answer ("" otherwise).
func (r *Response) Code() string {
	var e struct{ Code string }
	_ = json.Unmarshal(r.Body, &e)
	return e.Code
}

// Decode unmarshals the body into v.
func (r *Response) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// Login signs in with a wx.login code and keeps the session.
func (c *Client) Login(ctx context.Context, code string) (*Response, error) {
	resp, err := c.Send(ctx, http.MethodPost, "/v1/auth/login", map[string]string{"code": code}, nil)
	if err != nil || resp.Status != http.StatusOK {
		return resp, err
	}
	var out auth.LoginResult
	if err := resp.Decode(&out); err != nil {
		return resp, err
	}
	c.Token, c.SignKey, c.UserID = out.Token, out.SignKey, out.UserID
	return resp, nil
}

// Get sends an authenticated GET.
func (c *Client) Get(ctx context.Context, path string) (*Response, error) {
	return c.Send(ctx, http.MethodGet, path, nil, nil)
}

// Post sends an authenticated, signed POST with a fresh nonce.
func (c *Client) Post(ctx context.Context, path string, body any) (*Response, error) {
	return c.Send(ctx, http.MethodPost, path, body, nil)
}

// SendWith is Send (signed, fresh nonce) with extra headers, e.g.
// Idempotency-Key.
func (c *Client) SendWith(ctx context.Context, method, path string, body any, headers map[string]string) (*Response, error) {
	c2 := *c
	c2.extra = headers
	return c2.Send(ctx, method, path, body, nil)
}

// Signing lets a caller choose the signature material (tests forge it).
type Signing struct {
	Timestamp string
	Nonce     string
	Signature string // empty: computed
	Skip      bool   // send no signature headers at all
}

// Send sends a request; POSTs other than login are signed unless sig.Skip.
// body may be []byte (sent as is) or a value marshalled to JSON.
func (c *Client) Send(ctx context.Context, method, path string, body any, sig *Signing) (*Response, error) {
	raw, err := encode(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.extra {
		req.Header.Set(k, v)
	}
	if method == http.MethodPost && path != "/v1/auth/login" {
		c.sign(req, raw, sig)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if err == nil && c.Check != nil {
		err = c.Check(req, out)
	}
	return out, err
}

func (c *Client) sign(req *http.Request, raw []byte, sig *Signing) {
	s := Signing{}
	if sig != nil {
		s = *sig
	}
	if s.Skip {
		return
	}
	if s.Timestamp == "" {
		s.Timestamp = strconv.FormatInt(c.Now().Unix(), 10)
	}
	if s.Nonce == "" {
		s.Nonce = NewNonce()
	}
	if s.Signature == "" {
		s.Signature = auth.Signature(c.SignKey, req.Method, req.URL.Path, s.Timestamp, s.Nonce, raw)
	}
	req.Header.Set("X-Timestamp", s.Timestamp)
	req.Header.Set("X-Nonce", s.Nonce)
	req.Header.Set("X-Signature", s.Signature)
}

// NewNonce is 24 random bytes, base64url: 32 characters of [A-Za-z0-9_-].
func NewNonce() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func encode(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		return raw, nil
	}
}

// LoanPath is the path of a per-loan endpoint (openapi.yaml): kind is
// detail, cancel, payoff, repay, contract or contract-sign. The loan id is
// the last segment, the one place the front door's trailing wildcard
// (/v1/loans/<kind>/*) can carry it, and inside the signed path.
func LoanPath(kind string, loanID int64) string {
	return "/v1/loans/" + kind + "/" + strconv.FormatInt(loanID, 10)
}
