package main

import (
	"context"
	"fmt"
	"strings"
)

// Memory targets of BENCH.md W1: client peak RSS at most rssLimitMB, and flat within
// ±rssFlat from the main run's rows to -rss-rows.
const (
	rssLimitMB = 100
	rssFlat    = 0.20
	scaleTool  = "tmimport-w2"
)

// memoryScaling is W1's after hook: tmimport on a -rss-rows file (generated on demand),
// its peak RSS against the main run's and its throughput against one server-side COPY
// of the same file (the reference run, which also verifies it).
func memoryScaling(ctx context.Context, b *bench, r *workloadResult) error {
	if b.cfg.rssRows == 0 {
		logf("memory scaling: skipped (-rss-rows 0)")
		return nil
	}
	d, err := taskHistory(b.cfg.dir, b.cfg.rssRows, b.cfg.seed, false)
	if err != nil {
		return err
	}
	v := r.w.variants[0] // no indexes
	v.title = fmt.Sprintf("%s, %s rows", v.title, commas(int64(b.cfg.rssRows)))
	v.tools = pick(v.tools, v.reference, scaleTool)
	v.targets = nil
	big, err := b.runVariant(ctx, &v, d, 1)
	if err != nil {
		return fmt.Errorf("memory scaling: %w", err)
	}
	r.sections = append(r.sections, section{"Client memory scaling", scalingReport(r.data, r.variants[0], d, big)})
	return nil
}

// scalingReport renders the memory-scaling table and its targets.
func scalingReport(small *dataset, sv *variantResult, big *dataset, bv *variantResult) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "tmimport csv (2 workers) on %s rows against the main run's %s rows, no indexes; the %s-row "+
		"server-side COPY is the reference run, and tmimport runs once.\n\n", commas(big.rows), commas(small.rows), commas(big.rows))
	sb.WriteString("| rows | input MB | tmimport wall s | tmimport rows/s | client peak RSS MB | server COPY wall s | vs one server COPY |\n")
	sb.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	smallRSS, smallOK := scalingRow(&sb, small, sv, medianOf(sv, sv.v.reference))
	bigRSS, bigOK := scalingRow(&sb, big, bv, bv.refWall.Seconds())
	sb.WriteString("\n| target | measured | required | result |\n|---|---|---|---|\n")
	if !smallOK || !bigOK {
		sb.WriteString("| client peak RSS | not measured (a run failed or was n/a) | | — |\n")
		return sb.String()
	}
	fmt.Fprintf(&sb, "| client peak RSS at %s rows | %.0f MB | ≤ %d MB | %s |\n", commas(big.rows), bigRSS, rssLimitMB, passFail(bigRSS <= rssLimitMB))
	ratio := bigRSS / smallRSS
	fmt.Fprintf(&sb, "| client peak RSS, %s vs %s rows | %.2f× | %.2f–%.2f× | %s |\n", commas(big.rows), commas(small.rows),
		ratio, 1-rssFlat, 1+rssFlat, passFail(ratio >= 1-rssFlat && ratio <= 1+rssFlat))
	return sb.String()
}

// scalingRow writes one row of the scaling table and returns tmimport's median RSS in
// MB and whether it was measured.
func scalingRow(sb *strings.Builder, d *dataset, vr *variantResult, copyWall float64) (float64, bool) {
	st, ok := vr.result(scaleTool).stats()
	if !ok {
		fmt.Fprintf(sb, "| %s | %.0f | — | — | — | %.2f | — |\n", commas(d.rows), mb(d.bytes), copyWall)
		return 0, false
	}
	fmt.Fprintf(sb, "| %s | %.0f | %.2f | %s | %.0f | %.2f | %s |\n", commas(d.rows), mb(d.bytes), st.median,
		fmtRate(float64(d.rows)/st.median), st.rssMB, copyWall, fmtRatio(copyWall/st.median))
	return st.rssMB, true
}

// medianOf returns the median wall seconds of a tool of vr, or 0.
func medianOf(vr *variantResult, key string) float64 {
	st, _ := vr.result(key).stats()
	return st.median
}
