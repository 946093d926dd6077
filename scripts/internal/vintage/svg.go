package vintage

import (
	"fmt"
	"html"
	"strings"
)

// Chart geometry (pixels): a plot area with margins for the axes' labels
// and a legend column on the right.
const (
	chartW, chartH           = 760, 420
	marginL, marginR         = 56, 150
	marginT, marginB         = 40, 48
	plotW, plotH             = chartW - marginL - marginR, chartH - marginT - marginB
	yTicks                   = 5
	legendRowH, legendMaxRow = 18, 18
)

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"}

// SVG draws one line per cohort: MOB on x, the cumulative share at
// threshold+ DPD on y (0 to the largest share, rounded up to a 5% step).
func (t Table) SVG(title string) string {
	top := 50 // per mille
	for _, row := range t.Share {
		for _, r := range row {
			top = max(top, r.PerMille())
		}
	}
	top = (top + 49) / 50 * 50
	cols := max(t.MaxMOB(), 2)
	x := func(m int) int { return marginL + m*plotW/(cols-1) }
	y := func(pm int) int { return marginT + plotH - pm*plotH/top }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15">%s</text>`+"\n", marginL, html.EscapeString(title))
	for i := 0; i <= yTicks; i++ {
		pm := top * i / yTicks
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>`+"\n", marginL, y(pm), marginL+plotW, y(pm))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", marginL-6, y(pm)+4, Ratio{pm, 1000})
	}
	for m := 0; m < cols; m++ {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`+"\n", x(m), marginT+plotH+18, m)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">month on book</text>`+"\n", marginL+plotW/2, chartH-8)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", marginL, marginT, plotW, plotH)
	for i, c := range t.Cohorts {
		color := palette[i%len(palette)]
		var pts []string
		for m, r := range t.Share[i] {
			if pm := r.PerMille(); pm >= 0 {
				pts = append(pts, fmt.Sprintf("%d,%d", x(m), y(pm)))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`+"\n",
			color, strings.Join(pts, " "), html.EscapeString(c))
		if i < legendMaxRow {
			ly := marginT + i*legendRowH
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", chartW-marginR+16, ly+8, chartW-marginR+36, ly+8, color)
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s (%d)</text>`+"\n", chartW-marginR+42, ly+12, html.EscapeString(c), cohortSize(t.Share[i]))
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func cohortSize(row []Ratio) int {
	if len(row) == 0 {
		return 0
	}
	return row[0].Den
}
