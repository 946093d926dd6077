package risk_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
)

func TestCacheCompilesOnce(t *testing.T) {
	c := risk.NewCache(8)
	rs := risk.DefaultRuleSet()
	var wg sync.WaitGroup
	got := make([]*risk.CompiledRuleSet, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crs, err := c.CompileRuleSet(rs)
			if err != nil {
				t.Error(err)
			}
			got[i] = crs
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Fatal("compiled more than once")
		}
	}
	if cached, ok := c.RuleSet("champion", 1); !ok || cached != got[0] {
		t.Error("lookup missed")
	}
	m1, err := c.CompileModel(risk.DefaultModel())
	if err != nil {
		t.Fatal(err)
	}
	if m2, _ := c.Model(1); m2 != m1 {
		t.Error("model lookup missed")
	}
}

func TestCacheRefusesEditInPlace(t *testing.T) {
	c := risk.NewCache(8)
	rs := risk.DefaultRuleSet()
	if _, err := c.CompileRuleSet(rs); err != nil {
		t.Fatal(err)
	}
	rs.Rules[5].Expr = "multi_platform_apps_3m > 20"
	if _, err := c.CompileRuleSet(rs); !errors.Is(err, risk.ErrEditedInPlace) {
		t.Errorf("edited rule set: %v", err)
	}
	rs.Status = risk.StatusRetired
	rs.Rules[5].Expr = risk.DefaultRuleSet().Rules[5].Expr
	if _, err := c.CompileRuleSet(rs); err != nil {
		t.Errorf("status change is not an edit: %v", err)
	}
	m := risk.DefaultModel()
	if _, err := c.CompileModel(m); err != nil {
		t.Fatal(err)
	}
	m.BasePoints++
	if _, err := c.CompileModel(m); !errors.Is(err, risk.ErrEditedInPlace) {
		t.Errorf("edited model: %v", err)
	}
}

func TestCacheErrorsAndEviction(t *testing.T) {
	c := risk.NewCache(2)
	bad := oneRule("nope > 1")
	if _, err := c.CompileRuleSet(bad); !errors.Is(err, risk.ErrInvalidRuleSet) {
		t.Fatal(err)
	}
	if _, ok := c.RuleSet("t", 1); ok {
		t.Error("a failed compile was cached")
	}
	bad.Rules[0].Expr = "age > 1"
	if _, err := c.CompileRuleSet(bad); err != nil {
		t.Errorf("fixed rule set refused after a failure: %v", err)
	}
	for v := 1; v <= 3; v++ {
		rs := risk.DefaultRuleSet()
		rs.Version = v
		if _, err := c.CompileRuleSet(rs); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := c.RuleSet("champion", 1); ok {
		t.Error("oldest entry not evicted")
	}
	if _, ok := c.RuleSet("champion", 3); !ok {
		t.Error("newest entry evicted")
	}
}
