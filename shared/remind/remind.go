// Package remind holds the rules of repayment reminders and overdue notices
// (job-remind): which notice an installment is due on a business date, the
// sending window and daily cap, the channels and their templates, and the
// interfaces the channels' adapters implement. It is domain code: no I/O.
package remind

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

// Kind is one notice of an installment's schedule: due_3d, due_1d, due_0d
// before and on the due date, then overdue_1d, overdue_3d, overdue_7d and
// weekly after it (overdue_14d, overdue_21d, ...). Each is sent at most
// once per (loan, installment, kind).
type Kind string

// Template names the text a notice is sent with. The code knows the
// templates and their parameters; configuration maps each to a provider's
// template id. Both texts are neutral service wording (README, templates).
type Template string

// Templates the code knows.
const (
	DueSoon Template = "due_soon" // the installment falls due on a date
	PastDue Template = "past_due" // the installment's due date has passed
)

// Known lists the templates in a stable order.
func Known() []Template { return []Template{DueSoon, PastDue} }

// Channel is a way to reach the borrower.
type Channel string

// Channels.
const (
	WeChat Channel = "wechat" // mini-program subscribe message to the borrower's own openid
	SMS    Channel = "sms"    // Tencent Cloud SMS to the borrower's own verified phone
)

// MaxOverdueWeeks bounds the weekly overdue notices of one installment
// (overdue_7d to overdue_84d); later, collection is people's work.
const MaxOverdueWeeks = 12

// Notice is one installment's notice due on a business date.
type Notice struct {
	Seq       int
	Kind      Kind
	Template  Template
	DueDate   lending.Date
	AmountFen money.Fen // outstanding of the installment
}

// milestone is the latest notice of the schedule reached daysPast days
// after the due date (negative: before it). A notice missed on its day
// (outside the window, over the cap, a provider failure) is still the
// current one until the next milestone replaces it, so it goes out on a
// later run; missed older ones are never sent in a burst.
func milestone(daysPast int) (Kind, Template, bool) {
	switch {
	case daysPast < -3:
		return "", "", false
	case daysPast < -1:
		return "due_3d", DueSoon, true
	case daysPast == -1:
		return "due_1d", DueSoon, true
	case daysPast == 0:
		return "due_0d", DueSoon, true
	case daysPast < 3:
		return "overdue_1d", PastDue, true
	case daysPast < 7:
		return "overdue_3d", PastDue, true
	case daysPast < 7*(MaxOverdueWeeks+1):
		return Kind(fmt.Sprintf("overdue_%dd", daysPast/7*7)), PastDue, true
	}
	return "", "", false
}

// Notices is what a loan's bill calls for on its as-of date: one notice
// per installment with something outstanding whose schedule has reached a
// milestone. A loan not being repaid (pending, settled) calls for none:
// notices stop as soon as nothing is owed.
func Notices(b lending.Bill) []Notice {
	if b.Standing != lending.StandingRepaying {
		return nil
	}
	var out []Notice
	for _, in := range b.Installments {
		if in.State == lending.InstallmentPaid || in.Outstanding.TotalFen <= 0 {
			continue
		}
		k, t, ok := milestone(b.AsOf.DaysSince(in.DueDate))
		if !ok {
			continue
		}
		out = append(out, Notice{Seq: in.Seq, Kind: k, Template: t, DueDate: in.DueDate, AmountFen: in.Outstanding.TotalFen})
	}
	return out
}

// Param is one of a notice's template parameters; Key is the WeChat
// subscribe message's data key. None is personal data.
type Param struct {
	Key   string
	Value string
	SMS   bool // also an SMS template variable ({1}, {2} in order)
}

// ParamsOf fills the template of n: the amount in yuan and the due date
// (MM月DD日: 6 characters, Tencent SMS's variable limit for new accounts),
// and a neutral note, which the SMS templates carry as fixed text.
func ParamsOf(n Notice) []Param {
	note := "请按时还款，已还请忽略"
	if n.Template == PastDue {
		note = "如有疑问请联系客服"
	}
	return []Param{
		{Key: "amount1", Value: n.AmountFen.String(), SMS: true},
		{Key: "date2", Value: fmt.Sprintf("%02d月%02d日", int(n.DueDate.Month), n.DueDate.Day), SMS: true},
		{Key: "thing3", Value: note},
	}
}

// SMSValues are the SMS template's variables among params, in order.
func SMSValues(params []Param) []string {
	var out []string
	for _, p := range params {
		if p.SMS {
			out = append(out, p.Value)
		}
	}
	return out
}

// Outcome is what a provider did with one message.
type Outcome string

// Outcomes.
const (
	Sent    Outcome = "sent"    // accepted for delivery
	Retry   Outcome = "retry"   // the provider failed; the same notice may be tried on a later run
	Refused Outcome = "refused" // not deliverable on this channel (no subscription, blacklist, limits)
)

