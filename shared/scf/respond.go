package scf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/apierr"
)

// errorBody is the api.md error envelope.
type errorBody struct {
	Code      apierr.Code `json:"code"`
	Message   string      `json:"message"`
	Field     string      `json:"field,omitempty"`
	Reason    string      `json:"reason,omitempty"`
	RequestID string      `json:"request_id"`
}

// WriteJSON writes v as the JSON body with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteError writes the api.md envelope for err. Only an *apierr.Error's safe
// message reaches the client; anything else is `internal`. An error that
// says when to retry (rate_limited) also sets Retry-After in seconds. The
// error itself goes to Recover's request log line (its detail for 5xx).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if p, ok := r.Context().Value(failureKey{}).(*error); ok {
		*p = err
	}
	pub := apierr.Public(err)
	rid := RequestID(r.Context())
	w.Header().Set("X-Request-Id", rid)
	if pub.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(pub.RetryAfterSeconds()))
	}
	WriteJSON(w, pub.Code.Status(), errorBody{
		Code: pub.Code, Message: pub.Message, Field: pub.Field, Reason: pub.Reason, RequestID: rid,
	})
}

// DecodeJSON reads one JSON object from r's body into v. A body that is too
// large, not UTF-8 (api.md), not JSON, or followed by more data is
// `invalid_argument`; nothing has been done yet when it fails, so nothing
// changes.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
			return apierr.Invalid("Content-Type", "content_type", "Content-Type must be application/json (UTF-8)")
		}
	}
	body, err := ReadBody(r)
	if err != nil {
		return err
	}
	return DecodeBytes(body, v)
}

// DecodeBytes is DecodeJSON on a body already read.
func DecodeBytes(body []byte, v any) error {
	if len(body) == 0 {
		return apierr.Invalid("body", "empty", "request body is empty")
	}
	if !utf8.Valid(body) || loneSurrogate(body) {
		return apierr.Invalid("body", "not_utf8", "request body is not UTF-8 text")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var ie *json.InvalidUnmarshalError
		if errors.As(err, &ie) {
			return apierr.Wrap(apierr.Internal, fmt.Errorf("decode request body: %w", err), "internal error")
		}
		if errors.As(err, &te) && te.Field != "" {
			return apierr.Invalid(te.Field, "type", "field "+te.Field+" has the wrong type")
		}
		return apierr.Invalid("body", "malformed_json", "request body is not valid JSON")
	}
	if dec.More() {
		return apierr.Invalid("body", "trailing_data", "request body has data after the JSON object")
	}
	return nil
}

// loneSurrogate reports a \uD800-\uDFFF escape that is not half of a
// pair: valid JSON text, but no character, which encoding/json would turn
// into U+FFFD without a word. body is valid UTF-8; a backslash outside a
// string makes the JSON malformed anyway, so every backslash is an escape.
func loneSurrogate(body []byte) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		r, ok := escapedRune(body, i)
		switch {
		case !ok:
			i++ // \", \\, \n...: skip the escaped byte
		case r >= 0xDC00 && r <= 0xDFFF:
			return true // a low half first
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := escapedRune(body, i+6)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// escapedRune reads the \uXXXX escape at body[i], if there is one.
func escapedRune(body []byte, i int) (rune, bool) {
	if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
	return rune(n), err == nil
}

type bodyKey struct{}

// ReadBody reads the body once (bounded by MaxBodyBytes) and caches it on the
// request so signature checks and handlers see the same bytes.
func ReadBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Context().Value(bodyKey{}).(*[]byte); ok && *b != nil {
		return *b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, apierr.Invalid("body", "unreadable", "request body could not be read")
	}
	if len(b) > MaxBodyBytes {
		return nil, apierr.Invalid("body", "too_large", "request body is too large")
	}
	if b == nil {
		b = []byte{}
	}
	if p, ok := r.Context().Value(bodyKey{}).(*[]byte); ok {
		*p = b
	}
	return b, nil
}

// failureKey holds the error WriteError answered, for the request log.
type failureKey struct{}

// Recover turns a panic in h into a 500 `internal` whose body says nothing
// about it; the log keeps the panic value. It also logs one line per request
// (with the answered error's code, and for a 5xx its full detail, which the
// client never sees) and installs the body cache used by ReadBody.
func Recover(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var cached []byte
		var failure error
		r = r.WithContext(context.WithValue(context.WithValue(r.Context(), bodyKey{}, &cached), failureKey{}, &failure))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(r.Context(), "handler panic", "panic", panicText(p))
				if sw.status == 0 {
					WriteError(sw, r, apierr.New(apierr.Internal, "internal error"))
				}
			}
			level, attrs := slog.LevelInfo, []any{"method", r.Method, "path", r.URL.Path,
				"status", sw.status, "duration_ms", time.Since(start).Milliseconds()}
			if failure != nil {
				attrs = append(attrs, "code", string(apierr.CodeOf(failure)))
			}
			if failure != nil && sw.status >= http.StatusInternalServerError {
				level, attrs = slog.LevelError, append(attrs, "error", failure.Error())
			}
			log.Log(r.Context(), level, "request", attrs...)
		}()
		h.ServeHTTP(sw, r)
	})
}

func panicText(p any) string {
	if e, ok := p.(error); ok {
		return e.Error()
	}
	if s, ok := p.(string); ok {
		return s
	}
	return "non-error panic"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}
