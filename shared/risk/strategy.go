package risk

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/wxlend/wxlend/shared/money"
)

// Strategy is one arm of champion/challenger: a rule set version (of the
// rule set named after the strategy), a scorecard version and a limit
// policy.
type Strategy struct {
	Name           string      `json:"name"`
	RuleSetVersion int         `json:"rule_set_version"`
	ModelVersion   int         `json:"model_version"`
	Limits         LimitPolicy `json:"limits"`
}

// LimitPolicy maps a score to a band, and a band to a credit limit and a
// nominal annual rate.
type LimitPolicy struct {
	// Bands in ascending MinScore. Bands[0] is the catch-all worst band: it
	// declines, and its MinScore must be 0 (it takes every score below
	// Bands[1].MinScore). Every other band approves.
	Bands []Band      `json:"bands"`
	Raise RaisePolicy `json:"raise"` // MaxLimitFen is filled per band by RaisePolicyFor
}

// Band is a score band.
type Band struct {
	Name     string  `json:"name"`
	MinScore float64 `json:"min_score"`
	Approve  bool    `json:"approve"`
	// LimitFen is the first credit limit; MaxLimitFen what raises may reach.
	LimitFen    money.Fen `json:"limit_fen"`
	MaxLimitFen money.Fen `json:"max_limit_fen"`
	// RateBP is the band's nominal annual rate before clamping into the
	// product range and under the cap.
	RateBP money.BP `json:"rate_bp"`
}

// Limit bounds.
const (
	// The lowest approving band starts between 500 and 2000 CNY (spec 3.2:
	// low scores start small and grow with on-time repayment).
	MinFirstLimitFen money.Fen = 500_00
	MaxFirstLimitFen money.Fen = 2000_00
	// MaxAnyLimitFen: no band grants more than 200,000 CNY, well inside
	// consumer micro-credit.
	MaxAnyLimitFen money.Fen = 200_000_00
	maxBands                 = 32
	maxRateBP      money.BP  = 3600
)

// Validate checks a limit policy (errors wrap ErrInvalidStrategy): 2..32
// bands with distinct names, ascending MinScore, Bands[0] declining with
// MinScore 0, the others approving; approving limits strictly rising with
// score, the first in [500, 2000] CNY; MaxLimitFen ≥ LimitFen and ≤ 200,000
// CNY; rates 1..3600 bp, never rising with score; a valid raise policy.
func (p LimitPolicy) Validate() error {
	n := len(p.Bands)
	if n < 2 || n > maxBands {
		return strategyErr("a limit policy has 2..%d bands, got %d", maxBands, n)
	}
	if p.Bands[0].Approve || p.Bands[0].MinScore != 0 {
		return strategyErr("bands[0] is the catch-all decline band: approve false, min_score 0")
	}
	names := map[string]bool{}
	for i, b := range p.Bands {
		if b.Name == "" || len(b.Name) > 16 || names[b.Name] {
			return strategyErr("band %d: names are 1-16 bytes and distinct", i)
		}
		names[b.Name] = true
		if !finite(b.MinScore) || (i > 0 && !(b.MinScore > p.Bands[i-1].MinScore)) {
			return strategyErr("band %s: min_score must be finite and ascending", b.Name)
		}
		if i == 0 {
			continue
		}
		if !b.Approve {
			return strategyErr("band %s: only bands[0] declines", b.Name)
		}
		if b.LimitFen <= 0 || b.MaxLimitFen < b.LimitFen || b.MaxLimitFen > MaxAnyLimitFen {
			return strategyErr("band %s: need 0 < limit_fen ≤ max_limit_fen ≤ %d", b.Name, MaxAnyLimitFen)
		}
		if b.RateBP <= 0 || b.RateBP > maxRateBP {
			return strategyErr("band %s: rate_bp must be 1..%d", b.Name, maxRateBP)
		}
		if i == 1 {
			if b.LimitFen < MinFirstLimitFen || b.LimitFen > MaxFirstLimitFen {
				return strategyErr("band %s: the lowest approving band starts between %s and %s CNY", b.Name, MinFirstLimitFen, MaxFirstLimitFen)
			}
			continue
		}
		prev := p.Bands[i-1]
		if b.LimitFen <= prev.LimitFen || b.MaxLimitFen < prev.MaxLimitFen {
			return strategyErr("band %s: limits must rise with score", b.Name)
		}
		if b.RateBP > prev.RateBP {
			return strategyErr("band %s: the rate must not rise with score", b.Name)
		}
	}
	return p.Raise.validate(false)
}

// BandFor returns the band of a score: the last band whose MinScore ≤
// score, or Bands[0].
func (p LimitPolicy) BandFor(score float64) Band {
	for i := len(p.Bands) - 1; i > 0; i-- {
		if score >= p.Bands[i].MinScore {
			return p.Bands[i]
		}
	}
	return p.Bands[0]
}

// RaisePolicyFor returns the raise policy of a band (MaxLimitFen set to
// the band's), for the repayment side. ok is false for an unknown or
// declining band.
func (p LimitPolicy) RaisePolicyFor(band string) (rp RaisePolicy, ok bool) {
	for _, b := range p.Bands {
		if b.Name == band && b.Approve {
			rp = p.Raise
			rp.MaxLimitFen = b.MaxLimitFen
			return rp, true
		}
	}
	return RaisePolicy{}, false
}

