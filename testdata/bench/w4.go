package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tmimport/tmimport/testdata/gen"
)

// srcDB is the source database of W4; the target is the server's default database.
const srcDB = "tm_src"

// w4 is BENCH.md's W4: the 2 M-row task_history table copied from database tm_src into
// the server's default database, against the psql binary pipe and an in-server
// INSERT … SELECT (one database, no wire at all).
func w4() *workload {
	return &workload{
		key: "w4", title: "W4: PostgreSQL → PostgreSQL",
		data: func(ctx context.Context, b *bench) (*dataset, error) {
			d, err := taskHistory(b.cfg.dir, b.cfg.rows, b.cfg.seed, false)
			if err != nil {
				return nil, err
			}
			src := withDatabase(b.srv.dsn, srcDB)
			b.dsns = append(b.dsns, src) // redacted in the report like the server's DSN
			logf("loading the W4 source tables")
			if err := b.srv.exec(ctx, "drop database if exists "+srcDB, "create database "+srcDB,
				"drop table if exists th_src", "create table th_src "+withPrimaryKey(gen.TaskHistoryDDL),
				serverCopySQL("th_src", d.files["csv"]), "vacuum analyze th_src"); err != nil {
				return nil, err
			}
			_, err = b.srv.run(ctx, []string{b.srv.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", src,
				"-c", "create table th " + withPrimaryKey(gen.TaskHistoryDDL), "-c", serverCopySQL("th", d.files["csv"]), "-c", "vacuum analyze th"})
			return d, err
		},
		variants: []variant{{
			key: "copy", title: "Copy a table between databases (target without indexes)", table: "th", ddl: gen.TaskHistoryDDL,
			reference: "psql-pipe",
			tools: []tool{
				{key: "psql-pipe", name: "psql binary pipe", settings: "COPY TO STDOUT | COPY FROM STDIN, binary",
					procs: func(b *bench, v *variant, _ *dataset) [][]string {
						pipe := fmt.Sprintf(`%s -X -q -d '%s' -c "COPY th TO STDOUT (FORMAT binary)" | %s -X -q -d '%s' -c "COPY %s FROM STDIN (FORMAT binary)"`,
							b.srv.psql, withDatabase(b.srv.dsn, srcDB), b.srv.psql, b.srv.dsn, v.table)
						return [][]string{{"sh", "-c", pipe}}
					}},
				{key: "insert-select", name: "in-server INSERT … SELECT", settings: "one database, no wire", server: true,
					procs: func(b *bench, v *variant, _ *dataset) [][]string {
						return [][]string{b.srv.psqlArgs("insert into " + v.table + " select * from th_src")}
					}},
				{key: "tmimport-pg", name: "tmimport pg", settings: "2 workers, ctid block ranges, binary COPY", kind: ours, sub: "pg",
					procs: func(b *bench, v *variant, _ *dataset) [][]string {
						return [][]string{{b.tmimport, "pg", "--from", withDatabase(b.srv.dsn, srcDB), "--to", b.srv.dsn,
							"--table", "th", "--target-table", v.table, "--workers", "2", "--report", "json", "-q"}}
					}},
			},
			targets: []target{
				{label: "tmimport pg vs the psql binary pipe", num: []string{"tmimport-pg"}, den: "psql-pipe", min: 1.3},
				{label: "tmimport pg vs an in-server INSERT … SELECT", num: []string{"tmimport-pg"}, den: "insert-select"},
			},
		}},
	}
}

// withDatabase points a URL DSN at another database.
func withDatabase(dsn, db string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + strings.TrimPrefix(db, "/")
	return u.String()
}
