package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"

	"github.com/wxlend/wxlend/shared/risk/feature"
)

// Model is one immutable version of a scorecard.
//
// Score = BasePoints + Σ points of the bin each characteristic's feature
// falls in (the Missing bin when the feature is absent).
//
// Probability of default, the standard points-to-double-odds scaling:
//
//	Factor = PDO / ln 2
//	Offset = BaseScore − Factor · ln(BaseOdds)
//	odds   = exp((Score − Offset) / Factor)      good:bad
//	PD     = 1 / (1 + odds)                      in [0, 1]
//
// so a score of BaseScore has odds BaseOdds, and every PDO points double
// the odds. Example (the default model): BaseScore 600, BaseOdds 50,
// PDO 20 give Factor 28.8539, Offset 487.1229; score 600 → PD 1/51 ≈
// 0.0196, score 580 → odds 25, PD 1/26 ≈ 0.0385. Scores and PDs are
// float64: they are statistics, not money.
type Model struct {
	Version    int     `json:"version"`
	BaseScore  float64 `json:"base_score"`
	BaseOdds   float64 `json:"base_odds"`
	PDO        float64 `json:"pdo"`
	BasePoints float64 `json:"base_points"`
	// ReasonCount is k, the number of adverse reasons reported (1..8).
	ReasonCount     int              `json:"reason_count"`
	Characteristics []Characteristic `json:"characteristics"`
}

// Characteristic is one feature's bins.
type Characteristic struct {
	Feature string `json:"feature"`
	// ReasonCode explains a low value of this feature; a bin may override
	// it. It is never given for an absent feature: that one's reason is
	// the Missing bin's.
	ReasonCode string `json:"reason_code"`
	// Bins cover the whole line: [Lower, Upper), the first with no Lower,
	// the last with no Upper, each Upper equal to the next Lower. Bool
	// features bin as 0/1.
	Bins []Bin `json:"bins"`
	// Missing is the bin of an absent feature (Lower/Upper unset). Its
	// reason code, if set, is one that says only that information is
	// lacking (S103, S108); unset, it is ReasonMissingData.
	Missing Bin `json:"missing"`
}

// Bin is one interval of a characteristic. WOE (weight of evidence) is
// recorded for audit; Points is what the score adds.
type Bin struct {
	Lower      *float64 `json:"lower,omitempty"`
	Upper      *float64 `json:"upper,omitempty"`
	WOE        float64  `json:"woe"`
	Points     float64  `json:"points"`
	ReasonCode string   `json:"reason_code,omitempty"`
}

