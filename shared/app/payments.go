package app

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// PaymentsConfig is what the functions that move money read besides
// Config: the WeChat Pay merchant accounts and the disbursement settings.
// README lists the variables; LoadPayments names every missing or bad one.
type PaymentsConfig struct {
	// Merchants are the WeChat Pay accounts, WXPAY_* then WXPAY_2_*, ...:
	// the first takes repayments and refunds; all pay disbursements, in
	// this order of preference.
	Merchants    []wxpay.Config
	PartLimitFen money.Fen // DISBURSE_PART_LIMIT_FEN: a larger disbursement is split
	SceneID      string    // WXPAY_TRANSFER_SCENE_ID
}

// DefaultTransferSceneID is the transfer scene used when none is
// configured. UNCONFIRMED: no loan-payout scene is documented; confirm
// with WeChat Pay.
const DefaultTransferSceneID = "1000"

// Bounds of the payments settings.
const (
	MinPartLimitFen money.Fen = 10
	// MaxWxPayTimeout is the ceiling of WXPAY_HTTP_TIMEOUT_MS: the
	// transfer sweeper must wait out a claimed query plus a create, so a
	// call must take under half its age (payments tests the two agree).
	MaxWxPayTimeout = 25 * time.Second
	MinWxPayTimeout = 100 * time.Millisecond
)

var sceneIDFormat = regexp.MustCompile(`^[0-9]{1,10}$`)

// wxpayRequired are the variables every merchant account sets itself.
var wxpayRequired = []string{wxpay.EnvMchID, wxpay.EnvCertSerial, wxpay.EnvPrivateKey, wxpay.EnvPublicKeyID, wxpay.EnvPublicKey,
	wxpay.EnvAPIv3Key}

// LoadPayments reads the payments settings through getenv (os.Getenv in
// mains): the bounded numbers and the scene here, the merchant accounts
// with wxpay.ConfigsFromEnv once every variable it needs is present.
func LoadPayments(getenv func(string) string) (PaymentsConfig, error) {
	e := &env{get: getenv}
	c := PaymentsConfig{
		PartLimitFen: money.Fen(e.int("DISBURSE_PART_LIMIT_FEN", int(disbursement.MaxPartFen), int(MinPartLimitFen), int(disbursement.MaxPartFen))),
		SceneID:      e.str("WXPAY_TRANSFER_SCENE_ID", DefaultTransferSceneID, false),
	}
	if !sceneIDFormat.MatchString(c.SceneID) {
		e.errs = append(e.errs, fmt.Errorf("WXPAY_TRANSFER_SCENE_ID must be 1 to 10 digits, got %q", c.SceneID))
	}
	for _, name := range append(wxpayRequired, wxpay.EnvNotifyBase) {
		e.str(name, "", true)
	}
	prod := e.oneOf("WXLEND_ENV", "prod", "dev", "test", "prod") == "prod"
	for n := 1; n <= wxpay.MaxRoutes; n++ {
		name := func(v string) string { return v }
		if n > 1 {
			if getenv(wxpay.RouteEnv(wxpay.EnvMchID, n)) == "" {
				break
			}
			name = func(v string) string { return wxpay.RouteEnv(v, n) }
		}
		e.int(name(wxpay.EnvHTTPTimeoutMS), 0, int(MinWxPayTimeout/time.Millisecond), int(MaxWxPayTimeout/time.Millisecond))
		for _, v := range append(wxpayRequired, wxpay.EnvAppID) {
			e.str(name(v), "", false) // seen, for refuseDevValues
		}
		for _, v := range []string{wxpay.EnvBaseURL, wxpay.EnvNotifyBase} {
			if prod && strings.HasPrefix(getenv(name(v)), "http://") {
				e.errs = append(e.errs, fmt.Errorf("%s: plain HTTP is allowed only with WXLEND_ENV=dev or test", name(v)))
			}
		}
	}
	if prod {
		e.refuseDevValues()
	}
	if len(e.errs) == 0 {
		var err error
		if c.Merchants, err = wxpay.ConfigsFromEnv(getenv); err != nil {
			e.errs = append(e.errs, err)
		}
	}
	return c, errors.Join(e.errs...)
}

// MustLoadPayments is MustLoad's second step in the functions that move
// money: a missing or bad payments setting stops the cold start, named.
func MustLoadPayments(a *App) PaymentsConfig {
	c, err := LoadPayments(os.Getenv)
	if err != nil {
		Fail(a.Log, "configuration", err)
	}
	return c
}
