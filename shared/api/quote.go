package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// QuoteInput is a parsed POST /v1/loans/quote body.
type QuoteInput struct {
	AmountFen   money.Fen
	TermMonths  int
	Method      lending.Method
	ProductCode string
}

var productCode = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// ParseQuoteRequest reads {amount_fen, term_months, method[, product_code]}.
// Money and terms must be JSON integers (100.0, "100" and 1e2 are refused:
// a client that sends them has a bug worth hearing about). Errors are
// invalid_argument naming the field.
func ParseQuoteRequest(body []byte) (QuoteInput, error) {
	var raw map[string]json.RawMessage
	if err := scf.DecodeBytes(body, &raw); err != nil {
		return QuoteInput{}, err
	}
	var in QuoteInput
	amount, err := intField(raw, "amount_fen", 1, 1<<53)
	if err != nil {
		return in, err
	}
	term, err := intField(raw, "term_months", 1, 600)
	if err != nil {
		return in, err
	}
	in.AmountFen, in.TermMonths = money.Fen(amount), int(term)
	method, err := stringField(raw, "method", true)
	if err != nil {
		return in, err
	}
	if in.Method = lending.Method(method); !in.Method.Valid() {
		return in, apierr.Invalid("method", "unknown", "method must be equal_installment, equal_principal, interest_first or bullet")
	}
	if in.ProductCode, err = stringField(raw, "product_code", false); err != nil {
		return in, err
	}
	if in.ProductCode == "" {
		in.ProductCode = DefaultProduct
	} else if !productCode.MatchString(in.ProductCode) {
		return in, apierr.Invalid("product_code", "format", "product_code is not a product code")
	}
	return in, nil
}

// DefaultProduct is quoted when the request names none.
const DefaultProduct = "standard"

func intField(raw map[string]json.RawMessage, name string, min, max int64) (int64, error) {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		return 0, apierr.Invalid(name, "required", name+" is required")
	}
	s := string(bytes.TrimSpace(v))
	if strings.ContainsAny(s, ".eE\"") {
		return 0, apierr.Invalid(name, "type", name+" must be an integer")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, apierr.Invalid(name, "type", name+" must be an integer")
	}
	if n < min || n > max {
		return 0, apierr.Invalid(name, "range", name+" is out of range")
	}
	return n, nil
}

func stringField(raw map[string]json.RawMessage, name string, required bool) (string, error) {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		if required {
			return "", apierr.Invalid(name, "required", name+" is required")
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", apierr.Invalid(name, "type", name+" must be a string")
	}
	return s, nil
}

// quoteResponse is api.md's quote: the schedule and APR plus id and expiry.
type quoteResponse struct {
	QuoteID   string `json:"quote_id"`
	ExpiresAt string `json:"expires_at"`
	lending.QuoteResult
}

// Quote is loan-quote (POST /v1/loans/quote, signed). It prices the request
// under the product's active version at the borrower's rate, refuses a
// price over the cap (failed_precondition, with a reason to show), and
// stores the quote: a loan is later created from quote_id, so the signed
// terms are exactly the quoted ones.
func Quote(a *app.App) http.Handler {
	return Route("POST /v1/loans/quote", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		body, err := scf.ReadBody(r)
		if err != nil {
			return err
		}
		in, err := ParseQuoteRequest(body)
		if err != nil {
			return err
		}
		ctx := r.Context()
		pv, err := mysql.Products{DB: a.DB}.Active(ctx, in.ProductCode)
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		rate, err := borrowerRate(ctx, a, SessionFrom(ctx).UserID, pv.Product, in.AmountFen)
		if err != nil {
			return err
		}
		req := lending.QuoteRequest{AmountFen: in.AmountFen, TermMonths: in.TermMonths, Method: in.Method, AnnualRateBP: rate}
		res, err := lending.Quote(pv.Product, req, lending.ShanghaiDate(now), money.BP(a.Cfg.RateCapBP))
		if err != nil {
			return err
		}
		q := mysql.StoredQuote{ID: scf.NewID(), UserID: SessionFrom(ctx).UserID, ProductVersion: pv.Version, Result: res,
			CreatedAt: now, ExpiresAt: now.Add(a.Cfg.QuoteTTL).Truncate(time.Second)}
		if err := (mysql.Quotes{DB: a.DB}).Create(ctx, q); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, quoteResponse{QuoteID: q.ID, ExpiresAt: q.ExpiresAt.Format(time.RFC3339), QuoteResult: res})
		return nil
	})))
}

// borrowerRate is the nominal rate quoted to the borrower: the risk-based
// rate of their credit line, kept within the product's range; the
// product's list (maximum) rate for a borrower without a line (a quote is
// only an illustration then: loan-create needs a line). An amount above
// the line's available credit is refused here already.
func borrowerRate(ctx context.Context, a *app.App, userID int64, p lending.Product, amount money.Fen) (money.BP, error) {
	line, err := mysql.CreditLines{DB: a.DB}.Get(ctx, userID)
	if apierr.CodeOf(err) == apierr.NotFound {
		return p.MaxAnnualRateBP, nil
	}
	if err != nil {
		return 0, err
	}
	if line.Status == loan.LineActive && amount > line.AvailableFen() {
		return 0, &apierr.Error{Code: apierr.FailedPrecondition, Field: "amount_fen", Reason: "insufficient_credit", Message: "the amount exceeds the available credit"}
	}
	return min(max(line.AnnualRateBP, p.MinAnnualRateBP), p.MaxAnnualRateBP), nil
}
