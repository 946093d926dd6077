package wxpaytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUnsignedRequestRefusedWithSignedAnswer(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	srv := httptest.NewServer(f)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/D1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "SIGN_ERROR") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	ts := resp.Header.Get("Wechatpay-Timestamp")
	msg := ts + "\n" + resp.Header.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"
	if resp.Header.Get("Wechatpay-Serial") != DevPublicKeyID || Verify(PlatformPublicKey(), msg, resp.Header.Get("Wechatpay-Signature")) != nil {
		t.Fatal("the answer is not signed by the platform key")
	}
	if n, _ := strconv.ParseInt(ts, 10, 64); time.Since(time.Unix(n, 0)).Abs() > time.Minute {
		t.Fatal("answer timestamp is not now")
	}
}

func TestYuan(t *testing.T) {
	for _, tc := range []struct {
		v     int64
		scale int
		want  string
	}{{0, 2, "0.00"}, {1, 2, "0.01"}, {12345, 2, "123.45"}, {-6, 5, "-0.00006"}, {100000, 5, "1.00000"}} {
		if got := yuan(tc.v, tc.scale); got != tc.want {
			t.Errorf("yuan(%d, %d) = %q, want %q", tc.v, tc.scale, got, tc.want)
		}
	}
}

func TestKeysLoad(t *testing.T) {
	if !MerchantPrivateKey().PublicKey.Equal(MerchantPublicKey()) || !PlatformPrivateKey().PublicKey.Equal(PlatformPublicKey()) {
		t.Fatal("embedded key pairs do not match")
	}
	if MerchantPublicKey().Equal(PlatformPublicKey()) {
		t.Fatal("merchant and platform keys must differ")
	}
}

// The fake serves WeChat Pay's API only; its control plane over HTTP is
// scripts/internal/wxpaylocal.
func TestServesOnlyTheAPI(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	srv := httptest.NewServer(f)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/_local/wxpay/settings?balance_fen=0", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, limited := f.Balance(); resp.StatusCode != http.StatusNotFound || limited {
		t.Fatalf("/_local/wxpay/settings: %d, balance limited %v", resp.StatusCode, limited)
	}
}
