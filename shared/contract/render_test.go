package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// publishedTemplates pins the SHA-256 of every published template file.
// A published template never changes (signed contracts refer to it by
// version): to change wording, add loan-v2.tmpl and pin it here.
var publishedTemplates = map[string]string{
	"loan-v1": "c6d438d332f1e9c37f46908b898e38eae44a4c33eaf616620a8903383ab249f5",
}

func sampleTerms(t *testing.T) Terms {
	t.Helper()
	s, err := lending.BuildSchedule(lending.Terms{
		AmountFen: 10_000_00, TermMonths: 12, Method: lending.EqualInstallment, AnnualRateBP: 1500,
		StartDate:  lending.Date{Year: 2026, Month: 1, Day: 31},
		UpfrontFee: lending.FeeRule{FlatFen: 50_00}, ServiceFee: lending.FeeRule{RateBP: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	apr, err := lending.APR(s)
	if err != nil {
		t.Fatal(err)
	}
	return Terms{
		ContractNo: "C202601310001", LoanID: "L202601310001",
		LenderName: "微信借款示范小额贷款有限公司", LenderUSCC: "91440300MA5DEV0001",
		BorrowerNameMasked: "张*", BorrowerIDMasked: "1101**********1234",
		Schedule: s, APRBP: apr, PenaltyRateBP: 2400, GraceDays: 3, CoolingOffDays: 7,
		SignDate: lending.Date{Year: 2026, Month: 1, Day: 31},
	}
}

func TestTemplatesArePinned(t *testing.T) {
	for _, v := range Versions() {
		b, err := templateFS.ReadFile("templates/" + v + ".tmpl")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got, want := hex.EncodeToString(sum[:]), publishedTemplates[v]; got != want {
			t.Errorf("template %s has sha256 %s, pinned %s: published templates are immutable, add a new version", v, got, want)
		}
	}
	if _, ok := templates()[CurrentVersion]; !ok {
		t.Fatalf("CurrentVersion %s is not embedded", CurrentVersion)
	}
}

func TestRenderGolden(t *testing.T) {
	doc, err := Render(CurrentVersion, sampleTerms(t))
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/" + CurrentVersion + ".golden"
	if *update {
		if err := os.WriteFile(golden, []byte(doc.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Text != string(want) {
		t.Fatalf("rendered contract differs from %s (run go test -update after reviewing the change)", golden)
	}
	sha := sha256.Sum256(want)
	sm := sm3.Sum(want)
	if doc.SHA256 != hex.EncodeToString(sha[:]) || doc.SM3 != hex.EncodeToString(sm[:]) {
		t.Fatalf("hashes are not over the exact text: %s %s", doc.SHA256, doc.SM3)
	}
	if doc.TemplateVersion != CurrentVersion {
		t.Fatalf("template version %q", doc.TemplateVersion)
	}
}

// TestRenderStable renders the same terms many times (and from a copy) and
// expects identical bytes and hashes: no map order, clock or locale leaks in.
func TestRenderStable(t *testing.T) {
	terms := sampleTerms(t)
	first, err := Render(CurrentVersion, terms)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		again, err := Render(CurrentVersion, sampleTerms(t))
		if err != nil {
			t.Fatal(err)
		}
		if again.Text != first.Text || again.SHA256 != first.SHA256 || again.SM3 != first.SM3 {
			t.Fatalf("render %d differs", i)
		}
	}
	changed := terms
	changed.ContractNo = "C202601310002"
	other, err := Render(CurrentVersion, changed)
	if err != nil {
		t.Fatal(err)
	}
	if other.SHA256 == first.SHA256 || other.SM3 == first.SM3 {
		t.Fatal("different terms, same hash")
	}
	if len(first.SHA256) != 64 || len(first.SM3) != 64 || first.SHA256 == first.SM3 {
		t.Fatalf("hash shapes: %q %q", first.SHA256, first.SM3)
	}
}

func TestRenderDiscloses(t *testing.T) {
	terms := sampleTerms(t)
	doc, err := Render(CurrentVersion, terms)
	if err != nil {
		t.Fatal(err)
	}
	s := terms.Schedule
	must := []string{
		"综合年化成本（年化利率）：" + terms.APRBP.String(),
		"年利率（单利）：15.00%",
		"人民币10,000.00元（大写：人民币壹万元整）",
		"应还款总额：人民币" + yuan(s.TotalRepayFen) + "元（大写：人民币" + UpperCNY(s.TotalRepayFen) + "）",
		"罚息年利率24.00%",
		"还款日后3日内为宽限期",
		"## 第六条 冷静期",
		"自放款日（2026年1月31日）起7日内，即至2026年2月7日（含当日）止，为冷静期",
		"只需归还借款本金",
		"还款方式：等额本息",
		"张*", "1101**********1234",
		"| 合计 | | 10,000.00 | " + yuan(s.TotalInterestFen) + " | " + yuan(s.TotalFeeFen) + " | " + yuan(s.TotalRepayFen) + " | |",
	}
	for _, in := range s.Installments {
		must = append(must, "| "+strconv.Itoa(in.Seq)+" | "+in.DueDate.String()+" | "+yuan(in.PrincipalFen)+" | "+yuan(in.InterestFen)+
			" | "+yuan(in.FeeFen)+" | "+yuan(in.TotalFen)+" | "+yuan(in.RemainingPrincipalFen)+" |")
	}
	for _, m := range must {
		if !strings.Contains(doc.Text, m) {
			t.Errorf("contract lacks %q", m)
		}
	}
	if n := strings.Count(doc.Text, SignatureKeyword); n != 1 {
		t.Errorf("signature keyword appears %d times, want exactly 1", n)
	}
	if strings.Contains(doc.Text, "<no value>") || strings.Contains(doc.Text, "{{") {
		t.Error("unrendered placeholder in the text")
	}
}

func TestRenderVariants(t *testing.T) {
	s, err := lending.BuildSchedule(lending.Terms{
		AmountFen: 5_000_00, TermMonths: 3, Method: lending.Bullet, AnnualRateBP: 1200,
		StartDate: lending.Date{Year: 2026, Month: 3, Day: 1}, UpfrontFee: lending.FeeRule{RateBP: 100}, UpfrontFeeDeducted: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	terms := sampleTerms(t)
	terms.Schedule, terms.CoolingOffDays, terms.GraceDays = s, 0, 0
	terms.SignDate = s.StartDate
	doc, err := Render(CurrentVersion, terms)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"本借款不设冷静期。", "不设宽限期", "还款方式：一次性还本付息",
		"借款人实际到账金额：人民币4,950.00元（大写：人民币肆仟玖佰伍拾元整）", "一次性服务费：人民币50.00元（大写：人民币伍拾元整），于放款时扣除"} {
		if !strings.Contains(doc.Text, m) {
			t.Errorf("contract lacks %q", m)
		}
	}
}

func TestSections(t *testing.T) {
	doc, err := Render(CurrentVersion, sampleTerms(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Sections) != 14 || doc.Sections[0].Title != "个人借款合同" || doc.Sections[1].Title != "第一条 合同当事人" ||
		doc.Sections[13].Title != "第十三条 签署" {
		t.Fatalf("sections: %d, first %q", len(doc.Sections), doc.Sections[0].Title)
	}
	for _, s := range doc.Sections {
		if s.Body == "" || strings.HasPrefix(s.Body, "\n") || strings.HasSuffix(s.Body, "\n") {
			t.Errorf("section %q has an empty or untrimmed body", s.Title)
		}
		if !strings.Contains(doc.Text, s.Body) {
			t.Errorf("section %q body is not a part of the text", s.Title)
		}
	}
	if !strings.Contains(doc.Sections[1].Body, "张*") {
		t.Error("parties section lacks the borrower")
	}
}

func TestRenderRefuses(t *testing.T) {
	mutate := map[string]func(*Terms){
		"no contract no":     func(x *Terms) { x.ContractNo = "" },
		"blank loan id":      func(x *Terms) { x.LoanID = "  " },
		"no lender":          func(x *Terms) { x.LenderName = "" },
		"bad uscc":           func(x *Terms) { x.LenderUSCC = "123" },
		"raw name":           func(x *Terms) { x.BorrowerNameMasked = "张三" },
		"raw id":             func(x *Terms) { x.BorrowerIDMasked = "110101199003071234" },
		"newline":            func(x *Terms) { x.LenderName = "甲\n## 第一条 伪造" },
		"template syntax":    func(x *Terms) { x.LoanID = "{{.APR}}" },
		"table pipe":         func(x *Terms) { x.LoanID = "L|1" },
		"not utf8":           func(x *Terms) { x.LoanID = "\xff" },
		"negative apr":       func(x *Terms) { x.APRBP = -1 },
		"apr above 36%":      func(x *Terms) { x.APRBP = 3601 },
		"penalty above 36%":  func(x *Terms) { x.PenaltyRateBP = 3601 },
		"cooling off 16":     func(x *Terms) { x.CoolingOffDays = 16 },
		"negative grace":     func(x *Terms) { x.GraceDays = -1 },
		"no sign date":       func(x *Terms) { x.SignDate = lending.Date{} },
		"signed after start": func(x *Terms) { x.SignDate = lending.Date{Year: 2026, Month: 2, Day: 1} },
		"empty schedule":     func(x *Terms) { x.Schedule = lending.Schedule{} },
		"missing row":        func(x *Terms) { x.Schedule.Installments = x.Schedule.Installments[:11] },
		"edited principal":   func(x *Terms) { x.Schedule.Installments[3].PrincipalFen++ },
		"edited total":       func(x *Terms) { x.Schedule.TotalRepayFen++ },
		"edited fee":         func(x *Terms) { x.Schedule.TotalFeeFen-- },
		"edited interest":    func(x *Terms) { x.Schedule.TotalInterestFen++ },
		"bad seq":            func(x *Terms) { x.Schedule.Installments[2].Seq = 9 },
		"dates out of order": func(x *Terms) { x.Schedule.Installments[5].DueDate = x.Schedule.StartDate },
		"unknown method":     func(x *Terms) { x.Schedule.Method = "weekly" },
		"net amount":         func(x *Terms) { x.Schedule.NetAmountFen-- },
	}
	for name, m := range mutate {
		terms := sampleTerms(t)
		m(&terms)
		doc, err := Render(CurrentVersion, terms)
		if !errors.Is(err, ErrInvalidTerms) || doc.Text != "" || doc.SHA256 != "" {
			t.Errorf("%s: err %v, text %d bytes", name, err, len(doc.Text))
		}
	}
	if _, err := Render("loan-v0", sampleTerms(t)); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestYuan(t *testing.T) {
	for f, want := range map[money.Fen]string{0: "0.00", 5: "0.05", 100: "1.00", 99999: "999.99", 100000: "1,000.00",
		123456789: "1,234,567.89", 10_000_000_000: "100,000,000.00", -100000: "-1,000.00"} {
		if got := yuan(f); got != want {
			t.Errorf("yuan(%d) = %s, want %s", f, got, want)
		}
	}
}

func TestSignRequestRedacts(t *testing.T) {
	r := SignRequest{ContractNo: "C1", SignerName: "张三", SignerMobile: "13800138000", SignerIDNumber: "110101199003071234"}
	for _, s := range []string{r.String(), r.GoString(), r.LogValue().String()} {
		if strings.Contains(s, "张三") || strings.Contains(s, "13800138000") || strings.Contains(s, "110101199003071234") {
			t.Fatalf("identity leaked: %s", s)
		}
	}
}
