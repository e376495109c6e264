package pgio_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/tmimport/tmimport/pgio"
)

// connectExample connects a client to a fresh example database; a program uses its
// own DSN.
func connectExample(ctx context.Context) (*pgio.Client, func()) {
	db := exampleDB()
	client, err := pgio.New(pgio.Config{DSN: db.DSN})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	return client, func() { client.Close(); _ = db.Close() }
}

// printRows prints a query's rows of two integers.
func printRows(ctx context.Context, c *pgio.Client, sql string) {
	pool, _ := c.Pool("example")
	rows, err := pool.Query(ctx, sql)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		_ = rows.Scan(&a, &b)
		fmt.Println(a, b)
	}
}

// A slice of structs goes into a new table in one call: columns and types come from
// the struct (db tags name the columns), rows travel as binary COPY.
func ExampleClient_Load() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	type Task struct {
		ID      int64     `db:"id"`
		Status  string    `db:"status"`
		Created time.Time `db:"created"`
		Note    *string   `db:"note"` // nullable
	}
	tasks := []Task{{1, "READY", time.Unix(0, 0), nil}, {2, "MAPPED", time.Unix(60, 0), nil}}

	sum, err := client.Load(ctx, "tasks", pgio.Rows(tasks), pgio.LoadOptions{CreateTable: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Written, "rows written")
	// Output: 2 rows written
}

// An upsert of a slice by key, in one call: the last occurrence of a key in the slice
// wins, whatever the number of workers (rows are routed to workers by key).
func ExampleClient_Load_upsert() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	_ = client.Exec(ctx, "create table squares (n bigint primary key, square bigint)")
	type Square struct{ N, Square int64 } // untagged fields: columns n and square
	var rows []Square
	for i := range int64(1000) {
		rows = append(rows, Square{i % 100, i * i}) // keys repeat: the last one wins
	}

	_, err := client.Load(ctx, "squares", pgio.Rows(rows), pgio.LoadOptions{Mode: pgio.Upsert, Workers: 4})
	if err != nil {
		log.Fatal(err)
	}
	printRows(ctx, client, "select count(*), max(square) filter (where n = 7) from squares")
	// Output: 100 822649
}

// A CSV file, in one call: the table is created with types inferred from a sample,
// and the file's raw records go to the server in CPU-count chunks.
func ExampleCSVFile() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	path := filepath.Join(os.TempDir(), "tmimport-example-places.csv")
	_ = os.WriteFile(path, []byte("id,name,population\n1,\"Kandy, LK\",125400\n2,\"two\nlines\",\n3,,7\n"), 0o644)
	defer os.Remove(path)

	sum, err := client.Load(ctx, "places", pgio.CSVFile(path, pgio.CSVOptions{}), pgio.LoadOptions{CreateTable: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Written, "rows")
	printRows(ctx, client, "select count(*) filter (where name is null), sum(population) from places")
	// Output:
	// 3 rows
	// 1 125407
}

// A load with an import id resumes where an interrupted one stopped: the batches it
// committed are skipped, the rest are written, and no row is written twice.
func ExampleLoadOptions_importID() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	path := filepath.Join(os.TempDir(), "tmimport-example-resume.csv")
	_ = os.WriteFile(path, []byte("id,v\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n"), 0o644)
	defer os.Remove(path)
	opts := pgio.LoadOptions{CreateTable: true, ImportID: "places-1", BatchRows: 2, Workers: 1}

	// The first run stops after two committed batches (a Ctrl-C, a crash…).
	for r, err := range client.LoadChunks(ctx, "resumed", pgio.CSVFile(path, pgio.CSVOptions{}), opts) {
		if err != nil {
			log.Fatal(err)
		}
		if r.Batch == 1 {
			break // cancels the load
		}
	}
	// The same call with the same id resumes.
	sum, err := client.Load(ctx, "resumed", pgio.CSVFile(path, pgio.CSVOptions{}), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("skipped", sum.Skipped, "written", sum.Written)
	printRows(ctx, client, "select count(*), count(distinct id) from resumed")
	// Output:
	// skipped 4 written 3
	// 7 7
}

