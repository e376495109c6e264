package pgio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// exampleDB gives each example a fresh PostGIS database; a program uses its own DSN.
func exampleDB() *pgtest.DB {
	db, err := pgtest.Open(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// A data-migration program loads its own Go structs: a slice, through a validating
// stage, into a table on the typed path (binary COPY). Invalid rows are rejected, not
// fatal, because MaxRejects allows them.
func Example_importStructs() {
	db := exampleDB()
	defer db.Close()
	ctx := context.Background()
	type Task struct {
		ID     int64
		Status string
	}
	tasks := []Task{{1, "READY"}, {2, "MAPPED"}, {3, ""}, {4, "VALIDATED"}}

	client, err := pgio.New(pgio.Config{DSN: db.DSN})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	if err := client.Exec(ctx, "create table tasks (id bigint primary key, status text not null)"); err != nil {
		log.Fatal(err)
	}
	sink, _ := pgio.NewCopySink(client, pgio.CopyConfig[Task]{
		Table: pgx.Identifier{"tasks"}, Columns: []string{"id", "status"},
		Values: func(t Task, dst []any) ([]any, error) { return append(dst, t.ID, t.Status), nil },
	})
	validate := pipeline.StageFunc[Task](func(_ context.Context, b *pipeline.Batch[Task]) error {
		b.RejectWhere(func(_ int, t Task) error {
			if t.Status == "" {
				return errors.New("empty status")
			}
			return nil
		}, nil)
		return nil
	})
	p, _ := pipeline.New(pipeline.Config[Task]{
		Source: pipeline.SliceSource(tasks), Stages: []pipeline.Stage[Task]{validate}, Sink: sink, MaxRejects: -1,
		OnReject: func(r pipeline.Reject) error { fmt.Println("rejected record", r.Pos.Index, r.Err); return nil },
	})
	sum, err := p.Run(ctx)
	fmt.Println("written:", sum.Written, "rejected:", sum.Rejected, "error:", err)
	// Output:
	// rejected record 2 empty status
	// written: 3 rejected: 1 error: <nil>
}

// A program streams rows it produces (an iterator) into a table, upserting by key: the
// last value of each key wins.
func Example_importIterator() {
	db := exampleDB()
	defer db.Close()
	ctx := context.Background()
	client, _ := pgio.New(pgio.Config{DSN: db.DSN})
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	_ = client.Exec(ctx, "create table squares (n int primary key, square bigint)")

	squares := func(yield func([2]int64, error) bool) {
		for n := range int64(1000) {
			if !yield([2]int64{n % 100, n * n}, nil) { // keys repeat: the last one wins
				return
			}
		}
	}
	sink, err := pgio.NewCopySink(client, pgio.CopyConfig[[2]int64]{
		Table: pgx.Identifier{"squares"}, Columns: []string{"n", "square"}, Mode: pgio.Upsert, Key: []string{"n"},
		Values: func(r [2]int64, dst []any) ([]any, error) { return append(dst, r[0], r[1]), nil },
		IntKey: func(r [2]int64) (int64, bool) { return r[0], true }, // batches are sorted in the client
	})
	if err != nil {
		log.Fatal(err)
	}
	p, _ := pipeline.New(pipeline.Config[[2]int64]{
		Source: pipeline.SeqSource(squares, 250), Sink: sink, Workers: 1, // one worker: input order per key
	})
	if _, err := p.Run(ctx); err != nil {
		log.Fatal(err)
	}
	var rows, sq7 int64
	_ = client.QueryRow(ctx, "select count(*), max(square) filter (where n = 7) from squares", nil, &rows, &sq7)
	fmt.Println(rows, "rows; n=7 holds", sq7, "= 907²")
	// Output: 100 rows; n=7 holds 822649 = 907²
}

// A CSV file goes to the server on the fast path: each batch's raw bytes are sent
// unchanged with COPY … (FORMAT csv), split into CPU-count chunks on record boundaries.
func Example_importCSV() {
	db := exampleDB()
	defer db.Close()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "tmimport-example.csv")
	_ = os.WriteFile(path, []byte("id,name\n1,\"Kandy, LK\"\n2,\"two\nlines\"\n3,\n"), 0o644)
	defer os.Remove(path)

	client, _ := pgio.New(pgio.Config{DSN: db.DSN})
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	_ = client.Exec(ctx, "create table places (id int, name text)")
	src, err := csvsrc.Open(path, csvsrc.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	sink, _ := pgio.NewCopySink(client, pgio.CopyConfig[csvsrc.Record]{
		Table: pgx.Identifier{"places"}, Columns: src.Header(),
		Raw: func(r csvsrc.Record) []byte { return r.Raw }, LineRow: csvsrc.Dialect{}.CopyLineRow,
	})
	p, _ := pipeline.New(pipeline.Config[csvsrc.Record]{Source: src, Sink: sink})
	sum, err := p.Run(ctx)
	var nulls int
	_ = client.QueryRow(ctx, "select count(*) from places where name is null", nil, &nulls)
	fmt.Println(sum.Written, "rows,", nulls, "NULL name, error:", err)
	// Output: 3 rows, 1 NULL name, error: <nil>
}

// A CSV import resolves a foreign key while it loads: each batch's usernames go to the
// database in one query (a Loader coalesces them), the user id is appended to the
// record, and unknown users become rejects with their line.
func Example_csvWithLookup() {
	db := exampleDB()
	defer db.Close()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "tmimport-lookup.csv")
	_ = os.WriteFile(path, []byte("username,comment\nada,\"first, mapped\"\ngrace,validated\nnobody,lost\nada,again\n"), 0o644)
	defer os.Remove(path)
	client, _ := pgio.New(pgio.Config{DSN: db.DSN})
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	_ = client.Exec(ctx, `create table users (id bigint primary key, username text unique);
		insert into users values (1, 'ada'), (2, 'grace');
		create table comments (username text, comment text, user_id bigint not null)`)

	fetch, _ := pgio.Lookup[string, int64]{Table: pgx.Identifier{"users"}, Key: "username", Columns: []string{"id"}}.Func(client)
	users := stages.NewLoader(fetch, stages.LoaderConfig[string, int64]{})
	defer users.Close()
	dialect := csvsrc.Dialect{}.WithDefaults()
	resolve := stages.Lookup(users, func(r csvsrc.Record) string { return string(r.Fields[0]) },
		func(r *csvsrc.Record, id int64) { // append the id to the record sent to COPY
			r.Raw = dialect.AppendRecord(nil, append(r.Fields, strconv.AppendInt(nil, id, 10)), r.Raw)
		})
	src, _ := csvsrc.Open(path, csvsrc.Options{ParseFields: true})
	defer src.Close()
	sink, _ := pgio.NewCopySink(client, pgio.CopyConfig[csvsrc.Record]{Table: pgx.Identifier{"comments"},
		Columns: []string{"username", "comment", "user_id"}, Raw: func(r csvsrc.Record) []byte { return r.Raw }})
	p, _ := pipeline.New(pipeline.Config[csvsrc.Record]{Source: src, Stages: []pipeline.Stage[csvsrc.Record]{resolve}, Sink: sink,
		MaxRejects: -1, OnReject: func(r pipeline.Reject) error { fmt.Println("line", r.Pos.Line, "rejected:", r.Err); return nil }})
	sum, err := p.Run(ctx)
	fmt.Println(sum.Written, "comments written, error:", err)
	// Output:
	// line 4 rejected: pgio: lookup: key not found: username = nobody
	// 3 comments written, error: <nil>
}

// A data migration copies a table between databases and transforms it on the way: the
// table source's typed path decodes each row into its values (one snapshot, key or
// block ranges read in parallel), a stage rewrites them, and the sink writes them on
// the typed path. Geometries travel as EWKB bytes.
func Example_copyTableWithStage() {
	src, dst := exampleDB(), exampleDB()
	defer src.Close()
	defer dst.Close()
	ctx := context.Background()
	connect := func(dsn string) *pgio.Client {
		c, _ := pgio.New(pgio.Config{DSN: dsn})
		if err := c.Connect(ctx); err != nil {
			log.Fatal(err)
		}
		return c
	}
	source, target := connect(src.DSN), connect(dst.DSN)
	defer source.Close()
	defer target.Close()
	_ = source.Exec(ctx, `create table tasks (id int primary key, status text, geom geometry(Point,4326))`)
	_ = source.Exec(ctx, `insert into tasks select i, case when i % 3 = 0 then 'mapped' else 'ready' end,
		st_setsrid(st_makepoint(80 + i / 1000.0, 7), 4326) from generate_series(1, 5000) i`)
	_ = target.Exec(ctx, `create table tasks (id int primary key, status text, geom geometry(Point,4326))`)

	ts, err := source.OpenTableSource(ctx, pgio.TableSourceConfig{Table: pgx.Identifier{"tasks"}, SplitBy: "id", BatchRows: 1000})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	upper := stages.Map(func(row []any) ([]any, error) {
		row[1] = strings.ToUpper(row[1].(string)) // status: 'mapped' → 'MAPPED'
		return row, nil
	})
	sink, _ := pgio.NewCopySink(target, pgio.CopyConfig[[]any]{
		Table: pgx.Identifier{"tasks"}, Columns: []string{"id", "status", "geom"},
		Values: func(row []any, dst []any) ([]any, error) { return append(dst, row...), nil },
	})
	p, _ := pipeline.New(pipeline.Config[[]any]{Source: ts.Values(), Stages: []pipeline.Stage[[]any]{upper}, Sink: sink})
	sum, err := p.Run(ctx)
	fmt.Println("written:", sum.Written, "error:", err)
	var mapped int
	var same bool
	_ = target.QueryRow(ctx, `select count(*) filter (where status = 'MAPPED'),
		bool_and(st_x(geom) = 80 + id / 1000.0) from tasks`, nil, &mapped, &same)
	fmt.Println("MAPPED:", mapped, "geometries equal:", same)
	// Output:
	// written: 5000 error: <nil>
	// MAPPED: 1666 geometries equal: true
}
