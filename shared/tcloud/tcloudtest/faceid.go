package tcloudtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaceID fixtures (faceid 2018-03-01), deterministic and dev only:
//   - a name containing 不符 mismatches at every factor check;
//   - 无记录: IdCardVerification answers -5 (no record);
//   - 故障: the action fails with FailedOperation.UnKnown (provider error);
//   - 超时: the fake answers after 8 s (longer than the client's timeout);
//   - a phone ending 0000 fails operator three-factor (-4) and four-factor;
//   - a card starting 6222000 fails bank-card four-factor (-1).
//
// Liveness: DetectAuth returns a BizToken and a URL on this fake; the
// borrower's side is played by POST /_local/faceid/{biz_token}?result=
// pass | fail | other_person. GetDetectInfoEnhanced then answers ErrCode
// 0 (pass), 2006 (not a live person) or 2015 (face does not match the ID);
// before that ErrCode is null. Tokens expire after 7200 s.
type faceIDState struct {
	mu       sync.Mutex
	sessions map[string]*liveSession
}

type liveSession struct {
	name, idCard string
	created      time.Time
	errCode      *int64
}

var faceErrCodes = map[string]int64{"pass": 0, "fail": 2006, "other_person": 2015}

// RegisterFaceID adds the FaceID actions and returns the handler of the
// liveness completion endpoint (mounted at /_local/faceid/{biz_token}).
func (s *Server) RegisterFaceID() http.Handler {
	st := &faceIDState{sessions: map[string]*liveSession{}}
	factor := func(action string, result func(p factorParams) string) {
		s.Handle("faceid", action, func(r *http.Request, body []byte) (any, *Error) {
			var p factorParams
			if err := json.Unmarshal(body, &p); err != nil || p.Name == "" || p.IdCard == "" {
				return nil, &Error{"InvalidParameter", "Name and IdCard are required"}
			}
			if e := providerFault(p.Name); e != nil {
				return nil, e
			}
			res := result(p)
			return map[string]string{"Result": res, "Description": describe(res)}, nil
		})
	}
	factor("IdCardVerification", func(p factorParams) string {
		switch {
		case strings.Contains(p.Name, "不符"):
			return "-1"
		case strings.Contains(p.Name, "无记录"):
			return "-5"
		}
		return "0"
	})
	factor("PhoneVerification", func(p factorParams) string {
		if strings.Contains(p.Name, "不符") || strings.HasSuffix(p.Phone, "0000") {
			return "-4"
		}
		return "0"
	})
	factor("BankCard4EVerification", func(p factorParams) string {
		if strings.Contains(p.Name, "不符") || strings.HasSuffix(p.Phone, "0000") || strings.HasPrefix(p.BankCard, "6222000") {
			return "-1"
		}
		return "0"
	})
	s.Handle("faceid", "DetectAuth", st.detectAuth)
	s.Handle("faceid", "GetDetectInfoEnhanced", st.detectInfo(s))
	return http.HandlerFunc(st.complete)
}

type factorParams struct{ Name, IdCard, Phone, BankCard string }

func providerFault(name string) *Error {
	if strings.Contains(name, "故障") {
		return &Error{"FailedOperation.UnKnown", "internal error of the verification service"}
	}
	if strings.Contains(name, "超时") {
		time.Sleep(8 * time.Second)
	}
	return nil
}

func describe(result string) string {
	if result == "0" {
		return "一致"
	}
	return "不一致或无记录"
}

func (st *faceIDState) detectAuth(r *http.Request, body []byte) (any, *Error) {
	var p struct{ RuleId, IdCard, Name, RedirectUrl string }
	if err := json.Unmarshal(body, &p); err != nil || p.RuleId == "" {
		return nil, &Error{"InvalidParameter", "RuleId is required"}
	}
	if e := providerFault(p.Name); e != nil {
		return nil, e
	}
	tok := strings.ToUpper(newRequestID())
	st.mu.Lock()
	st.sessions[tok] = &liveSession{name: p.Name, idCard: p.IdCard, created: time.Now()}
	st.mu.Unlock()
	return map[string]string{"BizToken": tok, "Url": "http://" + r.Host + "/_local/faceid/" + tok}, nil
}

func (st *faceIDState) detectInfo(s *Server) Action {
	return func(r *http.Request, body []byte) (any, *Error) {
		var p struct{ BizToken, RuleId, InfoType string }
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, &Error{"InvalidParameter", "bad request"}
		}
		st.mu.Lock()
		sess, ok := st.sessions[p.BizToken]
		var text map[string]any
		if ok {
			text = map[string]any{"ErrCode": sess.errCode, "ErrMsg": "", "IdCard": sess.idCard, "Name": sess.name}
		}
		st.mu.Unlock()
		if !ok {
			return nil, &Error{"InvalidParameterValue.BizTokenIllegal", "BizToken is unknown"}
		}
		if s.Now().Sub(sess.created) > 7200*time.Second {
			return nil, &Error{"FailedOperation.BizTokenExpired", "BizToken expired"}
		}
		return map[string]any{"Text": text}, nil
	}
}

func (st *faceIDState) complete(w http.ResponseWriter, r *http.Request) {
	code, ok := faceErrCodes[r.URL.Query().Get("result")]
	tok := r.PathValue("biz_token")
	st.mu.Lock()
	sess, found := st.sessions[tok]
	if found && ok {
		sess.errCode = &code
	}
	st.mu.Unlock()
	if !found || !ok {
		http.Error(w, "unknown biz_token or result (pass, fail, other_person)", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