// atoti's Table.load_async example: loads run in the background, several at once into
// one keyed table, and a load started after another ended overrides its keys.
func ExampleClient_LoadAsync() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	type Row struct{ Key, Value int64 }
	df1 := []Row{{1, 10}, {2, 20}}
	df2 := []Row{{3, 30}, {4, 40}}
	df3 := []Row{{2, 200}, {5, 500}}
	opts := pgio.LoadOptions{Mode: pgio.Upsert, Key: []string{"key"}, CreateTable: true}
	count := func() (n int64) {
		_ = client.QueryRow(ctx, "select count(*) from example", nil, &n)
		return n
	}
	wait := func(jobs ...*pgio.Job) {
		for _, j := range jobs {
			if _, err := j.Wait(); err != nil {
				log.Fatal(err)
			}
		}
	}

	fmt.Println("Loading two data sets concurrently:")
	wait(client.LoadAsync(ctx, "example", pgio.Rows(df1), opts), client.LoadAsync(ctx, "example", pgio.Rows(df2), opts))
	printRows(ctx, client, "select key, value from example order by key")
	_ = client.Exec(ctx, "drop table example")

	fmt.Println("Loading two data sets sequentially:")
	wait(client.LoadAsync(ctx, "example", pgio.Rows(df1), opts))
	fmt.Println("row count", count())
	wait(client.LoadAsync(ctx, "example", pgio.Rows(df3), opts))
	fmt.Println("row count", count(), "(df3 overrode key 2 of df1)")
	printRows(ctx, client, "select key, value from example order by key")
	_ = client.Exec(ctx, "drop table example")

	fmt.Println("Loading three data sets in a concurrent and sequential mix:")
	sequence := client.LoadAsync(ctx, "example", pgio.Rows(df2), opts)
	wait(client.LoadAsync(ctx, "example", pgio.Rows(df1), opts))
	wait(client.LoadAsync(ctx, "example", pgio.Rows(df3), opts), sequence)
	fmt.Println("row count", count())
	printRows(ctx, client, "select key, value from example order by key")
	// Output:
	// Loading two data sets concurrently:
	// 1 10
	// 2 20
	// 3 30
	// 4 40
	// Loading two data sets sequentially:
	// row count 2
	// row count 3 (df3 overrode key 2 of df1)
	// 1 10
	// 2 200
	// 5 500
	// Loading three data sets in a concurrent and sequential mix:
	// row count 5
	// 1 10
	// 2 200
	// 3 30
	// 4 40
	// 5 500
}

// pangres' aupsert example: create the schema and table from a zero-row load (types
// from the struct alone), upsert two data sets concurrently with table creation off,
// then upsert again chunk by chunk, printing the rows each chunk wrote.
func ExampleClient_LoadChunks() {
	ctx := context.Background()
	client, done := connectExample(ctx)
	defer done()
	type Profile struct {
		ProfileID  int64    `db:"profileid"`
		FullName   string   `db:"full_name"`
		LikesSport bool     `db:"likes_sport"`
		Size       *float64 `db:"size_in_meters"`
	}
	size := func(m float64) *float64 { return &m }
	opts := pgio.LoadOptions{Mode: pgio.Upsert, Key: []string{"profileid"}, CreateSchema: true, CreateTable: true, AddColumns: true}

	// create_schema, create_table, add_new_columns: from df.head(0)
	if _, err := client.Load(ctx, "tests.profiles", pgio.Rows([]Profile{}), opts); err != nil {
		log.Fatal(err)
	}
	// concurrent upserts, create_table off
	opts.CreateSchema, opts.CreateTable, opts.AddColumns = false, false, false
	a := client.LoadAsync(ctx, "tests.profiles", pgio.Rows([]Profile{{0, "John Rambo", true, size(1.77)}, {1, "The Rock", true, size(1.96)}}), opts)
	b := client.LoadAsync(ctx, "tests.profiles", pgio.Rows([]Profile{{2, "John Travolta", false, nil}}), opts)
	for _, j := range []*pgio.Job{a, b} {
		if _, err := j.Wait(); err != nil {
			log.Fatal(err)
		}
	}
	// yield_chunks: one result per committed batch of two rows
	opts.BatchRows, opts.Workers = 2, 1
	more := []Profile{{2, "John Travolta", true, size(1.88)}, {3, "Arnold", true, size(1.88)}, {4, "Keanu", false, size(1.86)}}
	for r, err := range client.LoadChunks(ctx, "tests.profiles", pgio.Rows(more), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("chunk %d: %d rows upserted\n", r.Batch, r.Written)
	}
	printRows(ctx, client, "select count(*), count(*) filter (where likes_sport) from tests.profiles")
	// Output:
	// chunk 0: 2 rows upserted
	// chunk 1: 1 rows upserted
	// 5 4
}
