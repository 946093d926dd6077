package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// The gateway mounts wxpaylocal for both merchant accounts, and the second
// account's own host serves its API and its own /_local/wxpay/ (no
// functions needed: nothing here is built).
func TestWxPayControlsMounted(t *testing.T) {
	g, err := gateway.New(gateway.Config{Root: "../../..", BinDir: t.TempDir(), Addr: "127.0.0.1:0",
		Logs: io.Discard, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		url    string
		status int
	}{
		{srv.URL + "/_local/wxpay/settings?mch_id=" + wxpaytest.DevMchID2 + "&balance_fen=0", http.StatusOK},
		{srv.URL + "/_local/wxpay/settings?day_quota_fen=100", http.StatusOK},
		{srv.URL + "/_local/wxpay/settings?mch_id=1&balance_fen=0", http.StatusNotFound},
		{g.WxPay2URL + "/_local/wxpay/settings?day_quota_fen=200", http.StatusOK},
		{g.WxPay2URL + "/v3/pay/transactions/jsapi", http.StatusUnauthorized}, // unsigned
	} {
		resp, err := http.Post(tc.url, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("POST %s: %d, want %d", tc.url, resp.StatusCode, tc.status)
		}
	}
	if bal, limited := g.WxPay2.Balance(); bal != 0 || !limited {
		t.Errorf("second account's balance %d %v", bal, limited)
	}
	if _, limited := g.WxPay.Balance(); limited {
		t.Error("?mch_id= of the second account limited the first")
	}
}
