package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	tmpkg "github.com/tmimport/tmimport/pgio/tm"
	"github.com/tmimport/tmimport/testdata/tmsrc"
)

// Names of the tm workload.
const (
	tmDB      = "tm_v4"   // source database, filled by testdata/tmsrc
	tmSchema  = "tmadmin" // target schema in the server's default database
	tmTool    = "tmimport-tm"
	tmMaxRSS  = 300 // MB, the bound on the client's peak RSS
	tmWorkers = 2
)

// tmTables are the target tables `tmimport tm` writes, in its order; its report must
// list exactly these.
var tmTables = tmpkg.TableNames()

// tm is the issue's `tmimport tm` benchmark: a synthetic TM v4 database (testdata/tmsrc,
// -tm-scale) in database tm_v4 of the bench server, migrated into a fresh schema tmadmin
// of the default database, with the client's peak RSS bounded and the seconds of every
// table reported. It has no baseline: nothing else migrates TM v4 into TM-Admin.
func tm() *workload {
	// reports are the JSON reports of the measured runs that passed every check, for the
	// per-table section; the workload runs once per session.
	var reports []tmpkg.Report
	return &workload{
		key: "tm", title: "TM: Tasking Manager v4 → TM-Admin (tmimport tm)",
		data: func(ctx context.Context, b *bench) (*dataset, error) {
			reports = nil
			return tmSource(ctx, b)
		},
		variants: []variant{{
			key: "tm", title: "Whole migration into a fresh schema " + tmSchema, table: tmSchema + ".tasks",
			setup: func(*variant, *dataset) []string {
				return []string{"drop schema if exists " + tmSchema + " cascade", "checkpoint"}
			},
			// The checksum covers tasks, the biggest and most converted table (geometry,
			// enums, history as JSONB): every run must reproduce the reference's bytes.
			// The others are checked by count against the source in the report.
			stored:    func(d *dataset) int64 { return d.counts["tasks"] },
			reference: tmTool,
			tools: []tool{{key: tmTool, name: "tmimport tm", kind: ours, sub: "tm",
				settings: fmt.Sprintf("%d workers, --create, key ranges, binary COPY", tmWorkers),
				procs: func(b *bench, _ *variant, _ *dataset) [][]string {
					return [][]string{{b.tmimport, "tm", "--from", withDatabase(b.srv.dsn, tmDB), "--to", b.srv.dsn,
						"--schema", tmSchema, "--create", "--workers", fmt.Sprint(tmWorkers), "--report", "json", "-q"}}
				}}},
			report: func(stdout []byte, d *dataset) string {
				rep, bad := checkTMReport(stdout, d.counts)
				if bad == "" {
					reports = append(reports, rep)
				}
				return bad
			},
		}},
		after: func(_ context.Context, b *bench, r *workloadResult) error {
			r.sections = append(r.sections, tmTarget(r.variants[0].result(tmTool)),
				tmPerTable(reports, b.cfg.reps))
			return nil
		},
	}
}

// tmSource creates database tm_v4 on the bench server (dropping an earlier one) and
// fills it with testdata/tmsrc at -tm-scale and -seed. Nothing is cached: the database
// lives in the server, which the driver removes at the end.
func tmSource(ctx context.Context, b *bench) (*dataset, error) {
	if err := b.srv.exec(ctx, "drop database if exists "+tmDB, "create database "+tmDB); err != nil {
		return nil, err
	}
	dsn := withDatabase(b.srv.dsn, tmDB)
	b.dsns = append(b.dsns, dsn)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	logf("generating the TM v4 source database %s (testdata/tmsrc, scale %g, seed %d)", tmDB, b.cfg.tmScale, b.cfg.seed)
	start := time.Now()
	counts, err := tmsrc.Create(ctx, pool, tmsrc.Config{Scale: b.cfg.tmScale, Seed: b.cfg.seed})
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	size, err := b.srv.query(ctx, fmt.Sprintf("select pg_database_size('%s')", tmDB))
	if err != nil {
		return nil, err
	}
	var bytes int64
	if _, err := fmt.Sscan(size, &bytes); err != nil {
		return nil, fmt.Errorf("pg_database_size: unexpected output %q", size)
	}
	d := &dataset{seed: b.cfg.seed, counts: counts}
	for _, n := range counts {
		d.rows += n
	}
	big := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return cmp.Compare(counts[b], counts[a]) })
	var parts []string
	for _, name := range big[:min(3, len(big))] {
		parts = append(parts, fmt.Sprintf("%s %s", name, commas(counts[name])))
	}
	d.desc = fmt.Sprintf("database `%s` on the same server, filled by testdata/tmsrc at scale %g, seed %d in %.1f s "+
		"(as `go run ./testdata/tmsrc/cmd/tmsrc -dsn …/%s -scale %g -seed %d`): %s rows in %d tables (%s, …), "+
		"%.0f MB on disk with indexes. rows/s below are these source rows, the join and history tables folded into "+
		"the targets included, per second of the whole command; MB/s does not apply. Every run is checked: `%s.tasks` (whole rows: geometry, "+
		"enum labels, history as JSONB) against the reference run's checksum, and the JSON report: every table `ok`, "+
		"none rejected, source, written and target rows equal to the generator's count of its source table.",
		tmDB, b.cfg.tmScale, b.cfg.seed, took.Seconds(), tmDB, b.cfg.tmScale, b.cfg.seed,
		commas(d.rows), len(counts), strings.Join(parts, ", "), mb(bytes), tmSchema)
	logf("source: %s rows in %d tables, %.0f MB, %.1f s", commas(d.rows), len(counts), mb(bytes), took.Seconds())
	return d, nil
}