// Result is a provider's answer: the outcome and its own code.
type Result struct {
	Outcome Outcome
	Code    string // "Ok", an error code, or a WeChat errcode
}

// SMSSender sends one templated SMS to one mainland number.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, templateID string, params []string) (Result, error)
}

// SubscribeSender sends one mini-program subscribe message to one openid.
type SubscribeSender interface {
	SendSubscribe(ctx context.Context, openid, templateID, page string, data []Param) (Result, error)
}

// Policy is job-remind's configuration (app.Config, REMIND_*).
type Policy struct {
	StartHour int // first hour of the window, Asia/Shanghai business time
	EndHour   int // the window ends at EndHour:00
	DailyMax  int // messages per borrower per business day
	Channels  []Channel
	SMS       map[Template]string // template id per template
	WeChat    map[Template]string
	SMSAppID  string
	SMSSign   string
	Page      string // mini-program page a subscribe message opens
}

// Bounds no configuration may exceed (refs/batch.md §5: no contact
// 22:00–08:00; at most 3 a day).
const (
	EarliestHour = 8
	LatestHour   = 22
	MaxPerDay    = 3
)

// Validate refuses a policy outside the bounds, with every channel's
// templates configured.
func (p Policy) Validate() error {
	var errs []string
	if p.StartHour < EarliestHour || p.EndHour > LatestHour || p.StartHour >= p.EndHour {
		errs = append(errs, fmt.Sprintf("REMIND_WINDOW must lie within %02d:00-%02d:00, got %02d:00-%02d:00", EarliestHour, LatestHour, p.StartHour, p.EndHour))
	}
	if p.DailyMax < 1 || p.DailyMax > MaxPerDay {
		errs = append(errs, fmt.Sprintf("REMIND_DAILY_MAX must be 1 to %d, got %d", MaxPerDay, p.DailyMax))
	}
	if len(p.Channels) == 0 {
		errs = append(errs, "REMIND_CHANNELS names no channel")
	}
	for _, c := range p.Channels {
		ids := p.templates(c)
		for _, t := range Known() {
			if ids[t] == "" {
				errs = append(errs, fmt.Sprintf("channel %s has no template id for %s", c, t))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remind: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (p Policy) templates(c Channel) map[Template]string {
	if c == SMS {
		return p.SMS
	}
	return p.WeChat
}

// TemplateID is c's provider template id for t.
func (p Policy) TemplateID(c Channel, t Template) string { return p.templates(c)[t] }

// InWindow reports whether t is within the sending window, in Asia/Shanghai
// business time.
func (p Policy) InWindow(t time.Time) bool {
	h := t.In(lending.Shanghai).Hour()
	return h >= p.StartHour && h < p.EndHour
}

// ParseWindow reads "HH:00-HH:00" (whole hours).
func ParseWindow(s string) (start, end int, err error) {
	a, b, ok := strings.Cut(s, "-")
	var h1, h2, m1, m2 int
	if ok {
		_, err1 := fmt.Sscanf(a, "%d:%d", &h1, &m1)
		_, err2 := fmt.Sscanf(b, "%d:%d", &h2, &m2)
		ok = err1 == nil && err2 == nil && m1 == 0 && m2 == 0
	}
	if !ok {
		return 0, 0, fmt.Errorf("REMIND_WINDOW must look like 08:00-21:00 (whole hours), got %q", s)
	}
	return h1, h2, nil
}

// ParseChannels reads "wechat,sms": the order in which channels are tried.
func ParseChannels(s string) ([]Channel, error) {
	var out []Channel
	for _, f := range strings.Split(s, ",") {
		c := Channel(strings.TrimSpace(f))
		if c != WeChat && c != SMS {
			return nil, fmt.Errorf("REMIND_CHANNELS: unknown channel %q (known: wechat, sms)", c)
		}
		for _, d := range out {
			if d == c {
				return nil, fmt.Errorf("REMIND_CHANNELS: %s named twice", c)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseTemplates reads "due_soon=ID,past_due=ID". A name the code does not
// know is refused: a template is text with parameters the code fills.
func ParseTemplates(name, s string) (map[Template]string, error) {
	out := map[Template]string{}
	for _, f := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		t := Template(strings.TrimSpace(k))
		if !ok || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("%s must look like due_soon=ID,past_due=ID, got %q", name, s)
		}
		if t != DueSoon && t != PastDue {
			return nil, fmt.Errorf("%s: unknown message template %q (known: due_soon, past_due)", name, t)
		}
		out[t] = strings.TrimSpace(v)
	}
	return out, nil
}

// MaskOpenID keeps the first and last 4 characters of an openid.
func MaskOpenID(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + "****" + s[len(s)-4:]
}
