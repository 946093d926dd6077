// Package api is the borrower-facing HTTP layer of api.md: each function's
// handler, built from the shared services, behind the borrower guard
// (rate limits, bearer session, request signature for POSTs).
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/wxlend/wxlend/shared/apierr"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/scf"
)

// Route serves h at one "METHOD /path/{param}" pattern; anything else is
// answered in the api.md envelope, never Go's plain text: the path with
// another method is method_not_allowed (405, Allow), another path
// not_found (scf.Routes).
func Route(pattern string, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	return scf.Routes(mux)
}

// Func is a handler that returns its error; the error becomes the envelope.
type Func func(w http.ResponseWriter, r *http.Request) error

func (f Func) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		scf.WriteError(w, r, err)
	}
}

type sessionKey struct{}

// SessionFrom is the session the borrower guard authenticated.
func SessionFrom(ctx context.Context) auth.Session {
	s, _ := ctx.Value(sessionKey{}).(auth.Session)
	return s
}

// Borrower guards h: per-IP rate limit, bearer session, per-user rate
// limit, and for every POST the api.md signature, timestamp and nonce.
// Redis trouble fails closed (unavailable).
func Borrower(a *app.App, h http.Handler) http.Handler {
	return Func(func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		if err := a.Auth.CheckRate(ctx, "ip", ClientIP(r), scf.RequestID(ctx)); err != nil {
			return err
		}
		sess, err := a.Auth.Authenticate(ctx, r.Header.Get("Authorization"))
		if err != nil {
			return err
		}
		ctx = scf.WithUserID(context.WithValue(ctx, sessionKey{}, sess), sess.UserID)
		if err := a.Auth.CheckRate(ctx, "user", strconv.FormatInt(sess.UserID, 10), scf.RequestID(ctx)); err != nil {
			return err
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := verifySigned(ctx, a, sess, r); err != nil {
				return err
			}
		}
		h.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

func verifySigned(ctx context.Context, a *app.App, sess auth.Session, r *http.Request) error {
	body, err := scf.ReadBody(r)
	if err != nil {
		return err
	}
	return a.Auth.VerifySigned(ctx, sess, auth.Signed{
		Method: r.Method, Path: r.URL.Path, Body: body,
		Timestamp: r.Header.Get("X-Timestamp"), Nonce: r.Header.Get("X-Nonce"), Signature: r.Header.Get("X-Signature"),
	})
}

// ClientIP is the caller's address as API gateway reported it.
func ClientIP(r *http.Request) string {
	ip := strings.TrimSpace(strings.Split(r.RemoteAddr, ",")[0])
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	if ip == "" {
		return "unknown"
	}
	return ip
}

// idempotentRequest reads a POST that carries an Idempotency-Key (8-64
// characters of A-Z a-z 0-9 _ . : -): the key, and the body as sent,
// decoded into in. Errors: invalid_argument.
func idempotentRequest(r *http.Request, in any) (key string, body []byte, err error) {
	key = r.Header.Get("Idempotency-Key")
	if !idemKeyFormat.MatchString(key) {
		return "", nil, apierr.Invalid("Idempotency-Key", "format", "Idempotency-Key header of 8-64 characters is required")
	}
	if body, err = scf.ReadBody(r); err != nil {
		return "", nil, err
	}
	return key, body, scf.DecodeBytes(body, in)
}

// requestHash identifies an idempotent request: the hex SHA-256 of prefix
// and the body as sent. An endpoint never changes what it hashes, or keys
// stored before would answer conflict.
func requestHash(prefix string, body []byte) string {
	sum := sha256.Sum256(append([]byte(prefix), body...))
	return hex.EncodeToString(sum[:])
}
