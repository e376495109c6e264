package pgio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

func TestParseTableName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want pgx.Identifier
		err  string
	}{
		{"tasks", pgx.Identifier{"tasks"}, ""},
		{"Public.Tasks", pgx.Identifier{"public", "tasks"}, ""},
		{`"My Schema"."Tasks"`, pgx.Identifier{"My Schema", "Tasks"}, ""},
		{`"a""b".c`, pgx.Identifier{`a"b`, "c"}, ""},
		{`"x.y"`, pgx.Identifier{"x.y"}, ""},
		{`a";DROP TABLE x;--`, pgx.Identifier{`a";drop table x;--`}, ""},
		{"", nil, "empty name"},
		{"a.", nil, "empty name"},
		{"a.b.c", nil, "more than schema and name"},
		{`"unterminated`, nil, "unterminated"},
		{`"a"b`, nil, "unexpected"},
		{strings.Repeat("x", 64), nil, "longer than"},
	}
	for _, tc := range cases {
		got, err := pgio.ParseTableName(tc.in)
		if tc.err != "" {
			require.ErrorIs(t, err, pgio.ErrIdentifier, tc.in)
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestCheckIdentifier(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ok   bool
	}{
		{"select", true}, {`a";DROP TABLE x;--`, true}, {`"`, true}, {"Mixed Case", true}, {"ñandú ✓", true},
		{strings.Repeat("é", 31), true}, // 62 bytes
		{"", false}, {strings.Repeat("a", 64), false}, {"a\x00b", false}, {"\xff", false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.ok, pgio.CheckIdentifier(tc.name) == nil, "%q", tc.name)
	}
}

func TestCreateTableConcurrentlyCreatesOnceWithoutLeftoverLocks(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	table := pgx.Identifier{"New Schema", `odd "table"`}
	cols := []pgio.Column{{"id", "bigint"}, {`a";DROP TABLE x;--`, "text"}, {"select", "boolean"}}
	var wg sync.WaitGroup
	created := make(chan bool, 16)
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() { // each importer has its own client, as separate processes would
			defer wg.Done()
			c, err := pgio.New(pgio.Config{DSN: db.DSN, MaxConns: 2})
			if err == nil {
				err = c.Connect(context.Background())
			}
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			ok, err := c.CreateTable(context.Background(), table, cols, []string{"id"})
			errs <- err
			created <- ok
		}()
	}
	wg.Wait()
	close(errs)
	close(created)
	for err := range errs {
		require.NoError(t, err)
	}
	n := 0
	for ok := range created {
		if ok {
			n++
		}
	}
	require.Equal(t, 1, n, "exactly one importer created the table")
	c := connect(t, db)
	got, err := c.TableColumns(context.Background(), table)
	require.NoError(t, err)
	require.Equal(t, cols, got)
	var locks int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())").Scan(&locks))
	require.Zero(t, locks)
	missing, err := c.TableColumns(context.Background(), pgx.Identifier{"nope"})
	require.NoError(t, err)
	require.Nil(t, missing)
}

func TestRejectWriterKeepsExactBytes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := pgio.NewRejectWriter(&buf, false)
	raw := []byte("1,\xff\xfe bad utf8,\"q\"\r\n")
	require.NoError(t, w.Write(pipeline.Reject{Source: "in.csv", Pos: pipeline.Pos{Line: 7, Offset: 120}, Raw: raw, SQLState: "22021", Column: "s", Err: errors.New("invalid byte sequence")}))
	require.NoError(t, w.Write(pipeline.Reject{Source: "in.csv", Pos: pipeline.Pos{Line: 9}, Raw: []byte("<b>ok ✓</b>"), Err: errors.New("x")}))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var rec pgio.RejectRecord
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	require.Equal(t, int64(7), rec.Line)
	require.Equal(t, int64(120), rec.ByteOffset)
	require.Equal(t, "22021", rec.SQLState)
	require.NotEmpty(t, rec.RawBase64)
	require.Contains(t, lines[1], `"raw":"<b>ok ✓</b>"`)
	require.NotContains(t, lines[1], "raw_base64")
}

// injectedTypes are column types that smuggle SQL into DDL: a second statement, a
// default and a collation. None is a type name with modifiers.
var injectedTypes = []string{`text); drop table victim; --`, `text default now()`, `text collate "C"`}

