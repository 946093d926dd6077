package wxpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// env is a client wired to a fake over loopback, with a notification
// receiver playing the notify-wxpay-* functions.
type env struct {
	fake   *wxpaytest.Fake
	api    *httptest.Server
	client *wxpay.Client
	recv   *receiver
}

// receiver parses every notification with the client, answers 204 (or 401
// when refused, or 500 while refuse > 0) and records what it saw.
type receiver struct {
	client *wxpay.Client
	refuse atomic.Int32
	mu     sync.Mutex
	got    []wxpay.Notification
	errs   []error
	signal chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.refuse.Add(-1) >= 0 {
		http.Error(w, `{"code":"FAIL","message":"busy"}`, http.StatusInternalServerError)
		return
	}
	n, err := rc.client.ParseNotification(r.Context(), r)
	rc.mu.Lock()
	if err != nil {
		rc.errs = append(rc.errs, err)
	} else {
		rc.got = append(rc.got, n)
	}
	rc.mu.Unlock()
	select {
	case rc.signal <- struct{}{}:
	default:
	}
	if err != nil {
		http.Error(w, `{"code":"FAIL","message":"refused"}`, http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) snapshot() ([]wxpay.Notification, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]wxpay.Notification(nil), rc.got...), append([]error(nil), rc.errs...)
}

// wait returns once the receiver holds n notifications of eventType.
func (rc *receiver) wait(t *testing.T, eventType string, n int) []wxpay.Notification {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		got, _ := rc.snapshot()
		var match []wxpay.Notification
		for _, g := range got {
			if g.EventType == eventType {
				match = append(match, g)
			}
		}
		if len(match) >= n {
			return match
		}
		select {
		case <-rc.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited for %d %s notifications, have %d", n, eventType, len(match))
		}
	}
}

var businessNow = time.Date(2026, 3, 5, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))

const billDate = "2026-03-05"

func newEnv(t *testing.T, mutate ...func(*wxpaytest.Options, *wxpay.Config)) *env {
	t.Helper()
	opts := wxpaytest.Options{
		Now:               func() time.Time { return businessNow },
		NotifyRetryDelays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		TimeoutDelay:      5 * time.Second,
	}
	rc := &receiver{signal: make(chan struct{}, 1)}
	recvSrv := httptest.NewServer(rc)
	var cfg wxpay.Config
	cfg = wxpaytest.DevConfig("", recvSrv.URL)
	for _, m := range mutate {
		m(&opts, &cfg)
	}
	fake := wxpaytest.New(opts)
	api := httptest.NewServer(fake)
	cfg.BaseURL = api.URL
	if cfg.HTTPTimeout == 0 || cfg.HTTPTimeout == 5*time.Second {
		cfg.HTTPTimeout = 3 * time.Second
	}
	client, err := wxpay.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc.client = client
	t.Cleanup(func() {
		fake.Close()
		api.Close()
		recvSrv.Close()
	})
	return &env{fake: fake, api: api, client: client, recv: rc}
}

func wxErr(t *testing.T, err error) *wxpay.Error {
	t.Helper()
	var we *wxpay.Error
	if !errors.As(err, &we) {
		t.Fatalf("want *wxpay.Error, got %T %v", err, err)
	}
	return we
}

func transferReq(no string, fen int64) wxpay.TransferRequest {
	return wxpay.TransferRequest{OutBillNo: no, OpenID: "oDEVborrower1", AmountFen: moneyFen(fen), Remark: "借款发放",
		SceneID: "1000", SceneReportInfos: []wxpay.SceneReportInfo{{InfoType: "活动名称", InfoContent: "借款"}, {InfoType: "奖励说明", InfoContent: "放款"}}}
}
