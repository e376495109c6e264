package pgio_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
)

// TestLoadStructsCreatesTheTableFromTheType loads structs with a geometry, a time, a
// nullable field and JSON into a table created from the type alone (a zero-length
// slice), and reads back the column types and values from the server.
func TestLoadStructsCreatesTheTableFromTheType(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	type Place struct {
		ID    int64      `db:"id"`
		Name  *string    `db:"name"`
		At    time.Time  `db:"at"`
		Where orb.Point  `db:"geom"`
		Tags  []byte     `db:"tags"`
		Skip  string     `db:"-"`
		Score float64    // column "score"
		Rank  int32      // column "rank"
		Seen  *time.Time `db:"seen"`
	}
	_, err := c.Load(ctx, "s.places", pgio.Rows([]Place{}), pgio.LoadOptions{CreateSchema: true, CreateTable: true, Key: []string{"id"}, SRID: 3857})
	require.NoError(t, err)
	cols, err := c.TableColumns(ctx, mustTable(t, "s.places"))
	require.NoError(t, err)
	require.Equal(t, []pgio.Column{{"id", "bigint"}, {"name", "text"}, {"at", "timestamp with time zone"}, {"geom", "geometry(Point,3857)"},
		{"tags", "bytea"}, {"score", "double precision"}, {"rank", "integer"}, {"seen", "timestamp with time zone"}}, cols)
	key, err := c.PrimaryKey(ctx, mustTable(t, "s.places"))
	require.NoError(t, err)
	require.Equal(t, []string{"id"}, key)

	name := "Kandy"
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	sum, err := c.Load(ctx, "s.places", pgio.Rows([]*Place{{ID: 1, Name: &name, At: at, Where: orb.Point{80.6, 7.3}, Tags: []byte{1, 2}, Score: 1.5, Rank: 3}}), pgio.LoadOptions{SRID: 3857})
	require.NoError(t, err)
	require.EqualValues(t, 1, sum.Written)
	var got string
	require.NoError(t, c.QueryRow(ctx, `select format('%s|%s|%s|%s|%s|%s|%s', name, at at time zone 'UTC', st_asewkt(geom), encode(tags, 'hex'), score, rank, coalesce(seen::text, 'NULL')) from s.places`, nil, &got))
	require.Equal(t, "Kandy|2026-12-04 10:00:00|SRID=3857;POINT(80.6 7.3)|0102|1.5|3|NULL", got)
}

// TestKeyedLoadsKeepTheDocumentedWinnerForEveryInput upserts and ignores rows with
// repeated keys from a slice (routed to 4 workers by key), an iterator and a channel
// (read once: one worker), with an integer key and a text key: upsert keeps the last
// occurrence in input order, ignore the first and the rows already in the table.
func TestKeyedLoadsKeepTheDocumentedWinnerForEveryInput(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	type Row struct {
		K string `db:"k"`
		N int64  `db:"n"`
		V int64  `db:"v"`
	}
	var rows []Row
	for i := range int64(5000) {
		rows = append(rows, Row{K: fmt.Sprint("k", i%97), N: i % 97, V: i})
	}
	inputs := map[string]func() pgio.Input{
		"rows": func() pgio.Input { return pgio.Rows(rows) },
		"seq":  func() pgio.Input { return pgio.Seq(iter.Seq[Row](func(yield func(Row) bool) { all(rows, yield) })) },
		"chan": func() pgio.Input {
			ch := make(chan Row)
			go func() { defer close(ch); all(rows, func(r Row) bool { ch <- r; return true }) }()
			return pgio.Chan(ch)
		},
	}
	for name, in := range inputs {
		for _, key := range []string{"n", "k"} {
			for _, mode := range []pgio.Mode{pgio.Upsert, pgio.Ignore} {
				table := fmt.Sprintf("w_%s_%s_%s", name, key, mode)
				require.NoError(t, c.Exec(ctx, fmt.Sprintf("create table %s (k text, n bigint, v bigint, primary key (%s))", table, key)))
				// A row already in the table: ignore keeps it, upsert replaces it.
				require.NoError(t, c.Exec(ctx, fmt.Sprintf("insert into %s values ('k5', 5, -1)", table)))
				var notes []string
				_, err := c.Load(ctx, table, in(), pgio.LoadOptions{Mode: mode, Workers: 4, BatchRows: 700, OnNote: func(n string) { notes = append(notes, n) }})
				require.NoError(t, err, table)
				var n, sumV, v5 int64
				require.NoError(t, c.QueryRow(ctx, fmt.Sprintf("select count(*), sum(v), max(v) filter (where n = 5) from %s", table), nil, &n, &sumV, &v5))
				require.EqualValues(t, 97, n, table)
				wantSum, wantV5 := int64(0), int64(5+97*((4999-5)/97)) // the last occurrences
				for i := range int64(97) {
					last := i + 97*((4999-i)/97)
					wantSum += last
				}
				if mode == pgio.Ignore {
					wantSum, wantV5 = 97*96/2-5-1, -1 // the first occurrences, and -1 for key 5
				}
				require.Equal(t, wantV5, v5, table)
				require.Equal(t, wantSum, sumV, table)
				if name != "rows" {
					require.Len(t, notes, 1, table)
					require.Contains(t, notes[0], "uses 1 worker")
				} else {
					require.Empty(t, notes, table)
				}
			}
		}
	}
}

func all[T any](rows []T, yield func(T) bool) {
	for _, r := range rows {
		if !yield(r) {
			return
		}
	}
}

