package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// numbered returns a CSV "id,val" with ids from..to-1, and a bad row after them when bad.
func numbered(from, to int, bad bool) []byte {
	var b bytes.Buffer
	b.WriteString("id,val\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%d,v%d\n", i, i)
	}
	if bad {
		b.WriteString("not-a-number,bad\n")
	}
	return b.Bytes()
}

func stagingTables(t *testing.T, db *pgtest.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_tables where tablename like '%tmimport%'").Scan(&n))
	return n
}

// TestAtomicImportIsAllOrNothing fails an --atomic import at its last row: the target
// keeps none of the input (a plain import keeps the earlier batches), and a good run
// publishes everything at once.
func TestAtomicImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table plain (id bigint primary key, val text)", "create table atomic (id bigint primary key, val text)")
	bad := writeFile(t, "bad.csv", numbered(0, 20_000, true))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "plain", "--batch-rows", "1000", "--workers", "2", "-q", bad)
	require.Equal(t, 1, r.code)
	require.Positive(t, stateOf(t, db.Pool, pgx.Identifier{"plain"}).Count, "without --atomic, committed batches stay")
	for _, mode := range []string{"append", "upsert"} {
		r = runCLI(t, "csv", "--to", db.DSN, "--table", "atomic", "--mode", mode, "--atomic", "--batch-rows", "1000", "--workers", "2", "-q", bad)
		require.Equal(t, 1, r.code, r.stderr)
		require.Zero(t, stateOf(t, db.Pool, pgx.Identifier{"atomic"}).Count, mode)
		require.Zero(t, stagingTables(t, db), "the staging table of a failed atomic import is dropped")
	}
	good := writeFile(t, "good.csv", numbered(0, 20_000, false))
	r = runCLI(t, "csv", "--to", db.DSN, "--table", "atomic", "--atomic", "--mode", "upsert", "--batch-rows", "1000", "--workers", "2", "-q", "--report", "json", good)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 20_000, reportOf(t, r)["rows_written"])
	require.EqualValues(t, 20_000, stateOf(t, db.Pool, pgx.Identifier{"atomic"}).Count)
	require.Zero(t, stagingTables(t, db))
}

// TestReplaceSwapsInTheNewTable replaces a table's rows: readers see the old or the new
// rows, the definition (key, default) survives, and the old table is gone.
func TestReplaceSwapsInTheNewTable(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table r (id bigint primary key, val text, note text default 'kept')",
		"insert into r select g, 'old', 'old' from generate_series(100000, 100099) g")
	path := writeFile(t, "new.csv", numbered(0, 5000, false))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "r", "--mode", "replace", "--workers", "2", "-q", path)
	require.Zero(t, r.code, r.stderr)
	var n, old int
	var note string
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*), count(*) filter (where val = 'old'), min(note) from r").Scan(&n, &old, &note))
	require.Equal(t, 5000, n)
	require.Zero(t, old)
	require.Equal(t, "kept", note, "the column default came along")
	var pk string
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'r'::regclass and contype = 'p'").Scan(&pk))
	require.Equal(t, "PRIMARY KEY (id)", pk)
	require.Zero(t, stagingTables(t, db))
}

// TestAddColumnsAddsAndWidensOnlyEmptyColumns adds a column the input has, widens a
// still-empty column the input needs wider, and leaves a column with data alone.
func TestAddColumnsAddsAndWidensOnlyEmptyColumns(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table e (id bigint, empty_int bigint, full_int bigint)", "insert into e (id, full_int) values (0, 7)")
	path := writeFile(t, "e.csv", []byte("id,empty_int,full_int,extra\n1,1.5,8,hello\n2,2.5,9,world\n"))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "e", "-q", path)
	require.Equal(t, 1, r.code, "without --add-columns the unknown column is refused")
	require.Contains(t, r.stderr, "extra")
	r = runCLI(t, "csv", "--to", db.DSN, "--table", "e", "--add-columns", "-q", path)
	require.Zero(t, r.code, r.stderr)
	types := map[string]string{}
	rows, err := db.Pool.Query(context.Background(), "select attname, format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'e'::regclass and attnum > 0")
	require.NoError(t, err)
	var name, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error { types[name] = typ; return nil })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"id": "bigint", "empty_int": "double precision", "full_int": "bigint", "extra": "text"}, types)
	var sum float64
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select sum(empty_int) from e").Scan(&sum))
	require.InDelta(t, 4.0, sum, 1e-9)
}
