package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// commitMsg is the simple-protocol Query message pgx sends for tx.Commit.
var commitMsg = []byte("Q\x00\x00\x00\x0bcommit\x00")

// copyDoneMsg ends a COPY FROM STDIN.
var copyDoneMsg = []byte("c\x00\x00\x00\x04")

// commitCutter is a loopback TCP proxy in front of PostgreSQL. Armed, it lets the first
// COMMIT that follows a COPY on a connection reach the server and then closes that
// connection before the server's answer can reach the client: the client cannot know
// whether its transaction committed (it did).
type commitCutter struct {
	ln       net.Listener
	upstream string
	armed    atomic.Bool
	cut      atomic.Int32
	// downFor, when set, makes the server unreachable that long after a cut: new
	// connections are closed at once, and existing ones at their next message.
	downFor atomic.Int64 // nanoseconds
	down    atomic.Int64 // unix nanoseconds until which connections are refused
	wg      sync.WaitGroup
}

func startCommitCutter(t *testing.T, upstream string) *commitCutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &commitCutter{ln: ln, upstream: upstream}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

func (p *commitCutter) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *commitCutter) serve(client net.Conn) {
	defer p.wg.Done()
	defer client.Close()
	if time.Now().UnixNano() < p.down.Load() {
		return // the server is unreachable
	}
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	p.wg.Add(1)
	go func() { defer p.wg.Done(); _, _ = io.Copy(client, server); _ = client.Close() }()
	buf := make([]byte, 64<<10)
	copied := false
	for {
		n, err := client.Read(buf)
		if time.Now().UnixNano() < p.down.Load() {
			return // unreachable: existing connections fail too
		}
		if n > 0 {
			chunk := buf[:n]
			copied = copied || bytes.Contains(chunk, copyDoneMsg)
			if _, werr := server.Write(chunk); werr != nil {
				return
			}
			if copied && bytes.Contains(chunk, commitMsg) && p.armed.CompareAndSwap(true, false) {
				p.cut.Add(1)
				p.down.Store(time.Now().UnixNano() + p.downFor.Load())
				_ = client.Close()                 // the answer never reaches the client…
				time.Sleep(300 * time.Millisecond) // …while the server commits
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// through returns dsn with its host and port replaced by the proxy's.
func (p *commitCutter) through(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.Host = p.ln.Addr().String()
	return u.String()
}

// TestCommitOutcomeUnknownIsResolvedByTheLedgerOrReported cuts the connection while a
// batch's COMMIT is under way. With an import id, the ledger tells that the batch did
// commit: the import ends exactly once. Without, the CLI stops with the documented
// "outcome … is unknown" error naming the batch's lines, and does not retry blindly.
func TestCommitOutcomeUnknownIsResolvedByTheLedgerOrReported(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	proxy := startCommitCutter(t, u.Host)
	dsn := proxy.through(t, db.DSN)
	path, want := reference(t, db.Pool, gen.CSVOptions{Rows: 20_000, Seed: 8})
	mustExec(t, db.Pool, "create table led "+gen.TaskHistoryDDL, "create table noled "+gen.TaskHistoryDDL)

	proxy.armed.Store(true)
	r := runCLI(t, "csv", "--to", dsn, "--table", "led", "--workers", "2", "--batch-rows", "2000", "--import-id", "cut", "-q", "--report", "json", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 1, proxy.cut.Load(), "a commit was cut")
	require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{"led"}), "the cut batch is in the table once")
	require.EqualValues(t, want.Count, reportOf(t, r)["rows_written"])

	// The server stays unreachable for a while after the cut: the ledger lookup is
	// retried until it answers, and the import still ends exactly once.
	mustExec(t, db.Pool, "create table led2 "+gen.TaskHistoryDDL)
	proxy.downFor.Store(int64(1500 * time.Millisecond))
	proxy.armed.Store(true)
	r = runCLI(t, "csv", "--to", dsn, "--table", "led2", "--workers", "2", "--batch-rows", "2000", "--import-id", "cut-down", "-q", "--report", "json", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 2, proxy.cut.Load(), "a commit was cut")
	require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{"led2"}), "the cut batch is in the table once")
	proxy.downFor.Store(0)
	time.Sleep(time.Until(time.Unix(0, proxy.down.Load()))) // the server is back

	proxy.armed.Store(true)
	r = runCLI(t, "csv", "--to", dsn, "--table", "noled", "--workers", "1", "--batch-rows", "2000", "-q", path)
	require.EqualValues(t, 3, proxy.cut.Load(), r.stderr)
	require.Equal(t, 1, r.code, r.stderr)
	require.Regexp(t, `outcome of the batch of lines \d+-\d+ .* is unknown`, r.stderr)
	got := stateOf(t, db.Pool, pgx.Identifier{"noled"}).Count
	require.Zero(t, got%2000, "whole batches only")
	var dups int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) - count(distinct id) from noled").Scan(&dups))
	require.Zero(t, dups, fmt.Sprintf("no batch was retried blindly (%d rows)", got))
}
