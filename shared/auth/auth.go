// Package auth signs borrowers in with WeChat and guards every borrower
// request: bearer sessions that expire and can be revoked, the api.md
// request signature, timestamp window and single-use nonces, and rate
// limits. It holds the rules; storage and the WeChat API are interfaces
// implemented by adapters.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// User is a borrower known by the openid of the lender's mini-program.
type User struct {
	ID        int64
	OpenID    string
	UnionID   string
	CreatedAt time.Time
}

// Session is one login. Only the SHA-256 of its bearer token is stored.
type Session struct {
	ID        int64
	UserID    int64
	TokenHash [32]byte
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// WxSession is what code2session answers. SessionKey stays on the server.
type WxSession struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// MiniProgram is the part of the WeChat mini-program server API auth needs.
// Errors are *apierr.Error: invalid_argument for a bad or used code,
// unavailable when WeChat is busy or unreachable.
type MiniProgram interface {
	Code2Session(ctx context.Context, code string) (WxSession, error)
}

// Users stores borrowers.
type Users interface {
	// FindOrCreate returns the user for openid, creating it once even when
	// logins race; created tells whether this call made it.
	FindOrCreate(ctx context.Context, openid, unionid string, now time.Time) (u User, created bool, err error)
}

// Sessions stores sessions.
type Sessions interface {
	Create(ctx context.Context, s Session, clientIP string) (int64, error)
	// ByTokenHash returns the session or an apierr not_found.
	ByTokenHash(ctx context.Context, h [32]byte) (Session, error)
	// Revoke ends a session at now; revoking twice is not an error.
	Revoke(ctx context.Context, id int64, now time.Time) error
}

// Guard is the Redis side of request security.
type Guard interface {
	ClaimNonce(ctx context.Context, scope, nonce string, ttl time.Duration) (bool, error)
	Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time, member string) (Limit, error)
	// Count is how many events Allow recorded for key within window.
	Count(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// Limit is a rate window's answer.
type Limit struct {
	Allowed    bool
	RetryAfter time.Duration
}

// NewToken is a fresh bearer token (256 random bits, base64url) and its hash.
func NewToken() (string, [32]byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	return tok, HashToken(tok)
}

// HashToken is the stored form of a bearer token.
func HashToken(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }

// SignKey derives the session's request-signing key from the server secret
// and the token hash, so it is never stored and dies with the session.
func SignKey(secret []byte, tokenHash [32]byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("wxlend sign_key v1\n"))
	m.Write(tokenHash[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Signature is the api.md X-Signature: base64 HMAC-SHA256 keyed with the
// sign_key's UTF-8 bytes over METHOD\nPATH\nTS\nNONCE\nhex(sha256(body)).
func Signature(signKey, method, path, timestamp, nonce string, body []byte) string {
	bh := sha256.Sum256(body)
	m := hmac.New(sha256.New, []byte(signKey))
	m.Write([]byte(method + "\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + hex.EncodeToString(bh[:])))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
