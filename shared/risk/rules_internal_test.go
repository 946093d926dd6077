package risk

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
)

// TestCompilerFailureIsInternalNotTheAuthorsFault: a rule the compiler
// fails on (ruleexpr.ErrInternal) is reported by Compile as an internal
// error, not as a problem of the submitted rule set (invalid_argument).
func TestCompilerFailureIsInternalNotTheAuthorsFault(t *testing.T) {
	err := compilerBug(3, "R4", fmt.Errorf("%w: runtime error: index out of range", ruleexpr.ErrInternal))
	var ce *CompileError
	if errors.As(err, &ce) || errors.Is(err, ErrInvalidRuleSet) {
		t.Fatalf("%v is a refusal of the rule set", err)
	}
	if !errors.Is(err, ruleexpr.ErrInternal) || !strings.Contains(err.Error(), "rule 3 (R4)") {
		t.Errorf("the log loses the detail: %v", err)
	}
	if pub := apierr.Public(err); apierr.CodeOf(err) != apierr.Internal || strings.Contains(pub.Message, "index") {
		t.Errorf("a client would see %+v", pub)
	}
}
