package staff

// Kind of a maker-checker proposal.
type Kind string

// Kinds that need a second person.
const (
	KindRuleSet  Kind = "ruleset_activate"
	KindProduct  Kind = "product_publish"
	KindLimit    Kind = "credit_limit"
	KindWriteOff Kind = "loan_write_off"
	KindOps      Kind = "ops_resolve"
	KindRefund   Kind = "manual_refund"
)

// rights: the permission to propose and the (distinct) one to check.
var rights = map[Kind][2]Permission{
	KindRuleSet:  {ProposeRuleSet, CheckRuleSet},
	KindProduct:  {ProposeProduct, CheckProduct},
	KindLimit:    {ProposeLimit, CheckLimit},
	KindWriteOff: {ProposeWriteOff, CheckWriteOff},
	KindOps:      {ProposeOpsMoney, CheckOpsMoney},
	KindRefund:   {ProposeRefund, CheckRefund},
}

// Kinds lists every proposal kind.
func Kinds() []Kind {
	return []Kind{KindRuleSet, KindProduct, KindLimit, KindWriteOff, KindOps, KindRefund}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := rights[k]; return ok }

// ProposeRight is the permission a maker of k needs.
func (k Kind) ProposeRight() Permission { return rights[k][0] }

// CheckRight is the permission a checker of k needs.
func (k Kind) CheckRight() Permission { return rights[k][1] }

// Status of a proposal.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)
