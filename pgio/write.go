package pgio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tmimport/tmimport/pipeline"
)

// RetriesDefault is the default number of retries of a batch after a transient failure.
const RetriesDefault = 5

// stageName is the per-transaction staging table of the keyed modes. It is a temporary
// table dropped at commit, so every batch and every connection has its own.
const stageName = "tmimport_stage"

// ordColumn orders the staged rows in the order they were sent: input order, or key
// order with equal keys in input order (see CopyConfig.IntKey). The staging table is
// created in the batch's own transaction, and PostgreSQL's COPY into a table created in
// the current transaction skips the free space map (TABLE_INSERT_SKIP_FSM in CopyFrom):
// it only ever appends, so the physical order of the rows is the order they were sent
// in. This saves an identity column (a sequence created per batch and a nextval per
// row), which cost about 10% of an ignore load's time.
const ordColumn = "ctid"

// Mode is how a [CopySink] treats rows whose key already exists.
type Mode int

const (
	// Append COPYs rows into the table; a duplicate key is a rejected row.
	Append Mode = iota
	// Upsert inserts new keys and updates existing ones. When the input holds a key
	// more than once, its last occurrence in input order wins.
	Upsert
	// Ignore inserts new keys and leaves existing rows unchanged. When the input
	// holds a key more than once, its first occurrence wins; rows already in the table
	// win over the input.
	Ignore
)

// String returns the mode's CLI name.
func (m Mode) String() string {
	switch m {
	case Upsert:
		return "upsert"
	case Ignore:
		return "ignore"
	default:
		return "append"
	}
}

// ParseMode parses a CLI mode name.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Append, Upsert, Ignore} {
		if m.String() == s {
			return m, nil
		}
	}
	return Append, fmt.Errorf("%w: unknown mode %q (append, upsert or ignore)", ErrConfig, s)
}

func (m Mode) check(key []string) error {
	switch {
	case m < Append || m > Ignore:
		return fmt.Errorf("%w: CopyConfig.Mode %d is unknown", ErrConfig, m)
	case m != Append && len(key) == 0:
		return fmt.Errorf("%w: CopyConfig.Key is required for mode %s", ErrConfig, m)
	}
	for _, k := range key {
		if err := CheckIdentifier(k); err != nil {
			return fmt.Errorf("%w: CopyConfig.Key: %w", ErrConfig, err)
		}
	}
	return nil
}

// upsertSQL moves a batch's staged rows into the target. With pick it keeps one row per
// key (the last staged for Upsert, the first for Ignore), sorted by key, which also
// keeps index inserts local. Without it the rows are moved as staged, for a batch the
// sink staged sorted by key (see CopyConfig.IntKey): ON CONFLICT DO NOTHING keeps the
// first row of a repeated key by itself, and an Upsert batch without repeated keys has
// nothing to pick.
func upsertSQL(target pgx.Identifier, cols, key []string, m Mode, pick bool) string {
	stage := pgx.Identifier{stageName}
	if pick {
		return upsertFrom(target, stage, cols, key, m, ordColumn, "")
	}
	return insertSelect(target, stage, cols) + onConflict(cols, key, m)
}

// upsertSubsetSQL is upsertSQL for the staged rows whose ctid is in $1 (a tid[]), in
// staged order: the move of part of a batch while its bad rows are isolated.
func upsertSubsetSQL(target pgx.Identifier, cols, key []string, m Mode, pick bool) string {
	stage := pgx.Identifier{stageName}
	where := " where " + ordColumn + " = any($1)"
	if pick {
		return upsertFrom(target, stage, cols, key, m, ordColumn, where)
	}
	return insertSelect(target, stage, cols) + where + " order by " + ordColumn + onConflict(cols, key, m)
}

// upsertFrom spells INSERT INTO target SELECT … FROM source [where] ON CONFLICT (key) …,
// picking one row per key by ord (descending for Upsert, ascending for Ignore) when ord
// is set. where, when set, is a WHERE clause with its leading space.
func upsertFrom(target, source pgx.Identifier, cols, key []string, m Mode, ord, where string) string {
	qc, qk := quoteList(cols), quoteList(key)
	order := qk
	if ord != "" {
		dir := " desc"
		if m == Ignore {
			dir = " asc"
		}
		order += ", " + ord + dir
	}
	return fmt.Sprintf("insert into %s (%s) select distinct on (%s) %s from %s%s order by %s",
		target.Sanitize(), qc, qk, qc, source.Sanitize(), where, order) + onConflict(cols, key, m)
}

