package staff

import (
	"crypto/subtle"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP is RFC 6238 as authenticator apps speak it: SHA-1, 6 digits, 30 s
// steps; a code of the step before or after is accepted (clock drift).
const (
	TOTPPeriod = 30
	TOTPSkew   = 1
)

// TOTPResult is why a code was refused, or TOTPOK.
type TOTPResult int

// Results of CheckTOTP.
const (
	TOTPOK TOTPResult = iota
	TOTPWrong
	TOTPReplayed // right code, but its step is at or before the last one accepted
)

// Step is the RFC 6238 time step T of t.
func Step(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// CheckTOTP checks code against secret (base32) at now. lastStep is the
// last step accepted for this account: the library keeps no state, so the
// replay rule is here, and a code is accepted at most once (RFC 6238 §5.2).
// On TOTPOK, step is the step to store as the new last one.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, res TOTPResult) {
	if len(code) != 6 {
		return 0, TOTPWrong
	}
	res = TOTPWrong
	for skew := int64(-TOTPSkew); skew <= TOTPSkew; skew++ {
		s := Step(now) + skew
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), totp.ValidateOpts{Period: TOTPPeriod,
			Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s <= lastStep {
			res = TOTPReplayed
			continue
		}
		return s, TOTPOK
	}
	return 0, res
}

// TOTPCode is the code of secret at t (fixtures and tests: what the
// authenticator app shows).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// NewTOTPSecret is a fresh 20-byte secret (base32) and its otpauth:// URL
// for the authenticator app.
func NewTOTPSecret(issuer, account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}
