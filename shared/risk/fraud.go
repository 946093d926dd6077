package risk

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
)

// DeviceSignals are what the mini-program's device SDK reports. The
// fingerprint keys the Redis velocity windows and the device blacklist;
// the flags become features.
type DeviceSignals struct {
	FingerprintID string `json:"fingerprint_id"`
	Emulator      bool   `json:"emulator"`
	Rooted        bool   `json:"rooted"`
	Hooked        bool   `json:"hooked"`
	Debugger      bool   `json:"debugger"`
	AppClone      bool   `json:"app_clone"`
	VPN           bool   `json:"vpn"`
}

// Validate checks the fingerprint: 16..128 of A-Z a-z 0-9 _ - (it comes
// from the client, so it is outside input; ErrInvalidInput).
func (d DeviceSignals) Validate() error {
	if len(d.FingerprintID) < 16 || len(d.FingerprintID) > 128 {
		return inputErr("device fingerprint must be 16..128 characters")
	}
	for i := 0; i < len(d.FingerprintID); i++ {
		c := d.FingerprintID[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return inputErr("device fingerprint has a character outside A-Z a-z 0-9 _ -")
		}
	}
	return nil
}

// ApplyTo sets the device_* flag features.
func (d DeviceSignals) ApplyTo(f *Features) {
	mustSet(f.SetBool("device_emulator", d.Emulator))
	mustSet(f.SetBool("device_rooted", d.Rooted))
	mustSet(f.SetBool("device_hooked", d.Hooked))
	mustSet(f.SetBool("device_debugger", d.Debugger))
	mustSet(f.SetBool("device_app_clone", d.AppClone))
	mustSet(f.SetBool("device_vpn", d.VPN))
}

// Velocity are the sliding-window counts kept in Redis by the anti-fraud
// step, including the current application.
type Velocity struct {
	IP1h              int `json:"ip_1h"`
	IP24h             int `json:"ip_24h"`
	Device1h          int `json:"device_1h"`
	Device24h         int `json:"device_24h"`
	AccountsPerDevice int `json:"accounts_per_device"`
}

// ApplyTo sets the velocity features.
func (v Velocity) ApplyTo(f *Features) {
	mustSet(f.SetInt("ip_velocity_1h", int64(v.IP1h)))
	mustSet(f.SetInt("ip_velocity_24h", int64(v.IP24h)))
	mustSet(f.SetInt("device_velocity_1h", int64(v.Device1h)))
	mustSet(f.SetInt("device_velocity_24h", int64(v.Device24h)))
	mustSet(f.SetInt("accounts_per_device", int64(v.AccountsPerDevice)))
}

// mustSet panics on an error that only a mistyped feature name in this
// package can cause; tests exercise every caller.
func mustSet(err error) {
	if err != nil {
		panic(err)
	}
}

// GeoPoint is a WGS-84 position in degrees.
type GeoPoint struct {
	LatDeg float64 `json:"lat"`
	LonDeg float64 `json:"lon"`
}

// Valid: finite, latitude in [-90, 90], longitude in [-180, 180].
func (p GeoPoint) Valid() bool {
	return finite(p.LatDeg) && finite(p.LonDeg) && math.Abs(p.LatDeg) <= 90 && math.Abs(p.LonDeg) <= 180
}

// earthRadiusKM is the mean Earth radius (IUGG).
const earthRadiusKM = 6371.0088

