// Package payments orchestrates money movements through WeChat Pay:
// disbursement transfers (商家转账), their notifications and the sweep that
// finishes what a crash or a lost notification left open.
//
// Every transfer number (out_bill_no) is derived from the loan, part and
// attempt and stored before WeChat Pay is called; after an unknown outcome
// the same number is resent or queried, never replaced, so a borrower is
// never paid twice. A new number (another merchant account, or the next
// day) follows only a number WeChat Pay proved dead: refused and not found,
// or FAIL (routes.go). The loan's conditional signed→disbursing update
// decides which of any number of concurrent triggers creates the parts,
// and a claim per call (mysql.ClaimAttempt) keeps one call per number in
// flight.
package payments

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// DefaultPartLimitFen is the largest single transfer (20000.00 CNY); a
// larger disbursement is split into parts.
const DefaultPartLimitFen = disbursement.MaxPartFen

// DefaultSceneID is the transfer scene used when none is configured
// (app.DefaultTransferSceneID, unconfirmed with WeChat Pay).
const DefaultSceneID = app.DefaultTransferSceneID

// Deps is what the payment steps use.
type Deps struct {
	DB *sql.DB
	// Pay is the primary merchant account: repayments, refunds, and the
	// first disbursement route.
	Pay *wxpay.Client
	// Routes are the merchant accounts that pay disbursements, in order of
	// preference; Pay alone when empty. A route that refuses for lack of
	// balance or limits rests for RouteRest while the next one pays.
	Routes    []*wxpay.Client
	RouteRest time.Duration
	Clock     clock.Clock
	Log       *slog.Logger
	// PartLimitFen splits disbursements; DefaultPartLimitFen when zero.
	PartLimitFen money.Fen
	SceneID      string
	SceneReports []wxpay.SceneReportInfo
	Remark       string
	// NameOf returns the borrower's real name for transfers from 2000 CNY
	// (WeChat Pay checks it); nil sends no name. It must be deterministic:
	// a retry resends the same parameters.
	NameOf func(ctx context.Context, userID int64) (string, error)
}

// DefaultRouteRest is how long a merchant account that refused for lack
// of balance or limits is passed over by new disbursements.
const DefaultRouteRest = 10 * time.Minute

// FromApp builds Deps from the App and the payments settings
// (app.LoadPayments), with one WeChat Pay client per merchant account.
// Build it once per cold start.
func FromApp(a *app.App, cfg app.PaymentsConfig) (Deps, error) {
	if len(cfg.Merchants) == 0 {
		return Deps{}, errors.New("no WeChat Pay merchant account is configured")
	}
	routes := make([]*wxpay.Client, len(cfg.Merchants))
	for i, mc := range cfg.Merchants {
		var err error
		if routes[i], err = wxpay.New(context.Background(), mc); err != nil {
			return Deps{}, err
		}
	}
	d := Deps{DB: a.DB, Pay: routes[0], Routes: routes, Clock: a.Clock, Log: a.Log, PartLimitFen: cfg.PartLimitFen, SceneID: cfg.SceneID,
		NameOf: realName(a)}
	return d.withDefaults(), nil
}

// MustFromApp is FromApp for a main, reading the payments settings from
// the environment: a missing or bad one stops the cold start.
func MustFromApp(a *app.App) Deps {
	d, err := FromApp(a, app.MustLoadPayments(a))
	if err != nil {
		app.Fail(a.Log, "wxpay", err)
	}
	return d
}

func (d Deps) withDefaults() Deps {
	if d.PartLimitFen <= 0 {
		d.PartLimitFen = DefaultPartLimitFen
	}
	if len(d.Routes) == 0 && d.Pay != nil {
		d.Routes = []*wxpay.Client{d.Pay}
	}
	if d.RouteRest <= 0 {
		d.RouteRest = DefaultRouteRest
	}
	if d.SceneID == "" {
		d.SceneID = DefaultSceneID
	}
	if d.SceneReports == nil && d.SceneID == DefaultSceneID {
		d.SceneReports = []wxpay.SceneReportInfo{{InfoType: "活动名称", InfoContent: "借款发放"}, {InfoType: "奖励说明", InfoContent: "借款资金到账"}}
	}
	if d.Remark == "" {
		d.Remark = "微信信用借借款发放"
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return d
}

func (d Deps) store() mysql.Disbursements { return mysql.Disbursements{DB: d.DB} }

// route is the client of the merchant account that pays p; ErrNoRoute
// (queued for a person) when that account is no longer configured.
func (d Deps) route(ctx context.Context, p disbursement.Part) (*wxpay.Client, error) {
	for _, c := range d.Routes {
		if c.MchID() == p.MchID {
			return c, nil
		}
	}
	d.Log.Error("transfer: merchant account no longer configured; queued for review", "out_bill_no", p.OutBillNo, "mch_id", p.MchID)
	return nil, errors.Join(ErrNoRoute, queue(ctx, d, ops.New(ops.TransferNoRoute, ops.SubjectDisbursement, p.OutBillNo,
		"transfer: merchant account no longer configured", p.AmountFen, map[string]any{"mch_id": p.MchID, "state": p.State})))
}

// realName reads the borrower's verified name (decrypted in memory only)
// for transfers that WeChat Pay checks against the receiving account.
func realName(a *app.App) func(context.Context, int64) (string, error) {
	return func(ctx context.Context, userID int64) (string, error) {
		id, err := mysql.KYC{DB: a.DB}.Identity(ctx, userID)
		if err != nil {
			return "", err
		}
		return a.Vault.Decrypt(ctx, pii.FieldName, id.NameEnc)
	}
}
