package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

type quoteBody struct {
	QuoteID          string    `json:"quote_id"`
	ExpiresAt        time.Time `json:"expires_at"`
	AmountFen        int64     `json:"amount_fen"`
	TermMonths       int       `json:"term_months"`
	AnnualRateBP     int64     `json:"annual_rate_bp"`
	APRBP            int64     `json:"apr_bp"`
	TotalInterestFen int64     `json:"total_interest_fen"`
	TotalRepayFen    int64     `json:"total_repay_fen"`
	Installments     []struct {
		Seq          int    `json:"seq"`
		DueDate      string `json:"due_date"`
		PrincipalFen int64  `json:"principal_fen"`
		TotalFen     int64  `json:"total_fen"`
	} `json:"installments"`
}

func quoteStack(t *testing.T, capBP int) (*stack, *apptest.Env) {
	s := newStack(t, apptest.Options{})
	if capBP > 0 {
		s.env.App.Cfg.RateCapBP = capBP
	}
	srv := scftest.Server(t, s.env.App.Log, scftest.Route{Pattern: "POST /v1/loans/quote", Handler: api.Quote(s.env.App)},
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(s.env.App)})
	s.url = srv.URL
	return s, s.env
}

func TestQuoteIsExactAndStored(t *testing.T) {
	s, env := quoteStack(t, 0)
	c := s.client(t, "quinn")
	for _, method := range []string{"equal_installment", "equal_principal", "interest_first", "bullet"} {
		resp, err := c.Post(context.Background(), "/v1/loans/quote", map[string]any{"amount_fen": 1000000, "term_months": 12, "method": method})
		want(t, resp, err, 200, "")
		var q quoteBody
		if err := resp.Decode(&q); err != nil {
			t.Fatal(err)
		}
		var principal, total int64
		for _, in := range q.Installments {
			principal += in.PrincipalFen
			total += in.TotalFen
		}
		if len(q.Installments) != 12 && method != "bullet" || principal != 1000000 || total != q.TotalRepayFen || q.AnnualRateBP != 2350 {
			t.Fatalf("%s: %d installments, principal %d, total %d vs %d, rate %d", method, len(q.Installments), principal, total, q.TotalRepayFen, q.AnnualRateBP)
		}
		if q.APRBP > 2400 || (method != "bullet" && (q.APRBP < 2349 || q.APRBP > 2351)) {
			t.Fatalf("%s: apr %d", method, q.APRBP)
		}
		if d := q.ExpiresAt.Sub(env.Clock.Now()); d > 30*time.Minute || d <= 30*time.Minute-time.Second {
			t.Fatalf("expires in %v", d)
		}
		stored, err := mysql.Quotes{DB: env.DB.DB}.Get(context.Background(), q.QuoteID, c.UserID)
		if err != nil || stored.Result.TotalRepayFen != money.Fen(q.TotalRepayFen) || stored.ProductVersion != 1 {
			t.Fatalf("stored %+v %v", stored, err)
		}
		if _, err := (mysql.Quotes{DB: env.DB.DB}).Get(context.Background(), q.QuoteID, c.UserID+1); apierr.CodeOf(err) != apierr.NotFound {
			t.Fatalf("another user's quote: %v", err)
		}
	}
}

func TestQuoteRefusals(t *testing.T) {
	s, _ := quoteStack(t, 0)
	c := s.client(t, "ruth")
	cases := []struct {
		body  any
		code  string
		field string
	}{
		{map[string]any{"amount_fen": 100, "term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"amount_fen": 30000000, "term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"amount_fen": 100000, "term_months": 7, "method": "bullet"}, "invalid_argument", "term_months"},
		{map[string]any{"amount_fen": 100000, "term_months": 12, "method": "balloon"}, "invalid_argument", "method"},
		{map[string]any{"amount_fen": 100000.5, "term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"amount_fen": "100000", "term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"amount_fen": 100000, "method": "bullet"}, "invalid_argument", "term_months"},
		{map[string]any{"amount_fen": 100000, "term_months": 12}, "invalid_argument", "method"},
		{map[string]any{"amount_fen": -5, "term_months": 12, "method": "bullet"}, "invalid_argument", "amount_fen"},
		{map[string]any{"amount_fen": 100000, "term_months": 12, "method": "bullet", "product_code": "nope"}, "not_found", ""},
		{[]byte(`{"amount_fen":1e6,"term_months":12,"method":"bullet"}`), "invalid_argument", "amount_fen"},
	}
	for _, tc := range cases {
		resp, err := c.Post(context.Background(), "/v1/loans/quote", tc.body)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Field string }
		_ = resp.Decode(&e)
		if e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%v: %d %s", tc.body, resp.Status, resp.Body)
		}
	}
	if n := s.count(t, "quotes"); n != 0 {
		t.Fatalf("refused quotes stored %d rows", n)
	}
}

func TestQuoteOverCapIsFailedPrecondition(t *testing.T) {
	s, _ := quoteStack(t, 2000) // the product's 23.5% list rate breaks a 20% cap
	c := s.client(t, "sam")
	resp, err := c.Post(context.Background(), "/v1/loans/quote", map[string]any{"amount_fen": 1000000, "term_months": 12, "method": "equal_installment"})
	want(t, resp, err, 409, "failed_precondition")
	var e struct{ Reason, Message string }
	_ = resp.Decode(&e)
	if e.Reason == "" || e.Message == "" {
		t.Fatalf("no reason to show: %s", resp.Body)
	}
}

func TestProductsPublishEnforcesCap(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	store := mysql.Products{DB: env.DB.DB}
	ctx := context.Background()
	pv, err := store.Active(ctx, "standard")
	if err != nil {
		t.Fatal(err)
	}
	if err := pv.Product.Validate(lending.DefaultCapBP); err != nil {
		t.Fatalf("the seeded product breaks the cap: %v", err)
	}
	expensive := pv.Product
	expensive.ServiceFee = lending.FeeRule{RateBP: 50} // 0.5% a month on top of 23.5% a year
	if _, err := store.Publish(ctx, expensive, lending.DefaultCapBP, env.Clock.Now()); apierr.CodeOf(err) != apierr.FailedPrecondition || !errors.Is(err, lending.ErrAPRAboveCap) {
		t.Fatalf("over-cap product: %v", err)
	}
	cheaper := pv.Product
	cheaper.MaxAnnualRateBP = 1800
	v, err := store.Publish(ctx, cheaper, lending.DefaultCapBP, env.Clock.Now())
	if err != nil || v != 2 {
		t.Fatalf("publish: %d %v", v, err)
	}
	if cur, _ := store.Active(ctx, "standard"); cur.Version != 2 || cur.MaxAnnualRateBP != 1800 {
		t.Fatalf("active %+v", cur)
	}
	if old, _ := store.Version(ctx, "standard", 1); old.MaxAnnualRateBP != 2350 {
		t.Fatal("version 1 changed")
	}
}

func FuzzParseQuoteRequest(f *testing.F) {
	for _, s := range []string{`{"amount_fen":100000,"term_months":12,"method":"bullet"}`, `{"amount_fen":1.5}`, `[]`, `{"method":null}`, `{"amount_fen":99999999999999999999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := api.ParseQuoteRequest(body)
		if err != nil {
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != apierr.InvalidArgument || e.Field == "" {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if in.AmountFen < 1 || in.TermMonths < 1 || !in.Method.Valid() || in.ProductCode == "" {
			t.Fatalf("%q accepted as %+v", body, in)
		}
	})
}