// Digest is the hex SHA-256 of the model's JSON.
func (m Model) Digest() string {
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Model bounds.
const (
	maxCharacteristics = 64
	maxBins            = 32
	maxAbsPoints       = 10_000
)

// CompiledModel is a validated scorecard; immutable, safe for concurrent use.
type CompiledModel struct {
	m      Model
	digest string
	refs   []feature.Ref // each characteristic's feature
	max    []float64     // best points of each characteristic's bins (the missing bin aside)
	factor float64
	offset float64
}

// Version and Digest identify the model.
func (c *CompiledModel) Version() int   { return c.m.Version }
func (c *CompiledModel) Digest() string { return c.digest }

// CompileModel validates a scorecard (errors wrap ErrInvalidModel): a
// positive version; finite BaseScore, BasePoints; BaseOdds and PDO > 0;
// ReasonCount 1..8; 1..64 characteristics on distinct int, float or bool
// catalogue features; registered reason codes; 1..32 contiguous bins
// covering the line; finite WOE and points within ±10000; a missing bin
// whose reason code is not a missing-data reason, or ReasonMissingData on
// a characteristic or a bin of known values (either would tell the
// borrower something untrue).
func CompileModel(m Model) (*CompiledModel, error) {
	if m.Version < 1 || m.Version > 1_000_000_000 {
		return nil, modelErr("version must be 1..1000000000, got %d", m.Version)
	}
	if !finite(m.BaseScore) || !finite(m.BasePoints) || !finite(m.BaseOdds) || !finite(m.PDO) ||
		m.BaseOdds <= 0 || m.PDO <= 0 || math.Abs(m.BasePoints) > maxAbsPoints*maxCharacteristics {
		return nil, modelErr("base score, base points must be finite and base odds, PDO positive")
	}
	if m.ReasonCount < 1 || m.ReasonCount > 8 {
		return nil, modelErr("reason_count must be 1..8, got %d", m.ReasonCount)
	}
	if len(m.Characteristics) == 0 || len(m.Characteristics) > maxCharacteristics {
		return nil, modelErr("a model has 1..%d characteristics, got %d", maxCharacteristics, len(m.Characteristics))
	}
	c := &CompiledModel{m: m, digest: m.Digest()}
	c.factor = m.PDO / math.Ln2
	c.offset = m.BaseScore - c.factor*math.Log(m.BaseOdds)
	seen := map[string]bool{}
	for _, ch := range m.Characteristics {
		ref, ok := feature.Resolve(ch.Feature)
		if !ok {
			return nil, modelErr("unknown feature %q", ch.Feature)
		}
		if ref.Type() == TypeString {
			return nil, modelErr("%s: string features cannot be binned", ch.Feature)
		}
		if seen[ch.Feature] {
			return nil, modelErr("%s: feature used twice", ch.Feature)
		}
		seen[ch.Feature] = true
		best, err := checkCharacteristic(ch)
		if err != nil {
			return nil, err
		}
		c.refs = append(c.refs, ref)
		c.max = append(c.max, best)
	}
	c.m.Characteristics = append([]Characteristic(nil), m.Characteristics...)
	return c, nil
}

func checkCharacteristic(ch Characteristic) (best float64, err error) {
	if _, ok := reasonRegistry[ch.ReasonCode]; !ok {
		return 0, modelErr("%s: reason code %q is not registered", ch.Feature, ch.ReasonCode)
	}
	if ch.ReasonCode == ReasonMissingData {
		return 0, modelErr("%s: reason code %s is for absent features only", ch.Feature, ReasonMissingData)
	}
	if c := ch.Missing.ReasonCode; c != "" && !missingDataReasons[c] {
		return 0, modelErr("%s: the missing bin's reason %q must say that information is lacking (S103, %s)", ch.Feature, c, ReasonMissingData)
	}
	n := len(ch.Bins)
	if n == 0 || n > maxBins {
		return 0, modelErr("%s: 1..%d bins, got %d", ch.Feature, maxBins, n)
	}
	if ch.Bins[0].Lower != nil || ch.Bins[n-1].Upper != nil {
		return 0, modelErr("%s: the first bin has no lower bound and the last no upper bound", ch.Feature)
	}
	if ch.Missing.Lower != nil || ch.Missing.Upper != nil {
		return 0, modelErr("%s: the missing bin has no bounds", ch.Feature)
	}
	all := append([]Bin{ch.Missing}, ch.Bins...)
	best = math.Inf(-1)
	for k, b := range all {
		if !finite(b.WOE) || !finite(b.Points) || math.Abs(b.Points) > maxAbsPoints {
			return 0, modelErr("%s: bin %d: WOE and points must be finite, |points| ≤ %d", ch.Feature, k, maxAbsPoints)
		}
		if b.ReasonCode != "" {
			if _, ok := reasonRegistry[b.ReasonCode]; !ok {
				return 0, modelErr("%s: bin %d: reason code %q is not registered", ch.Feature, k, b.ReasonCode)
			}
		}
		if k == 0 {
			continue
		}
		if b.ReasonCode == ReasonMissingData {
			return 0, modelErr("%s: bin %d: reason code %s is for absent features only", ch.Feature, k, ReasonMissingData)
		}
		best = math.Max(best, b.Points)
	}
	for k := 0; k < n-1; k++ {
		u, l := ch.Bins[k].Upper, ch.Bins[k+1].Lower
		if u == nil || l == nil || *u != *l || !finite(*u) {
			return 0, modelErr("%s: bin %d's upper bound must equal bin %d's lower bound", ch.Feature, k, k+1)
		}
		if ch.Bins[k].Lower != nil && !(*ch.Bins[k].Lower < *u) {
			return 0, modelErr("%s: bin %d is empty or reversed", ch.Feature, k)
		}
	}
	return best, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Contribution is one characteristic's part of a score. Bin is the index
// in Bins, or -1 for the missing bin. MaxPoints is the best of Bins.
type Contribution struct {
	Feature    string  `json:"feature"`
	Bin        int     `json:"bin"`
	Points     float64 `json:"points"`
	MaxPoints  float64 `json:"max_points"`
	ReasonCode string  `json:"reason_code"`
}

// ScoreResult is a scored feature vector.
type ScoreResult struct {
	Score         float64        `json:"score"`
	PD            float64        `json:"pd"`
	Contributions []Contribution `json:"contributions"`
	// Reasons are the reason codes of the k largest shortfalls (max points
	// of the characteristic − points earned), largest first, distinct,
	// shortfalls of zero or less excluded: the standard adverse-action
	// method. An absent feature's shortfall is explained by a missing-data
	// reason, never by the feature's own.
	Reasons []string `json:"reasons"`
}

// Score scores f.
func (c *CompiledModel) Score(f *Features) ScoreResult {
	r := ScoreResult{Score: c.m.BasePoints, Contributions: make([]Contribution, len(c.refs))}
	for k, ref := range c.refs {
		ch := &c.m.Characteristics[k]
		bin, b, code := -1, ch.Missing, ReasonMissingData
		if v, ok := f.Numeric(ref); ok {
			bin = findBin(ch.Bins, v)
			b, code = ch.Bins[bin], ch.ReasonCode
		}
		if b.ReasonCode != "" {
			code = b.ReasonCode
		}
		r.Contributions[k] = Contribution{Feature: ch.Feature, Bin: bin, Points: b.Points, MaxPoints: c.max[k], ReasonCode: code}
		r.Score += b.Points
	}
	r.PD = c.PD(r.Score)
	r.Reasons = adverseReasons(r.Contributions, c.m.ReasonCount)
	return r
}

// PD maps a score to a probability of default (see Model).
func (c *CompiledModel) PD(score float64) float64 {
	odds := math.Exp((score - c.offset) / c.factor)
	pd := 1 / (1 + odds)
	if math.IsNaN(pd) {
		return 1
	}
	return pd
}

func findBin(bins []Bin, v float64) int {
	for k := 0; k < len(bins)-1; k++ {
		if v < *bins[k].Upper {
			return k
		}
	}
	return len(bins) - 1
}

func adverseReasons(cs []Contribution, k int) []string {
	order := make([]int, 0, len(cs))
	for i, c := range cs {
		if c.MaxPoints-c.Points > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return cs[order[a]].MaxPoints-cs[order[a]].Points > cs[order[b]].MaxPoints-cs[order[b]].Points
	})
	var out []string
	seen := map[string]bool{}
	for _, i := range order {
		if len(out) == k {
			break
		}
		if code := cs[i].ReasonCode; !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	return out
}
