// Package tcloudtest is a local fake of the Tencent Cloud API: it checks
// the TC3-HMAC-SHA256 signature of every request exactly as the cloud does
// and dispatches X-TC-Action to registered handlers, answering in the
// API 3.0 envelope ({"Response": {..., "RequestId"}}). Later issues add KMS,
// FaceID, SMS and ESS actions; SCF Invoke is registered by the local gateway.
package tcloudtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DevSecretID and DevSecretKey are the dev-only credentials the local stack
// gives every function; the fake accepts only them (and any added).
const (
	DevSecretID  = "AKIDwxlendDEVONLY000000000000000000"
	DevSecretKey = "wxlendDevOnlySecretKey0000000000"
)

// Error is an API error answer, e.g. {"InvalidParameter", "..."}.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Action handles one action: it gets the request JSON and returns the
// fields of Response (RequestId is added).
type Action func(r *http.Request, body []byte) (any, *Error)

// Server is the fake.
type Server struct {
	mu      sync.RWMutex
	secrets map[string]string
	actions map[string]Action // "service.Action"
	Now     func() time.Time
}

// NewServer makes a fake knowing the dev credentials.
func NewServer() *Server {
	return &Server{secrets: map[string]string{DevSecretID: DevSecretKey}, actions: map[string]Action{}, Now: time.Now}
}

// Handle registers service's action (service as in the credential scope,
// e.g. "scf", "kms").
func (s *Server) Handle(service, action string, a Action) {
	s.mu.Lock()
	s.actions[service+"."+action] = a
	s.mu.Unlock()
}

// IsAPIRequest tells the gateway a request is for this fake.
func IsAPIRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-TC-Action") != ""
}

// ServeHTTP verifies and dispatches one API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := newRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		answer(w, rid, nil, &Error{"InvalidParameter", "unreadable body"})
		return
	}
	service, aerr := s.verify(r, body)
	if aerr != nil {
		answer(w, rid, nil, aerr)
		return
	}
	s.mu.RLock()
	a := s.actions[service+"."+r.Header.Get("X-TC-Action")]
	s.mu.RUnlock()
	if a == nil {
		answer(w, rid, nil, &Error{"InvalidAction", "action " + r.Header.Get("X-TC-Action") + " is not supported by the local fake"})
		return
	}
	out, aerr := a(r, body)
	answer(w, rid, out, aerr)
}

// verify recomputes the TC3-HMAC-SHA256 signature and returns the service
// named in the credential scope.
func (s *Server) verify(r *http.Request, body []byte) (string, *Error) {
	auth := r.Header.Get("Authorization")
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != "TC3-HMAC-SHA256" {
		return "", &Error{"AuthFailure.SignatureFailure", "only TC3-HMAC-SHA256 is accepted"}
	}
	f := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		f[k] = v
	}
	scope := strings.Split(f["Credential"], "/")
	if len(scope) != 4 || scope[3] != "tc3_request" {
		return "", &Error{"AuthFailure.SignatureFailure", "malformed credential scope"}
	}
	secretID, date, service := scope[0], scope[1], scope[2]
	s.mu.RLock()
	key, ok := s.secrets[secretID]
	s.mu.RUnlock()
	if !ok {
		return "", &Error{"AuthFailure.SecretIdNotFound", "unknown SecretId"}
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || s.Now().Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return "", &Error{"AuthFailure.SignatureExpire", "signature expired"}
	}
	if time.Unix(ts, 0).UTC().Format("2006-01-02") != date {
		return "", &Error{"AuthFailure.SignatureFailure", "credential date does not match X-TC-Timestamp"}
	}
	if f["SignedHeaders"] != "content-type;host" {
		return "", &Error{"AuthFailure.SignatureFailure", "SignedHeaders must be content-type;host"}
	}
	want := Sign(key, service, r.Header.Get("Content-Type"), r.Host, ts, body)
	if !hmac.Equal([]byte(want), []byte(f["Signature"])) {
		return "", &Error{"AuthFailure.SignatureFailure", "signature does not match"}
	}
	return service, nil
}

// Sign computes the TC3 signature of a POST to "/" (the form the SDK uses).
func Sign(secretKey, service, contentType, host string, ts int64, body []byte) string {
	bh := sha256.Sum256(body)
	canonical := fmt.Sprintf("POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s", contentType, host, hex.EncodeToString(bh[:]))
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	ch := sha256.Sum256([]byte(canonical))
	toSign := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s/%s/tc3_request\n%s", ts, date, service, hex.EncodeToString(ch[:]))
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func answer(w http.ResponseWriter, rid string, out any, aerr *Error) {
	resp := map[string]any{}
	if out != nil {
		b, _ := json.Marshal(out)
		_ = json.Unmarshal(b, &resp)
	}
	if aerr != nil {
		resp = map[string]any{"Error": map[string]string{"Code": aerr.Code, "Message": aerr.Message}}
	}
	resp["RequestId"] = rid
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
