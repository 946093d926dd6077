package remind

import (
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

func date(t *testing.T, s string) lending.Date {
	t.Helper()
	d, err := lending.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func bill(t *testing.T, asOf string, standing lending.Standing, state lending.InstallmentState, owed int64) lending.Bill {
	in := lending.BillInstallment{Seq: 1, DueDate: date(t, "2026-12-15"), State: state}
	in.Outstanding.TotalFen = money.Fen(owed)
	return lending.Bill{AsOf: date(t, asOf), Standing: standing, Installments: []lending.BillInstallment{in}}
}

func TestTheScheduleIsDueSoonThenOverdueThenWeekly(t *testing.T) {
	cases := []struct {
		asOf string
		want Kind
	}{
		{"2026-12-11", ""}, {"2026-12-12", "due_3d"}, {"2026-12-13", "due_3d"}, {"2026-12-14", "due_1d"},
		{"2026-12-15", "due_0d"}, {"2026-12-16", "overdue_1d"}, {"2026-12-17", "overdue_1d"}, {"2026-12-18", "overdue_3d"},
		{"2026-12-21", "overdue_3d"}, {"2026-12-22", "overdue_7d"}, {"2026-12-28", "overdue_7d"}, {"2026-12-29", "overdue_14d"},
		{"2027-03-09", "overdue_84d"}, {"2027-03-16", ""},
	}
	for _, c := range cases {
		got := Notices(bill(t, c.asOf, lending.StandingRepaying, lending.InstallmentDue, 100))
		var k Kind
		if len(got) == 1 {
			k = got[0].Kind
		}
		if k != c.want {
			t.Errorf("%s: got %q, want %q", c.asOf, k, c.want)
		}
	}
}

func TestNothingOwedMeansNoNotice(t *testing.T) {
	for name, b := range map[string]lending.Bill{
		"settled": bill(t, "2026-12-15", lending.StandingSettled, lending.InstallmentPaid, 0),
		"paid":    bill(t, "2026-12-15", lending.StandingRepaying, lending.InstallmentPaid, 0),
		"zero":    bill(t, "2026-12-16", lending.StandingRepaying, lending.InstallmentOverdue, 0),
		"pending": bill(t, "2026-12-15", lending.StandingPending, lending.InstallmentNotDue, 100),
	} {
		if n := Notices(b); len(n) != 0 {
			t.Errorf("%s: %v", name, n)
		}
	}
}

func TestParamsAreNeutralAndShort(t *testing.T) {
	p := ParamsOf(Notice{Template: PastDue, DueDate: date(t, "2026-01-05"), AmountFen: 123456})
	if p[0].Value != "1234.56" || p[1].Value != "01月05日" {
		t.Fatalf("%v", p)
	}
	if v := SMSValues(p); len(v) != 2 || v[0] != "1234.56" || v[1] != "01月05日" {
		t.Fatalf("SMS variables %v", v)
	}
	for _, x := range p {
		for _, w := range []string{"催", "逾期", "法律", "起诉", "征信"} {
			if strings.Contains(x.Value, w) {
				t.Errorf("%q says %q", x.Value, w)
			}
		}
	}
}

func policy() Policy {
	return Policy{StartHour: 8, EndHour: 21, DailyMax: 2, Channels: []Channel{WeChat, SMS},
		SMS: map[Template]string{DueSoon: "1", PastDue: "2"}, WeChat: map[Template]string{DueSoon: "a", PastDue: "b"}}
}

func TestPoliciesOutsideTheBoundsAreRefused(t *testing.T) {
	bad := map[string]func(*Policy){
		"starts at 7":     func(p *Policy) { p.StartHour = 7 },
		"ends at 23":      func(p *Policy) { p.EndHour = 23 },
		"empty window":    func(p *Policy) { p.StartHour, p.EndHour = 12, 12 },
		"4 a day":         func(p *Policy) { p.DailyMax = 4 },
		"0 a day":         func(p *Policy) { p.DailyMax = 0 },
		"no channel":      func(p *Policy) { p.Channels = nil },
		"sms template":    func(p *Policy) { delete(p.SMS, PastDue) },
		"wechat template": func(p *Policy) { p.WeChat = nil },
	}
	for name, f := range bad {
		p := policy()
		f(&p)
		if p.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p := policy()
	p.EndHour = 22
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTheWindowIsShanghaiTime(t *testing.T) {
	p := policy()
	for utc, want := range map[string]bool{"2026-12-15T23:59:00Z": false, "2026-12-15T15:00:00Z": false, "2026-12-15T12:59:00Z": true,
		"2026-12-15T13:00:00Z": false, "2026-12-15T00:00:00Z": true, "2026-12-14T23:59:59Z": false} {
		tm, _ := time.Parse(time.RFC3339, utc)
		if got := p.InWindow(tm); got != want {
			t.Errorf("%s: %v", utc, got)
		}
	}
}

func TestUnknownTemplatesAndChannelsAreRefused(t *testing.T) {
	if _, err := ParseTemplates("REMIND_SMS_TEMPLATES", "due_soon=1,collection=2"); err == nil || !strings.Contains(err.Error(), `unknown message template "collection"`) {
		t.Fatal(err)
	}
	for _, s := range []string{"due_soon", "due_soon=", "=1"} {
		if _, err := ParseTemplates("X", s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	for _, s := range []string{"email", "sms,sms", ""} {
		if _, err := ParseChannels(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	for _, s := range []string{"8-21", "08:30-21:00", "08:00"} {
		if _, _, err := ParseWindow(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
