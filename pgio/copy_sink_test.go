package pgio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// connect returns a connected client on db, closed at cleanup.
func connect(t *testing.T, db *pgtest.DB) *pgio.Client {
	t.Helper()
	c, err := pgio.New(pgio.Config{DSN: db.DSN})
	require.NoError(t, err)
	require.NoError(t, c.Connect(context.Background()))
	t.Cleanup(c.Close)
	return c
}

// rawRow is a CSV record with its original line.
type rawRow struct {
	line int64
	raw  string
}

// withLines is a stage that copies each row's original line into its position, as a
// CSV reader would set it.
var withLines = pipeline.StageFunc[rawRow](func(_ context.Context, b *pipeline.Batch[rawRow]) error {
	for i, r := range b.Rows {
		b.Pos[i].Line = r.line
	}
	return nil
})

func rawOf(r rawRow) []byte { return []byte(r.raw) }

// lineRow applies PostgreSQL's CSV line counting through csvsrc.
func lineRow(sent []rawRow, line int64) (int, bool) {
	recs := make([]csvsrc.Record, len(sent))
	for i, r := range sent {
		recs[i].Raw = []byte(r.raw)
	}
	return csvsrc.Dialect{}.CopyLineRow(recs, line)
}

type collected struct {
	mu      sync.Mutex
	rejects []pipeline.Reject
}

func (c *collected) add(r pipeline.Reject) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r.Raw = slices.Clone(r.Raw)
	c.rejects = append(c.rejects, r)
	return nil
}

// runCopy loads rows into table through a raw-path CopySink and returns the summary,
// the rejects and the error.
func runCopy(t *testing.T, c *pgio.Client, table pgx.Identifier, cols []string, rows []rawRow, workers, batch int, maxRejects int64, bisect bool) (pipeline.Summary, []pipeline.Reject, error) {
	t.Helper()
	cfg := pgio.CopyConfig[rawRow]{Table: table, Columns: cols, Raw: rawOf, LineRow: lineRow}
	if bisect {
		cfg.LineRow = nil
	}
	sink, err := pgio.NewCopySink(c, cfg)
	require.NoError(t, err)
	var rj collected
	p, err := pipeline.New(pipeline.Config[rawRow]{
		Source: pipeline.SliceSource(rows), Stages: []pipeline.Stage[rawRow]{withLines}, Sink: sink,
		Workers: workers, BatchRows: batch, MaxRejects: maxRejects, OnReject: rj.add, Name: "input.csv",
	})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	slices.SortFunc(rj.rejects, func(a, b pipeline.Reject) int { return int(a.Pos.Line - b.Pos.Line) })
	return sum, rj.rejects, err
}

// csvRows builds n good rows "id,text" where some texts hold quoted newlines (LF or
// CRLF); bad maps a row number to the raw text used instead. Lines are physical lines
// of the would-be file with a header on line 1.
func csvRows(n int, crlf bool, bad map[int]string) []rawRow {
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	rows := make([]rawRow, 0, n)
	line := int64(2)
	for i := range n {
		raw := fmt.Sprintf("%d,plain %d", i, i) + eol
		switch {
		case bad[i] != "":
			raw = bad[i] + eol
		case i%3 == 1:
			raw = fmt.Sprintf(`%d,"two%sline ""%d"", comma"`, i, eol, i) + eol
		case i%7 == 2:
			raw = fmt.Sprintf(`%d,"three%sline%s✓ %d"`, i, eol, eol, i) + eol
		}
		rows = append(rows, rawRow{line: line, raw: raw})
		line += int64(strings.Count(raw, "\n"))
	}
	return rows
}

