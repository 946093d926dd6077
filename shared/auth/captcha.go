package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Captcha rules (api.md): the credit application always needs a Tencent
// Cloud Captcha ticket; sign-in needs one once a client IP has had
// LoginFailuresBeforeCaptcha failed sign-ins within LoginFailureWindow.
const (
	LoginFailuresBeforeCaptcha = 5
	LoginFailureWindow         = 10 * time.Minute
	// captchaTicketTTL outlives a ticket's own validity (5 minutes at
	// Tencent), so a replay is caught for as long as it could pass.
	captchaTicketTTL = 10 * time.Minute
)

// CaptchaAnswer is what the captcha plugin hands the mini-program after a
// solve, sent as {"captcha": {"ticket"}}. Randstr is accepted for the web
// and app captcha's shape; DescribeCaptchaMiniResult takes none.
type CaptchaAnswer struct {
	Ticket  string `json:"ticket"`
	Randstr string `json:"randstr"`
}

// CaptchaVerifier checks a ticket with the captcha provider (Tencent Cloud
// DescribeCaptchaMiniResult). It answers whether the ticket passed and the
// provider's code; a provider or configuration fault is an apierr
// unavailable, never a failed ticket.
type CaptchaVerifier interface {
	VerifyCaptcha(ctx context.Context, ticket, userIP string) (passed bool, code int64, err error)
}

// CheckCaptcha accepts a solved, unused ticket. Errors: invalid_argument
// on field captcha.ticket with reason captcha_required (none sent),
// captcha_failed (the provider refused it, or it is malformed) or
// captcha_replayed (already used here); unavailable (provider down or no
// verifier configured: fail closed). The ticket is claimed (Redis) before
// the provider is asked, so it is good for one request at most.
func (s *Service) CheckCaptcha(ctx context.Context, a *CaptchaAnswer, clientIP string) error {
	if a == nil || a.Ticket == "" {
		return apierr.Invalid("captcha.ticket", "captcha_required", "complete the captcha first")
	}
	if len(a.Ticket) > 4096 || len(a.Randstr) > 256 {
		return apierr.Invalid("captcha.ticket", "captcha_failed", "the captcha was not passed, try again")
	}
	if s.Captcha == nil {
		return apierr.New(apierr.Unavailable, "the captcha check is not configured")
	}
	sum := sha256.Sum256([]byte(a.Ticket))
	fresh, err := s.Guard.ClaimNonce(ctx, "captcha", hex.EncodeToString(sum[:]), captchaTicketTTL)
	if err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "the service is temporarily unavailable")
	}
	if !fresh {
		return apierr.Invalid("captcha.ticket", "captcha_replayed", "this captcha was already used, solve it again")
	}
	passed, _, err := s.Captcha.VerifyCaptcha(ctx, a.Ticket, clientIP)
	if err != nil {
		return err
	}
	if !passed {
		return apierr.Invalid("captcha.ticket", "captcha_failed", "the captcha was not passed, try again")
	}
	return nil
}

// SignIn is Login behind the failed-sign-in gate: once clientIP has
// LoginFailuresBeforeCaptcha failures (a bad or used code) within the
// window, a captcha is required (CheckCaptcha's errors); each failure is
// counted under requestID.
func (s *Service) SignIn(ctx context.Context, code, clientIP, requestID string, captcha *CaptchaAnswer) (LoginResult, error) {
	key := "loginfail:" + clientIP
	n, err := s.Guard.Count(ctx, key, LoginFailureWindow, s.Wall.Now())
	if err != nil {
		return LoginResult{}, apierr.Wrap(apierr.Unavailable, err, "the service is temporarily unavailable")
	}
	if n >= LoginFailuresBeforeCaptcha {
		if err := s.CheckCaptcha(ctx, captcha, clientIP); err != nil {
			return LoginResult{}, err
		}
	}
	res, err := s.Login(ctx, code, clientIP)
	if apierr.CodeOf(err) == apierr.InvalidArgument {
		// Recorded up to far past the threshold; the window ages them out.
		if _, werr := s.Guard.Allow(ctx, key, 100*LoginFailuresBeforeCaptcha, LoginFailureWindow, s.Wall.Now(),
			requestID+":"+strconv.Itoa(n)); werr != nil {
			return res, apierr.Wrap(apierr.Unavailable, werr, "the service is temporarily unavailable")
		}
	}
	return res, err
}
