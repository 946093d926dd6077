// Package wxpaytest is a local fake of WeChat Pay API v3 that speaks the
// real protocol, so the production client (package wxpay, on wechatpay-go)
// is the code under test:
//
//   - every request must carry a valid merchant signature
//     (Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,serial_no=...,
//     signature over METHOD\nURI\nTS\nNONCE\nBODY\n, timestamp within 5
//     minutes), checked with the dev merchant public key;
//   - every answer (but the bill file, as on WeChat Pay) is signed with the
//     dev platform key: Wechatpay-Timestamp/-Nonce/-Serial (the public key
//     ID)/-Signature;
//   - notifications are AEAD_AES_256_GCM-encrypted with the APIv3 key and
//     signed like answers, then POSTed to the notify_url of the request,
//     retried on non-2xx a bounded number of times.
//
// State: JSAPI orders (NOTPAY → SUCCESS / CLOSED, REFUND after a refund),
// refunds (PROCESSING → SUCCESS, or forced ABNORMAL / CLOSED) and transfer
// bills (ACCEPTED → PROCESSING → WAIT_USER_CONFIRM with package_info →
// TRANSFERING → SUCCESS, or FAIL; cancel: CANCELING → CANCELLED). Numbers
// are idempotent as on WeChat Pay: the same number with the same parameters
// answers the existing object, with other parameters 400 INVALID_REQUEST.
//
// The borrower's side is played by the control methods (control.go):
// confirm a transfer as wx.requestMerchantTransfer would, pay an order as
// wx.requestPayment would, force states. Faults (FailNext, a seeded random
// fault rate, timeouts that still apply the request, notification
// duplicates / delays / hold-and-release / forged signatures / stale
// timestamps) are concurrency-safe. On the local stack the gateway serves
// these methods over HTTP under /_local/wxpay/ (scripts/internal/wxpaylocal).
//
// Fixtures: a transfer whose user_name contains 不符 fails with
// NAME_NOT_CORRECT. The operating account is unlimited unless SetBalance /
// SetDayQuota say otherwise (account.go). Several merchants are several
// fakes, each with its own Options.MchID on its own host (they share the
// dev keys). Business times come from Options.Now; protocol
// timestamps (signatures) always use the real clock, as the SDK checks them
// against it.
package wxpaytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a fake; the zero value is the dev merchant.
type Options struct {
	MchID, AppID string // default DevMchID, DevAppID
	// Now is the business clock (create/success times, bill dates);
	// time.Now by default.
	Now func() time.Time
	// AutoConfirm makes every new transfer bill go straight on to SUCCESS
	// as if the borrower confirmed at once (the fast journey).
	AutoConfirm bool
	// NotifyClient posts notifications (default: 5 s timeout).
	NotifyClient *http.Client
	// NotifyRetryDelays are the waits before each retry of a refused
	// notification (bounded: len+1 attempts). Default 200ms, 1s, 5s, 15s.
	NotifyRetryDelays []time.Duration
	// TimeoutDelay is how long a TIMEOUT fault holds the answer (the
	// request is applied first). Default 30 s, longer than any client
	// timeout; the wait ends early when the client hangs up.
	TimeoutDelay time.Duration
}

// Fake is the fake WeChat Pay. It is an http.Handler serving the API
// (/v3/...); its control methods are Go only (scripts/internal/wxpaylocal
// serves them over HTTP on the local stack).
type Fake struct {
	mchID, appID string
	now          func() time.Time
	notifyClient *http.Client
	retryDelays  []time.Duration
	timeoutDelay time.Duration

	mu         sync.Mutex
	orders     map[string]*order    // by out_trade_no
	prepays    map[string]string    // prepay_id → out_trade_no
	refunds    map[string]*refund   // by out_refund_no
	transfers  map[string]*transfer // by out_bill_no
	packages   map[string]string    // package_info → out_bill_no
	billFiles  map[string]billFile  // download token → file
	billOrder  []string
	seq        int64
	settings   settings
	faults     faultState
	notifyCtl  notifyFaults
	held       []*notice
	deliveries []Delivery
	stats      Stats
	creates    map[string]int // transfer.create calls per out_bill_no
	account    account

	api      http.Handler
	inflight atomic.Int64
	shift    atomic.Int64 // ShiftClock, in nanoseconds
	ctx      context.Context
	cancel   context.CancelFunc
}

type settings struct {
	autoConfirm   bool
	transferHold  string // "", ACCEPTED or PROCESSING
	cancelHold    bool   // cancelled bills stay CANCELING
	manualRefunds bool   // refunds stay PROCESSING
	billFault     string // SetBillFault
}

