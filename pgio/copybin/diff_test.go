package copybin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/copybin"
	"github.com/tmimport/tmimport/pgio/pgtest"
)

// diffCol is a column of a differential table: its name, SQL type and the type's send
// function, whose output is compared byte for byte.
type diffCol struct{ name, typ, send string }

// diffSessions are the connections of the differential test. The two CSV sessions use
// different, non-UTC TimeZone and DateStyle settings: every value the encoder accepts
// must be stored identically under both, and identically by the binary session.
type diffSessions struct {
	csvA, csvB, bin *pgx.Conn
}

// TestDifferential proves exactness against a real PostgreSQL: for many generated
// values per type (edge cases, random valid forms and near misses) it loads every
// record the encoder accepts twice, once as CSV text (under two TimeZone/DateStyle
// settings) and once through the encoder as binary COPY, then requires the tables to be
// identical by each column's send function and by its text output, and requires that
// the rows the server refuses (invalid UTF-8, over-long varchar, invalid JSON…) are the
// same rows with the same SQLSTATE on both paths.
func TestDifferential(t *testing.T) {
	db := pgtest.Start(t)
	ctx := context.Background()
	s := diffSessions{
		csvA: diffConnect(t, db.DSN, "set timezone = 'America/Sao_Paulo'", "set datestyle = 'ISO, MDY'"),
		csvB: diffConnect(t, db.DSN, "set timezone = 'Asia/Kathmandu'", "set datestyle = 'SQL, DMY'",
			"set timezone_abbreviations = 'India'"),
		bin: diffConnect(t, db.DSN, "set timezone = 'Pacific/Chatham'", "set datestyle = 'German, YMD'"),
	}
	var version, encoding string
	require.NoError(t, s.bin.QueryRow(ctx, "select version(), current_setting('server_encoding')").Scan(&version, &encoding))
	t.Logf("server: %s, encoding %s", version, encoding)
	if !strings.HasPrefix(version, "PostgreSQL 15.") {
		t.Logf("warning: the encoder is specified against PostgreSQL 15, this is %s", version)
	}

	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("COPYBIN_SEED"); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("COPYBIN_SEED=%d", seed)
	r := rand.New(rand.NewPCG(seed, 15))

	const n = 4000
	for _, c := range []struct {
		typ, send string
		values    []string
	}{
		{"smallint", "int2send", genInts(r, 16, n)},
		{"integer", "int4send", genInts(r, 32, n)},
		{"bigint", "int8send", genInts(r, 64, n)},
		{"real", "float4send", genFloats(r, 32, n)},
		{"double precision", "float8send", genFloats(r, 64, n)},
		{"boolean", "boolsend", genBools(r, n)},
		{"text", "textsend", genTexts(r, n, 80)},
		{"character varying", "varcharsend", genTexts(r, n/4, 12)},
		{"character varying(5)", "varcharsend", genShortTexts(r, n/4)},
		{"character(5)", "bpcharsend", genShortTexts(r, n/4)},
		{"json", "json_send", genJSONs(r, n/2)},
		{"jsonb", "jsonb_send", genJSONs(r, n/2)},
		{"uuid", "uuid_send", genUUIDs(r, n)},
		{"date", "date_send", genDates(r, n)},
		{"timestamp without time zone", "timestamp_send", genTimestamps(r, n, false)},
		{"timestamp(2) without time zone", "timestamp_send", genTimestamps(r, n/2, false)},
		{"timestamp with time zone", "timestamptz_send", genTimestamps(r, n, true)},
		{"timestamp(0) with time zone", "timestamptz_send", genTimestamps(r, n/2, true)},
	} {
		t.Run(c.typ, func(t *testing.T) {
			rows := make([][][]byte, 0, len(c.values)+3)
			for i, v := range c.values {
				rows = append(rows, [][]byte{[]byte(strconv.Itoa(i)), []byte(v)})
			}
			for range 3 {
				rows = append(rows, [][]byte{[]byte(strconv.Itoa(len(rows))), nil})
			}
			cols := []diffCol{{"i", "integer", "int4send"}, {"v", c.typ, c.send}}
			s.run(ctx, t, "d_"+strings.NewReplacer(" ", "_", "(", "", ")", "").Replace(c.typ), cols, rows)
		})
	}

	// A value the encoder passes through but the server refuses is reported, in binary
	// COPY, as "line N" with N the tuple's 1-based position, and the column's name.
	t.Run("error context", func(t *testing.T) {
		_, err := s.bin.Exec(ctx, "create table ctx_bin (i integer, v character varying(2))")
		require.NoError(t, err)
		enc, err := copybin.NewEncoder([]string{"integer", "character varying(2)"})
		require.NoError(t, err)
		buf := slices.Clone(enc.Header())
		for i, v := range []string{"a", "bb", "ccc", "d"} {
			buf, err = enc.AppendRow(buf, [][]byte{[]byte(strconv.Itoa(i)), []byte(v)})
			require.NoError(t, err)
		}
		buf = append(buf, copybin.Trailer()...)
		_, err = s.bin.PgConn().CopyFrom(ctx, bytes.NewReader(buf), "copy ctx_bin from stdin (format binary)")
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%v", err)
		require.Equal(t, "22001", pgErr.Code)
		require.Equal(t, "COPY ctx_bin, line 3, column v", pgErr.Where)
	})

	t.Run("task_history", func(t *testing.T) {
		cols := []diffCol{{"id", "bigint", "int8send"}, {"project_id", "integer", "int4send"},
			{"task_id", "integer", "int4send"}, {"action", "text", "textsend"}, {"action_text", "text", "textsend"},
			{"action_date", "timestamp without time zone", "timestamp_send"}, {"user_id", "bigint", "int8send"}}
		s.run(ctx, t, "task_history", cols, taskHistoryRecords(r, 20000))
	})
}

