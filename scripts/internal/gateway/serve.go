package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/scf"
)

// Server is the gateway's HTTP server (serve it with Serve). A client has
// 5 s for the request's headers and Config.BodyTimeout for the whole
// request, so a body sent slowly cannot hold a connection (and an instance
// behind it) open; idle keep-alive connections close after 2 minutes.
// There is no write timeout: a function may run for its whole timeout.
func (g *Gateway) Server() *http.Server { return newServer(g.Handler(), g.cfg.BodyTimeout) }

func newServer(h http.Handler, bodyTimeout time.Duration) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: min(5*time.Second, bodyTimeout), ReadTimeout: bodyTimeout,
		IdleTimeout: 2 * time.Minute}
}

// Serve serves srv on l until it is closed. A request net/http cannot
// parse (a malformed header line, a bad Content-Length, an unsupported
// Transfer-Encoding, headers too large) never reaches a handler: net/http
// answers it itself, in plain text. Serve rewrites those answers into the
// api.md envelope (400 invalid_argument, with a request id), so every
// answer of the gateway has the one shape.
func Serve(srv *http.Server, l net.Listener) error {
	return srv.Serve(envelopeListener{l})
}

type envelopeListener struct{ net.Listener }

func (l envelopeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return envelopeConn{c}, nil
}

type envelopeConn struct{ net.Conn }

// Write passes everything through but net/http's own error answer, which
// it writes in one call straight to the connection as "HTTP/1.1 <status>"
// + plainErrorHeaders + text. A handler's response never looks like that:
// net/http sorts its headers (Connection before Content-Type) and adds
// Date.
func (c envelopeConn) Write(p []byte) (int, error) {
	text, ok := plainError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(envelopeAnswer(text)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// plainErrorHeaders is what net/http's server (conn.serve) writes after the
// status line of an answer to a request it could not read.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// plainError recognises net/http's plain-text error answer and returns its
// text without the status code (e.g. "Bad Request: malformed MIME header
// line", "Unsupported transfer encoding").
func plainError(p []byte) (string, bool) {
	status, text, ok := bytes.Cut(p, []byte(plainErrorHeaders))
	line, isHTTP := bytes.CutPrefix(status, []byte("HTTP/1.1 "))
	if !ok || !isHTTP || len(line) < 4 || bytes.Contains(line, []byte("\r\n")) {
		return "", false
	}
	if _, err := strconv.Atoi(string(line[:3])); err != nil {
		return "", false
	}
	return string(bytes.TrimPrefix(text, line[:4])), true
}

// envelopeAnswer is the whole HTTP answer to an unreadable request: 400
// invalid_argument whatever status net/http chose (431, 501, 505 have no
// api.md code), its fixed text as the message (it never echoes input).
func envelopeAnswer(text string) []byte {
	rid := scf.NewID()
	body, _ := json.Marshal(map[string]string{"code": string(apierr.InvalidArgument),
		"message": "the request could not be read: " + text, "reason": "malformed_request", "request_id": rid})
	return fmt.Appendf(nil, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n"+
		"X-Request-Id: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", rid, len(body), body)
}
