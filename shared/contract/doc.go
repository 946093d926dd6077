// Package contract renders wxlend's loan contract (个人借款合同) from a
// versioned template and the structured terms of a quote, and names what
// the e-sign adapter must do (Signer) without depending on it.
//
// Why it is built this way:
//
//   - A contract is evidence. The borrower signs a text, and years later
//     wxlend must show that text byte for byte. So rendering is
//     deterministic (same terms → same bytes → same SHA-256 and SM3), the
//     hashes are taken over the exact UTF-8 text, and published templates
//     never change: a change is a new version file (loan-v2.tmpl), and a
//     test pins every published template's hash.
//   - A half-rendered contract must never reach a borrower. Render checks
//     every term first (required fields, a schedule whose sums add up, a
//     sign date not after the start date) and renders into a buffer; any
//     failure is an error wrapping ErrInvalidTerms and no Document.
//   - The text carries no raw personal information. The borrower's name
//     and ID number arrive already masked (张*, 1101**********1234) and are
//     refused if they are not; the full identity is bound by the e-sign
//     service, which verifies the signer's name, ID and face before the
//     signature (SignRequest), not by the text.
//   - Money in a contract is stated twice, in figures with two decimals and
//     in Chinese financial uppercase (UpperCNY), so neither can be altered
//     alone; rates are percentages with two decimals, and the IRR-based
//     annual cost (综合年化成本), the full schedule and the cooling-off
//     clause (冷静期) are always in the text.
//
// The package is pure: standard library, gmsm's SM3, shared/lending and
// shared/money. It reads no clock and does no I/O.
package contract
