package backoffice

import (
	"context"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/staff"
)

// TOTPField is the PII-vault field name of staff TOTP secrets (bound into
// the ciphertext's AAD).
const TOTPField = "staff.totp_secret"

// SignedIn is a new staff session: the cookie value (shown once, never
// stored) and its CSRF token.
type SignedIn struct {
	Cookie  string
	CSRF    string
	Session staff.Session
}

var badCredentials = &apierr.Error{Code: apierr.Unauthenticated, Reason: "bad_credentials", Message: "wrong username, password or code"}

// SignIn checks password and TOTP (both, always: a wrong password is not
// told apart from a wrong code), refuses a code already used (replayed)
// and a locked account (forbidden, reason locked), counts failures toward
// the lockout, and audits every attempt.
func (s Service) SignIn(ctx context.Context, username, password, code, ip, requestID string) (SignedIn, error) {
	now := s.now()
	who := Actor{Member: staff.Member{Username: username}, IP: ip, RequestID: requestID}
	acct, err := mysql.Staff{DB: s.A.DB}.ByUsername(ctx, username)
	if apierr.CodeOf(err) == apierr.NotFound {
		_, _ = staff.CheckPassword(dummyHash(), password) // same work as a real account
		return SignedIn{}, s.Refuse(ctx, who, "staff.sign_in", "staff:"+username, "", badCredentials)
	} else if err != nil {
		return SignedIn{}, err
	}
	who.Member = acct.Member
	if acct.Status != "active" || (acct.LockedUntil != nil && acct.LockedUntil.After(now)) {
		locked := &apierr.Error{Code: apierr.Forbidden, Reason: "locked", Message: "the account is locked; try again later"}
		if acct.LockedUntil != nil {
			locked.RetryAfter = acct.LockedUntil.Sub(now)
		}
		return SignedIn{}, s.Refuse(ctx, who, "staff.sign_in", "staff:"+username, "", locked)
	}
	if refusal := s.checkFactors(ctx, acct, password, code, now); refusal != nil {
		if _, err := (mysql.Staff{DB: s.A.DB}).RecordFailure(ctx, acct.ID, now); err != nil {
			return SignedIn{}, err
		}
		return SignedIn{}, s.Refuse(ctx, who, "staff.sign_in", "staff:"+username, "", refusal)
	}
	return s.openSession(ctx, who, now)
}

// checkFactors is nil when both factors are good and the code's step was
// stored as the last accepted one.
func (s Service) checkFactors(ctx context.Context, acct mysql.StaffAccount, password, code string, now time.Time) error {
	ok, err := staff.CheckPassword(acct.PasswordHash, password)
	if err != nil || !ok {
		return badCredentials
	}
	secret, err := s.A.Vault.Decrypt(ctx, TOTPField, acct.TOTPEnc)
	if err != nil {
		return err
	}
	step, res := staff.CheckTOTP(secret, code, now, acct.LastStep)
	switch res {
	case staff.TOTPReplayed:
		return &apierr.Error{Code: apierr.Replayed, Reason: "totp_replayed", Message: "this code was used already; wait for the next one"}
	case staff.TOTPWrong:
		return badCredentials
	}
	won, err := mysql.Staff{DB: s.A.DB}.AcceptSignIn(ctx, acct.ID, step)
	if err != nil {
		return err
	}
	if !won {
		return &apierr.Error{Code: apierr.Replayed, Reason: "totp_replayed", Message: "this code was used already; wait for the next one"}
	}
	return nil
}

func (s Service) openSession(ctx context.Context, who Actor, now time.Time) (SignedIn, error) {
	cookie, h := staff.NewSessionID()
	ss := staff.Session{IDHash: h, Member: who.Member, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(staff.AbsoluteTimeout)}
	id, err := mysql.StaffSessions{DB: s.A.DB}.Create(ctx, ss, who.IP)
	if err != nil {
		return SignedIn{}, err
	}
	ss.ID = id
	if err := s.Audit(ctx, who, "staff.sign_in", "staff:"+who.Username, "", nil, nil); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Cookie: cookie, CSRF: staff.CSRFToken(s.A.Cfg.AuthSecret, h), Session: ss}, nil
}

// dummyHash is checked for unknown usernames so that timing does not tell
// which usernames exist.
// It is made on first use, not at every cold start of every function.
var dummyHash = sync.OnceValue(func() string {
	h, _ := staff.HashPassword("wxlend-dummy-password-for-timing")
	return h
})

var sessionExpired = &apierr.Error{Code: apierr.Unauthenticated, Reason: "session_expired", Message: "your session ended; sign in again"}

// Authenticate resolves a cookie value to a live session and records the
// activity (idle timeout); unauthenticated otherwise.
func (s Service) Authenticate(ctx context.Context, cookie string) (staff.Session, error) {
	if cookie == "" {
		return staff.Session{}, &apierr.Error{Code: apierr.Unauthenticated, Reason: "no_session", Message: "sign in first"}
	}
	now := s.now()
	store := mysql.StaffSessions{DB: s.A.DB}
	ss, err := store.ByHash(ctx, staff.HashSessionID(cookie))
	if apierr.CodeOf(err) == apierr.NotFound {
		return ss, sessionExpired
	} else if err != nil {
		return ss, err
	}
	if ss.Expired(now) {
		return ss, sessionExpired
	}
	live, err := store.Touch(ctx, ss.ID, now)
	if err != nil {
		return ss, err
	}
	if !live {
		return ss, sessionExpired
	}
	ss.LastSeenAt = now
	return ss, nil
}

// SignOut revokes the session.
func (s Service) SignOut(ctx context.Context, who Actor, ss staff.Session) error {
	if err := (mysql.StaffSessions{DB: s.A.DB}).Revoke(ctx, ss.ID, s.now()); err != nil {
		return err
	}
	return s.Audit(ctx, who, "staff.sign_out", "staff:"+who.Username, "", nil, nil)
}

// EnsureStaff creates an account with a password and TOTP secret unless
// the username exists (fixtures; an admin tool later).
func (s Service) EnsureStaff(ctx context.Context, m staff.Member, password, totpSecret string) error {
	h, err := staff.HashPassword(password)
	if err != nil {
		return err
	}
	enc, err := s.A.Vault.Encrypt(ctx, TOTPField, totpSecret)
	if err != nil {
		return err
	}
	return mysql.Staff{DB: s.A.DB}.Ensure(ctx, m, h, enc, s.now())
}
