package tcloudtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SMSMessage is one message the SMS fake accepted.
type SMSMessage struct {
	Phone      string // as sent, E.164
	AppID      string
	Sign       string
	TemplateID string
	Params     []string
	At         time.Time
}

// SMS is the SendSms fake (sms 2021-01-11): it checks the request, answers
// a per-number SendStatusSet and records what it accepted. Codes queued
// with FailNext answer the next numbers instead of "Ok".
type SMS struct {
	mu   sync.Mutex
	sent []SMSMessage
	fail []string
}

// FailNext makes the next numbers answer these codes, in order
// (InternalError.Timeout, LimitExceeded.PhoneNumberDailyLimit, ...).
func (s *SMS) FailNext(codes ...string) {
	s.mu.Lock()
	s.fail = append(s.fail, codes...)
	s.mu.Unlock()
}

// Sent is every message accepted so far.
func (s *SMS) Sent() []SMSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMSMessage(nil), s.sent...)
}

// RegisterSMS adds SendSms.
func (s *Server) RegisterSMS() *SMS {
	f := &SMS{}
	s.Handle("sms", "SendSms", func(r *http.Request, body []byte) (any, *Error) {
		var p struct {
			PhoneNumberSet                    []string
			SmsSdkAppId, SignName, TemplateId string
			TemplateParamSet                  []string
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, &Error{"InvalidParameter", "bad request"}
		}
		switch {
		case p.SmsSdkAppId == "":
			return nil, &Error{"MissingParameter", "SmsSdkAppId is required"}
		case p.TemplateId == "":
			return nil, &Error{"MissingParameter", "TemplateId is required"}
		case len(p.PhoneNumberSet) == 0 || len(p.PhoneNumberSet) > 200:
			return nil, &Error{"InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet must hold 1 to 200 numbers"}
		}
		var statuses []map[string]any
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, n := range p.PhoneNumberSet {
			code := "Ok"
			switch {
			case strings.HasPrefix(n, "+86") && p.SignName == "":
				code = "MissingParameter.MissingSignName"
			case !strings.HasPrefix(n, "+861") || len(n) != 14:
				code = "InvalidParameterValue.IncorrectPhoneNumber"
			case len(f.fail) > 0:
				code, f.fail = f.fail[0], f.fail[1:]
			}
			if code == "Ok" {
				f.sent = append(f.sent, SMSMessage{Phone: n, AppID: p.SmsSdkAppId, Sign: p.SignName, TemplateID: p.TemplateId, Params: p.TemplateParamSet, At: time.Now()})
			}
			statuses = append(statuses, map[string]any{"SerialNo": newRequestID(), "PhoneNumber": n, "Fee": 1, "Code": code, "Message": code, "IsoCode": "CN"})
		}
		return map[string]any{"SendStatusSet": statuses}, nil
	})
	return f
}
