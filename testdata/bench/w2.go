package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tmimport/tmimport/testdata/gen"
)

// w2 is BENCH.md's W2: preload 1 M rows (primary key on id), then apply a 1 M-row CSV
// where half the ids exist and half are new, shuffled. Final count 1.5 M.
func w2() *workload {
	upsertCols := "project_id = excluded.project_id, task_id = excluded.task_id, action = excluded.action, action_text = excluded.action_text, action_date = excluded.action_date, user_id = excluded.user_id"
	sqlBaseline := func(key, name, settings, onConflict string, ordered bool) tool {
		return tool{key: key, name: name, settings: settings, server: true,
			procs: func(b *bench, v *variant, d *dataset) [][]string {
				order := ""
				if ordered {
					order = " order by id"
				}
				return [][]string{b.srv.psqlArgs(fmt.Sprintf(`begin; create temp table u (like %s) on commit drop;
copy u from '%s' (format csv, header);
insert into %s select * from u%s on conflict (id) %s; commit;`, v.table, d.files["upsert"], v.table, order, onConflict))}
			}}
	}
	upsertSQL := "do update set " + upsertCols
	keyed := func(key, name string, extra ...string) tool {
		t := tmimportCSV(key, name, 2, extra...)
		t.procs = func(b *bench, v *variant, d *dataset) [][]string {
			argv := []string{b.tmimport, "csv", "--to", b.srv.dsn, "--table", v.table, "--workers", "2",
				"--batch-rows", strconv.Itoa(batchRows), "--report", "json", "-q"}
			return [][]string{append(append(argv, extra...), d.files["upsert"])}
		}
		return t
	}
	preload := func(v *variant, d *dataset) []string {
		return append(v.freshTable(), serverCopySQL(v.table, d.files["preload"]), "checkpoint")
	}
	return &workload{
		key: "w2", title: "W2: upsert",
		data: func(_ context.Context, b *bench) (*dataset, error) {
			return upsertData(b.cfg.dir, b.cfg.rows/2, b.cfg.seed)
		},
		variants: []variant{{
			key: "upsert", title: "Upsert (update on conflict)", table: "th", ddl: withPrimaryKey(gen.TaskHistoryDDL),
			setup: preload, reference: "sql-upsert-sorted",
			written: func(d *dataset) int64 { return d.rows * 2 / 3 }, // every input row inserts or updates
			tools: []tool{
				sqlBaseline("sql-upsert", "SQL: temp table + INSERT … ON CONFLICT DO UPDATE", "file order, 1 transaction", upsertSQL, false),
				sqlBaseline("sql-upsert-sorted", "SQL: the same, ORDER BY id (strongest baseline)", "sorted by key, 1 transaction", upsertSQL, true),
				keyed("tmimport-upsert", "tmimport csv --mode upsert", "--mode", "upsert", "--key", "id"),
				keyed("tmimport-upsert-csvwire", "tmimport csv --mode upsert --binary=false", "--mode", "upsert", "--key", "id", "--binary=false"),
			},
			targets: []target{{label: "tmimport upsert vs the strongest SQL baseline", num: []string{"tmimport-upsert", "tmimport-upsert-csvwire"}, den: "sql-upsert-sorted", min: 1.3}},
		}, {
			key: "ignore", title: "Ignore (do nothing on conflict)", table: "th", ddl: withPrimaryKey(gen.TaskHistoryDDL),
			setup: preload, reference: "sql-ignore",
			written: func(d *dataset) int64 { return d.rows / 3 }, // only the new half
			tools: []tool{
				sqlBaseline("sql-ignore", "SQL: temp table + INSERT … ON CONFLICT DO NOTHING", "file order, 1 transaction", "do nothing", false),
				keyed("tmimport-ignore", "tmimport csv --mode ignore", "--mode", "ignore", "--key", "id"),
				keyed("tmimport-ignore-csvwire", "tmimport csv --mode ignore --binary=false", "--mode", "ignore", "--key", "id", "--binary=false"),
			},
			targets: []target{{label: "tmimport ignore vs the DO NOTHING baseline", num: []string{"tmimport-ignore", "tmimport-ignore-csvwire"}, den: "sql-ignore", min: 2.0}},
		}},
	}
}

// upsertData writes preload.csv (ids 1..n) and upsert.csv (n rows: n/2 existing ids and
// n/2 new ones, shuffled); the final table holds 1.5·n rows.
func upsertData(dataDir string, n int, seed uint64) (*dataset, error) {
	d := &dataset{rows: int64(n + n/2), main: "upsert", mainRows: int64(n), seed: seed, files: map[string]string{},
		dir: filepath.Join(dataDir, fmt.Sprintf("w2-%d-s%d", n, seed))}
	if err := mkdirReadable(d.dir); err != nil {
		return nil, err
	}
	d.files["preload"] = filepath.Join(d.dir, "preload.csv")
	d.files["upsert"] = filepath.Join(d.dir, "upsert.csv")
	pre := func(rows int) func(w io.Writer) error {
		return func(w io.Writer) error { return gen.TaskHistoryCSV(w, gen.CSVOptions{Rows: rows, Seed: seed}) }
	}
	if err := ensureFile(d.files["preload"], pre(n), pre(min(n, 1000))); err != nil {
		return nil, err
	}
	rnd := rand.New(rand.NewPCG(seed, 2))
	ids := make([]int64, 0, n)
	for _, i := range rnd.Perm(n)[:n/2] { // n/2 distinct existing ids
		ids = append(ids, int64(i))
	}
	for i := range n - n/2 { // and new ones after them
		ids = append(ids, int64(n+i))
	}
	rnd.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	up := func(rows int) func(w io.Writer) error {
		return func(w io.Writer) error {
			return gen.TaskHistoryCSV(w, gen.CSVOptions{Rows: rows, Seed: seed + 1, Shuffle: ids[:rows]})
		}
	}
	if err := ensureFile(d.files["upsert"], up(n), up(min(n, 1000))); err != nil {
		return nil, err
	}
	fi, err := os.Stat(d.files["upsert"])
	if err != nil {
		return nil, err
	}
	d.bytes = fi.Size()
	return d, nil
}
