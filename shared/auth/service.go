package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/clock"
)

// DefaultSkew is api.md's timestamp window.
const DefaultSkew = 300 * time.Second

// Config holds the security settings (see README's configuration table).
type Config struct {
	Secret        []byte        // AUTH_SECRET, >= 32 bytes: derives sign keys
	SessionTTL    time.Duration // AUTH_SESSION_TTL
	Skew          time.Duration // api.md: 300 s
	IPPerMinute   int           // RATE_LIMIT_IP_PER_MIN
	UserPerMinute int           // RATE_LIMIT_USER_PER_MIN
}

// Service is sign-in and request security.
type Service struct {
	Cfg Config
	// Wall is real time: sessions, timestamp skew, nonces and rate windows
	// never follow the business clock.
	Wall     clock.Clock
	WeChat   MiniProgram
	Users    Users
	Sessions Sessions
	Guard    Guard
	// Captcha verifies captcha tickets (CheckCaptcha); nil fails closed.
	Captcha CaptchaVerifier
}

// LoginResult is the api.md login response.
type LoginResult struct {
	Token     string    `json:"token"`
	SignKey   string    `json:"sign_key"`
	ExpiresAt time.Time `json:"expires_at"`
	UserID    int64     `json:"user_id"`
	NewUser   bool      `json:"new_user"`
}

var loginCode = regexp.MustCompile(`^[A-Za-z0-9._\-]{1,128}$`)

// Login exchanges a wx.login code for a session. Errors: invalid_argument
// (malformed, invalid or used code), unavailable (WeChat down).
func (s *Service) Login(ctx context.Context, code, clientIP string) (LoginResult, error) {
	if !loginCode.MatchString(code) {
		return LoginResult{}, apierr.Invalid("code", "malformed", "code must be the wx.login code")
	}
	wx, err := s.WeChat.Code2Session(ctx, code)
	if err != nil {
		return LoginResult{}, err
	}
	now := s.Wall.Now()
	u, created, err := s.Users.FindOrCreate(ctx, wx.OpenID, wx.UnionID, now)
	if err != nil {
		return LoginResult{}, err
	}
	tok, h := NewToken()
	sess := Session{UserID: u.ID, TokenHash: h, CreatedAt: now, ExpiresAt: now.Add(s.Cfg.SessionTTL)}
	if _, err := s.Sessions.Create(ctx, sess, clientIP); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: tok, SignKey: SignKey(s.Cfg.Secret, h), ExpiresAt: sess.ExpiresAt, UserID: u.ID, NewUser: created}, nil
}

// Authenticate resolves an Authorization header to a live session.
// Errors: unauthenticated (missing, unknown, expired or revoked).
func (s *Service) Authenticate(ctx context.Context, authorization string) (Session, error) {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || tok == "" || len(tok) > 256 {
		return Session{}, apierr.New(apierr.Unauthenticated, "sign in first")
	}
	sess, err := s.Sessions.ByTokenHash(ctx, HashToken(tok))
	if apierr.CodeOf(err) == apierr.NotFound {
		return Session{}, apierr.New(apierr.Unauthenticated, "sign in first")
	}
	if err != nil {
		return Session{}, err
	}
	if sess.RevokedAt != nil {
		return Session{}, apierr.New(apierr.Unauthenticated, "session was signed out")
	}
	if !s.Wall.Now().Before(sess.ExpiresAt) {
		return Session{}, apierr.New(apierr.Unauthenticated, "session expired, sign in again")
	}
	return sess, nil
}

// Signed is the signature material of one request.
type Signed struct {
	Method, Path, Timestamp, Nonce, Signature string
	Body                                      []byte
}

var nonceFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// VerifySigned checks api.md's anti-replay rules for a borrower POST.
// Order matters: the nonce is claimed only after the signature is good, so
// nobody can burn another client's nonces. Errors: unauthenticated (missing
// signature headers, bad signature, stale timestamp), invalid_argument (an
// X-Timestamp or X-Nonce that is present but malformed), replayed (nonce
// used), unavailable (Redis down: fail closed).
func (s *Service) VerifySigned(ctx context.Context, sess Session, r Signed) error {
	if r.Timestamp == "" || r.Nonce == "" {
		return apierr.New(apierr.Unauthenticated, "sign the request: X-Timestamp, X-Nonce and X-Signature are required")
	}
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil {
		return apierr.Invalid("X-Timestamp", "malformed", "X-Timestamp must be unix seconds")
	}
	now := s.Wall.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > s.Cfg.Skew || d < -s.Cfg.Skew {
		return apierr.New(apierr.Unauthenticated, "X-Timestamp is outside the allowed window; check the device clock")
	}
	if !nonceFormat.MatchString(r.Nonce) {
		return apierr.Invalid("X-Nonce", "malformed", "X-Nonce must be 16-64 characters of [A-Za-z0-9_-]")
	}
	want := Signature(SignKey(s.Cfg.Secret, sess.TokenHash), r.Method, r.Path, r.Timestamp, r.Nonce, r.Body)
	if !hmac.Equal([]byte(want), []byte(r.Signature)) {
		return apierr.New(apierr.Unauthenticated, "X-Signature does not match the request")
	}
	fresh, err := s.Guard.ClaimNonce(ctx, strconv.FormatInt(sess.ID, 10), r.Nonce, 2*s.Cfg.Skew+time.Minute)
	if err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "the service is temporarily unavailable")
	}
	if !fresh {
		return apierr.New(apierr.Replayed, "this request was already received")
	}
	return nil
}

// CheckRate counts one request against the window of kind/key ("ip",
// "user"). Errors: rate_limited (with RetryAfter from the window),
// unavailable (Redis down: fail closed).
func (s *Service) CheckRate(ctx context.Context, kind, key string, member string) error {
	limit := s.Cfg.IPPerMinute
	if kind == "user" {
		limit = s.Cfg.UserPerMinute
	}
	l, err := s.Guard.Allow(ctx, kind+":"+key, limit, time.Minute, s.Wall.Now(), member)
	if err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "the service is temporarily unavailable")
	}
	if !l.Allowed {
		e := &apierr.Error{Code: apierr.RateLimited, Reason: kind, RetryAfter: l.RetryAfter}
		e.Message = "too many requests, retry in " + strconv.Itoa(e.RetryAfterSeconds()) + " s"
		return e
	}
	return nil
}

// Logout revokes the session.
func (s *Service) Logout(ctx context.Context, sess Session) error {
	return s.Sessions.Revoke(ctx, sess.ID, s.Wall.Now())
}

// Validate reports the first bad setting.
func (c Config) Validate() error {
	switch {
	case len(c.Secret) < 32:
		return errors.New("AUTH_SECRET must be at least 32 bytes")
	case c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour:
		return errors.New("AUTH_SESSION_TTL must be between 1m and 720h")
	case c.IPPerMinute < 1 || c.UserPerMinute < 1:
		return errors.New("rate limits must be at least 1 per minute")
	}
	return nil
}
