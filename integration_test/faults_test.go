package integration_test

import (
	"context"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// faultBench is a test database, a toxiproxy in front of it on loopback, and a
// generated input with its reference state (one plain COPY).
type faultBench struct {
	db    *pgtest.DB
	proxy *toxiproxy.Proxy
	dsn   string // through the proxy
	path  string
	want  tableState
}

func newFaultBench(t *testing.T, rows int) *faultBench {
	t.Helper()
	db := pgtest.Start(t)
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	p := proxyTo(t, u.Host)
	u.Host = p.Listen
	fb := &faultBench{db: db, proxy: p, dsn: u.String()}
	fb.path, fb.want = reference(t, db.Pool, gen.CSVOptions{Rows: rows, Seed: 12, Multiline: true})
	mustExec(t, db.Pool, "create table th "+gen.TaskHistoryDDL)
	return fb
}

// proxyTo starts a toxiproxy on loopback in front of upstream (host:port), stopped
// when the test ends.
func proxyTo(t *testing.T, upstream string) *toxiproxy.Proxy {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, strings.ReplaceAll(t.Name(), "/", "_"), "127.0.0.1:0", upstream)
	require.NoError(t, p.Start())
	t.Cleanup(p.Stop)
	return p
}

func (fb *faultBench) toxic(t *testing.T, json string) {
	t.Helper()
	_, err := fb.proxy.Toxics.AddToxicJson(strings.NewReader(json))
	require.NoError(t, err)
}

// run starts the CLI through the proxy with -v and calls onLine for each stderr line.
func (fb *faultBench) run(t *testing.T, onLine func(string), extra ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	args := append([]string{"csv", "--to", fb.dsn, "--table", "th", "--workers", "2", "--batch-rows", "2000", "--progress", "none", "-v"}, extra...)
	_, done := startCLI(t, func(_ *exec.Cmd, line string) {
		out.WriteString(line + "\n")
		onLine(line)
	}, append(args, fb.path)...)
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(3 * time.Minute):
		t.Fatal("the import did not end")
		return "", nil
	}
}

// TestByteCutMidCOPYIsRetriedExactlyOnce cuts connections after a byte budget in the
// middle of COPY streams: the batches are retried and the table equals one plain load.
func TestByteCutMidCOPYIsRetriedExactlyOnce(t *testing.T) {
	t.Parallel()
	fb := newFaultBench(t, 40_000)
	var retried atomic.Bool
	var removed atomic.Bool
	fb.toxic(t, `{"name":"cut","type":"limit_data","stream":"upstream","attributes":{"bytes":400000}}`)
	out, err := fb.run(t, func(line string) {
		if strings.Contains(line, "retrying") && retried.CompareAndSwap(false, true) {
			removed.Store(fb.proxy.Toxics.RemoveToxic(context.Background(), "cut") == nil)
		}
	}, "--import-id", "cut")
	require.NoError(t, err, out)
	require.True(t, retried.Load(), "no batch was retried:\n%s", out)
	require.True(t, removed.Load())
	require.Equal(t, fb.want, stateOf(t, fb.db.Pool, pgx.Identifier{"th"}))
}

// TestSlowNetworkStillLoadsExactly adds latency and a bandwidth cap.
func TestSlowNetworkStillLoadsExactly(t *testing.T) {
	t.Parallel()
	fb := newFaultBench(t, 20_000)
	fb.toxic(t, `{"name":"lag","type":"latency","stream":"downstream","attributes":{"latency":30,"jitter":10}}`)
	fb.toxic(t, `{"name":"narrow","type":"bandwidth","stream":"upstream","attributes":{"rate":2000}}`)
	start := time.Now()
	out, err := fb.run(t, func(string) {})
	require.NoError(t, err, out)
	// The input is about 1.7 MB: at 2,000 KB/s it cannot go through in under ~0.8 s,
	// which shows the toxics were in the data path.
	require.Greater(t, time.Since(start), 700*time.Millisecond)
	require.Equal(t, fb.want, stateOf(t, fb.db.Pool, pgx.Identifier{"th"}))
}

// TestStallLongerThanBatchDeadlineEndsInBoundedTime stalls the network after the first
// committed batch: every attempt hits --batch-timeout, the CLI gives up within its
// retries' time plus a grace period, and no tmimport backend is left holding locks.
func TestStallLongerThanBatchDeadlineEndsInBoundedTime(t *testing.T) {
	t.Parallel()
	fb := newFaultBench(t, 200_000) // enough batches left when the stall starts, however fast the machine
	var stalled atomic.Bool
	var stallErr error // written before the run ends, read after
	start := time.Now()
	out, err := fb.run(t, func(line string) {
		if strings.Contains(line, "committed chunk") && stalled.CompareAndSwap(false, true) {
			// Not fb.toxic: this runs outside the test's goroutine, where require must not.
			_, stallErr = fb.proxy.Toxics.AddToxicJson(strings.NewReader(`{"name":"stall","type":"timeout","stream":"upstream","attributes":{"timeout":0}}`))
		}
	}, "--batch-timeout", "2s", "--retries", "1")
	took := time.Since(start)
	require.True(t, stalled.Load(), "no batch was committed before the import ended:\n%s", out)
	require.NoError(t, stallErr)
	require.Error(t, err, out)
	// The stall hits a batch either while it streams (a timeout) or while it commits
	// (outcome unknown without a ledger, never a blind retry): both end the run.
	require.Regexp(t, `timed out|outcome of the batch .* is unknown: the connection failed while committing \(timeout`, out)
	// Two attempts of 2 s and a backoff of at most 0.3 s; then the cleanup of the lost
	// attempts, each bounded (a rollback of at most 5 s, ending the stale backend on the
	// server before giving up): 20.4 s was seen at a load average over 20, so 40 s.
	require.Less(t, took, 40*time.Second, out)
	require.Eventually(t, func() bool {
		var n int
		err := fb.db.Pool.QueryRow(context.Background(), `select count(*) from pg_locks l join pg_stat_activity a using (pid)
			where a.application_name = 'tmimport' and a.datname = current_database()`).Scan(&n)
		return err == nil && n == 0
	}, 30*time.Second, 200*time.Millisecond, "tmimport backends still hold locks")
	got := stateOf(t, fb.db.Pool, pgx.Identifier{"th"}).Count
	require.Zero(t, got%2000, "only whole batches")
}

// TestServerUnreachableForAWhileIsRetried makes the server unreachable (every
// connection dropped, new ones refused) for two seconds in the middle of a load with an
// import id: the import retries through it and ends exact.
func TestServerUnreachableForAWhileIsRetried(t *testing.T) {
	t.Parallel()
	fb := newFaultBench(t, 200_000)
	var down atomic.Bool
	out, err := fb.run(t, func(line string) {
		if strings.Contains(line, "committed chunk") && down.CompareAndSwap(false, true) {
			fb.proxy.Stop()
			time.AfterFunc(2*time.Second, func() { _ = fb.proxy.Start() })
		}
	}, "--import-id", "outage", "--retries", "8")
	require.NoError(t, err, out)
	require.True(t, down.Load())
	require.Contains(t, out, "retrying", "the outage was noticed")
	require.Equal(t, fb.want, stateOf(t, fb.db.Pool, pgx.Identifier{"th"}))
}
