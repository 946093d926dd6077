package pii

import (
	"container/list"
	"context"
	"crypto/cipher"
	"sync"
)

// keyCache keeps the ciphers of data keys already unwrapped by the KMS,
// keyed by (algorithm, key id, blob), least recently used first out. Reads
// of PII are then KMS calls only the first time a blob is seen in a process.
// Concurrent misses on one blob share a single KMS call (the first caller
// loads, the others wait), so a burst of requests right after a cold start
// does not become a burst of KMS Decrypt calls. Failures are not cached: a
// KMS outage must not outlive itself.
type keyCache struct {
	mu  sync.Mutex
	max int
	lru *list.List // of *cacheEntry; front = most recently used
	m   map[string]*list.Element
}

type cacheEntry struct {
	key  string
	done chan struct{} // closed once aead or err is set
	aead cipher.AEAD
	err  error
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, lru: list.New(), m: make(map[string]*list.Element)}
}

// get returns the cached cipher for key, calling load on a miss. A waiter
// whose context ends stops waiting; the load itself runs on the first
// caller's context, and if that fails every waiter sees the same error
// (the next call tries again).
func (c *keyCache) get(ctx context.Context, key string, load func(context.Context) (cipher.AEAD, error)) (cipher.AEAD, error) {
	c.mu.Lock()
	if el, ok := c.m[key]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.aead, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	c.insertLocked(e)
	c.mu.Unlock()

	e.aead, e.err = load(ctx)
	if e.err != nil {
		c.mu.Lock()
		if el, ok := c.m[key]; ok && el.Value.(*cacheEntry) == e {
			c.lru.Remove(el)
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	close(e.done)
	return e.aead, e.err
}

// put stores a cipher already in hand (a freshly generated data key, so
// that reading back what this process wrote costs no KMS call).
func (c *keyCache) put(key string, aead cipher.AEAD) {
	e := &cacheEntry{key: key, done: make(chan struct{}), aead: aead}
	close(e.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.lru.Remove(el)
	}
	c.insertLocked(e)
}

func (c *keyCache) insertLocked(e *cacheEntry) {
	c.m[e.key] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.m, old.Value.(*cacheEntry).key)
	}
}

// len is the number of entries, for tests.
func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
