package integration_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// blackHole is a loopback TCP proxy in front of PostgreSQL that can swallow its
// connections the way a network partition does: once holed, the connections it
// carries forward nothing ever again, in either direction, and close nothing (the
// server sees neither data nor FIN nor RST: its backends wait, as over a dead route,
// until TCP keepalive gives up, which here is never). Connections made while holed go
// nowhere; after lift, new connections work again, and the swallowed ones stay dead.
type blackHole struct {
	ln       net.Listener
	upstream string
	holed    atomic.Bool
	mu       sync.Mutex
	conns    []*holeConn
	wg       sync.WaitGroup
}

type holeConn struct {
	client, server net.Conn
	dead           atomic.Bool
}

func startBlackHole(t *testing.T, upstream string) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &blackHole{ln: ln, upstream: upstream}
	h.wg.Add(1)
	go h.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		h.mu.Lock()
		for _, c := range h.conns {
			_ = c.client.Close()
			if c.server != nil {
				_ = c.server.Close()
			}
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h
}

func (h *blackHole) accept() {
	defer h.wg.Done()
	for {
		client, err := h.ln.Accept()
		if err != nil {
			return
		}
		c := &holeConn{client: client}
		h.mu.Lock()
		h.conns = append(h.conns, c)
		if h.holed.Load() {
			c.dead.Store(true) // the SYN went nowhere: nothing is forwarded
			h.mu.Unlock()
			continue
		}
		server, err := net.Dial("tcp", h.upstream)
		if err != nil {
			h.mu.Unlock()
			_ = client.Close()
			continue
		}
		c.server = server
		h.mu.Unlock()
		h.wg.Add(2)
		go h.pump(c, server, client)
		go h.pump(c, client, server)
	}
}

// pump forwards src to dst until c dies (then it drops what it read and stops, closing
// nothing) or src ends (then it closes dst).
func (h *blackHole) pump(c *holeConn, dst, src net.Conn) {
	defer h.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if c.dead.Load() {
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err == io.EOF {
				_ = dst.Close()
			}
			return
		}
	}
}

// hole swallows every current connection and every new one until lift.
func (h *blackHole) hole() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holed.Store(true)
	for _, c := range h.conns {
		c.dead.Store(true)
	}
}

func (h *blackHole) lift() { h.holed.Store(false) }

// TestBlackHoleLeavesNoStaleBackends loads with a ledger and a batch timeout through a
// network black hole that swallows the connections of batches under way. Their
// backends never hear from their client again. The server must not keep them: an idle
// transaction ends by its idle_in_transaction_session_timeout while the hole lasts, and
// a backend left waiting for COPY data (which ignores statement_timeout and cancel
// requests) is ended before its batch is retried, so the retry does not queue behind
// its own earlier attempt's row locks. The import then ends exact, and no backend of it
// is left on the server.
func TestBlackHoleLeavesNoStaleBackends(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	h := startBlackHole(t, u.Host)
	u.Host = h.ln.Addr().String()
	const app = "tmimport-black-hole"
	c, err := pgio.New(pgio.Config{DSN: u.String(), ApplicationName: app, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Connect(ctx))
	defer c.Close()
	mustExec(t, db.Pool, "create table bh (id int primary key, s text)")
	l, err := c.OpenLedger(ctx, "black-hole", pgio.Fingerprint{Target: "bh"})
	require.NoError(t, err)
	defer l.Close()

	const n, batch = 40_000, 1000
	// The typed path: pgx encodes rows while it streams them, and rows are slow to
	// produce, so a batch's backend spends its time waiting for COPY data (the state in
	// which the server ignores statement_timeout and cancel requests).
	pad := strings.Repeat("x", 100)
	sink, err := pgio.NewCopySink(c, pgio.CopyConfig[int]{
		Table: pgx.Identifier{"bh"}, Columns: []string{"id", "s"},
		Values: func(i int, dst []any) ([]any, error) {
			if i%50 == 0 {
				time.Sleep(2 * time.Millisecond)
			}
			return append(dst, int32(i), pad), nil
		},
		Ledger: l, BatchTimeout: 2 * time.Second, Retries: 12, RetryBase: 100 * time.Millisecond,
	})
	require.NoError(t, err)
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(rows), Sink: sink, Workers: 2, BatchRows: batch})
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

	inTx := func(state string) int {
		var k int
		err := db.Pool.QueryRow(ctx, `select count(*) from pg_stat_activity where application_name = $1
			and xact_start is not null and state like $2`, app, state).Scan(&k)
		require.NoError(t, err)
		return k
	}
	// Swallow the network while a batch's COPY is under way, after a few committed.
	require.Eventually(t, func() bool {
		var committed int
		err := db.Pool.QueryRow(ctx, "select count(*) from bh").Scan(&committed)
		var copying int
		err = errors.Join(err, db.Pool.QueryRow(ctx, `select count(*) from pg_stat_activity where application_name = $1
			and state = 'active' and query ilike 'copy%' and wait_event = 'ClientRead'`, app).Scan(&copying))
		return err == nil && committed >= 3*batch && copying > 0
	}, 2*time.Minute, 5*time.Millisecond, "no batch's COPY under way")
	h.hole()
	stale := inTx("%")
	t.Logf("swallowed %d backends in a transaction", stale)
	require.Positive(t, stale)
	var copying int
	require.NoError(t, db.Pool.QueryRow(ctx, `select count(*) from pg_stat_activity where application_name = $1
		and state = 'active' and query ilike 'copy%'`, app).Scan(&copying))
	t.Logf("of which %d in COPY", copying)
	// While the hole lasts, idle transactions end by themselves.
	require.Eventually(t, func() bool { return inTx("idle in transaction%") == 0 }, 30*time.Second, 100*time.Millisecond,
		"an idle transaction of a swallowed connection outlived idle_in_transaction_session_timeout")
	time.Sleep(3 * time.Second) // a few batch timeouts: every worker is retrying
	h.lift()

	var r result
	select {
	case r = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("the load did not end")
	}
	require.NoError(t, r.err)
	require.EqualValues(t, n, r.sum.Written)
	var count, distinct, ledgerRows int
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*), count(distinct id) from bh").Scan(&count, &distinct))
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*) from tmimport.ledger where import_id = 'black-hole'").Scan(&ledgerRows))
	require.Equal(t, n, count)
	require.Equal(t, n, distinct)
	require.Equal(t, n/batch, ledgerRows)
	// No backend of the import is left in a transaction or holding a lock (but the
	// session advisory lock of the ledger, whose connection was swallowed too).
	if k := inTx("%"); k != 0 {
		rows, _ := db.Pool.Query(ctx, `select pid, state, left(query, 60), backend_xid::text from pg_stat_activity where application_name = $1 and xact_start is not null`, app)
		vals, _ := pgx.CollectRows(rows, pgx.RowToMap)
		t.Fatalf("%d stale backends still in a transaction: %v", k, vals)
	}
	var locks int
	require.NoError(t, db.Pool.QueryRow(ctx, `select count(*) from pg_locks l join pg_stat_activity a using (pid)
		where a.application_name = $1 and l.locktype not in ('virtualxid', 'advisory')`, app).Scan(&locks))
	require.Zero(t, locks, "backends of the import still hold locks")
}
