package risk

import (
	"fmt"
	"sync"
)

// Cache holds compiled rule sets by (strategy, version) and compiled
// models by version, so each version is compiled once per process (per SCF
// instance). It is safe for concurrent use: concurrent requests for the
// same version wait for one compilation. It is bounded: past its size the
// oldest entry is dropped (it will be compiled again if needed). A version
// seen again with different content is refused with ErrEditedInPlace.
type Cache struct {
	mu     sync.Mutex
	max    int
	rules  map[ruleKey]*entry[*CompiledRuleSet]
	models map[int]*entry[*CompiledModel]
	order  []any // insertion order of keys (ruleKey or int), for eviction
}

type ruleKey struct {
	strategy string
	version  int
}

type entry[T any] struct {
	digest string
	ready  chan struct{}
	val    T
	err    error
}

// NewCache makes a cache of at most maxEntries rule sets and models
// together (at least 2).
func NewCache(maxEntries int) *Cache {
	return &Cache{
		max:    max(maxEntries, 2),
		rules:  map[ruleKey]*entry[*CompiledRuleSet]{},
		models: map[int]*entry[*CompiledModel]{},
	}
}

// RuleSet returns a compiled rule set if it is cached.
func (c *Cache) RuleSet(strategy string, version int) (*CompiledRuleSet, bool) {
	c.mu.Lock()
	e, ok := c.rules[ruleKey{strategy, version}]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	<-e.ready
	return e.val, e.err == nil
}

// Model returns a compiled model if it is cached.
func (c *Cache) Model(version int) (*CompiledModel, bool) {
	c.mu.Lock()
	e, ok := c.models[version]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	<-e.ready
	return e.val, e.err == nil
}

// CompileRuleSet returns the cached compilation of rs's version, compiling
// it on first use. Errors: those of Compile (not cached), ErrEditedInPlace.
func (c *Cache) CompileRuleSet(rs RuleSet) (*CompiledRuleSet, error) {
	return getOrCompile(c, c.rules, ruleKey{rs.Strategy, rs.Version}, rs.Digest(),
		fmt.Sprintf("rule set %s v%d", rs.Strategy, rs.Version), func() (*CompiledRuleSet, error) { return Compile(rs) })
}

// CompileModel returns the cached compilation of m's version, compiling
// it on first use. Errors: those of CompileModel, ErrEditedInPlace.
func (c *Cache) CompileModel(m Model) (*CompiledModel, error) {
	return getOrCompile(c, c.models, m.Version, m.Digest(),
		fmt.Sprintf("model v%d", m.Version), func() (*CompiledModel, error) { return CompileModel(m) })
}

func getOrCompile[K comparable, T any](c *Cache, m map[K]*entry[T], key K, digest, what string, compile func() (T, error)) (T, error) {
	var zero T
	c.mu.Lock()
	if e, ok := m[key]; ok {
		c.mu.Unlock()
		if e.digest != digest {
			return zero, fmt.Errorf("%w: %s", ErrEditedInPlace, what)
		}
		<-e.ready
		if e.err != nil {
			return zero, e.err
		}
		return e.val, nil
	}
	e := &entry[T]{digest: digest, ready: make(chan struct{})}
	m[key] = e
	c.order = append(c.order, key)
	c.evictLocked()
	c.mu.Unlock()

	e.val, e.err = compile()
	if e.err != nil {
		c.mu.Lock()
		if m[key] == e {
			delete(m, key)
			for i, k := range c.order {
				if k == any(key) {
					c.order = append(c.order[:i:i], c.order[i+1:]...)
					break
				}
			}
		}
		c.mu.Unlock()
	}
	close(e.ready)
	return e.val, e.err
}

func (c *Cache) evictLocked() {
	for len(c.rules)+len(c.models) > c.max && len(c.order) > 0 {
		k := c.order[0]
		c.order = c.order[1:]
		switch k := k.(type) {
		case ruleKey:
			delete(c.rules, k)
		case int:
			delete(c.models, k)
		}
	}
}