// TestResolveTypeRefusesNonTypesBeforeTheServer refuses, on a client that never
// connected, every type that is not a name with optional modifiers: the check is
// lexical and runs before anything is sent. The error names the column and the type.
func TestResolveTypeRefusesNonTypesBeforeTheServer(t *testing.T) {
	t.Parallel()
	c, err := pgio.New(pgio.Config{DSN: "postgres://u@127.0.0.1:1/db?sslmode=disable"})
	require.NoError(t, err)
	defer c.Close()
	bad := append([]string{
		"", "text;", "text -- x", "text /* x */", "int check (x > 0)", "text not null", "text primary key",
		"varchar(10)) ; drop table x; --", "varchar('10')", "numeric(10,2", "geometry(Point,4326) references t",
		"interval day to month", "interval day(3) to second", "interval fortnight", "a.b.c", ".text", "text.", "text[] x", "text[1]x", "bigint generated always as identity",
		"(text)", "text ) ", "varchar(10)(20)", `"text`, "timestamp(3) with time zone default now()",
		"integer(11) unsigned", "character varying(10) collate \"C\"",
	}, injectedTypes...)
	for _, typ := range bad {
		_, err := c.ResolveType(context.Background(), typ)
		require.ErrorIs(t, err, pgio.ErrType, "%q", typ)
		require.NotErrorIs(t, err, pgio.ErrNotConnected, "%q was refused before any I/O", typ)
		require.ErrorContains(t, err, fmt.Sprintf("%q", typ))
		_, err = c.ResolveTypes(context.Background(), map[string]string{"id": "bigint", "name": typ})
		require.ErrorIs(t, err, pgio.ErrType, "%q", typ)
		require.ErrorContains(t, err, `column "name"`)
		require.ErrorContains(t, err, fmt.Sprintf("%q", typ))
		var te *pgio.TypeError
		require.ErrorAs(t, err, &te)
		require.Equal(t, "name", te.Column)
		require.Equal(t, typ, te.Type)
	}
}

// TestResolveTypeReturnsTheServersSpelling resolves valid types, modifiers included,
// to format_type's spelling, and refuses names the server does not know and modifiers
// the type does not take.
func TestResolveTypeReturnsTheServersSpelling(t *testing.T) {
	t.Parallel()
	c := connect(t, pgtest.Start(t))
	ctx := context.Background()
	for typ, want := range map[string]string{
		"bigint": "bigint", "int8": "bigint", "INT8": "bigint", "varchar(10)": "character varying(10)",
		"numeric(10,2)": "numeric(10,2)", "numeric( 10 , 2 )": "numeric(10,2)", "numeric": "numeric",
		"timestamp without time zone": "timestamp without time zone", "timestamptz": "timestamp with time zone",
		"timestamp(3) with time zone": "timestamp(3) with time zone", "timestamp(3)": "timestamp(3) without time zone",
		"geometry(Point,4326)": "geometry(Point,4326)", "geometry(point, 4326)": "geometry(Point,4326)",
		"public.geometry(Polygon,3857)": "geometry(Polygon,3857)", "geometry": "geometry",
		"text[]": "text[]", "varchar(10)[]": "character varying(10)[]", "int[][]": "integer[]",
		"double precision": "double precision", "float(24)": "real", "float(25)": "double precision",
		"char": "character(1)", "character(3)": "character(3)", "bit varying(5)": "bit varying(5)",
		`"char"`: `"char"`, "pg_catalog.int4": "integer", " jsonb ": "jsonb", "interval(3)": "interval(3)", "interval": "interval",
		"interval day to second": "interval day to second", "interval day to second(3)": "interval day to second(3)",
		"INTERVAL Year To Month": "interval year to month", "interval second(2)": "interval second(2)", "interval hour[]": "interval hour[]",
		"timestamp(3) with time zone[]": "timestamp(3) with time zone[]", `public."geometry"`: "geometry",
	} {
		got, err := c.ResolveType(ctx, typ)
		require.NoError(t, err, "%q", typ)
		require.Equal(t, want, got, "%q", typ)
	}
	for typ, reason := range map[string]string{
		"nosuchtype": "no such type", "public.text": "no such type", "int(11)": "takes no modifiers", "int4range(1)": "takes no modifiers",
		"varchar(0)": "server refused", "numeric(10,2,3)": "server refused", "geometry(Blob,4326)": "server refused",
		"void": "pseudo-type", "anyelement": "pseudo-type",
	} {
		_, err := c.ResolveType(ctx, typ)
		require.ErrorIs(t, err, pgio.ErrType, "%q", typ)
		require.ErrorContains(t, err, reason, "%q", typ)
	}
	got, err := c.ResolveTypes(ctx, map[string]string{"a": "int8", "b": "varchar(10)"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "bigint", "b": "character varying(10)"}, got)

	// Every spelling format_type prints for a column resolves to itself, so a table's
	// columns (tmimport pg --create) can be created elsewhere.
	require.NoError(t, c.Exec(ctx, `create schema "My Schema"; create type "My Schema"."Mood" as enum ('ok');
		create table every (a "char", b character(3), c varchar(10)[], d numeric(10,2), e interval day to second(3),
		f time(2) with time zone, g timestamp(0) without time zone, h bit varying(5), i geometry(PointZ,4326),
		j geography(Point,4326), k uuid, l int4range, m "char"[], n "My Schema"."Mood", o "My Schema"."Mood"[], p bit(4),
		q interval year, r float4, s timestamptz(6)[])`))
	cols, err := c.TableColumns(ctx, pgx.Identifier{"every"})
	require.NoError(t, err)
	require.Len(t, cols, 19)
	for _, col := range cols {
		got, err := c.ResolveType(ctx, col.Type)
		require.NoError(t, err, "%q", col.Type)
		require.Equal(t, col.Type, got)
	}
}

