package scf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	userIDKey
)

// WithRequestID stores the request id in ctx, minting one when rid is empty.
func WithRequestID(ctx context.Context, rid string) context.Context {
	if rid == "" {
		rid = NewID()
	}
	return context.WithValue(ctx, requestIDKey, rid)
}

// RequestID is the id of the request being served, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// WithUserID records the authenticated user so every later log line has it.
func WithUserID(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, userIDKey, id)
}

// NewID is 16 random bytes in hex: request ids, nonces for fakes.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sensitiveKeys are log attribute names whose values are never written, as a
// last line of defence: callers log masked values under other names.
var sensitiveKeys = map[string]bool{
	"name": true, "id_number": true, "idcard": true, "phone": true, "mobile": true,
	"card_number": true, "bank_card": true, "token": true, "sign_key": true,
	"session_key": true, "secret": true, "password": true, "authorization": true,
	"body": true, "code": false,
}

// NewLogger is the JSON logger every function uses: one line per record with
// the request id (and user id once known) taken from the context, and the
// values of sensitive attribute names replaced by "[redacted]".
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if sensitiveKeys[strings.ToLower(a.Key)] {
				return slog.String(a.Key, "[redacted]")
			}
			return a
		},
	})
	return slog.New(contextHandler{h})
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if rid := RequestID(ctx); rid != "" {
		r.AddAttrs(slog.String("request_id", rid))
	}
	if uid, ok := ctx.Value(userIDKey).(int64); ok {
		r.AddAttrs(slog.Int64("user_id", uid))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
