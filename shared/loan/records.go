package loan

import (
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

// Loan is a loan as stored: its status and the quote it was signed under
// (whose schedule is re-dated once the money arrives).
type Loan struct {
	ID             int64               `json:"loan_id"`
	UserID         int64               `json:"-"`
	QuoteID        string              `json:"quote_id"`
	ProductCode    string              `json:"product_code"`
	ProductVersion int                 `json:"product_version"`
	Status         Status              `json:"status"`
	StatusReason   string              `json:"status_reason,omitempty"`
	Quote          lending.QuoteResult `json:"-"`
	CreatedAt      time.Time           `json:"created_at"`
	UpdatedAt      time.Time           `json:"updated_at"`
}

// LineStatus is a credit line's status.
type LineStatus string

// Credit line statuses: only an active, unexpired line can be drawn.
const (
	LineActive  LineStatus = "active"
	LineFrozen  LineStatus = "frozen"
	LineExpired LineStatus = "expired"
)

// CreditLine is a borrower's revolving limit (授信额度): loans draw on it
// when created and give it back when cancelled or as principal is repaid.
type CreditLine struct {
	UserID       int64
	LimitFen     money.Fen
	UsedFen      money.Fen
	AnnualRateBP money.BP
	Status       LineStatus
	ExpiresAt    time.Time
}

// AvailableFen is what may still be drawn.
func (c CreditLine) AvailableFen() money.Fen { return c.LimitFen - c.UsedFen }