// diffConnect opens a dedicated connection, closed at cleanup, and runs setup on it.
func diffConnect(tb testing.TB, dsn string, setup ...string) *pgx.Conn {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	for _, sql := range setup {
		_, err := conn.Exec(ctx, sql)
		require.NoError(tb, err, sql)
	}
	return conn
}

// run loads rows (the first column a unique integer key) through the three sessions
// into tables named after name, and requires identical results.
func (s diffSessions) run(ctx context.Context, t *testing.T, name string, cols []diffCol, rows [][][]byte) {
	t.Helper()
	var defs []string
	for _, c := range cols {
		defs = append(defs, c.name+" "+c.typ)
	}
	tables := [3]string{name + "_csv_a", name + "_csv_b", name + "_bin"}
	for _, tbl := range tables {
		_, err := s.bin.Exec(ctx, fmt.Sprintf("create table %s (%s)", tbl, strings.Join(defs, ", ")))
		require.NoError(t, err)
	}

	// The encoder gets the column types as format_type prints them.
	var types []string
	err := s.bin.QueryRow(ctx, `select array_agg(format_type(atttypid, atttypmod) order by attnum)
		from pg_attribute where attrelid = $1::regclass and attnum > 0`, tables[2]).Scan(&types)
	require.NoError(t, err)
	enc, err := copybin.NewEncoder(types)
	require.NoError(t, err, "types %q", types)

	var csvLines, tuples [][]byte
	var accepted, rowOf []int // tuple indices 0…n-1, and each tuple's index in rows
	var refused []string      // valid UTF-8 texts of refused fields, for the coverage log
	for i, row := range rows {
		tuple, err := enc.AppendRow(nil, row)
		if err != nil {
			require.ErrorIs(t, err, copybin.ErrNotConvertible)
			var ce *copybin.ConvertError
			if errors.As(err, &ce) && ce.Column > 0 && utf8.Valid(row[ce.Column]) && bytes.IndexByte(row[ce.Column], 0) < 0 {
				refused = append(refused, string(row[ce.Column]))
			}
			continue
		}
		requireTuple(t, tuple, len(cols))
		accepted = append(accepted, len(tuples))
		rowOf = append(rowOf, i)
		tuples = append(tuples, tuple)
		csvLines = append(csvLines, csvLine(row))
	}

	csvSQL := func(tbl string) string { return fmt.Sprintf("copy %s from stdin (format csv)", tbl) }
	csvPayload := func(idx []int) []byte {
		var b []byte
		for _, i := range idx {
			b = append(b, csvLines[i]...)
		}
		return b
	}
	binPayload := func(idx []int) []byte {
		b := slices.Clone(enc.Header())
		for _, i := range idx {
			b = append(b, tuples[i]...)
		}
		return append(b, copybin.Trailer()...)
	}
	badA := loadAll(ctx, t, s.csvA, csvSQL(tables[0]), csvPayload, accepted)
	badB := loadAll(ctx, t, s.csvB, csvSQL(tables[1]), csvPayload, accepted)
	badBin := loadAll(ctx, t, s.bin, fmt.Sprintf("copy %s from stdin (format binary)", tables[2]), binPayload, accepted)
	requireSameBad(t, "CSV under setting A", badA, "CSV under setting B", badB, rows, rowOf)
	requireSameBad(t, "CSV", badA, "binary", badBin, rows, rowOf)

	var exprs []string
	for _, c := range cols {
		exprs = append(exprs, fmt.Sprintf("%s(%s)", c.send, c.name), c.name+"::text")
	}
	sel := strings.Join(exprs, ", ")
	for _, pair := range [][2]string{{tables[0], tables[2]}, {tables[2], tables[0]}, {tables[1], tables[2]}, {tables[2], tables[1]}} {
		q := fmt.Sprintf("select %s from %s except all select %s from %s limit 10", sel, pair[0], sel, pair[1])
		diff, err := s.bin.Query(ctx, q)
		require.NoError(t, err)
		var lines []string
		for diff.Next() {
			vals, err := diff.Values()
			require.NoError(t, err)
			lines = append(lines, fmt.Sprintf("%v", vals))
		}
		require.NoError(t, diff.Err())
		require.Empty(t, lines, "rows in %s but not in %s", pair[0], pair[1])
	}
	var count int
	require.NoError(t, s.bin.QueryRow(ctx, "select count(*) from "+tables[2]).Scan(&count))
	require.Equal(t, len(accepted)-len(badBin), count)
	t.Logf("%d records: %d encoded (%d stored identically, %d refused by the server on both paths with the same SQLSTATE), %d not convertible",
		len(rows), len(accepted), count, len(badBin), len(rows)-len(accepted))
	if len(cols) == 2 && len(refused) > 0 {
		s.logCoverage(ctx, t, types[1], refused)
	}
}