func TestCopySinkIsolatesBadRowsAtTheirOriginalLines(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	bad := map[int]string{0: "x0,first row bad", 5: "5,too,many", 17: "17", 18: "notanint,x", 41: "41,\"unterminated but closed\"\"\"", 99: ",null id violates not null"}
	for _, bisect := range []bool{false, true} {
		for _, crlf := range []bool{false, true} {
			for _, workers := range []int{1, 3} {
				t.Run(fmt.Sprintf("bisect=%v crlf=%v workers=%d", bisect, crlf, workers), func(t *testing.T) {
					table := fmt.Sprintf("t_%v_%v_%d", bisect, crlf, workers)
					_, err := db.Pool.Exec(context.Background(), fmt.Sprintf("create table %s (id int not null, s text)", table))
					require.NoError(t, err)
					rows := csvRows(100, crlf, bad)
					sum, rejects, err := runCopy(t, c, pgx.Identifier{table}, []string{"id", "s"}, rows, workers, 13, -1, bisect)
					require.NoError(t, err)
					wantBad := []int{0, 5, 17, 18, 99}
					for _, r := range rejects {
						t.Logf("reject %v raw=%q", r, r.Raw)
					}
					require.EqualValues(t, 100-len(wantBad), sum.Written)
					require.Len(t, rejects, len(wantBad))
					for k, i := range wantBad {
						r := rejects[k]
						require.Equal(t, rows[i].line, r.Pos.Line, "reject %d: %v", k, r)
						require.Equal(t, rows[i].raw, string(r.Raw))
						require.NotEmpty(t, r.SQLState)
						require.Equal(t, "input.csv", r.Source)
					}
					require.Equal(t, "22P02", rejects[0].SQLState)
					require.Equal(t, "id", rejects[0].Column)
					require.Equal(t, "23502", rejects[4].SQLState)
					var n int
					require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from "+table).Scan(&n))
					require.EqualValues(t, 95, n)
				})
			}
		}
	}
}

func TestCopySinkRejectBudgetRollsBackTheBatch(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	_, err := db.Pool.Exec(context.Background(), "create table budget (id int, s text)")
	require.NoError(t, err)
	rows := csvRows(40, false, map[int]string{25: "bad,row"})
	_, rejects, err := runCopy(t, c, pgx.Identifier{"budget"}, []string{"id", "s"}, rows, 1, 10, 0, false)
	require.ErrorIs(t, err, pipeline.ErrRejectBudget)
	require.ErrorContains(t, err, fmt.Sprintf("line %d column id", rows[25].line))
	require.Empty(t, rejects, "rejects of a rolled-back batch are not reported")
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from budget").Scan(&n))
	require.Equal(t, 20, n, "the two batches before the bad one stay; the bad one's batch is rolled back")
}

func TestCopySinkTypedPathRejectsValuesErrors(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	_, err := db.Pool.Exec(context.Background(), `create table "Typed ""T""" (id bigint primary key, "weird "" col" text)`)
	require.NoError(t, err)
	type row struct {
		id   int64
		name string
	}
	rows := make([]row, 1000)
	for i := range rows {
		rows[i] = row{int64(i), fmt.Sprintf("n%d", i)}
	}
	rows[450].id = 449 // duplicate key in the same batch: the later row is refused
	sink, err := pgio.NewCopySink(c, pgio.CopyConfig[row]{
		Table: pgx.Identifier{"Typed \"T\""}, Columns: []string{"id", `weird " col`},
		Values: func(r row, dst []any) ([]any, error) {
			if r.id == 777 {
				return nil, errors.New("unlucky id")
			}
			return append(dst, r.id, r.name), nil
		},
	})
	require.NoError(t, err)
	var rj collected
	p, err := pipeline.New(pipeline.Config[row]{Source: pipeline.SliceSource(rows), Sink: sink, Workers: 2, BatchRows: 100, MaxRejects: -1, OnReject: rj.add})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 998, sum.Written)
	require.Len(t, rj.rejects, 2)
	slices.SortFunc(rj.rejects, func(a, b pipeline.Reject) int { return int(a.Pos.Index - b.Pos.Index) })
	require.EqualValues(t, 450, rj.rejects[0].Pos.Index)
	require.Equal(t, "23505", rj.rejects[0].SQLState)
	require.EqualValues(t, 777, rj.rejects[1].Pos.Index)
	require.ErrorContains(t, rj.rejects[1].Err, "unlucky id")
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `select count(*) from "Typed ""T"""`).Scan(&n))
	require.Equal(t, 998, n)
}