// Stats are counters for tests (and /_local/wxpay/stats, served by
// scripts/internal/wxpaylocal).
type Stats struct {
	Calls             map[string]int `json:"calls"`              // per API name, including refused calls
	AuthFailures      int            `json:"auth_failures"`      // requests whose signature was refused
	FaultsInjected    int            `json:"faults_injected"`    // FailNext and random faults served
	OrdersCreated     int            `json:"orders_created"`     // distinct JSAPI orders
	RefundsCreated    int            `json:"refunds_created"`    // distinct refunds
	TransfersCreated  int            `json:"transfers_created"`  // distinct transfer bills
	NotificationsSent int            `json:"notifications_sent"` // distinct notifications (ids)
	DeliveryAttempts  int            `json:"delivery_attempts"`  // POSTs, copies and retries included
	DeliveriesOK      int            `json:"deliveries_ok"`      // 2xx answers
	DeliveriesFailed  int            `json:"deliveries_failed"`  // non-2xx or transport errors
}

// New makes a fake.
func New(opts Options) *Fake {
	f := &Fake{mchID: opts.MchID, appID: opts.AppID, now: opts.Now, notifyClient: opts.NotifyClient,
		retryDelays: opts.NotifyRetryDelays, timeoutDelay: opts.TimeoutDelay,
		orders: map[string]*order{}, prepays: map[string]string{}, refunds: map[string]*refund{},
		transfers: map[string]*transfer{}, packages: map[string]string{}, billFiles: map[string]billFile{},
		creates: map[string]int{}, stats: Stats{Calls: map[string]int{}}}
	if f.mchID == "" {
		f.mchID = DevMchID
	}
	if f.appID == "" {
		f.appID = DevAppID
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.notifyClient == nil {
		f.notifyClient = &http.Client{Timeout: 5 * time.Second}
	}
	if f.retryDelays == nil {
		f.retryDelays = []time.Duration{200 * time.Millisecond, time.Second, 5 * time.Second, 15 * time.Second}
	}
	if f.timeoutDelay == 0 {
		f.timeoutDelay = 30 * time.Second
	}
	f.settings.autoConfirm = opts.AutoConfirm
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.api = f.apiMux()
	return f
}

// APIPrefix is the path under which the gateway mounts Handler.
const APIPrefix = "/v3/"

// Handler serves the WeChat Pay API paths (/v3/...).
func (f *Fake) Handler() http.Handler { return f.api }

// ServeHTTP serves the API, as Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.api.ServeHTTP(w, r) }

// MchID is the merchant the fake accepts.
func (f *Fake) MchID() string { return f.mchID }

// AppID is the AppID bound to the merchant.
func (f *Fake) AppID() string { return f.appID }

// Close stops notification deliveries (pending retries are dropped) and
// waits for the ones in flight.
func (f *Fake) Close() {
	f.cancel()
	for f.inflight.Load() > 0 {
		time.Sleep(2 * time.Millisecond)
	}
}

// Flush waits until no notification delivery is in flight (held ones do
// not count) or ctx ends.
func (f *Fake) Flush(ctx context.Context) error {
	for f.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// Stats returns a copy of the counters.
func (f *Fake) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Calls = make(map[string]int, len(f.stats.Calls))
	for k, v := range f.stats.Calls {
		s.Calls[k] = v
	}
	return s
}

// TransferCreateCalls is how many transfer.create calls named outBillNo
// (each answered with the same bill, or refused).
func (f *Fake) TransferCreateCalls(outBillNo string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates[outBillNo]
}

// HasTransfer reports whether a transfer bill numbered outBillNo exists.
func (f *Fake) HasTransfer(outBillNo string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.transfers[outBillNo]
	return ok
}

// SetAutoConfirm switches AutoConfirm for bills created from now on.
func (f *Fake) SetAutoConfirm(on bool) {
	f.mu.Lock()
	f.settings.autoConfirm = on
	f.mu.Unlock()
}

// SetTransferHold makes new bills stop in state ACCEPTED or PROCESSING
// ("" lets them reach WAIT_USER_CONFIRM at once); AdvanceTransfer moves a
// held bill one step.
func (f *Fake) SetTransferHold(state string) error {
	if state != "" && state != TransferAccepted && state != TransferProcessing {
		return fmt.Errorf("wxpaytest: transfer hold must be ACCEPTED or PROCESSING")
	}
	f.mu.Lock()
	f.settings.transferHold = state
	f.mu.Unlock()
	return nil
}

// SetCancelHold keeps cancelled bills in CANCELING (until
// ForceTransferState) instead of finishing them at once.
func (f *Fake) SetCancelHold(on bool) {
	f.mu.Lock()
	f.settings.cancelHold = on
	f.mu.Unlock()
}

// SetManualRefunds keeps new refunds PROCESSING until ForceRefundStatus.
func (f *Fake) SetManualRefunds(on bool) {
	f.mu.Lock()
	f.settings.manualRefunds = on
	f.mu.Unlock()
}

// nextSeq is a process-unique number for ids (f.mu held).
func (f *Fake) nextSeq() int64 {
	f.seq++
	return f.seq
}

// shanghai is China Standard Time (no daylight saving).
var shanghai = time.FixedZone("CST", 8*3600)

func (f *Fake) nowCST() time.Time {
	return f.now().Add(time.Duration(f.shift.Load())).In(shanghai).Truncate(time.Second)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format(time.RFC3339)
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

const alnumSymbols = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randomAlnum(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnumSymbols[int(b[i])%len(alnumSymbols)]
	}
	return string(b)
}
