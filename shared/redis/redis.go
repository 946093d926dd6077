// Package redis is wxlend's Redis adapter. Redis holds only what may be lost
// (nonces, rate windows, caches, locks): MySQL is the record of everything.
// Every key is under the Store's prefix, so tests and environments share a
// server without touching each other's keys.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/wxlend/wxlend/shared/auth"
)

func init() { goredis.SetLogger(debugLogger{}) }

// debugLogger sends go-redis's own chatter (pool dial failures) to debug:
// the failures that matter surface as errors and are logged by the caller.
type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// Store is a prefixed view of one Redis server.
type Store struct {
	C      *goredis.Client
	Prefix string
}

// DefaultTimeout bounds each Redis dial, read and write. Redis in the same
// VPC answers in well under a millisecond, so the timeout only decides what
// an outage costs: a borrower request makes at most three calls (nonce, IP
// and user windows), each tried twice, so a dead Redis fails the request
// closed within 6 x 300 ms = 1.8 s, far inside the 10 s function timeout.
// It is not a latency budget for a starved process: give such a process
// fewer concurrent requests, not a longer deadline.
const DefaultTimeout = 300 * time.Millisecond

// Options are the connection settings of Open.
type Options struct {
	Addr, Password string
	DB             int
	Prefix         string
	PoolSize       int
	Timeout        time.Duration // dial, read and write; 0 is DefaultTimeout
}

// Open connects (lazily; go-redis dials on first use) with short timeouts:
// a Redis outage must fail fast, never hang a function. Waiting for a free
// connection is not an outage, only load (a multi-concurrency instance or a
// test firing hundreds of requests at one App), so PoolTimeout is longer.
func Open(o Options) *Store {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	c := goredis.NewClient(&goredis.Options{
		Addr: o.Addr, Password: o.Password, DB: o.DB,
		DialTimeout: o.Timeout, ReadTimeout: o.Timeout, WriteTimeout: o.Timeout,
		MaxRetries: 1, PoolSize: o.PoolSize, PoolTimeout: 3 * time.Second,
	})
	return &Store{C: c, Prefix: o.Prefix}
}

// Key prefixes k.
func (s *Store) Key(parts ...string) string {
	k := s.Prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// ClaimNonce records nonce under scope for ttl and reports whether it was
// new. It is the anti-replay primitive: SET NX either wins once or not at all.
func (s *Store) ClaimNonce(ctx context.Context, scope, nonce string, ttl time.Duration) (bool, error) {
	ok, err := s.C.SetNX(ctx, s.Key("nonce", scope, nonce), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis nonce: %w", err)
	}
	return ok, nil
}

// slidingWindow counts events in the last window in a sorted set scored by
// time; an event is recorded only when under the limit, so a blocked caller
// does not extend its own ban. Returns {allowed, count, oldest_ms}.
var slidingWindow = goredis.NewScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local n = redis.call('ZCARD', key)
if n >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, n, tonumber(oldest[2])}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return {1, n + 1, 0}
`)

// Allow checks and records one event for key against limit per window.
func (s *Store) Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time, member string) (auth.Limit, error) {
	nowMS := now.UnixMilli()
	res, err := slidingWindow.Run(ctx, s.C, []string{s.Key("rl", key)},
		nowMS, window.Milliseconds(), limit, strconv.FormatInt(nowMS, 10)+":"+member).Int64Slice()
	if err != nil {
		return auth.Limit{}, fmt.Errorf("redis rate window: %w", err)
	}
	if len(res) != 3 {
		return auth.Limit{}, errors.New("redis rate window: bad reply")
	}
	l := auth.Limit{Allowed: res[0] == 1}
	if !l.Allowed {
		l.RetryAfter = time.Duration(res[2]+window.Milliseconds()-nowMS) * time.Millisecond
	}
	return l, nil
}

// Count is how many events Allow recorded for key within window.
func (s *Store) Count(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	n, err := s.C.ZCount(ctx, s.Key("rl", key), strconv.FormatInt(now.UnixMilli()-window.Milliseconds()+1, 10), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("redis rate window: %w", err)
	}
	return int(n), nil
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error { return s.C.Ping(ctx).Err() }

// Close closes the pool.
func (s *Store) Close() error { return s.C.Close() }
