package pgio_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// TestOneImportIDRunsInOneSessionAtATime opens the ledger of one import id from two
// clients at once, as two runs would: the second is refused with a message that
// names the first's backend, not a raw duplicate-key error; once the first run ends,
// the id can be resumed, and the table is exact.
func TestOneImportIDRunsInOneSessionAtATime(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	first, second := connect(t, db), connect(t, db)
	ctx := context.Background()
	mustExec(t, db.Pool, "create table once (id int primary key, s text)")
	fp := pgio.Fingerprint{Target: "once", Input: "once.csv"}

	l1, err := first.OpenLedger(ctx, "same-id", fp)
	require.NoError(t, err)
	var holder int
	require.NoError(t, db.Pool.QueryRow(ctx, `select pid from pg_locks where locktype = 'advisory' and granted
		and database = (select oid from pg_database where datname = current_database())`).Scan(&holder))

	_, err = second.OpenLedger(ctx, "same-id", fp)
	require.ErrorIs(t, err, pgio.ErrImportRunning)
	require.ErrorContains(t, err, fmt.Sprintf(`import ID "same-id" is running in another session (pid %d)`, holder))
	require.NotContains(t, err.Error(), "duplicate key")

	// Another id is not held up.
	other, err := second.OpenLedger(ctx, "other-id", fp)
	require.NoError(t, err)
	other.Close()

	// The first run loads half, and ends.
	rows := idRows(1000)
	load := func(c *pgio.Client, l *pgio.Ledger) pipeline.Summary {
		sink, err := pgio.NewCopySink(c, pgio.CopyConfig[rawRow]{Table: pgx.Identifier{"once"}, Columns: []string{"id", "s"}, Raw: rawOf, LineRow: lineRow, Ledger: l})
		require.NoError(t, err)
		p, err := pipeline.New(pipeline.Config[rawRow]{Source: pipeline.SliceSource(rows), Stages: []pipeline.Stage[rawRow]{withLines}, Sink: sink, Workers: 1, BatchRows: 100})
		require.NoError(t, err)
		sum, err := p.Run(ctx)
		require.NoError(t, err)
		return sum
	}
	full := rows
	rows = full[:500]
	require.EqualValues(t, 500, load(first, l1).Written)
	l1.Close()

	// Now the second may resume it.
	l2, err := second.OpenLedger(ctx, "same-id", fp)
	require.NoError(t, err)
	rows = full
	sum := load(second, l2)
	require.EqualValues(t, 500, sum.Written)
	require.EqualValues(t, 500, sum.Skipped)
	require.NoError(t, l2.Finish(ctx))
	var n, distinct int
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*), count(distinct id) from once").Scan(&n, &distinct))
	require.Equal(t, 1000, n)
	require.Equal(t, 1000, distinct)
	// Finish let go of the id: no advisory lock is left.
	require.NoError(t, db.Pool.QueryRow(ctx, `select count(*) from pg_locks where locktype = 'advisory'
		and database = (select oid from pg_database where datname = current_database())`).Scan(&n))
	require.Zero(t, n)
}
