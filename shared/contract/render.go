package contract

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/emmansun/gmsm/sm3"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// CurrentVersion is the template new contracts are rendered with. Contracts
// already signed keep the version stored with them.
const CurrentVersion = "loan-v1"

// Document is a rendered contract. Text is what the borrower signs; SHA256
// and SM3 are lowercase hex digests of its exact UTF-8 bytes; Sections is
// the same text split at its headings for display (api.md contract-get:
// {contract_id, template_version, sha256, sections, sign_url}).
type Document struct {
	TemplateVersion string    `json:"template_version"`
	Text            string    `json:"-"`
	Sections        []Section `json:"sections"`
	SHA256          string    `json:"sha256"`
	SM3             string    `json:"sm3"`
}

// Section is one heading of the contract and the text under it.
type Section struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Versions lists the embedded template versions, sorted.
func Versions() []string {
	out := make([]string, 0, len(templates()))
	for v := range templates() {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

var templates = sync.OnceValue(func() map[string]*template.Template {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic("contract: " + err.Error())
	}
	out := map[string]*template.Template{}
	for _, e := range entries {
		version := strings.TrimSuffix(e.Name(), ".tmpl")
		b, _ := templateFS.ReadFile("templates/" + e.Name())
		// A bad published template is a build defect: fail at first use in
		// every environment (and in the tests), never per request.
		out[version] = template.Must(template.New(version).Option("missingkey=error").Parse(string(b)))
	}
	return out
})

// Render renders terms with template tmplVersion (e.g. CurrentVersion).
// Errors: ErrUnknownTemplate, or ErrInvalidTerms naming the first missing
// or inconsistent term; in both cases no Document is returned.
func Render(tmplVersion string, terms Terms) (Document, error) {
	tmpl, ok := templates()[tmplVersion]
	if !ok {
		return Document{}, fmt.Errorf("%w: %q", ErrUnknownTemplate, tmplVersion)
	}
	if err := terms.validate(); err != nil {
		return Document{}, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, newView(tmplVersion, terms)); err != nil {
		return Document{}, fmt.Errorf("%w: render %s: %v", ErrInvalidTerms, tmplVersion, err)
	}
	text := buf.String()
	sha := sha256.Sum256(buf.Bytes())
	sm := sm3.Sum(buf.Bytes())
	return Document{
		TemplateVersion: tmplVersion,
		Text:            text,
		Sections:        splitSections(text),
		SHA256:          hex.EncodeToString(sha[:]),
		SM3:             hex.EncodeToString(sm[:]),
	}, nil
}

// SectionsOf splits a stored document's text back into its sections.
func SectionsOf(text string) []Section { return splitSections(text) }

// splitSections cuts the text at "## " headings. The part before the first
// one is a section titled by the "# " document title.
func splitSections(text string) []Section {
	var out []Section
	cur := Section{}
	var body []string
	flush := func() {
		cur.Body = strings.Trim(strings.Join(body, "\n"), "\n")
		if cur.Title != "" || cur.Body != "" {
			out = append(out, cur)
		}
		body = body[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			cur = Section{Title: strings.TrimPrefix(line, "## ")}
		case strings.HasPrefix(line, "# ") && len(out) == 0 && cur.Title == "":
			cur.Title = strings.TrimPrefix(line, "# ")
		default:
			body = append(body, line)
		}
	}
	flush()
	return out
}

// view is the template's data: every value preformatted here, so templates
// hold wording only and formatting has one implementation.
type view struct {
	TemplateVersion, ContractNo, LoanID, LenderName, LenderUSCC, BorrowerName, BorrowerID string

	Amount, AmountUpper, NetAmount, NetAmountUpper       string
	UpfrontFee, UpfrontFeeUpper                          string
	ServiceFees, ServiceFeesUpper                        string
	TotalInterest, TotalInterestUpper                    string
	TotalFee, TotalFeeUpper, TotalRepay, TotalRepayUpper string
	HasUpfrontFee, UpfrontDeducted                       bool

	TermMonths                                  int
	MethodName, MethodDesc                      string
	AnnualRate, APR, PenaltyRate                string
	StartDate, EndDate, SignDate                string
	HasCoolingOff, HasGrace                     bool
	CoolingOffDays, GraceDays                   int
	CoolingOffEnd                               string
	Rows                                        []row
	SumPrincipal, SumInterest, SumFee, SumTotal string
}

type row struct {
	Seq                                                 int
	DueDate, Principal, Interest, Fee, Total, Remaining string
}

func newView(version string, t Terms) view {
	s := t.Schedule
	service := s.TotalFeeFen - s.UpfrontFeeFen
	v := view{
		TemplateVersion: version, ContractNo: t.ContractNo, LoanID: t.LoanID,
		LenderName: t.LenderName, LenderUSCC: t.LenderUSCC,
		BorrowerName: t.BorrowerNameMasked, BorrowerID: t.BorrowerIDMasked,
		Amount: yuan(s.AmountFen), AmountUpper: UpperCNY(s.AmountFen),
		NetAmount: yuan(s.NetAmountFen), NetAmountUpper: UpperCNY(s.NetAmountFen),
		UpfrontFee: yuan(s.UpfrontFeeFen), UpfrontFeeUpper: UpperCNY(s.UpfrontFeeFen),
		ServiceFees: yuan(service), ServiceFeesUpper: UpperCNY(service),
		TotalInterest: yuan(s.TotalInterestFen), TotalInterestUpper: UpperCNY(s.TotalInterestFen),
		TotalFee: yuan(s.TotalFeeFen), TotalFeeUpper: UpperCNY(s.TotalFeeFen),
		TotalRepay: yuan(s.TotalRepayFen), TotalRepayUpper: UpperCNY(s.TotalRepayFen),
		HasUpfrontFee: s.UpfrontFeeFen > 0, UpfrontDeducted: s.UpfrontFeeDeducted && s.UpfrontFeeFen > 0,
		TermMonths: s.TermMonths, MethodName: methodNames[s.Method], MethodDesc: methodDescs[s.Method],
		AnnualRate: s.AnnualRateBP.String(), APR: t.APRBP.String(), PenaltyRate: t.PenaltyRateBP.String(),
		StartDate: chineseDate(s.StartDate), EndDate: chineseDate(s.Installments[len(s.Installments)-1].DueDate),
		SignDate:      chineseDate(t.SignDate),
		HasCoolingOff: t.CoolingOffDays > 0, CoolingOffDays: t.CoolingOffDays,
		CoolingOffEnd: chineseDate(s.StartDate.AddDays(t.CoolingOffDays)),
		HasGrace:      t.GraceDays > 0, GraceDays: t.GraceDays,
	}
	var sp, si, sf, st money.Fen
	for _, in := range s.Installments {
		v.Rows = append(v.Rows, row{Seq: in.Seq, DueDate: in.DueDate.String(), Principal: yuan(in.PrincipalFen),
			Interest: yuan(in.InterestFen), Fee: yuan(in.FeeFen), Total: yuan(in.TotalFen), Remaining: yuan(in.RemainingPrincipalFen)})
		sp, si, sf, st = sp+in.PrincipalFen, si+in.InterestFen, sf+in.FeeFen, st+in.TotalFen
	}
	v.SumPrincipal, v.SumInterest, v.SumFee, v.SumTotal = yuan(sp), yuan(si), yuan(sf), yuan(st)
	return v
}

var methodNames = map[lending.Method]string{
	lending.EqualInstallment: "等额本息",
	lending.EqualPrincipal:   "等额本金",
	lending.InterestFirst:    "先息后本",
	lending.Bullet:           "一次性还本付息",
}

var methodDescs = map[lending.Method]string{
	lending.EqualInstallment: "每期偿还的本金和利息之和相同（最后一期因分位取整可能略有差异），利息按剩余本金计算。",
	lending.EqualPrincipal:   "每期偿还相同的本金（最后一期因分位取整可能略有差异），利息按剩余本金计算，每期还款额逐期递减。",
	lending.InterestFirst:    "每期偿还当期利息，最后一期偿还全部本金及当期利息。",
	lending.Bullet:           "到期一次性偿还全部本金和利息，利息按借款金额、月利率和借款月数计算。",
}

// yuan formats fen as yuan with thousands separators and two decimals:
// 1000000 → "10,000.00". Amounts here are never negative (validated).
func yuan(f money.Fen) string {
	s := f.String()
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// chineseDate writes 2026-03-05 as 2026年3月5日.
func chineseDate(d lending.Date) string {
	return strconv.Itoa(d.Year) + "年" + strconv.Itoa(int(d.Month)) + "月" + strconv.Itoa(d.Day) + "日"
}
