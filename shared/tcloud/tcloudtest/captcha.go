package tcloudtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// Dev-only captcha application of the local stack and tests.
const (
	DevCaptchaAppID     = 190000001
	DevCaptchaSecretKey = "wxlendDevOnlyCaptchaSecretKey000"
)

// Captcha fixtures (captcha 2019-07-22 DescribeCaptchaMiniResult), by
// ticket, deterministic and dev only:
//   - "dev-pass-<anything>" passes (CaptchaCode 1) the first time;
//   - "dev-fail-<anything>" fails (21, ticket error);
//   - "dev-expired-<anything>" has expired (8);
//   - "dev-down-<anything>" is a Tencent fault (26, system internal error);
//   - any other ticket does not decrypt (15);
//   - a ticket seen before answers 25 (invalid ticket): the mini-program
//     codes list no "used" code of its own, so this is UNCONFIRMED;
//   - another CaptchaAppId or AppSecretKey answers 100 (param err).
type captchaState struct {
	mu   sync.Mutex
	seen map[string]bool
}

// RegisterCaptcha adds DescribeCaptchaMiniResult.
func (s *Server) RegisterCaptcha() {
	st := &captchaState{seen: map[string]bool{}}
	s.Handle("captcha", "DescribeCaptchaMiniResult", st.describe)
}

func (st *captchaState) describe(_ *http.Request, body []byte) (any, *Error) {
	var p struct {
		CaptchaType  int64
		Ticket       string
		UserIp       string
		CaptchaAppId uint64
		AppSecretKey string
	}
	if err := json.Unmarshal(body, &p); err != nil || p.CaptchaType != 9 || p.Ticket == "" || p.UserIp == "" {
		return nil, &Error{"InvalidParameter", "CaptchaType (9), Ticket and UserIp are required"}
	}
	answer := func(code int64, msg string) (any, *Error) {
		return map[string]any{"CaptchaCode": code, "CaptchaMsg": msg}, nil
	}
	if p.CaptchaAppId != DevCaptchaAppID || p.AppSecretKey != DevCaptchaSecretKey {
		return answer(100, "param err")
	}
	st.mu.Lock()
	used := st.seen[p.Ticket]
	st.seen[p.Ticket] = true
	st.mu.Unlock()
	switch {
	case used:
		return answer(25, "invalid ticket")
	case strings.HasPrefix(p.Ticket, "dev-pass-"):
		return answer(1, "OK")
	case strings.HasPrefix(p.Ticket, "dev-fail-"):
		return answer(21, "ticket error")
	case strings.HasPrefix(p.Ticket, "dev-expired-"):
		return answer(8, "ticket expired")
	case strings.HasPrefix(p.Ticket, "dev-down-"):
		return answer(26, "system internal error")
	}
	return answer(15, "ticket decryption failed")
}
