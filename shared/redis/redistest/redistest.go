// Package redistest gives each test its own key prefix on the real Redis,
// deleted at cleanup, and can run a private redis-server that a test may
// stop and start again (to prove the code fails closed and recovers).
package redistest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/redis"
)

// Addr is the shared test server: WXLEND_TEST_REDIS_ADDR or 127.0.0.1:6379.
func Addr() string {
	if a := os.Getenv("WXLEND_TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// New is a Store on the shared server under a prefix unique to t; its keys
// are deleted when t ends.
func New(t testing.TB) *redis.Store {
	t.Helper()
	s := redis.Open(redis.Options{Addr: Addr(), Prefix: fmt.Sprintf("t:%d:%s:", time.Now().UnixNano(), randHex()), PoolSize: 16})
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("redistest: %v (run scripts/test.sh, which starts Redis)", err)
	}
	t.Cleanup(func() { Flush(s); s.Close() })
	return s
}

// Flush deletes every key under s's prefix.
func Flush(s *redis.Store) {
	ctx := context.Background()
	iter := s.C.Scan(ctx, 0, s.Prefix+"*", 500).Iterator()
	for i := 0; iter.Next(ctx) && i < 1_000_000; i++ {
		s.C.Del(ctx, iter.Val())
	}
}

func randHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// Server is a private redis-server on a free loopback port.
type Server struct {
	Addr string
	port int
	cmd  *exec.Cmd
	t    testing.TB
}

// StartServer runs redis-server (from PATH or /usr/bin) for t alone.
func StartServer(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), port: port, t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.t.Fatalf("redistest: redis-server not installed: %v", err)
	}
	s.cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", fmt.Sprint(s.port), "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("redistest: redis-server on %s did not come up", s.Addr)
}

// Stop kills the server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}
