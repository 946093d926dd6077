package admin

import (
	"strconv"

	"github.com/wxlend/wxlend/shared/mysql"
)

// Bar is one bar of an inline SVG chart, in the chart's own units
// (viewBox 0 0 chartW chartH): the template draws it, no script does.
type Bar struct {
	X, Y, W, H int
	Label      string
	Value      string
}

// Chart is a titled bar chart.
type Chart struct {
	Title string
	Bars  []Bar
	Empty string // shown when there is no data yet
}

const (
	chartW, chartH = 600, 200
	chartBase      = 170 // y of the baseline; labels go below it
)

// bars lays values out left to right, scaled to the largest.
func bars(labels, values []string, nums []int64) []Bar {
	var peak int64 = 1
	for _, n := range nums {
		peak = max(peak, n)
	}
	out := []Bar{}
	if len(nums) == 0 {
		return out
	}
	step := chartW / len(nums)
	w := max(step*2/3, 4)
	for i, n := range nums {
		h := int(n * (chartBase - 20) / peak)
		out = append(out, Bar{X: i*step + (step-w)/2, Y: chartBase - h, W: w, H: h, Label: labels[i], Value: values[i]})
	}
	return out
}

// charts turns the dashboard figures into three bar charts: approval rate
// by day (bp of decided), the book by DPD bucket, ops items by state.
func charts(d dashboardData) []Chart {
	mk := func(title, empty string, cs []mysql.Count, value func(c mysql.Count) (int64, string)) Chart {
		var ls, vs []string
		var ns []int64
		for _, c := range cs {
			n, v := value(c)
			ls, vs, ns = append(ls, c.Label), append(vs, v), append(ns, n)
		}
		return Chart{Title: title, Bars: bars(ls, vs, ns), Empty: empty}
	}
	return []Chart{
		mk("近30天每日通过率", "暂无已决策的授信申请", d.Approval, func(c mysql.Count) (int64, string) {
			bp := int64(0)
			if c.Of > 0 {
				bp = c.N * 10000 / c.Of
			}
			return bp, strconv.FormatInt(bp/100, 10) + "%"
		}),
		mk("在贷余额按逾期分档（笔数）", "暂无在贷贷款", d.DPD, func(c mysql.Count) (int64, string) { return c.N, strconv.FormatInt(c.N, 10) }),
		mk("运营待办按状态", "暂无运营待办", d.Ops, func(c mysql.Count) (int64, string) { return c.N, strconv.FormatInt(c.N, 10) }),
	}
}
