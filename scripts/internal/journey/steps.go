package journey

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wxlend/wxlend/shared/api/apitest"
)

// Approve onboards a fresh borrower (Onboard, then the bank card) and
// applies for credit with device fingerprint; it answers the approved limit
// or an error for any other decision. phone is the borrower's own
// (verified) number; idNumber must approve (gateway.DevID with '9').
func Approve(ctx context.Context, c *apitest.Client, user, name, idNumber, card, phone string) (limitFen int64, err error) {
	if err := Onboard(ctx, c, user, name, idNumber, phone); err != nil {
		return 0, err
	}
	if err := expectOK(c.Post(ctx, "/v1/kyc/bank-card", map[string]string{"card_number": card, "phone": phone})); err != nil {
		return 0, fmt.Errorf("bank card: %w", err)
	}
	var app struct {
		ApplicationID int64  `json:"application_id"`
		Status        string `json:"status"`
		LimitFen      int64  `json:"limit_fen"`
		AnnualRateBP  int64  `json:"annual_rate_bp"`
	}
	device := map[string]any{"fingerprint_id": "device-" + user + "-0123456789"}
	if err := callJSON(ctx, c, "POST", "/v1/credit/applications", map[string]any{"device": device, "captcha": DevCaptcha()}, nil, &app); err != nil {
		return 0, err
	}
	if err := poll(ctx, 10*time.Second, func() (bool, error) {
		err := callJSON(ctx, c, "GET", fmt.Sprintf("/v1/credit/decisions/%d", app.ApplicationID), nil, nil, &app)
		return app.Status != "pending", err
	}); err != nil || app.Status != "approved" {
		return 0, fmt.Errorf("credit application %d: %s %v", app.ApplicationID, app.Status, err)
	}
	return app.LimitFen, nil
}

// DevCaptcha is a captcha answer the local stack's captcha fake passes
// once (tcloudtest's fixtures).
func DevCaptcha() map[string]string {
	return map[string]string{"ticket": "dev-pass-" + apitest.NewNonce(), "randstr": "@dev"}
}

// Borrow quotes amountFen over termMonths (equal installments), takes the
// loan, signs the contract in the e-sign fake and confirms the transfer in
// the WeChat Pay fake; it answers the active loan's id.
func Borrow(ctx context.Context, c *apitest.Client, base string, out io.Writer, amountFen int64, termMonths int) (int64, error) {
	loanID, err := quoteAndTake(ctx, c, out, amountFen, termMonths)
	if err != nil {
		return 0, err
	}
	return loanID, signAndDisburse(ctx, c, base, out, loanID)
}

// GetJSON reads a borrower GET (or a /_local one through c) into v.
func GetJSON(ctx context.Context, c *apitest.Client, path string, v any) error {
	return callJSON(ctx, c, "GET", path, nil, nil, v)
}

// LocalPost posts {} to a /_local URL; a 409 wraps ErrConflict.
func LocalPost(url string) error { return localPost(url) }

// ErrConflict marks a local endpoint's 409 (wrong state).
var ErrConflict = errConflict