// insertSelect spells INSERT INTO target (cols) SELECT cols FROM source.
func insertSelect(target, source pgx.Identifier, cols []string) string {
	qc := quoteList(cols)
	return fmt.Sprintf("insert into %s (%s) select %s from %s", target.Sanitize(), qc, qc, source.Sanitize())
}

// onConflict spells the ON CONFLICT clause of mode m: nothing for Ignore (or a key that
// is all the columns), else an update of every column outside the key.
func onConflict(cols, key []string, m Mode) string {
	sql := " on conflict (" + quoteList(key) + ") "
	if m == Ignore {
		return sql + "do nothing"
	}
	var set []string
	for _, c := range cols {
		if !slices.Contains(key, c) {
			q := pgx.Identifier{c}.Sanitize()
			set = append(set, q+" = excluded."+q)
		}
	}
	if len(set) == 0 {
		return sql + "do nothing" // the key is all there is: nothing to update
	}
	return sql + "do update set " + strings.Join(set, ", ")
}

// OutcomeUnknownError reports a batch whose COMMIT was sent but not acknowledged: it may
// or may not be in the table. Without a ledger it cannot be told, so it is not retried.
type OutcomeUnknownError struct {
	// First and Last locate the batch's first and last record.
	First, Last pipeline.Pos
	// Written is the number of rows the batch wrote if it did commit.
	Written int64
	// Err is the failure seen while committing.
	Err error

	// xid is the transaction's id (txid_current) and pid its backend's, when known
	// (with a ledger): resolve waits for that transaction to end before it decides.
	xid int64
	pid uint32
}

// Error names the batch's line range.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("pgio: outcome of the batch of lines %d-%d (records %d-%d) is unknown: the connection failed while committing (%v); check the table, or use an import id (ledger) to make such batches resumable",
		e.First.Line, e.Last.Line, e.First.Index, e.Last.Index, e.Err)
}

// Unwrap returns the failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Write stores the batch; see [CopySink].
func (s *CopySink[T]) Write(ctx context.Context, b *pipeline.Batch[T]) (pipeline.WriteStats, error) {
	var id batchID
	var entry ledgerEntry // the batch's ledger identity: only the ledger needs it
	if l := s.cfg.Ledger; l != nil {
		id, entry = batchIdentity(b)
		written, done, err := l.skip(id, entry.first, entry.last, entry.read)
		if err != nil || done {
			return pipeline.WriteStats{Skipped: written}, err
		}
	}
	rejects := len(b.Rejects)
	ord := s.order(b)
	defer s.doneOrder(ord)
	var stale []uint32 // the backends of connections earlier attempts lost
	for attempt := 0; ; attempt++ {
		b.DropRejects(rejects) // forget what a failed attempt rejected
		if len(stale) > 0 {
			stale = s.endStale(ctx, stale)
		}
		st, err := s.attemptWithin(ctx, b, id, entry, ord, &stale)
		var unknown *OutcomeUnknownError
		switch {
		case err == nil:
			return st, nil
		case errors.As(err, &unknown) && s.cfg.Ledger != nil:
			// Decide before the batch is reported, even when ctx was cancelled: wait for
			// the old transaction to end, then ask the server whether it committed.
			ok, lerr := s.resolve(ctx, id, unknown)
			if lerr != nil {
				return pipeline.WriteStats{}, errors.Join(err, lerr)
			}
			if ok {
				return pipeline.WriteStats{Written: unknown.Written}, nil // it did commit
			}
			if ctx.Err() != nil { // it did not, and the run is over
				return pipeline.WriteStats{}, cmp.Or(context.Cause(ctx), ctx.Err())
			}
		case errors.As(err, &unknown):
			return pipeline.WriteStats{}, err
		case !Transient(err) || ctx.Err() != nil:
			return pipeline.WriteStats{}, err
		}
		if attempt >= s.cfg.Retries {
			return pipeline.WriteStats{}, fmt.Errorf("pgio: giving up after %d retries: %w", attempt, err)
		}
		if s.cfg.OnRetry != nil {
			s.cfg.OnRetry(Retry{Chunk: b.Chunk, Batch: b.Seq, Partition: b.Partition, First: b.PosAt(0), Last: b.PosAt(len(b.Rows) - 1), Attempt: attempt + 1, Err: err})
		}
		if err := sleep(ctx, backoff(s.cfg.RetryBase, attempt)); err != nil {
			return pipeline.WriteStats{}, err
		}
	}
}

