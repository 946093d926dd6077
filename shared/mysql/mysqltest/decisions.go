package mysqltest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
)

// Decided stores what the risk chain leaves behind for userID's credit
// application decided at now by the default plan, for a good applicant
// (risktest.GoodApplicant) with set's features changed: the application,
// its decision record and, on approval, the credit line. It returns the
// application's id (back-office queues and the rule-set impact read these).
func Decided(t testing.TB, db *sql.DB, userID int64, set map[string]any, now time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	plan, err := risk.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	f := risktest.GoodApplicant()
	for k, v := range set {
		if err := f.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	id, err := mysql.Applications{DB: db}.Create(ctx, mysql.Application{UserID: userID, ProductCode: "standard", Device: json.RawMessage(`{}`)},
		fmt.Sprint("fp-decided-", userID), now)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := risk.Decide(risk.DecisionInput{DecisionID: fmt.Sprint("app-", id), UserID: fmt.Sprint(userID), At: now, Features: f,
		Product: risk.ProductTerms{Code: "standard", MinAge: 22, MaxAge: 75, MinRateBP: 720, MaxRateBP: 2350}, CapBP: 2400}, plan)
	if err != nil {
		t.Fatal(err)
	}
	outcome := map[risk.Outcome]string{risk.OutcomeApprove: "approved", risk.OutcomeDecline: "declined", risk.OutcomeReview: "review"}[dec.Outcome]
	if _, err := (mysql.Applications{DB: db}).Decide(ctx, mysql.Decided{ApplicationID: id, UserID: userID, Outcome: outcome, LimitFen: dec.LimitFen,
		AnnualRateBP: dec.AnnualRateBP, Arm: dec.Arm, RuleSetVersion: dec.RuleSetVersion, ModelVersion: dec.ModelVersion, Record: dec,
		ExpiresAt: now.AddDate(1, 0, 0)}, now); err != nil {
		t.Fatal(err)
	}
	return id
}
