package pgio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_locks where locktype = 'advisory'").Scan(&locks))
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
