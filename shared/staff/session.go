package staff

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// Session limits (design choices, refs/backoffice.md §3): wall time, never
// the business clock.
const (
	IdleTimeout     = 15 * time.Minute
	AbsoluteTimeout = 8 * time.Hour
	MaxFailures     = 5                // failed sign-ins in a row before the lockout
	LockoutFor      = 15 * time.Minute // how long a locked account stays locked
)

// CookieName is the staff session cookie: __Host- means Secure, Path=/ and
// no Domain, so no other host can set or read it. Borrowers never get a
// cookie (they sign requests with a bearer token), so neither credential
// opens the other's door.
const CookieName = "__Host-wxlend_staff"

// Member is a staff account as the rules need it.
type Member struct {
	ID          int64
	Username    string
	DisplayName string
	Role        Role
}

// Session is one signed-in staff member.
type Session struct {
	ID         int64
	IDHash     [32]byte
	Member     Member
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
}

// Expired reports whether s can no longer be used at now: revoked, past
// its absolute lifetime, or idle for IdleTimeout.
func (s Session) Expired(now time.Time) bool {
	return s.RevokedAt != nil || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= IdleTimeout
}

// NewSessionID is a fresh cookie value (256 random bits) and its hash.
func NewSessionID() (string, [32]byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	return id, HashSessionID(id)
}

// HashSessionID is the stored form of a cookie value.
func HashSessionID(id string) [32]byte { return sha256.Sum256([]byte("wxlend staff session\n" + id)) }

// CSRFToken is the session's anti-forgery token (synchronizer pattern):
// derived from the server secret and the session's id hash, so it is never
// stored and dies with the session. Forms carry it in a field, API calls
// in X-CSRF-Token.
func CSRFToken(secret []byte, idHash [32]byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("wxlend staff csrf v1\n"))
	m.Write(idHash[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF compares a presented token with the session's in constant time.
func CheckCSRF(secret []byte, idHash [32]byte, presented string) bool {
	want := CSRFToken(secret, idHash)
	return presented != "" && subtle.ConstantTimeCompare([]byte(want), []byte(presented)) == 1
}
