package pgio_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// connectAs returns a connected client on db reporting application name app.
func connectAs(t *testing.T, db *pgtest.DB, app string) *pgio.Client {
	t.Helper()
	c, err := pgio.New(pgio.Config{DSN: db.DSN, ApplicationName: app})
	require.NoError(t, err)
	require.NoError(t, c.Connect(context.Background()))
	t.Cleanup(c.Close)
	return c
}

// idRows returns n CSV rows "i,s i" at lines 2…n+1.
func idRows(n int) []rawRow {
	rows := make([]rawRow, n)
	for i := range rows {
		rows[i] = rawRow{line: int64(i + 2), raw: fmt.Sprintf("%d,s %d\n", i, i)}
	}
	return rows
}

// settle waits until no backend of app is inside a transaction: a COMMIT the client
// gave up on may still be running on the server.
func settle(t *testing.T, pool *pgxpool.Pool, app string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(context.Background(), `select count(*) from pg_stat_activity
			where application_name = $1 and xact_start is not null`, app).Scan(&n)
		return err == nil && n == 0
	}, time.Minute, 20*time.Millisecond, "backends of %s still in a transaction", app)
}

// TestCancelDuringCommitCountsWhatTheTableHolds cancels a load at seeded points, half
// of them while a batch's COMMIT is running on the server (a deferred constraint
// trigger makes every COMMIT take a while), with and without a ledger: every time, the
// summary's written count equals the table's row count, and the run never ends with an
// unknown outcome (a cancel does not abandon a COMMIT).
func TestCancelDuringCommitCountsWhatTheTableHolds(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	const app = "tmimport-cancel-commit"
	c := connectAs(t, db, app)
	const batch, n = 200, 4000
	mustExec(t, db.Pool, `create function slow_commit() returns trigger language plpgsql as $$
		begin perform pg_sleep(0.15); return null; end $$`)
	rows := idRows(n)
	for seed := range uint64(12) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 15))
			table := fmt.Sprintf("cancel_%d", seed)
			mustExec(t, db.Pool, fmt.Sprintf(`create table %[1]s (id int primary key, s text);
				create constraint trigger slow after insert on %[1]s deferrable initially deferred
				for each row when (new.id %% %[2]d = %[3]d) execute function slow_commit()`, table, batch, batch-1))
			cfg := pgio.CopyConfig[rawRow]{Table: pgx.Identifier{table}, Columns: []string{"id", "s"}, Raw: rawOf, LineRow: lineRow}
			withLedger := seed%2 == 0
			if withLedger {
				l, err := c.OpenLedger(context.Background(), table, pgio.Fingerprint{Target: table})
				require.NoError(t, err)
				t.Cleanup(l.Close)
				cfg.Ledger = l
			}
			sink, err := pgio.NewCopySink(c, cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p, err := pipeline.New(pipeline.Config[rawRow]{Source: pipeline.SliceSource(rows), Stages: []pipeline.Stage[rawRow]{withLines}, Sink: sink, Workers: 2, BatchRows: batch})
			require.NoError(t, err)
			atCommit := seed%4 < 2
			after := rng.IntN(n / batch / 2) // batches committed before the cancel
			go func() {
				if !atCommit {
					time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
					cancel()
					return
				}
				// Cancel while a COMMIT runs on the server, after `after` batches.
				for ctx.Err() == nil {
					var committed, committing int
					err := db.Pool.QueryRow(ctx, fmt.Sprintf(`select (select count(*) from %s) / %d,
						(select count(*) from pg_stat_activity where application_name = $1 and state = 'active' and query = 'commit')`, table, batch),
						app).Scan(&committed, &committing)
					if err == nil && committed >= after && committing > 0 {
						cancel()
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
			sum, err := p.Run(ctx)
			cancel()
			if err != nil {
				require.ErrorIs(t, err, context.Canceled)
			}
			var unknown *pgio.OutcomeUnknownError
			require.False(t, errors.As(err, &unknown), "a cancel left a COMMIT's outcome unknown: %v", err)
			settle(t, db.Pool, app)
			var got int64
			require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from "+table).Scan(&got))
			t.Logf("ledger=%v at commit=%v after=%d: written %d, table %d, err %v", withLedger, atCommit, after, sum.Written, got, err)
			require.Equal(t, got, sum.Written, "the summary counts what the table holds")
			require.Zero(t, got%batch, "whole batches only")
		})
	}
}

// mustExec runs statements on pool.
func mustExec(t *testing.T, pool *pgxpool.Pool, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := pool.Exec(context.Background(), s)
		require.NoError(t, err, s)
	}
}
