// Package kyc holds the rules of onboarding (用户认证): real-name identity
// (two-factor), operator three-factor, bank card four-factor, face liveness
// matched to the verified identity (人证合一), and the consents that gate
// each step. Verification is behind Verifier (Tencent Cloud FaceID in
// production); outcomes such as a mismatch are values, not errors.
package kyc

import "context"

// Outcome of a factor check.
type Outcome string

// Outcomes a provider reports.
const (
	Match    Outcome = "match"
	Mismatch Outcome = "mismatch"
	NoRecord Outcome = "no_record" // the authority has no such identity
	Invalid  Outcome = "invalid"   // the authority refused the input as malformed
)

// Check is one provider answer, kept for audit.
type Check struct {
	Outcome      Outcome
	ProviderCode string // the provider's own result code
	RequestID    string // the provider's request id
}

// Liveness is a started face-liveness session.
type Liveness struct {
	BizToken string
	URL      string
}

// LivenessCheck is the state of a liveness session.
type LivenessCheck struct {
	Done         bool   // the borrower finished (pass or fail)
	Passed       bool   // live person and the face matches the ID photo
	IDNumber     string // the identity the session was bound to
	ProviderCode string
	RequestID    string
}

// Verifier checks identities with the authority (FaceID). Errors are
// *apierr.Error unavailable for provider failures and timeouts: the
// borrower may retry and nothing is recorded as verified.
type Verifier interface {
	VerifyIdentity(ctx context.Context, name, idNumber string) (Check, error)
	VerifyPhone(ctx context.Context, name, idNumber, phone string) (Check, error)
	VerifyBankCard(ctx context.Context, name, idNumber, phone, card string) (Check, error)
	StartLiveness(ctx context.Context, name, idNumber, redirectURL string) (Liveness, error)
	LivenessResult(ctx context.Context, bizToken string) (LivenessCheck, error)
}
