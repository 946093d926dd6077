// Package risktest holds a deterministic fake of risk.DataProvider and
// feature fixtures for tests of the risk pipeline.
//
// The fake answers from the last hex digit of the ID hash:
//
//	'0'  third-party blacklist hit
//	'1'  court enforcement record
//	'2'  12 loan applications across platforms in 3 months (多头借贷)
//	'3'  no third-party score (thin file)
//	'e'  every call fails with risk.ErrProviderUnavailable
//	else clean: apps in 3 months = digit mod 3, score = 600 + 10 × digit
//
// so a test picks an outcome with IDHash("...", '2').
package risktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/wxlend/wxlend/shared/risk"
)

// Provider is the fake; the zero value is ready and safe for concurrent use.
type Provider struct{}

var _ risk.DataProvider = Provider{}

func lastDigit(ctx context.Context, idHash string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !risk.ValidIDHash(idHash) {
		return 0, fmt.Errorf("risktest: invalid id hash %q", idHash)
	}
	c := idHash[63]
	if c == 'e' {
		return 0, fmt.Errorf("risktest: %w", risk.ErrProviderUnavailable)
	}
	if c <= '9' {
		return int(c - '0'), nil
	}
	return int(c-'a') + 10, nil
}

// Blacklist: '0' blacklisted, '1' court enforcement.
func (Provider) Blacklist(ctx context.Context, idHash string) (risk.BlacklistResult, error) {
	d, err := lastDigit(ctx, idHash)
	return risk.BlacklistResult{Hit: d == 0, CourtEnforcement: d == 1}, err
}

// MultiLending: '2' has 12 applications in 3 months.
func (Provider) MultiLending(ctx context.Context, idHash string) (risk.MultiLendingResult, error) {
	d, err := lastDigit(ctx, idHash)
	if err != nil {
		return risk.MultiLendingResult{}, err
	}
	apps := d % 3
	if d == 2 {
		apps = 12
	}
	return risk.MultiLendingResult{Apps7d: apps / 4, Apps1m: apps / 2, Apps3m: apps, Apps6m: apps, Orgs3m: apps, LoansOpen: apps / 3}, nil
}

// ThirdPartyScore: '3' has none; else 600 + 10 × digit.
func (Provider) ThirdPartyScore(ctx context.Context, idHash string) (risk.ThirdPartyScoreResult, error) {
	d, err := lastDigit(ctx, idHash)
	if err != nil || d == 3 {
		return risk.ThirdPartyScoreResult{}, err
	}
	return risk.ThirdPartyScoreResult{Available: true, Score: 600 + 10*d}, nil
}

// IDHash makes a valid ID hash from seed whose last hex digit is last.
func IDHash(seed string, last byte) string {
	sum := sha256.Sum256([]byte(seed))
	h := []byte(hex.EncodeToString(sum[:]))
	h[63] = last
	return string(h)
}

// GoodApplicant returns the features of a verified adult with a clean
// record, a long-standing phone number and a good third-party score: the
// default plan approves it (band B).
func GoodApplicant() *risk.Features {
	f := risk.NewFeatures()
	for name, v := range map[string]any{
		"age": 30, "is_student": false, "identity_verified": true, "liveness_verified": true,
		"blacklist_internal": false, "blacklist_thirdparty": false, "court_enforcement": false,
		"multi_platform_apps_3m": 1, "operator_tenure_months": 48, "thirdparty_score": 720,
		"bureau_inquiries_3m": 1, "device_emulator": false, "device_rooted": false, "device_hooked": false,
		"ip_velocity_1h": 1, "device_velocity_1h": 1, "accounts_per_device": 1,
		"declared_city": "上海", "ip_city": "上海",
	} {
		if err := f.Set(name, v); err != nil {
			panic(err)
		}
	}
	return f
}
