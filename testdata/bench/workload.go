package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// workload is one scenario of BENCH.md: its inputs, the table variants it loads them
// into and the tools it compares. Adding a tool is one entry in a variant's tools.
type workload struct {
	key   string // flag value: "w1"
	title string
	// data generates (or reuses) the inputs. nil marks a workload that is not written
	// yet: it is listed in the report and skipped.
	data func(ctx context.Context, b *bench) (*dataset, error)
	// variants are the target tables, each with its own tools and table; run in order.
	variants []variant
	// after runs extra checks once the variants are done (W1: memory scaling); may be nil.
	after func(ctx context.Context, b *bench, r *workloadResult) error
}

// variant is one target table of a workload, for example "no indexes" or "primary key".
type variant struct {
	key, title string
	table      string // target table name
	ddl        string // the column list and constraints of `create table`
	// setup returns the SQL run before every run, each command in its own transaction.
	// nil: a fresh, empty table (see [variant.freshTable]) and a CHECKPOINT.
	setup func(v *variant, d *dataset) []string
	// reference is the key of the tool whose result defines the expected count and
	// checksum; it runs once before the measured repetitions, which also warms up.
	reference string
	tools     []tool
	targets   []target
	// written, when set, is the rows_written tmimport must report (W2: rows inserted or
	// updated, not the table's count after the preload).
	written func(d *dataset) int64
	// stored, when set, is the row count the reference run must leave in table (default
	// d.rows; tm: the source's tasks, table being one of the tables the tool writes).
	stored func(d *dataset) int64
	// report, when set, checks tmimport's JSON report instead of [checkReport] (tm: one
	// line per target table) and returns what is wrong, or "".
	report func(stdout []byte, d *dataset) string
	// rowText is the expression (over the row alias t) whose hash the checksum sums.
	// Defaults to t::text, the whole row; tools that create differently shaped tables
	// (W3) hash only what they must agree on.
	rowText string
}

// rowExpr returns the checksum's row expression.
func (v *variant) rowExpr() string {
	if v.rowText == "" {
		return "t::text"
	}
	return v.rowText
}

// tool is one way of running a load. Its procs run concurrently; the run ends when the
// last one exits.
type tool struct {
	key      string // stable id, used by targets
	name     string // shown in the tables
	settings string
	kind     toolKind
	needs    string   // executable that must be on PATH ("" when none)
	sub      string   // tmimport subcommand, for kind ours
	extra    []string // extra tmimport arguments; `tmimport SUB -h` must list their flags
	server   bool     // no client process in the data path: client RSS is not shown
	procs    func(b *bench, v *variant, d *dataset) [][]string
}

// toolKind classifies tools for targets and the chart.
type toolKind int

const (
	baseline toolKind = iota // PostgreSQL's own ways: server COPY, psql \copy
	ours                     // tmimport
	peer                     // another loader: pgloader, timescaledb-parallel-copy, ogr2ogr
)

// target is a ratio BENCH.md requires: den's median wall time over the fastest
// measured candidate of num's.
type target struct {
	label string
	num   []string // candidate tool keys (tmimport configurations)
	den   string   // tool key, or peerKey for the fastest peer that ran
	min   float64  // required ratio; 0 reports the ratio without PASS/FAIL
}

// peerKey as a target's den stands for the fastest peer that ran.
const peerKey = "@peer"

// allWorkloads lists every workload of BENCH.md in order.
var allWorkloads = []*workload{
	w1(),
	w2(),
	w3(),
	w4(),
	tm(),
}

func workloadKeys() []string {
	keys := make([]string, len(allWorkloads))
	for i, w := range allWorkloads {
		keys[i] = w.key
	}
	return keys
}

func workloadByKey(key string) (*workload, bool) {
	i := slices.IndexFunc(allWorkloads, func(w *workload) bool { return w.key == key })
	if i < 0 {
		return nil, false
	}
	return allWorkloads[i], true
}

// setupSQL returns the SQL run before each run of the variant.
func (v *variant) setupSQL(d *dataset) []string {
	if v.setup != nil {
		return v.setup(v, d)
	}
	return append(v.freshTable(), "checkpoint")
}

// freshTable drops and creates the variant's table, with autovacuum off.
func (v *variant) freshTable() []string {
	return []string{
		"drop table if exists " + v.table,
		fmt.Sprintf("create table %s %s with (autovacuum_enabled = off)", v.table, v.ddl),
	}
}

// tool returns the variant's tool with key.
func (v *variant) tool(key string) (*tool, bool) {
	i := slices.IndexFunc(v.tools, func(t tool) bool { return t.key == key })
	if i < 0 {
		return nil, false
	}
	return &v.tools[i], true
}

// pick returns the tools with the given keys, in that order; it panics on an unknown
// key, a mistake in the tables.
func pick(tools []tool, keys ...string) []tool {
	out := make([]tool, 0, len(keys))
	for _, k := range keys {
		i := slices.IndexFunc(tools, func(t tool) bool { return t.key == k })
		if i < 0 {
			panic("bench: no tool " + k)
		}
		out = append(out, tools[i])
	}
	return out
}

// withPrimaryKey turns a DDL column list starting with "(id bigint," into one with a
// primary key on id; it panics when the generator's DDL no longer starts that way.
func withPrimaryKey(ddl string) string {
	const col = "(id bigint,"
	if !strings.HasPrefix(ddl, col) {
		panic("bench: DDL does not start with " + col + ": " + ddl)
	}
	return "(id bigint primary key," + strings.TrimPrefix(ddl, col)
}
