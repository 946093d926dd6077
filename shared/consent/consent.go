// Package consent is the agreement registry and the rules of consent
// (授权记录): which agreement versions exist, which of them each step of
// onboarding and lending requires, and the record a borrower's acceptance
// leaves (who, what text by hash, when, from where). PIPL asks for separate
// consent to sensitive data (biometrics, financial accounts) and to credit
// queries, so each has its own agreement.
package consent

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed agreements/*.md
var texts embed.FS

// Agreement codes.
const (
	PrivacyPolicy        = "privacy_policy"
	IdentityVerification = "identity_verification"
	BiometricProcessing  = "biometric_processing"
	FinancialAccount     = "financial_account"
	CreditQuery          = "credit_query_authorization"
)

// Agreement is one published version of an agreement text. Published texts
// never change: a change is a new version.
type Agreement struct {
	Code    string
	Version int
	Title   string
	SHA256  string // hex of the UTF-8 text
	Text    string
}

// Registry lists every embedded agreement version, by code then version.
func Registry() []Agreement { return registry() }

var registry = sync.OnceValue(loadRegistry)

func loadRegistry() []Agreement {
	entries, _ := texts.ReadDir("agreements")
	var out []Agreement
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".md")
		code, v, ok := strings.Cut(name, "-v")
		version, err := strconv.Atoi(v)
		if !ok || err != nil {
			panic("consent: agreement file name must be <code>-v<N>.md: " + e.Name())
		}
		b, _ := texts.ReadFile("agreements/" + e.Name())
		sum := sha256.Sum256(b)
		title, _, _ := strings.Cut(string(b), "\n")
		out = append(out, Agreement{Code: code, Version: version, Title: strings.TrimPrefix(title, "# "),
			SHA256: hex.EncodeToString(sum[:]), Text: string(b)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Code != out[j].Code {
			return out[i].Code < out[j].Code
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// Current is the newest version of code.
func Current(code string) (Agreement, bool) {
	var cur Agreement
	for _, a := range Registry() {
		if a.Code == code && a.Version > cur.Version {
			cur = a
		}
	}
	return cur, cur.Code != ""
}

// Step is something a borrower does that needs consents first.
type Step string

// Steps gated by consents.
const (
	StepPhone    Step = "phone"
	StepIdentity Step = "identity"
	StepLiveness Step = "liveness"
	StepBankCard Step = "bank_card"
	StepCredit   Step = "credit"
)

// Required lists the agreements (current versions) each step needs.
var Required = map[Step][]string{
	StepPhone:    {PrivacyPolicy},
	StepIdentity: {PrivacyPolicy, IdentityVerification},
	StepLiveness: {PrivacyPolicy, IdentityVerification, BiometricProcessing},
	StepBankCard: {PrivacyPolicy, IdentityVerification, FinancialAccount},
	StepCredit:   {PrivacyPolicy, IdentityVerification, CreditQuery},
}

// Record is one acceptance.
type Record struct {
	ID         int64
	UserID     int64
	Code       string
	Version    int
	SHA256     string
	AcceptedAt time.Time
	ClientIP   string
	UserAgent  string
	RequestID  string
}

// Store keeps acceptance records.
type Store interface {
	// Accept stores r, or returns the earlier record of the same user,
	// code and version (accepting twice is one consent).
	Accept(ctx context.Context, r Record) (Record, error)
	// Accepted lists the code@version pairs userID has accepted.
	Accepted(ctx context.Context, userID int64) (map[string]bool, error)
}

// Key is how Accepted names an agreement version.
func Key(code string, version int) string { return code + "@" + strconv.Itoa(version) }

// Missing lists the agreements of step that userID has not accepted in
// their current version.
func Missing(accepted map[string]bool, step Step) []string {
	var miss []string
	for _, code := range Required[step] {
		a, ok := Current(code)
		if !ok {
			panic(fmt.Sprintf("consent: step %s requires unknown agreement %s", step, code))
		}
		if !accepted[Key(code, a.Version)] {
			miss = append(miss, code)
		}
	}
	return miss
}
