package tcloud

import (
	"net/http"
	"time"
)

// apiTransport is the one HTTP transport every adapter's SDK client sends
// through. The SDK clones a fresh transport for each client it makes, and
// the adapters make a client per call (the role's credentials rotate), so
// without this every call dialled a new connection and left the old one
// idle for 30 s: the risk chain's five invocations per decision kept
// thousands of idle sockets open on both sides. A warm SCF instance keeps
// its connections to the API endpoint the same way.
var apiTransport = newAPITransport()

func newAPITransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = 30 * time.Second
	// Concurrent invocations of one instance all go to the same host; the
	// default of 2 idle connections per host would still churn them.
	t.MaxIdleConnsPerHost = 64
	return t
}