// RaisePolicy is the limit-raise (提额) rule.
type RaisePolicy struct {
	// EveryInstallments on-time installments in a row earn one raise.
	EveryInstallments int `json:"every_installments"`
	// StepBP is the raise: 2000 = +20%.
	StepBP money.BP `json:"step_bp"`
	// RoundFen: a raised limit is rounded down to a multiple of it (e.g.
	// 100 CNY), so a limit never rises by more than StepBP.
	RoundFen money.Fen `json:"round_fen"`
	// MaxLimitFen caps raises (the band's max; see RaisePolicyFor).
	MaxLimitFen money.Fen `json:"max_limit_fen,omitempty"`
}

func (r RaisePolicy) validate(needMax bool) error {
	if r.EveryInstallments < 1 || r.EveryInstallments > 36 {
		return strategyErr("raise: every_installments must be 1..36")
	}
	if r.StepBP < 1 || r.StepBP > 10000 {
		return strategyErr("raise: step_bp must be 1..10000")
	}
	if r.RoundFen < 1 || r.RoundFen > 1000_00 {
		return strategyErr("raise: round_fen must be 1..100000")
	}
	if needMax && (r.MaxLimitFen < 1 || r.MaxLimitFen > MaxAnyLimitFen) {
		return strategyErr("raise: max_limit_fen must be 1..%d", MaxAnyLimitFen)
	}
	return nil
}

// LimitRaise applies the raise policy after repayments. onTimeInstallments
// counts the installments paid on time in a row since the limit last
// changed (the caller resets it after a raise); maxDPD is the worst days
// past due over the same installments. With at least EveryInstallments of
// them and no day past due, the limit grows by StepBP — current ×
// (10000 + StepBP) / 10000 rounded half-up to the fen, then down to a
// multiple of RoundFen — and is capped at MaxLimitFen. One call raises at
// most one step. raised is false (and newLimit == current) when nothing
// changes, including for an invalid policy or a non-positive limit.
func LimitRaise(current money.Fen, onTimeInstallments int, maxDPD int, policy RaisePolicy) (newLimit money.Fen, raised bool) {
	if policy.validate(true) != nil || current <= 0 || maxDPD != 0 ||
		onTimeInstallments < policy.EveryInstallments || current >= policy.MaxLimitFen {
		return current, false
	}
	next, err := money.MulDiv(current, int64(10000+policy.StepBP), 10000)
	if err != nil {
		return current, false
	}
	next -= next % policy.RoundFen
	if next > policy.MaxLimitFen {
		next = policy.MaxLimitFen
	}
	if next <= current {
		return current, false
	}
	return next, true
}

// Split is a champion/challenger traffic split. A user's bucket is
// SplitBucket(Salt, userID) in [0, 10000); arms take consecutive bucket
// ranges in their listed order, each WeightBP wide (weights sum to 10000).
// The same user always gets the same arm while Salt and the weights stay;
// change Salt to reshuffle everyone.
type Split struct {
	Salt string      `json:"salt"`
	Arms []ArmWeight `json:"arms"`
}

// ArmWeight is a strategy's share of traffic in basis points of users.
type ArmWeight struct {
	Strategy string `json:"strategy"`
	WeightBP int    `json:"weight_bp"`
}

// SplitBuckets is the number of buckets.
const SplitBuckets = 10000

// SplitBucket is the first 8 bytes of SHA-256("<salt>:<userID>"), read as
// a big-endian unsigned integer, modulo 10000. Reproducible in SQL:
// CONV(LEFT(SHA2(CONCAT(salt, ':', user_id), 256), 16), 16, 10) % 10000.
func SplitBucket(salt, userID string) int {
	sum := sha256.Sum256([]byte(salt + ":" + userID))
	return int(binary.BigEndian.Uint64(sum[:8]) % SplitBuckets)
}

// Validate: a salt of 1..64 bytes without ':' (the separator), 1..16 arms with distinct valid names,
// positive weights summing to 10000 (ErrInvalidStrategy).
func (s Split) Validate() error {
	if s.Salt == "" || len(s.Salt) > 64 || strings.Contains(s.Salt, ":") {
		return strategyErr("split: salt must be 1..64 bytes without ':'")
	}
	if len(s.Arms) == 0 || len(s.Arms) > 16 {
		return strategyErr("split: 1..16 arms")
	}
	sum, seen := 0, map[string]bool{}
	for _, a := range s.Arms {
		if !validIdent(a.Strategy) || seen[a.Strategy] || a.WeightBP <= 0 || a.WeightBP > SplitBuckets {
			return strategyErr("split: arm %q: distinct strategy names, weight_bp 1..10000", a.Strategy)
		}
		seen[a.Strategy] = true
		sum += a.WeightBP
	}
	if sum != SplitBuckets {
		return strategyErr("split: weights sum to %d, not %d", sum, SplitBuckets)
	}
	return nil
}

// Choose returns the user's arm and bucket. It assumes Validate passed;
// with weights short of 10000 the remaining buckets go to the last arm.
func (s Split) Choose(userID string) (strategy string, bucket int) {
	bucket = SplitBucket(s.Salt, userID)
	acc := 0
	for _, a := range s.Arms {
		acc += a.WeightBP
		if bucket < acc {
			return a.Strategy, bucket
		}
	}
	if len(s.Arms) == 0 {
		return "", bucket
	}
	return s.Arms[len(s.Arms)-1].Strategy, bucket
}

// clampRate puts a band rate into [min, min(max, cap)].
func clampRate(rate, minBP, maxBP, capBP money.BP) money.BP {
	return max(minBP, min(rate, maxBP, capBP))
}
