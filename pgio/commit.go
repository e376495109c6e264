package pgio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Bounds of the steps that run detached from the run's context.
const (
	// commitTimeoutDefault bounds a COMMIT when neither CommitTimeout nor BatchTimeout
	// is set.
	commitTimeoutDefault = time.Minute
	// rollbackTimeout bounds the ROLLBACK of a failed attempt.
	rollbackTimeout = 5 * time.Second
	// cancelRequestTimeout bounds the sending of a cancel request to the server.
	cancelRequestTimeout = 3 * time.Second
)

// commitTimeout returns the bound of a batch's COMMIT (see CopyConfig.CommitTimeout).
func (s *CopySink[T]) commitTimeout() time.Duration {
	switch {
	case s.cfg.CommitTimeout > 0:
		return s.cfg.CommitTimeout
	case s.cfg.BatchTimeout > 0:
		return s.cfg.BatchTimeout
	}
	return commitTimeoutDefault
}

// beginSQL begins a batch's transaction. With a batch timeout, the transaction's
// statements and its idle gaps are bounded on the server too, so a backend whose client
// is gone (a black hole: no FIN, no RST) ends itself and frees its locks instead of
// waiting for TCP keepalive. SET LOCAL ends with the transaction.
func beginSQL(batchTimeout time.Duration) string {
	if batchTimeout <= 0 {
		return "begin"
	}
	ms := max(batchTimeout.Milliseconds(), 1)
	return fmt.Sprintf("begin; set local statement_timeout = %d; set local idle_in_transaction_session_timeout = %d", ms, ms)
}

// cancelGuard sends a cancel request to the server when a context ends while a batch's
// transaction is under way: pgx on its own only closes the socket, and a backend that
// is waiting (for a lock, or in a long statement) does not notice that before it next
// talks to the client, keeping its locks until then.
type cancelGuard struct {
	stopFn  func() bool
	done    chan struct{}
	stopped bool
	fired   bool
}

// serverCancel starts a guard for the transaction run on pc under ctx.
func serverCancel(ctx context.Context, pc *pgconn.PgConn) *cancelGuard {
	g := &cancelGuard{done: make(chan struct{})}
	g.stopFn = context.AfterFunc(ctx, func() {
		defer close(g.done)
		cctx, cancel := context.WithTimeout(context.Background(), cancelRequestTimeout)
		defer cancel()
		_ = pc.CancelRequest(cctx)
	})
	return g
}

// stop ends the guard before COMMIT. It returns false when ctx had already ended: a
// cancel request was sent (stop waits until it was), so the transaction must not be
// committed and its connection not reused.
func (g *cancelGuard) stop() bool {
	if !g.stopped {
		g.stopped = true
		if !g.stopFn() {
			g.fired = true
			<-g.done
		}
	}
	return !g.fired
}

// end stops the guard after a failed transaction and, when it fired, closes conn, so a
// cancel request that reaches the server late cannot cancel the statement of the
// connection's next user.
func (g *cancelGuard) end(conn *pgx.Conn) {
	if !g.stop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	}
}

// CancelOnServer sets cfg's context watcher so that a cancelled or expired context sends
// the server a cancel request (and closes the socket only if the server does not answer
// within a few seconds), instead of pgx's default of closing the socket at once, which
// leaves the backend running and holding its locks. The batch transactions of a
// [CopySink] send their own cancel requests; this covers every other statement of a
// client. Call it on the connection config before the pool connects.
func CancelOnServer(cfg *pgconn.Config) {
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: cancelRequestTimeout}
	}
}

// moveError is a failure of the keyed modes' move statement (INSERT … SELECT … ON
// CONFLICT from the staging table): its errors carry no COPY line.
type moveError struct{ err error }

func (e *moveError) Error() string { return e.err.Error() }
func (e *moveError) Unwrap() error { return e.err }

// moveStatement returns the step that runs the move sql, or nil when there is none.
func (s *CopySink[T]) moveStatement(ctx context.Context, sql string) func(pgx.Tx) (int64, error) {
	if sql == "" {
		return nil
	}
	return func(tx pgx.Tx) (int64, error) {
		tag, err := tx.Exec(ctx, sql)
		if err != nil {
			return 0, &moveError{err}
		}
		return tag.RowsAffected(), nil
	}
}