// TestCreateAndEvolveRefuseInjectedTypesBeforeAnyDDL gives CreateTable and EvolveTable
// types that carry SQL: each call fails naming the column and the type, the victim
// table keeps its row, and neither the new table nor the new column appears. Valid
// types create columns in the server's spelling.
func TestCreateAndEvolveRefuseInjectedTypesBeforeAnyDDL(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, "create table victim (v text); insert into victim values ('still here'); create table evolving (id bigint)")
	require.NoError(t, err)
	c := connect(t, db)
	victimIntact := func(typ string) {
		t.Helper()
		var v string
		require.NoError(t, db.Pool.QueryRow(ctx, "select v from victim").Scan(&v), "%q", typ)
		require.Equal(t, "still here", v)
		cols, err := c.TableColumns(ctx, pgx.Identifier{"victim"})
		require.NoError(t, err)
		require.Equal(t, []pgio.Column{{"v", "text"}}, cols, "%q", typ)
	}
	for _, typ := range injectedTypes {
		_, err := c.CreateTable(ctx, pgx.Identifier{"k"}, []pgio.Column{{"id", "bigint"}, {"name", typ}}, nil)
		require.ErrorIs(t, err, pgio.ErrType, "%q", typ)
		require.ErrorContains(t, err, `column "name"`)
		require.ErrorContains(t, err, fmt.Sprintf("%q", typ))
		victimIntact(typ)
		cols, err := c.TableColumns(ctx, pgx.Identifier{"k"})
		require.NoError(t, err)
		require.Nil(t, cols, "no table was created for %q", typ)

		_, _, err = c.EvolveTable(ctx, pgx.Identifier{"evolving"}, []pgio.Column{{"id", "bigint"}, {"name", typ}})
		require.ErrorIs(t, err, pgio.ErrType, "%q", typ)
		require.ErrorContains(t, err, `column "name"`)
		victimIntact(typ)
		cols, err = c.TableColumns(ctx, pgx.Identifier{"evolving"})
		require.NoError(t, err)
		require.Equal(t, []pgio.Column{{"id", "bigint"}}, cols, "no column was added for %q", typ)
	}

	given := []pgio.Column{{"a", "bigint"}, {"b", "int8"}, {"c", "varchar(10)"}, {"d", "numeric(10,2)"},
		{"e", "timestamp without time zone"}, {"f", "geometry(Point,4326)"}, {"g", "text[]"}}
	want := []pgio.Column{{"a", "bigint"}, {"b", "bigint"}, {"c", "character varying(10)"}, {"d", "numeric(10,2)"},
		{"e", "timestamp without time zone"}, {"f", "geometry(Point,4326)"}, {"g", "text[]"}}
	created, err := c.CreateTable(ctx, pgx.Identifier{"typed"}, given, []string{"a"})
	require.NoError(t, err)
	require.True(t, created)
	got, err := c.TableColumns(ctx, pgx.Identifier{"typed"})
	require.NoError(t, err)
	require.Equal(t, want, got)

	added, _, err := c.EvolveTable(ctx, pgx.Identifier{"evolving"}, append([]pgio.Column{{"id", "bigint"}}, given[1:]...))
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c", "d", "e", "f", "g"}, added)
	got, err = c.TableColumns(ctx, pgx.Identifier{"evolving"})
	require.NoError(t, err)
	require.Equal(t, append([]pgio.Column{{"id", "bigint"}}, want[1:]...), got)
	victimIntact("valid types")
}
