package risk

import "sort"

// Reason is a reason code with the text shown to the borrower. Texts are
// borrower-safe: they explain the decision (PIPL Art. 24) without naming a
// data source, a threshold or how fraud checks work.
type Reason struct {
	Code   string `json:"code"`
	Text   string `json:"text"`    // Chinese, shown in the mini-program
	TextEN string `json:"text_en"` // English
}

// The reason-code registry. Rxxx: policy and anti-fraud rules; Sxxx:
// scorecard; Fxxx: internal flags (recorded, never a borrower-facing
// outcome on their own). Codes are never reused for another meaning.
var reasonRegistry = map[string]Reason{}

func init() {
	for _, r := range []Reason{
		{"R001", "年龄不符合产品要求", "Age is outside the range this product accepts"},
		{"R002", "身份信息未完成核验", "Identity has not been verified"},
		{"R003", "人脸识别未通过", "Face verification was not passed"},
		{"R004", "本产品不向在校学生提供贷款", "This product is not available to students"},
		{"R005", "信用记录不符合要求", "Credit records do not meet our requirements"},
		{"R006", "近期在多家机构申请借款次数过多", "Too many recent loan applications with other lenders"},
		{"R007", "存在法院强制执行记录", "There is a court enforcement record"},
		{"R010", "设备环境存在安全风险", "The device environment is not secure"},
		{"R011", "申请过于频繁，请稍后再试", "Too many applications in a short time; please try later"},
		{"R012", "该设备关联账户过多", "Too many accounts are linked to this device"},
		{"R013", "位置信息需要进一步核实", "Location information needs further verification"},
		{"R014", "网络环境存在风险", "The network environment is not secure"},
		{"R020", "申请需人工审核", "The application needs a manual review"},
		{"S101", "手机号使用时间较短", "The mobile number has been in service for a short time"},
		{"S102", "第三方信用评分较低", "Third-party credit score is low"},
		{"S103", "缺少可用的信用评分信息", "Not enough credit information is available"},
		{"S104", "近期多平台借贷记录较多", "Many recent borrowing records across platforms"},
		{"S105", "在本平台的还款记录较少", "Limited repayment history with us"},
		{"S106", "在本平台有逾期记录", "Late payments on earlier loans with us"},
		{"S107", "近期信用查询较多", "Many recent credit inquiries"},
		{"S108", "部分信息暂时无法获取或核实", "Some information could not be obtained or verified"},
		{"S190", "综合信用评分未达到要求", "The overall credit assessment does not meet our requirements"},
		{"F301", "内部关注标记", "Internal attention flag"},
	} {
		reasonRegistry[r.Code] = r
	}
}

// LookupReason returns the registered reason for a code.
func LookupReason(code string) (Reason, bool) {
	r, ok := reasonRegistry[code]
	return r, ok
}

// Reasons lists the registry sorted by code, for the admin side.
func Reasons() []Reason {
	out := make([]Reason, 0, len(reasonRegistry))
	for _, r := range reasonRegistry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// ReasonScoreBelowThreshold is the first reason of a score-band decline.
const ReasonScoreBelowThreshold = "S190"

// ReasonMissingData is the scorecard's reason for a feature that is
// absent, unless its missing bin names another missing-data reason: it
// claims nothing about the applicant but that some information was not
// available, which is true of a new borrower (no history with us) and of a
// provider that did not answer alike.
const ReasonMissingData = "S108"

// missingDataReasons are the reasons that say only that information is
// lacking. A scorecard gives one of them, and nothing else, for a feature
// that is absent: "short phone tenure" is not true of an unknown tenure,
// nor "late payments with us" of someone without loans with us.
var missingDataReasons = map[string]bool{"S103": true, ReasonMissingData: true}