// logCoverage logs how many of the values the encoder refused PostgreSQL accepts (with
// CSV session A's settings), with examples: the forms left to the CSV path.
func (s diffSessions) logCoverage(ctx context.Context, t *testing.T, typ string, refused []string) {
	t.Helper()
	_, err := s.csvA.Exec(ctx, `create or replace function pg_temp.accepts(v text, typ text) returns boolean
		language plpgsql as $$ begin execute format('select %L::%s', v, typ); return true;
		exception when others then return false; end $$`)
	require.NoError(t, err)
	var examples []string
	err = s.csvA.QueryRow(ctx, `select coalesce(array_agg(v), '{}') from unnest($1::text[]) v where pg_temp.accepts(v, $2)`,
		refused, typ).Scan(&examples)
	require.NoError(t, err)
	n := len(examples)
	slices.Sort(examples)
	examples = slices.Compact(examples)
	rand.Shuffle(len(examples), func(i, j int) { examples[i], examples[j] = examples[j], examples[i] })
	t.Logf("of %d refused values PostgreSQL accepts %d (left to the CSV path), e.g. %q",
		len(refused), n, examples[:min(8, len(examples))])
}

// requireSameBad requires that the server refused the same rows, with the same
// SQLSTATE, on two paths; a and b map tuple indices to SQLSTATEs, rowOf tuple indices
// to rows.
func requireSameBad(tb testing.TB, nameA string, a map[int]string, nameB string, b map[int]string, rows [][][]byte, rowOf []int) {
	tb.Helper()
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if b[k] != a[k] && len(diffs) < 10 {
			diffs = append(diffs, fmt.Sprintf("%q: %s %q, %s %q", rows[rowOf[k]], nameA, a[k], nameB, b[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok && len(diffs) < 10 {
			diffs = append(diffs, fmt.Sprintf("%q: %s accepted, %s %q", rows[rowOf[k]], nameA, nameB, b[k]))
		}
	}
	require.Empty(tb, diffs, "rows the server refused on one path only or with different SQLSTATEs")
}

// requireTuple checks that tuple is one well-formed binary COPY tuple of n fields.
func requireTuple(tb testing.TB, tuple []byte, n int) {
	tb.Helper()
	require.GreaterOrEqual(tb, len(tuple), 2)
	require.Equal(tb, n, int(int16(uint16(tuple[0])<<8|uint16(tuple[1]))))
	p := tuple[2:]
	for range n {
		require.GreaterOrEqual(tb, len(p), 4)
		l := int32(uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
		p = p[4:]
		if l == -1 {
			continue
		}
		require.GreaterOrEqual(tb, l, int32(0))
		require.GreaterOrEqual(tb, len(p), int(l))
		p = p[l:]
	}
	require.Empty(tb, p)
}

// csvLine renders a record as a CSV line: NULL as an empty unquoted field, every other
// value quoted (so that an empty string stays an empty string).
func csvLine(rec [][]byte) []byte {
	var b []byte
	for i, f := range rec {
		if i > 0 {
			b = append(b, ',')
		}
		if f == nil {
			continue
		}
		b = append(b, '"')
		b = append(b, bytes.ReplaceAll(f, []byte(`"`), []byte(`""`))...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// loadAll copies the rows idx into a table in one COPY, and where the server refuses it,
// in halves, recursively, so that every good row is loaded and every bad row is found.
// It returns the bad rows with their SQLSTATE.
func loadAll(ctx context.Context, tb testing.TB, conn *pgx.Conn, sql string, payload func([]int) []byte, idx []int) map[int]string {
	tb.Helper()
	bad := map[int]string{}
	var load func(idx []int)
	load = func(idx []int) {
		if len(idx) == 0 {
			return
		}
		_, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(payload(idx)), sql)
		if err == nil {
			return
		}
		var pgErr *pgconn.PgError
		require.True(tb, errors.As(err, &pgErr), "%s: %v", sql, err)
		if len(idx) == 1 {
			bad[idx[0]] = pgErr.Code
			return
		}
		load(idx[:len(idx)/2])
		load(idx[len(idx)/2:])
	}
	load(idx)
	if len(bad) > 0 {
		keys := slices.Sorted(maps.Keys(bad))
		tb.Logf("%s: %d rows refused by the server, first row %d: %s", sql, len(bad), keys[0], bad[keys[0]])
	}
	return bad
}