// checkTMReport parses a tm JSON report and checks it: no error, exactly the target
// tables of tmTables, each verified (ok), with as many target rows as source rows, none
// rejected or skipped, and every source row read (the generator's count of the table).
func checkTMReport(stdout []byte, counts map[string]int64) (tmpkg.Report, string) {
	var rep tmpkg.Report
	if err := json.Unmarshal(stdout, &rep); err != nil {
		return rep, fmt.Sprintf("WRONG REPORT: no JSON report on stdout (%v): %.200q", err, stdout)
	}
	if rep.Error != "" || rep.Command != "tm" {
		return rep, fmt.Sprintf("WRONG REPORT: command %q, error %q", rep.Command, rep.Error)
	}
	var names []string
	for _, t := range rep.Tables {
		names = append(names, t.Table)
	}
	if !slices.Equal(names, tmTables) {
		return rep, fmt.Sprintf("WRONG REPORT: tables %v, want %v", names, tmTables)
	}
	var bad []string
	for _, t := range rep.Tables {
		if !t.OK || t.TargetRows != t.SourceRows || t.Written != t.SourceRows || t.Rejected != 0 || t.Skipped != 0 ||
			t.SourceRows != counts[t.Source] {
			bad = append(bad, fmt.Sprintf("%s (from %s: %d source rows of %d, %d written, %d target rows, %d rejected, %d skipped, ok %t)",
				t.Table, t.Source, t.SourceRows, counts[t.Source], t.Written, t.TargetRows, t.Rejected, t.Skipped, t.OK))
		}
	}
	if len(bad) > 0 {
		return rep, "WRONG REPORT: " + strings.Join(bad, "; ")
	}
	return rep, ""
}

// tmTarget renders the target: the client's peak RSS of every passing run at
// most tmMaxRSS MB.
func tmTarget(tr *toolResult) section {
	measured, result := "—", "n/a (tmimport tm not measured)"
	var rss []float64
	if tr != nil {
		for _, r := range tr.runs {
			if r.failure == "" {
				rss = append(rss, float64(r.rssKiB)/1024)
			}
		}
	}
	if len(rss) > 0 {
		measured = fmt.Sprintf("%.0f MB (largest of %d passing runs; median %.0f MB)", slices.Max(rss), len(rss), median(rss))
		result = passFail(slices.Max(rss) <= tmMaxRSS)
	}
	body := "| target | measured | required | result |\n|---|---|---|---|\n" +
		fmt.Sprintf("| tmimport tm client peak RSS | %s | ≤ %d MB | %s |\n", measured, tmMaxRSS, result)
	return section{title: "Target", body: body}
}

// tmPerTable renders the seconds of every target table: the median and range of the
// tables' duration_s over the passing measured runs, from their JSON reports. The
// tables migrate one after another; the rest of the command's seconds are its schema
// creation, the target counts and notes after each table, and the sequences.
func tmPerTable(reports []tmpkg.Report, reps int) section {
	s := section{title: "Seconds per table"}
	if len(reports) == 0 {
		s.body = "No passing run.\n"
		return s
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "From the JSON reports (`duration_s` of each table) of the %d passing measured run(s) of %d; "+
		"rows are the target rows (each equal to the source table's rows).\n\n", len(reports), reps)
	sb.WriteString("| table | from | rows | s (median) | min–max | rows/s | share |\n|---|---|---:|---:|---:|---:|---:|\n")
	var total []float64
	for _, rep := range reports {
		total = append(total, rep.DurationS)
	}
	totalMed := median(total)
	var sum float64
	for i, t := range reports[0].Tables {
		var secs []float64
		for _, rep := range reports {
			secs = append(secs, rep.Tables[i].DurationS)
		}
		med := median(secs)
		sum += med
		fmt.Fprintf(&sb, "| %s | %s | %s | %.2f | %.2f–%.2f | %s | %.0f%% |\n", t.Table, t.Source, commas(t.TargetRows),
			med, slices.Min(secs), slices.Max(secs), fmtRate(float64(t.TargetRows)/med), 100*med/totalMed)
	}
	fmt.Fprintf(&sb, "| all tables | | | %.2f | | | %.0f%% |\n", sum, 100*sum/totalMed)
	fmt.Fprintf(&sb, "| whole migration (report's `duration_s`: the tables, then schema creation, target counts, notes and sequences) | | | %.2f | %.2f–%.2f | | 100%% |\n",
		totalMed, slices.Min(total), slices.Max(total))
	s.body = sb.String()
	return s
}
