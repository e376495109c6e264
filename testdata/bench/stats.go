package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// stats summarizes a tool's passing runs.
type stats struct {
	passed, runs   int
	median, lo, hi float64 // wall seconds
	rssMB          float64 // median client peak RSS
	failed         []string
}

// stats summarizes the passing runs; ok is false when none passed.
func (tr *toolResult) stats() (st stats, ok bool) {
	if tr == nil {
		return st, false
	}
	var walls, rss []float64
	for _, r := range tr.runs {
		st.runs++
		if r.failure != "" {
			st.failed = append(st.failed, r.failure)
			continue
		}
		walls = append(walls, r.wall.Seconds())
		rss = append(rss, float64(r.rssKiB)/1024)
	}
	st.passed = len(walls)
	if st.passed == 0 {
		return st, false
	}
	st.median, st.rssMB = median(walls), median(rss)
	st.lo, st.hi = slices.Min(walls), slices.Max(walls)
	return st, true
}

// result returns the result of the tool with key, or nil.
func (vr *variantResult) result(key string) *toolResult {
	for _, tr := range vr.tools {
		if tr.t.key == key {
			return tr
		}
	}
	return nil
}

// targetResult is a target evaluated on a variant's results.
type targetResult struct {
	target
	num, den string  // names of the tools compared
	ratio    float64 // den's median wall over num's
	missing  string  // why it could not be evaluated
}

// evaluate computes a target: the fastest measured candidate of num against den.
func (vr *variantResult) evaluate(tg target) targetResult {
	tr := targetResult{target: tg}
	num, numSt := vr.fastest(func(t *tool) bool { return slices.Contains(tg.num, t.key) })
	den, denSt := vr.fastest(func(t *tool) bool {
		return t.key == tg.den || (tg.den == peerKey && t.kind == peer)
	})
	switch {
	case num == nil:
		tr.missing = "tmimport not measured"
	case den == nil && tg.den == peerKey:
		tr.missing = "no peer installed"
	case den == nil:
		tr.missing = tg.den + " not measured"
	default:
		tr.num, tr.den = label(num), label(den)
		tr.ratio = denSt.median / numSt.median
	}
	return tr
}

// fastest returns the tool matching keep with the lowest median wall time.
func (vr *variantResult) fastest(keep func(*tool) bool) (*tool, stats) {
	var best *tool
	var bestSt stats
	for _, tr := range vr.tools {
		st, ok := tr.stats()
		if ok && keep(tr.t) && (best == nil || st.median < bestSt.median) {
			best, bestSt = tr.t, st
		}
	}
	return best, bestSt
}

// result renders a target's outcome.
func (tr targetResult) result() string {
	switch {
	case tr.missing != "":
		return "n/a (" + tr.missing + ")"
	case tr.min == 0:
		return "info"
	default:
		return passFail(tr.ratio >= tr.min)
	}
}

// label names a tool shortly: its name and the first item of its settings.
func label(t *tool) string {
	first, _, _ := strings.Cut(t.settings, ",")
	return t.name + ", " + first
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func passFail(ok bool) string {
	if ok {
		return "**PASS**"
	}
	return "**FAIL**"
}

// fmtRate formats rows per second: "1.36 M", "850 k".
func fmtRate(r float64) string {
	switch {
	case math.IsInf(r, 0) || math.IsNaN(r):
		return "—"
	case r >= 1e6:
		return fmt.Sprintf("%.2f M", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0f k", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

func fmtRatio(r float64) string {
	if r == 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r)
}

func mb(bytes int64) float64 { return float64(bytes) / 1e6 }

// commas formats n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