// resolve decides whether a batch whose COMMIT outcome is unknown did commit, before
// the batch is reported: it runs detached from ctx (a Ctrl-C must not leave it
// undecided), bounded by twice the commit timeout plus half a minute. It first waits
// for the batch's transaction to end (a COMMIT still in flight on the old backend
// would otherwise be read as "not committed", and the retry would collide with it),
// ending the old backend when it outlives the commit timeout; then the server's
// transaction status, or the ledger, says whether it committed.
func (s *CopySink[T]) resolve(ctx context.Context, id batchID, u *OutcomeUnknownError) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.commitTimeout()+30*time.Second)
	defer cancel()
	if u.xid != 0 {
		status, err := s.awaitXact(ctx, u.xid, u.pid)
		if err != nil {
			return false, err
		}
		switch status {
		case "committed":
			return true, nil
		case "aborted":
			return false, nil
		}
		// The server no longer knows the transaction: the ledger tells.
	}
	return s.committed(ctx, id)
}

// awaitXact waits until transaction xid (of backend pid) is no longer in progress and
// returns its status, "committed" or "aborted", or "" when the server does not know it.
func (s *CopySink[T]) awaitXact(ctx context.Context, xid int64, pid uint32) (string, error) {
	start, terminated := time.Now(), false
	for n := 0; ; n++ {
		var status *string
		err := s.client.QueryRow(ctx, "select txid_status($1)", []any{xid}, &status)
		switch {
		case err == nil && status == nil:
			return "", nil
		case err == nil && *status != "in progress":
			return *status, nil
		case err == nil && !terminated && time.Since(start) > s.commitTimeout():
			// The old backend outlived the commit timeout (its client is gone): end
			// it. A backend already past its commit record finishes the commit first.
			terminated = s.client.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity
				where pid = $1 and backend_xid::text::bigint = $2::bigint % 4294967296`, int64(pid), xid) == nil
		case err != nil && !lookupRetryable(ctx, err):
			return "", fmt.Errorf("pgio: waiting for the outcome of the batch's transaction: %w", err)
		}
		if err := sleep(ctx, min(backoff(s.cfg.RetryBase, n), time.Second)); err != nil {
			return "", fmt.Errorf("pgio: the batch's transaction was still in progress after %s: %w", time.Since(start).Round(time.Second), err)
		}
	}
}

// committed looks up in the ledger whether a batch whose COMMIT outcome is unknown did
// commit. The lookup itself is retried with backoff while it fails transiently: the
// connection was usually lost because the server went away, and it may not be back yet.
func (s *CopySink[T]) committed(ctx context.Context, id batchID) (bool, error) {
	for n := 0; ; n++ {
		ok, err := s.cfg.Ledger.committed(ctx, id)
		if err == nil || !lookupRetryable(ctx, err) || n >= s.cfg.Retries {
			return ok, err
		}
		if err := sleep(ctx, backoff(s.cfg.RetryBase, n)); err != nil {
			return false, err
		}
	}
}

// endStale ends the backends of connections that earlier attempts lost, when they are
// still there, and waits until they are gone, so that the retry does not queue behind
// the locks of its own earlier attempt (its rows, its ledger row). A backend that waits
// for COPY data from a client that vanished ignores statement_timeout and cancel
// requests (the server holds cancel interrupts while it reads COPY data), and keeps
// its locks until TCP gives up, which over a black hole can be hours. Only a backend
// of this role and application name, inside a transaction, is ended. It returns the
// backends it could not ask the server about, for the next attempt.
func (s *CopySink[T]) endStale(ctx context.Context, pids []uint32) []uint32 {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.cfg.BatchTimeout, 10*time.Second))
	defer cancel()
	const ours = `pid = any($1) and usename = current_user and application_name = current_setting('application_name')
		and backend_type = 'client backend' and xact_start is not null`
	ids := make([]int64, len(pids))
	for i, p := range pids {
		ids[i] = int64(p)
	}
	err := s.client.Exec(ctx, "select pg_terminate_backend(pid) from pg_stat_activity where "+ours, ids)
	for n := 0; err == nil; n++ {
		var alive bool
		if err = s.client.QueryRow(ctx, "select exists (select from pg_stat_activity where "+ours+")", []any{ids}, &alive); err != nil || !alive {
			break
		}
		err = sleep(ctx, min(backoff(10*time.Millisecond, n), 500*time.Millisecond))
	}
	if err != nil {
		return pids
	}
	return pids[:0]
}

// lookupRetryable reports whether a lookup that failed with err is worth another try
// while ctx lasts: a transient failure, or a connection that could not be made in its
// connect timeout (the server may not be reachable again yet).
func lookupRetryable(ctx context.Context, err error) bool {
	return ctx.Err() == nil && (Transient(err) || errors.As(err, new(*pgconn.ConnectError)))
}
