// Package lending is wxlend's pure lending math: loan products and their
// validation against the annual-cost cap, repayment schedules for the four
// repayment methods, the IRR-based APR (综合年化成本), quotes, early payoff,
// cooling-off, overdue penalty and payment allocation. It does no I/O, reads
// no clock (every date is an argument) and imports only the standard library
// and shared/money. Amounts are money.Fen, rates money.BP; no float ever
// holds money or a rate (the APR solver's float is only a search hint, see
// apr.go).
//
// # Conventions
//
// Rounding: every rounded quantity is rounded once, half away from zero, to
// the fen (money.MulDiv). Intermediates are exact (int64 with 128-bit
// products, or math/big).
//
// Rates: AnnualRateBP is the nominal annual rate; the monthly rate is
// exactly AnnualRateBP/120000 (annual/12), as Chinese lenders quote 月利率.
//
// Period interest: remaining principal × monthly rate, rounded half-up.
//
//   - equal_installment (等额本息): the installment PMT = P·r(1+r)^n /
//     ((1+r)^n − 1) is computed exactly with math/big and rounded half-up
//     once; principal_k = PMT − interest_k.
//   - equal_principal (等额本金): principal_k = P/n rounded half-up.
//   - interest_first (先息后本): interest every month, all principal with the
//     last installment.
//   - bullet (一次性还本付息): one installment at month n with simple interest
//     P × monthly rate × n, rounded once. A 1-month bullet equals a 1-month
//     interest_first loan.
//
// The last installment absorbs every rounding residue: its principal is
// whatever principal remains, so Σ principal = amount exactly, always. For
// equal_installment the residue (last installment − PMT) is bounded by
// ((1+r)^n − 1)/r fen + 1 fen and in practice is a few fen; every earlier
// installment's principal + interest equals PMT exactly. The library limits
// (amount ≥ 100 CNY, term ≤ 60 months, rate ≤ 36%) guarantee no principal
// part is ever negative and the balance never runs out early.
//
// Due dates: the same day of month as the start (disbursement) date, n
// months later, clamped to the end of shorter months, always counted from
// the start date and never chained: a loan started on Jan 31 is due Feb 28
// (Feb 29 in a leap year), Mar 31, Apr 30, ... Dates are calendar days in
// Asia/Shanghai (type Date); use ShanghaiDate to convert an instant.
//
// Fees: an upfront fee (rate of the amount or flat) is either deducted from
// the disbursement (the borrower receives amount − fee; principal stays the
// full amount) or added to the first installment's fee_fen. A monthly
// service fee (rate of the original amount or flat) rides on each
// installment, a bullet installment carrying all n months. Note: deducting
// fees up front (砍头息) is prohibited for cash loans by the 2017 notice
// (整治办函〔2017〕141号) and Civil Code Art. 670 forbids deducting interest from
// principal; products should leave UpfrontFeeDeducted false unless legal
// approves. The option exists because the APR disclosure must handle it.
//
// APR: the IRR of the borrower's real cash flows: +net amount received at
// month 0, −each installment total at its month (period index, not day
// count); the monthly IRR × 12, in basis points rounded half-up. The solver
// is exact (see apr.go): with no fees it equals the nominal rate to within
// fen rounding (±1 bp for realistic amounts) for equal_installment,
// equal_principal and interest_first; it is lower for a multi-month bullet
// (simple interest paid at the end); any fee raises it.
//
// Cap: the disclosed APR (and the nominal rate) must not exceed the
// configured cap: DefaultCapBP (24%), never above MaxCapBP (36%). A product
// is refused at Validate if its worst case breaks the cap; a quote is
// refused if its own APR does.
//
// # Servicing
//
// A LoanState is the signed schedule plus what was paid per installment and
// component and the penalty accrued per installment, as of a date. Relative
// to that date an installment is past_due (due date before it), due_now (the
// first installment due on or after it) or not_yet_due.
//
//   - Payoff: past-due amounts and penalty, the due_now installment's
//     principal and fee, its interest per the product's convention
//     (accrued_days: outstanding principal × rate × actual days since the
//     last due date / 360, at most the scheduled interest; full_period: the
//     scheduled interest), and the remaining principal. Interest and fees of
//     later periods are unearned and never charged.
//   - Cooling-off (冷静期): within CoolingOffDays days of the start date the
//     payoff is the outstanding principal only; interest and fees already
//     paid or deducted are credited back against it, so the loan cost nothing.
//   - Penalty (罚息): see penalty.go. Daily, actual/360, on overdue principal
//     only, after the grace days, at a rate never above the cap.
//   - Allocation: a payment is split over the 12 buckets {past_due, due_now,
//     not_yet_due} × {penalty, fee, interest, principal} in the product's
//     order, oldest installment first within a bucket; not_yet_due interest
//     and fees are never owed. What is left is refunded. allocated + refund
//     = paid, and no bucket receives more than it is owed.
//   - Partial prepayment: Reamortize then recomputes the later installments
//     from the principal still outstanding (same term and due dates, lower
//     installments), so prepaid principal stops bearing interest.
//   - Bill: NewBill splits every installment by part into scheduled =
//     paid + waived + outstanding and names its state (paid, overdue after
//     the grace days, not_due, partly_paid, due; see InstallmentState).
//
// # Errors
//
// Every failure is an *Error (or a *CapError that unwraps to one) with Code
// invalid_argument or failed_precondition, the JSON Field at fault, a stable
// Reason and a Message safe to show. Nothing panics on outside input.
package lending
