package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/testdata/gen"
)

// batchRows is the batch size of the batching clients (BENCH.md's peers used 50k).
const batchRows = 50_000

// w1 is BENCH.md's W1: the task_history CSV appended to a table without indexes, and
// to one with a primary key on id.
func w1() *workload {
	all := w1Tools()
	headline := []string{"tmimport-w2", "tmimport-csvwire-w2"}
	return &workload{
		key:   "w1",
		title: "W1: CSV append",
		data: func(_ context.Context, b *bench) (*dataset, error) {
			return taskHistory(b.cfg.dir, b.cfg.rows, b.cfg.seed, true)
		},
		variants: []variant{{
			key: "noindex", title: "No indexes", table: "th", ddl: gen.TaskHistoryDDL,
			reference: "server-copy", tools: all,
			targets: []target{
				{label: "tmimport vs one server-side COPY", num: headline, den: "server-copy", min: 1.7},
				{label: `tmimport vs psql \copy`, num: headline, den: "psql-copy", min: 1.65},
				{label: "tmimport vs the fastest peer", num: headline, den: peerKey, min: 1.1},
				{label: "tmimport as a fraction of the 2-backend bound", num: headline, den: "server-copy-2"},
			},
		}, {
			key: "pk", title: "Primary key on id", table: "th", ddl: withPrimaryKey(gen.TaskHistoryDDL),
			reference: "server-copy",
			tools:     pick(all, "server-copy", "psql-copy", "tmimport-w2", "tmimport-csvwire-w2", "tspc-w2"),
			targets: []target{
				{label: "tmimport vs one server-side COPY (primary key)", num: headline, den: "server-copy", min: 1.55},
			},
		}},
		after: memoryScaling,
	}
}

// w1Tools are the W1 tools, in the order of the tables.
func w1Tools() []tool {
	return []tool{
		{key: "server-copy", name: "server-side COPY", settings: "1 backend, no client", server: true,
			procs: func(b *bench, v *variant, d *dataset) [][]string {
				return [][]string{b.srv.psqlArgs(serverCopySQL(v.table, d.files["csv"]))}
			}},
		{key: "server-copy-2", name: "2 server-side COPYs (2-backend bound)", settings: "2 backends, half the file each", server: true,
			procs: func(b *bench, v *variant, d *dataset) [][]string {
				return [][]string{b.srv.psqlArgs(serverCopySQL(v.table, d.files["a"])), b.srv.psqlArgs(serverCopySQL(v.table, d.files["b"]))}
			}},
		{key: "psql-copy", name: `psql \copy`, settings: "1 connection",
			procs: func(b *bench, v *variant, d *dataset) [][]string {
				return [][]string{b.srv.psqlArgs(fmt.Sprintf(`\copy %s from '%s' with (format csv, header)`, v.table, d.files["csv"]))}
			}},
		tmimportCSV("tmimport-w2", "tmimport csv", 2),
		tmimportCSV("tmimport-csvwire-w2", "tmimport csv --binary=false", 2, "--binary=false"),
		tmimportCSV("tmimport-w1", "tmimport csv", 1),
		tmimportCSV("tmimport-w4", "tmimport csv", 4),
		parallelCopy("tspc-w2", 2),
		pgloader("pgloader-w4", 4),
	}
}

// serverCopySQL is a server-side COPY of a CSV file with a header.
func serverCopySQL(table, path string) string {
	return fmt.Sprintf("COPY %s FROM '%s' (FORMAT csv, HEADER)", table, path)
}

// tmimportCSV is `tmimport csv` with workers workers and extra arguments such as
// "--binary=false" or "--mode=upsert". The CLI must list each extra flag in `tmimport csv -h`
// and accept its value, else the tool shows as n/a.
func tmimportCSV(key, name string, workers int, extra ...string) tool {
	return tool{key: key, name: name, kind: ours, sub: "csv", extra: extra,
		settings: fmt.Sprintf("%d worker%s, %dk-row batches", workers, plural(workers), batchRows/1000),
		procs: func(b *bench, v *variant, d *dataset) [][]string {
			argv := []string{b.tmimport, "csv", "--to", b.srv.dsn, "--table", v.table,
				"--workers", strconv.Itoa(workers), "--batch-rows", strconv.Itoa(batchRows), "--report", "json", "-q"}
			argv = append(argv, extra...)
			return [][]string{append(argv, d.files["csv"])}
		}}
}

// parallelCopy is timescaledb-parallel-copy, BENCH.md's strongest peer, when installed.
func parallelCopy(key string, workers int) tool {
	return tool{key: key, name: "timescaledb-parallel-copy", kind: peer, needs: "timescaledb-parallel-copy",
		settings: fmt.Sprintf("%d workers, %dk-row batches", workers, batchRows/1000),
		procs: func(b *bench, v *variant, d *dataset) [][]string {
			return [][]string{{"timescaledb-parallel-copy", "--connection", b.srv.dsn, "--table", v.table,
				"--file", d.files["csv"], "--skip-header", "--copy-options", "CSV",
				"--workers", strconv.Itoa(workers), "--batch-size", strconv.Itoa(batchRows)}}
		}}
}

// pgloader is Debian's pgloader loading the CSV, when installed. Its CSV reader reads
// an unquoted empty field and "" alike, so expect a checksum mismatch on action_text.
func pgloader(key string, workers int) tool {
	return tool{key: key, name: "pgloader", kind: peer, needs: "pgloader",
		settings: fmt.Sprintf("%d workers, %dk-row batches", workers, batchRows/1000),
		procs: func(b *bench, v *variant, d *dataset) [][]string {
			fields := strings.Split(gen.TaskHistoryHeader, ",")
			argv := []string{"pgloader", "--type", "csv", "--field", strings.Join(fields, ","),
				"--with", "skip header = 1", "--with", "fields terminated by ','",
				"--with", `fields optionally enclosed by '"'`, "--with", "fields escaped by double-quote",
				"--with", fmt.Sprintf("workers = %d", workers), "--with", fmt.Sprintf("batch rows = %d", batchRows)}
			return [][]string{append(argv, d.files["csv"], withParam(b.srv.dsn, "tablename="+v.table))}
		}}
}

// withParam appends a query parameter to a URL DSN.
func withParam(dsn, kv string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + kv
	}
	return dsn + "?" + kv
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