// HaversineKM is the great-circle distance between two points.
func HaversineKM(a, b GeoPoint) float64 {
	const rad = math.Pi / 180
	dLat := (b.LatDeg - a.LatDeg) * rad
	dLon := (b.LonDeg - a.LonDeg) * rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(a.LatDeg*rad)*math.Cos(b.LatDeg*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Impossible-travel thresholds: faster than an airliner, over more than the
// error of IP geolocation.
const (
	MaxTravelKMH = 900.0
	GeoJitterKM  = 100.0
)

// ImpossibleTravel reports whether going from prev to cur in elapsed time
// needs more than MaxTravelKMH. Distances up to GeoJitterKM never count
// (IP and cell positions are that coarse); a non-positive elapsed time
// with a longer distance does. Invalid points report false (unknown, not
// suspicious).
func ImpossibleTravel(prev, cur GeoPoint, elapsed time.Duration) bool {
	if !prev.Valid() || !cur.Valid() {
		return false
	}
	d := HaversineKM(prev, cur)
	if d <= GeoJitterKM {
		return false
	}
	if elapsed <= 0 {
		return true
	}
	return d/elapsed.Hours() > MaxTravelKMH
}

// TravelSpeedKMH is the implied speed, 0 when elapsed ≤ 0 or a point is invalid.
func TravelSpeedKMH(prev, cur GeoPoint, elapsed time.Duration) float64 {
	if !prev.Valid() || !cur.Valid() || elapsed <= 0 {
		return 0
	}
	return HaversineKM(prev, cur) / elapsed.Hours()
}

// Region is an administrative location: a declared address or the
// geolocation of an IP.
type Region struct {
	Province string `json:"province"`
	City     string `json:"city"`
}

// CityMismatch reports whether the declared region and the IP region
// disagree: cities are compared when both are known, else provinces when
// both are known; unknown is not a mismatch. Names compare after trimming,
// lower-casing and dropping administrative suffixes (市, 省, 自治区, ...),
// so 上海市 = 上海 and "Shanghai" = "shanghai".
func CityMismatch(declared, ip Region) bool {
	dc, ic := normPlace(declared.City), normPlace(ip.City)
	if dc != "" && ic != "" {
		return dc != ic
	}
	dp, ipv := normPlace(declared.Province), normPlace(ip.Province)
	if dp != "" && ipv != "" {
		return dp != ipv
	}
	return false
}

var placeSuffixes = []string{"维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "地区", "省", "市", " city", " province"}

func normPlace(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suf := range placeSuffixes {
		if t := strings.TrimSuffix(s, suf); t != s && t != "" {
			return strings.TrimSpace(t)
		}
	}
	return s
}

// DataProvider is the third-party data the risk pipeline buys: blacklist
// and court records, multi-platform lending (多头借贷) and a credit score.
// Every call takes the applicant's keyed ID hash (the PII blind index),
// never the ID number. Implementations return ErrProviderUnavailable
// (wrapped) for a temporary failure worth a retry.
type DataProvider interface {
	Blacklist(ctx context.Context, idHash string) (BlacklistResult, error)
	MultiLending(ctx context.Context, idHash string) (MultiLendingResult, error)
	ThirdPartyScore(ctx context.Context, idHash string) (ThirdPartyScoreResult, error)
}

// ErrProviderUnavailable: a data provider failed temporarily.
var ErrProviderUnavailable = errors.New("risk: data provider unavailable")

// ValidIDHash: 64 lower-case hex characters (an HMAC-SHA256).
func ValidIDHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// BlacklistResult is a third-party blacklist and court-record check.
type BlacklistResult struct {
	Hit              bool `json:"hit"`
	CourtEnforcement bool `json:"court_enforcement"`
	CourtDishonest   bool `json:"court_dishonest"`
}

// ApplyTo sets blacklist_thirdparty, court_enforcement, court_dishonest.
func (r BlacklistResult) ApplyTo(f *Features) {
	mustSet(f.SetBool("blacklist_thirdparty", r.Hit))
	mustSet(f.SetBool("court_enforcement", r.CourtEnforcement))
	mustSet(f.SetBool("court_dishonest", r.CourtDishonest))
}

// MultiLendingResult counts loan applications across platforms.
type MultiLendingResult struct {
	Apps7d    int `json:"apps_7d"`
	Apps1m    int `json:"apps_1m"`
	Apps3m    int `json:"apps_3m"`
	Apps6m    int `json:"apps_6m"`
	Orgs3m    int `json:"orgs_3m"`
	LoansOpen int `json:"loans_open"`
}

// ApplyTo sets the multi_platform_* features.
func (r MultiLendingResult) ApplyTo(f *Features) {
	mustSet(f.SetInt("multi_platform_apps_7d", int64(r.Apps7d)))
	mustSet(f.SetInt("multi_platform_apps_1m", int64(r.Apps1m)))
	mustSet(f.SetInt("multi_platform_apps_3m", int64(r.Apps3m)))
	mustSet(f.SetInt("multi_platform_apps_6m", int64(r.Apps6m)))
	mustSet(f.SetInt("multi_platform_orgs_3m", int64(r.Orgs3m)))
	mustSet(f.SetInt("multi_platform_loans_open", int64(r.LoansOpen)))
}

// ThirdPartyScoreResult is a third-party credit score; Available is false
// for a thin file (the scorecard then uses the missing bin).
type ThirdPartyScoreResult struct {
	Available bool `json:"available"`
	Score     int  `json:"score"`
}

// ApplyTo sets thirdparty_score (or leaves it missing) and bureau_thin_file.
func (r ThirdPartyScoreResult) ApplyTo(f *Features) {
	if r.Available {
		mustSet(f.SetInt("thirdparty_score", int64(r.Score)))
	} else {
		f.Unset("thirdparty_score")
	}
	mustSet(f.SetBool("bureau_thin_file", !r.Available))
}