// attemptWithin runs one attempt under CopyConfig.BatchTimeout. An attempt that runs
// out of its own time is a transient failure (retried); the run's ctx ending is not.
func (s *CopySink[T]) attemptWithin(ctx context.Context, b *pipeline.Batch[T], id batchID, entry ledgerEntry, ord *keyOrder, stale *[]uint32) (pipeline.WriteStats, error) {
	if s.cfg.BatchTimeout <= 0 {
		return s.attempt(ctx, b, id, entry, ord, stale)
	}
	actx, cancel := context.WithTimeoutCause(ctx, s.cfg.BatchTimeout, errBatchTimeout)
	defer cancel()
	st, err := s.attempt(actx, b, id, entry, ord, stale)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errBatchTimeout) {
		var unknown *OutcomeUnknownError
		if errors.As(err, &unknown) {
			return st, err
		}
		return st, fmt.Errorf("%w after %s: %w", errBatchTimeout, s.cfg.BatchTimeout, err)
	}
	return st, err
}

// errBatchTimeout marks an attempt that exceeded CopyConfig.BatchTimeout.
var errBatchTimeout = errors.New("pgio: batch attempt timed out")

// attempt writes the batch once, in one transaction, sending its rows in ord's order.
// When the attempt loses its connection, the connection's backend, which may live on
// at the server, is added to *stale.
func (s *CopySink[T]) attempt(ctx context.Context, b *pipeline.Batch[T], id batchID, entry ledgerEntry, ord *keyOrder, stale *[]uint32) (_ pipeline.WriteStats, err error) {
	pool, err := s.client.Pool("copy")
	if err != nil {
		return pipeline.WriteStats{}, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return pipeline.WriteStats{}, s.client.scrub(err)
	}
	defer conn.Release()
	pid := conn.Conn().PgConn().PID()
	defer func() {
		if err != nil && conn.Conn().IsClosed() {
			*stale = append(*stale, pid)
		}
	}()
	var bin *binaryReader[T]
	if s.cfg.Binary != nil {
		bin = s.newBinaryReader(b.Rows, ord)
		defer bin.release() // waits out a last Read pgx may still be making
	}
	raw := func(tx pgx.Tx) (int64, error) { return s.copy(ctx, tx.Conn(), b, ord.idx) }
	load := raw
	if bin != nil {
		load = func(tx pgx.Tx) (int64, error) {
			tag, err := tx.Conn().PgConn().CopyFrom(ctx, bin, s.binSQL)
			return tag.RowsAffected(), err
		}
	}
	move := s.moveStatement(ctx, ord.move)
	written, err := s.inTx(ctx, conn.Conn(), b, id, entry, load, move)
	if bin != nil && bin.convertFailed() {
		// A row does not convert exactly: the whole batch goes as CSV instead.
		bin = nil
		written, err = s.inTx(ctx, conn.Conn(), b, id, entry, raw, move)
	}
	sentBinary := bin != nil && err == nil
	if _, rowErr := s.classify(err, b, nil); err != nil && rowErr {
		// Some rows were refused: start over on the raw path, isolating them with
		// savepoints, in the COPY and (keyed modes) in the move. A binary attempt's line
		// numbers count tuples, not CSV lines, and a move's error has no line, so those
		// errors are not reused.
		known := err
		if bin != nil || errors.As(err, new(*moveError)) {
			known = nil
		}
		var iso *isolator[T]
		load := func(tx pgx.Tx) (int64, error) {
			iso = &isolator[T]{sink: s, tx: tx, b: b, from: len(b.Rejects)}
			all := ord.idx
			if all == nil {
				all = make([]int, len(b.Rows)) // only here: isolation sends subsets
				for i := range all {
					all[i] = i
				}
			}
			err := iso.load(ctx, all, known)
			if s.stage == "" {
				iso.inputOrder() // rows sent in key order were refused in key order
			}
			return iso.written, err
		}
		var isoMove func(pgx.Tx) (int64, error)
		if s.stage != "" {
			isoMove = func(tx pgx.Tx) (int64, error) {
				n, err := iso.move(ctx, ord.move == s.upsert)
				iso.inputOrder()
				return n, err
			}
		}
		written, err = s.inTx(ctx, conn.Conn(), b, id, entry, load, isoMove)
	}
	if err != nil {
		return pipeline.WriteStats{}, s.client.scrub(err)
	}
	if sentBinary {
		s.binaryBatches.Add(1)
	}
	return pipeline.WriteStats{Written: written}, nil
}

