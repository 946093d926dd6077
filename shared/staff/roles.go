// Package staff holds the back office's rules: roles and their
// permissions (one table), staff passwords (argon2id), TOTP second factor
// with replay protection, staff sessions (idle timeout, lockout, CSRF),
// and which maker-checker proposal needs which permission. Storage and
// HTTP are elsewhere (shared/mysql, shared/admin).
package staff

import "slices"

// Role of a staff member.
type Role string

// Roles.
const (
	Viewer      Role = "viewer"
	RiskAnalyst Role = "risk_analyst"
	RiskManager Role = "risk_manager"
	Operations  Role = "operations"
	Finance     Role = "finance"
	Admin       Role = "admin"
)

// Permission is one thing a role may do (Fineract's ACTION_ENTITY codes;
// a checker right is its own permission, as Fineract's *_CHECKER).
type Permission string

// Permissions.
const (
	ReadDashboard   Permission = "READ_DASHBOARD"
	ReadReviews     Permission = "READ_REVIEWS"
	DecideReview    Permission = "DECIDE_REVIEW"
	ReadOps         Permission = "READ_OPS"
	ResolveOps      Permission = "RESOLVE_OPS" // items that move no money; the others need a proposal
	ReadLoans       Permission = "READ_LOANS"
	SearchBorrowers Permission = "SEARCH_BORROWERS"
	UnmaskPII       Permission = "UNMASK_PII"
	ReadAudit       Permission = "READ_AUDIT"
	ReadProposals   Permission = "READ_PROPOSALS"

	ProposeRuleSet  Permission = "PROPOSE_RULESET_ACTIVATE"
	CheckRuleSet    Permission = "PROPOSE_RULESET_ACTIVATE_CHECKER"
	ProposeProduct  Permission = "PROPOSE_PRODUCT_PUBLISH"
	CheckProduct    Permission = "PROPOSE_PRODUCT_PUBLISH_CHECKER"
	ProposeLimit    Permission = "PROPOSE_CREDIT_LIMIT"
	CheckLimit      Permission = "PROPOSE_CREDIT_LIMIT_CHECKER"
	ProposeWriteOff Permission = "PROPOSE_WRITE_OFF"
	CheckWriteOff   Permission = "PROPOSE_WRITE_OFF_CHECKER"
	ProposeOpsMoney Permission = "PROPOSE_OPS_RESOLVE"
	CheckOpsMoney   Permission = "PROPOSE_OPS_RESOLVE_CHECKER"
	ProposeRefund   Permission = "PROPOSE_REFUND"
	CheckRefund     Permission = "PROPOSE_REFUND_CHECKER"
)

var readAll = []Permission{ReadDashboard, ReadReviews, ReadOps, ReadLoans, SearchBorrowers, ReadProposals}

// table is the whole authorisation model: what each role may do. A
// permission not listed for a role is refused (forbidden), and every
// admin endpoint names the one permission it needs (shared/admin), so
// this table and that list are all there is to read.
var table = map[Role][]Permission{
	Viewer:      readAll,
	RiskAnalyst: append(slices.Clone(readAll), DecideReview, ProposeRuleSet, ProposeLimit),
	RiskManager: append(slices.Clone(readAll), DecideReview, ProposeRuleSet, CheckRuleSet, ProposeLimit, CheckLimit,
		ProposeProduct, CheckProduct, UnmaskPII, ReadAudit),
	Operations: append(slices.Clone(readAll), ResolveOps, ProposeOpsMoney, ProposeRefund, ProposeWriteOff),
	Finance: append(slices.Clone(readAll), ResolveOps, CheckOpsMoney, CheckRefund, CheckWriteOff, ProposeWriteOff,
		ReadAudit),
	Admin: {ReadDashboard, ReadAudit, ReadProposals, ReadOps, ReadReviews, ReadLoans},
}

// Roles lists every role.
func Roles() []Role { return []Role{Viewer, RiskAnalyst, RiskManager, Operations, Finance, Admin} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := table[r]; return ok }

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(table[r], p) }

// Permissions lists r's permissions.
func (r Role) Permissions() []Permission { return slices.Clone(table[r]) }
