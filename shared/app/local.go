//go:build wxlend_local

package app

import "github.com/wxlend/wxlend/shared/risk/risktest"

// The local stack (scripts/internal/gateway builds with LocalTag) answers
// risk data from the deterministic fake: outcomes by the keyed ID hash.
func init() { devDataProvider = risktest.Provider{} }