// TestImportIDIsBoundToHowTheInputIsRead resumes a CSV load with the same import id
// but another reading of the file (NULL text, delimiter, columns, types): each is
// refused before anything is written, so the table never mixes two readings of one
// file (issue 15 item 6). A stream cannot carry an import id at all.
func TestImportIDIsBoundToHowTheInputIsRead(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,v\n1,NA\n2,b\n"), 0o644))
	require.NoError(t, c.Exec(ctx, "create table r (id text, v text)"))
	opts := pgio.LoadOptions{ImportID: "r-1"}
	_, err := c.Load(ctx, "r", pgio.CSVFile(path, pgio.CSVOptions{}), opts)
	require.NoError(t, err)
	for name, o := range map[string]pgio.CSVOptions{
		"null":    {Dialect: pgio.CSVFormat{Null: "NA"}},
		"quote":   {Dialect: pgio.CSVFormat{Quote: '\''}},
		"columns": {Columns: []string{"v", "id"}},
	} {
		_, err := c.Load(ctx, "r", pgio.CSVFile(path, o), opts)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "r-1", name)
	}
	var n int
	require.NoError(t, c.QueryRow(ctx, "select count(*) from r", nil, &n))
	require.Equal(t, 2, n)

	_, err = c.Load(ctx, "r", pgio.Seq(iter.Seq[struct{ ID, V string }](func(func(struct{ ID, V string }) bool) {})), opts)
	require.ErrorIs(t, err, pgio.ErrConfig)
	require.Contains(t, err.Error(), "not a stream")
}

// TestGeoJSONEmptyCoordinatesAreStoredEmpty loads a feature with "coordinates": []
// (RFC 7946 allows it): it is stored as an empty geometry, as ogr2ogr stores it, not
// rejected (issue 14 item 10); RejectEmpty refuses it.
func TestGeoJSONEmptyCoordinatesAreStoredEmpty(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "empty.geojson")
	require.NoError(t, os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"n":2},"geometry":{"type":"Point","coordinates":[]}}]}`), 0o644))
	sum, err := c.Load(ctx, "g", pgio.GeoJSONFile(path, pgio.GeoJSONOptions{}), pgio.LoadOptions{CreateTable: true})
	require.NoError(t, err)
	require.EqualValues(t, 2, sum.Written)
	var empty bool
	require.NoError(t, c.QueryRow(ctx, "select st_isempty(geom) from g where n = 2", nil, &empty))
	require.True(t, empty)

	_, err = c.Load(ctx, "g2", pgio.GeoJSONFile(path, pgio.GeoJSONOptions{RejectEmpty: true}), pgio.LoadOptions{CreateTable: true, MaxRejects: -1})
	require.NoError(t, err)
	var n int
	require.NoError(t, c.QueryRow(ctx, "select count(*) from g2", nil, &n))
	require.Equal(t, 1, n)
}

// TestLoadOptionsValidate checks that bad options are refused before any I/O, naming
// the field.
func TestLoadOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o    pgio.LoadOptions
		want string
	}{
		{pgio.LoadOptions{Workers: -1}, "LoadOptions.Workers"},
		{pgio.LoadOptions{BatchRows: -5}, "LoadOptions.BatchRows"},
		{pgio.LoadOptions{MaxRejects: -2}, "LoadOptions.MaxRejects"},
		{pgio.LoadOptions{Mode: pgio.Replace, Atomic: true}, "atomic already"},
		{pgio.LoadOptions{Types: map[string]string{"a": "int"}}, "LoadOptions.Types"},
		{pgio.LoadOptions{CreateSchema: true}, "CreateSchema needs CreateTable"},
		{pgio.LoadOptions{Key: []string{"id"}}, "mode append uses none"},
		{pgio.LoadOptions{Mode: pgio.Upsert, Key: []string{"a\x00"}}, "LoadOptions.Key"},
	} {
		err := tc.o.Validate()
		require.ErrorIs(t, err, pgio.ErrConfig, tc.want)
		require.True(t, strings.Contains(err.Error(), tc.want), "%v: want %q", err, tc.want)
	}
	require.NoError(t, pgio.LoadOptions{}.Validate())
}

// mustTable parses a table name.
func mustTable(t *testing.T, name string) pgx.Identifier {
	t.Helper()
	id, err := pgio.ParseTableName(name)
	require.NoError(t, err)
	return id
}

// TestAddColumnsAndAdaptEmptyColumnsDoOnlyTheirOwnPart: AddColumns adds missing
// columns without widening an empty one; AdaptEmptyColumns widens an empty column
// without adding (pangres' add_new_columns and adapt_dtype_of_empty_db_columns).
func TestAddColumnsAndAdaptEmptyColumnsDoOnlyTheirOwnPart(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	type Row struct {
		ID   int64  `db:"id"`
		Note string `db:"note"` // text: the table's integer column is too narrow
		More int64  `db:"more"`
	}
	types := func(table string) string {
		cols, err := c.TableColumns(ctx, mustTable(t, table))
		require.NoError(t, err)
		return fmt.Sprint(cols)
	}
	for _, tc := range []struct {
		name     string
		opts     pgio.LoadOptions
		want     string
		loadFail bool
	}{
		{"add", pgio.LoadOptions{AddColumns: true}, "[{id bigint} {note integer} {more bigint}]", true},
		{"adapt", pgio.LoadOptions{AdaptEmptyColumns: true}, "[{id bigint} {note text}]", true},
		{"both", pgio.LoadOptions{AddColumns: true, AdaptEmptyColumns: true}, "[{id bigint} {note text} {more bigint}]", false},
	} {
		table := "evolve_" + tc.name
		require.NoError(t, c.Exec(ctx, "create table "+table+" (id bigint, note integer)"))
		_, err := c.Load(ctx, table, pgio.Rows([]Row{{1, "x", 2}}), tc.opts)
		require.Equal(t, tc.loadFail, err != nil, "%s: %v", tc.name, err)
		require.Equal(t, tc.want, types(table), tc.name)
	}
}
