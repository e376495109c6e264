package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Chart geometry, in pixels.
const (
	chartWidth = 900
	labelRight = 380 // labels end here, bars start after a gap
	barLeft    = 390
	barWidth   = 420
	barHeight  = 20
	barGap     = 6
	groupGap   = 30
)

// barColors by tool kind; the 2-backend bound is lighter than the other baselines.
var barColors = map[toolKind]string{baseline: "#6b7280", ours: "#2563eb", peer: "#ea580c"}

// bar is one row of the chart: median rows/s with a min–max whisker.
type bar struct {
	label, note   string // note replaces the bar when the tool has no passing run
	med, lo, hi   float64
	color         string
	isGroupHeader bool
}

// writeChart writes testdata/bench/<workload>.svg, a horizontal bar chart of rows/s
// per tool and variant, and returns its path relative to the report for embedding.
func writeChart(b *bench, r *workloadResult) (string, error) {
	path := filepath.Join(b.cfg.root, "testdata", "bench", r.w.key+".svg")
	svg := renderChart(fmt.Sprintf("%s: rows/s, median of %d (whisker: min–max), %s rows", r.w.title, b.cfg.reps, commas(r.data.rows)),
		chartBars(r))
	if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
		return "", err
	}
	rel, err := filepath.Rel(filepath.Dir(b.cfg.out), path)
	if err != nil {
		return path, nil
	}
	return filepath.ToSlash(rel), nil
}

// chartBars lists the bars of every variant, each group under a header.
func chartBars(r *workloadResult) []bar {
	var bars []bar
	rows := float64(r.data.rows)
	for _, vr := range r.variants {
		bars = append(bars, bar{label: vr.v.title, isGroupHeader: true})
		for _, tr := range vr.tools {
			b := bar{label: label(tr.t), color: barColors[tr.t.kind]}
			if tr.t.key == "server-copy-2" {
				b.color = "#9ca3af"
			}
			st, ok := tr.stats()
			switch {
			case tr.status != "":
				b.note = tr.status
			case !ok:
				b.note = "FAILED"
			default:
				b.med, b.lo, b.hi = rows/st.median, rows/st.hi, rows/st.lo
			}
			bars = append(bars, b)
		}
	}
	return bars
}

// renderChart draws the bars as an SVG document.
func renderChart(title string, bars []bar) string {
	top := 50
	height := top + 40
	for _, b := range bars {
		height += rowStep(b)
	}
	scale := niceMax(bars)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&sb, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&sb, `<text x="10" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	drawGrid(&sb, scale, top, height-30)
	y := top
	for _, b := range bars {
		drawBar(&sb, b, y, scale)
		y += rowStep(b)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

func rowStep(b bar) int {
	if b.isGroupHeader {
		return groupGap
	}
	return barHeight + barGap
}

// drawGrid draws vertical grid lines with rows/s labels at nice steps up to scale.
func drawGrid(sb *strings.Builder, scale float64, top, bottom int) {
	step := niceStep(scale / 5)
	for v := 0.0; v <= scale*1.0001; v += step {
		x := barLeft + int(v/scale*barWidth)
		fmt.Fprintf(sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e5e7eb"/>`+"\n", x, top, x, bottom)
		fmt.Fprintf(sb, `<text x="%d" y="%d" text-anchor="middle" fill="#6b7280">%s</text>`+"\n", x, bottom+15, html.EscapeString(fmtRate(v)))
	}
}

// drawBar draws one row: a group header, or a label with a bar, whisker and value.
func drawBar(sb *strings.Builder, b bar, y int, scale float64) {
	label := html.EscapeString(b.label)
	if b.isGroupHeader {
		fmt.Fprintf(sb, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+20, label)
		return
	}
	mid := y + barHeight/2
	fmt.Fprintf(sb, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelRight, mid+4, label)
	if b.note != "" {
		fmt.Fprintf(sb, `<text x="%d" y="%d" fill="#6b7280" font-style="italic">%s</text>`+"\n", barLeft+4, mid+4, html.EscapeString(b.note))
		return
	}
	px := func(v float64) int { return barLeft + int(v/scale*barWidth) }
	fmt.Fprintf(sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", barLeft, y, px(b.med)-barLeft, barHeight, b.color)
	fmt.Fprintf(sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px(b.lo), mid, px(b.hi), mid)
	for _, v := range []float64{b.lo, b.hi} {
		fmt.Fprintf(sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px(v), mid-4, px(v), mid+4)
	}
	fmt.Fprintf(sb, `<text x="%d" y="%d">%s</text>`+"\n", px(b.hi)+6, mid+4, html.EscapeString(fmtRate(b.med)))
}

// niceMax returns the axis maximum: the largest whisker end rounded up to a nice step.
func niceMax(bars []bar) float64 {
	hi := 0.0
	for _, b := range bars {
		hi = math.Max(hi, b.hi)
	}
	if hi == 0 {
		return 1
	}
	step := niceStep(hi / 5)
	return math.Ceil(hi/step) * step
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}
