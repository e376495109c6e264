package pgio_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// TestConstraintViolationsAreIsolatedInEveryMode loads into a table with a foreign
// key, a unique constraint outside the key and a CHECK, in append, upsert and ignore
// mode. The staging table of the keyed modes has neither the foreign key nor the
// unique index, so those violations appear only when the staged rows are moved: they
// must still be rejected one by one, with their line, SQLSTATE and column, and every
// other row loaded exactly as the mode says.
func TestConstraintViolationsAreIsolatedInEveryMode(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	mustExec(t, db.Pool, "create table parent (id int primary key)", "insert into parent select generate_series(0, 9)")
	type row struct {
		id, parent int
		email      string
		n          int
	}
	const total = 300
	input := make([]row, total)
	for i := range input {
		input[i] = row{id: i, parent: i % 10, email: fmt.Sprintf("e%d", i), n: i}
	}
	input[7].parent = 99      // 23503: no such parent
	input[23].email = "taken" // 23505: a row already in the table has it
	input[41].email = "e40"   // 23505: row 40 has it, earlier in the input
	input[77].n = -1          // 23514: CHECK
	input[150].parent = 42    // 23503
	input[130].id = 129       // a repeated key, with its own good email
	input[299].parent = 77    // 23503, the last row
	input[200].email = "e201" // 23505 against row 201, which comes later: row 201 is the bad one
	wantBad := map[int]string{7: "23503", 23: "23505", 41: "23505", 77: "23514", 150: "23503", 299: "23503", 201: "23505"}
	wantCol := map[int]string{7: "parent", 23: "email", 41: "email", 150: "parent", 299: "parent", 201: "email"}
	rows := make([]rawRow, total)
	for i, r := range input {
		rows[i] = rawRow{line: int64(i + 2), raw: fmt.Sprintf("%d,%d,%s,%d\n", r.id, r.parent, r.email, r.n)}
	}
	cols := []string{"id", "parent", "email", "n"}
	for _, mode := range []pgio.Mode{pgio.Append, pgio.Upsert, pgio.Ignore} {
		t.Run(mode.String(), func(t *testing.T) {
			table := "kid_" + mode.String()
			mustExec(t, db.Pool, fmt.Sprintf(`create table %s (id int primary key, parent int references parent,
				email text unique, n int check (n >= 0))`, table),
				fmt.Sprintf("insert into %s values (1000, 1, 'taken', 0)", table))
			bad := maps(wantBad)
			if mode == pgio.Append {
				bad[130] = "23505" // the repeated key is a duplicate in append mode
			}
			cfg := pgio.CopyConfig[rawRow]{Table: pgx.Identifier{table}, Columns: cols, Raw: rawOf, LineRow: lineRow, Mode: mode}
			if mode != pgio.Append {
				cfg.Key = []string{"id"}
			}
			sink, err := pgio.NewCopySink(c, cfg)
			require.NoError(t, err)
			var rj collected
			p, err := pipeline.New(pipeline.Config[rawRow]{
				Source: pipeline.SliceSource(rows), Stages: []pipeline.Stage[rawRow]{withLines}, Sink: sink,
				Workers: 2, BatchRows: 64, MaxRejects: -1, OnReject: rj.add, Name: "kids.csv",
			})
			require.NoError(t, err)
			sum, err := p.Run(context.Background())
			require.NoError(t, err)
			slices.SortFunc(rj.rejects, func(a, b pipeline.Reject) int { return int(a.Pos.Line - b.Pos.Line) })
			var got []int
			for _, r := range rj.rejects {
				i := int(r.Pos.Line - 2)
				got = append(got, i)
				require.Equal(t, bad[i], r.SQLState, "row %d: %v", i, r)
				require.Equal(t, rows[i].raw, string(r.Raw))
				if col, ok := wantCol[i]; ok {
					require.Equal(t, col, r.Column, "row %d: %v", i, r)
				}
				require.NotEmpty(t, r.Err.Error())
			}
			want := slices.Sorted(keys(bad))
			require.Equal(t, want, got, "the rejected rows")

			// The table: the row already there, and every good row, by the mode's rule
			// for the repeated key (upsert: the last; ignore and append: the first).
			expect := map[int]row{1000: {1000, 1, "taken", 0}}
			for i, r := range input {
				if _, isBad := bad[i]; isBad {
					continue
				}
				if _, seen := expect[r.id]; seen && mode != pgio.Upsert {
					continue
				}
				expect[r.id] = r
			}
			dbRows, err := db.Pool.Query(context.Background(), "select id, parent, email, n from "+table)
			require.NoError(t, err)
			have := map[int]row{}
			var r row
			_, err = pgx.ForEachRow(dbRows, []any{&r.id, &r.parent, &r.email, &r.n}, func() error { have[r.id] = r; return nil })
			require.NoError(t, err)
			require.Equal(t, expect, have)
			if mode != pgio.Upsert { // an upsert also counts the rows it updated
				require.EqualValues(t, len(have)-1, sum.Written, "rows written")
			}
		})
	}
}

func maps(m map[int]string) map[int]string {
	out := make(map[int]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func keys(m map[int]string) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
