package monitor_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/wecom"
	"github.com/wxlend/wxlend/shared/wecom/wecomtest"
)

func TestSwung(t *testing.T) {
	for _, c := range []struct {
		cur, prev mysql.Ratio
		want      bool
	}{
		{mysql.Ratio{Part: 8, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, true},   // 40% against 100%
		{mysql.Ratio{Part: 17, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, false}, // 85%: exactly 15% down is not more than 15%
		{mysql.Ratio{Part: 16, Whole: 20}, mysql.Ratio{Part: 20, Whole: 20}, true},  // 80%
		{mysql.Ratio{Part: 12, Whole: 20}, mysql.Ratio{Part: 10, Whole: 20}, true},  // 60% against 50%: up 20%
		{mysql.Ratio{Part: 1, Whole: 5}, mysql.Ratio{Part: 20, Whole: 20}, false},   // too few decisions
		{mysql.Ratio{Part: 10, Whole: 20}, mysql.Ratio{Part: 0, Whole: 20}, false},  // no reference rate
	} {
		if got := monitor.Swung(c.cur, c.prev, 1500, 20); got != c.want {
			t.Errorf("Swung(%v, %v) = %v", c.cur, c.prev, got)
		}
	}
}

// The same alert goes to the robot once an hour, however often raised.
func TestAlertsAreSentOncePerHour(t *testing.T) {
	db := mysqltest.New(t)
	robot := &wecomtest.Fake{}
	srv := httptest.NewServer(robot)
	t.Cleanup(srv.Close)
	clk := clock.NewFixed(time.Date(2026, 3, 5, 2, 10, 0, 0, time.UTC))
	a := monitor.Alerter{DB: db.DB, Clock: clk, Log: slog.New(slog.DiscardHandler), Robot: wecom.New(srv.URL + wecomtest.Path + "?key=k")}
	ctx := context.Background()
	for range 3 {
		if err := a.Raise(ctx, "x", "title", "body"); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	if err := a.Raise(ctx, "x", "title", "body"); err != nil {
		t.Fatal(err)
	}
	as, err := mysql.Alerts{DB: db.DB}.List(ctx, 10)
	if err != nil || len(as) != 2 || as[0].Delivery != "sent" || len(robot.Messages()) != 2 || robot.Messages()[0].MsgType != "markdown" {
		t.Fatalf("alerts %+v, robot %+v (%v)", as, robot.Messages(), err)
	}
}
