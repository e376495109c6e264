package integration_test

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// TestSlowCommitWithALostReplyIsWaitedFor makes one batch's COMMIT slow (a deferred
// constraint trigger waits for a lock the test holds) and cuts the connection while
// that COMMIT runs, so its reply is lost. The sink must not read the ledger while the
// old COMMIT is still in flight (it would find nothing, retry, and collide with the old
// transaction's ledger row): it waits for the old transaction to end before it
// decides, and the import ends exact.
func TestSlowCommitWithALostReplyIsWaitedFor(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	proxy := proxyTo(t, u.Host)
	u.Host = proxy.Listen
	const app = "tmimport-slow-commit"
	c, err := pgio.New(pgio.Config{DSN: u.String(), ApplicationName: app})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Connect(ctx))
	defer c.Close()

	const n, batch, gated = 5000, 500, 2345 // the batch holding row `gated` commits slowly
	mustExec(t, db.Pool, "create table sc (id int primary key, s text)",
		`create function gate() returns trigger language plpgsql as $$
			begin perform pg_advisory_xact_lock_shared(4242); return null; end $$`,
		fmt.Sprintf(`create constraint trigger gate after insert on sc deferrable initially deferred
			for each row when (new.id = %d) execute function gate()`, gated))
	gate, err := db.Pool.Acquire(ctx)
	require.NoError(t, err)
	defer gate.Release()
	_, err = gate.Exec(ctx, "select pg_advisory_lock(4242)")
	require.NoError(t, err)
	unlock := func() { _, _ = gate.Exec(ctx, "select pg_advisory_unlock(4242)") }

	l, err := c.OpenLedger(ctx, "slow-commit", pgio.Fingerprint{Target: "sc"})
	require.NoError(t, err)
	defer l.Close()
	var retries, early atomic.Int32
	commitInFlight := func() bool {
		var busy bool
		err := db.Pool.QueryRow(ctx, `select exists (select from pg_stat_activity where application_name = $1
			and query = 'commit' and state = 'active')`, app).Scan(&busy)
		return err != nil || busy
	}
	sink, err := pgio.NewCopySink(c, pgio.CopyConfig[[]byte]{
		Table: pgx.Identifier{"sc"}, Columns: []string{"id", "s"}, Raw: func(r []byte) []byte { return r },
		Ledger: l, Retries: 5, RetryBase: 50 * time.Millisecond,
		OnRetry: func(r pgio.Retry) {
			// Only the gated batch counts: a later batch may meet a pooled connection the
			// cut killed, and retry.
			if r.First.Index <= gated && gated <= r.Last.Index {
				retries.Add(1)
				if commitInFlight() {
					early.Add(1) // retried while the old COMMIT may still commit it
				}
			}
		},
	})
	require.NoError(t, err)
	rows := make([][]byte, n)
	for i := range rows {
		rows[i] = fmt.Appendf(nil, "%d,row %d\n", i, i)
	}
	p, err := pipeline.New(pipeline.Config[[]byte]{Source: pipeline.SliceSource(rows), Sink: sink, Workers: 1, BatchRows: batch})
	require.NoError(t, err)
	type result struct {
		sum pipeline.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := p.Run(ctx)
		done <- result{sum, err}
	}()

	// The gated batch's COMMIT waits for the lock: cut its connection now.
	require.Eventually(t, func() bool {
		var waiting bool
		err := db.Pool.QueryRow(ctx, `select exists (select from pg_stat_activity where application_name = $1
			and query = 'commit' and state = 'active' and wait_event_type = 'Lock')`, app).Scan(&waiting)
		return err == nil && waiting
	}, 2*time.Minute, 20*time.Millisecond, "the slow COMMIT never started")
	// Cut it, and keep the server unreachable for a moment: pgx sends a cancel request
	// when a connection breaks, which would abort the slow COMMIT if it got through.
	proxy.Stop()
	time.Sleep(time.Second)
	require.NoError(t, proxy.Start())
	// Let the old COMMIT go once the sink has had time to misjudge it (a retry), or
	// after a while.
	deadline := time.Now().Add(3 * time.Second)
	for retries.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	unlock()

	var r result
	select {
	case r = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("the load did not end")
	}
	require.NoError(t, r.err)
	require.Zero(t, early.Load(), "the batch was retried while its old COMMIT was in flight")
	t.Logf("retries of the gated batch: %d (after its old transaction ended)", retries.Load())
	require.EqualValues(t, n, r.sum.Written)
	var count, distinct, ledgerRows int
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*), count(distinct id) from sc").Scan(&count, &distinct))
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*) from tmimport.ledger where import_id = 'slow-commit'").Scan(&ledgerRows))
	require.Equal(t, n, count)
	require.Equal(t, n, distinct)
	require.Equal(t, n/batch, ledgerRows)
}