// inTx runs load inside a transaction with the keyed modes' staging table and move, the
// ledger row, and the reject budget check; it commits, or rolls back on any error.
// written counts rows stored in the target.
//
// A cancelled ctx (or the batch timeout) cancels the statement under way on the server
// too (see serverCancel); COMMIT itself runs detached from ctx, bounded by the commit
// timeout, so that a cancel never leaves a committed batch counted as rolled back.
func (s *CopySink[T]) inTx(ctx context.Context, conn *pgx.Conn, b *pipeline.Batch[T], id batchID, entry ledgerEntry, load, move func(pgx.Tx) (int64, error)) (written int64, err error) {
	guard := serverCancel(ctx, conn.PgConn())
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{BeginQuery: s.begin})
	if err != nil {
		guard.end(conn)
		return 0, err
	}
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			_ = tx.Rollback(rctx)
			cancel()
			guard.end(conn)
		}
	}()
	if s.stage != "" {
		if _, err := tx.Exec(ctx, s.stage); err != nil {
			return 0, err
		}
	}
	if written, err = load(tx); err != nil {
		return 0, err
	}
	if move != nil {
		if written, err = move(tx); err != nil {
			return 0, err
		}
	}
	if err := b.ReserveRejects(); err != nil {
		return 0, fmt.Errorf("%w; first: %v", err, b.Rejects[0])
	}
	var xid int64
	if s.cfg.Ledger != nil {
		entry.written = written
		if xid, err = s.cfg.Ledger.record(ctx, tx, id, entry); err != nil {
			return 0, err
		}
	}
	if !guard.stop() {
		// ctx ended before COMMIT (a cancel request may be on its way): roll back.
		return 0, cmp.Or(context.Cause(ctx), ctx.Err())
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitTimeout())
	defer cancel()
	if err := tx.Commit(cctx); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && severity(pgErr) == "ERROR" {
			return 0, err // the server refused the commit: rolled back
		}
		// The connection failed (or the backend was terminated, FATAL) while COMMIT was
		// under way: the transaction may or may not have committed.
		first, last := b.PosAt(0), b.PosAt(len(b.Rows)-1)
		return 0, &OutcomeUnknownError{First: first, Last: last, Written: written, Err: err, xid: xid, pid: conn.PgConn().PID()}
	}
	return written, nil
}

// Transient reports whether err is a failure that a retry of the whole batch may not
// meet again: a lost or refused connection, a serialization failure or deadlock, too
// many connections or too little memory or disk, or a server shutting down.
func Transient(err error) bool {
	if errors.Is(err, errBatchTimeout) {
		return true
	}
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01", "53000", "53100", "53200", "53300", "53400", "57P01", "57P02", "57P03":
			return true
		case "57014": // a cancel from the server side; pgx's own COPY abort is not transient
			return !strings.HasPrefix(pgErr.Message, "COPY from stdin failed")
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exceptions
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	// Anything else that is not the server speaking is the connection failing: the
	// transaction did not commit (commit failures are OutcomeUnknownError).
	return !errors.Is(err, ErrConfig) && !errors.Is(err, pipeline.ErrRejectBudget) && !errors.As(err, new(*NotConnectedError))
}

// backoff returns the delay before retry n (0-based): base·2ⁿ, at most 10 s, with
// ±50% jitter so retrying workers do not stampede together.
func backoff(base time.Duration, n int) time.Duration {
	d := base << min(n, 16)
	d = min(d, 10*time.Second)
	return d/2 + rand.N(d)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
