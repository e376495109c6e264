package pgio

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// CSVFormat is the CSV dialect of raw rows sent on the fast path; it becomes the options
// of `COPY … FROM STDIN WITH (FORMAT csv, …)`. It is csvsrc's Dialect: one type
// describes the CSV that is read and the CSV that is sent.
type CSVFormat = csvsrc.Dialect

// CopyConfig configures a [CopySink]. Exactly one of Raw and Values is set.
type CopyConfig[T any] struct {
	// Table is the target table. Required.
	Table pgx.Identifier
	// Columns are the target columns, in the order the rows carry them. Required.
	Columns []string
	// Raw, with CSV, selects the fast path: the batch's raw bytes are sent unchanged
	// as CSV, and Raw gives one row's raw bytes (for sending a subset and for rejects).
	Raw func(row T) []byte
	// CSV is the dialect of raw rows. Used with Raw.
	CSV CSVFormat
	// RawBinary says raw rows are binary COPY tuples (from COPY … TO STDOUT (FORMAT
	// binary)) instead of CSV: batches are framed with the binary header and trailer and
	// sent with FORMAT binary, and the server's line N is the Nth tuple.
	RawBinary bool
	// Binary, on the raw path, optionally converts rows into binary COPY tuples
	// appended to dst (see package copybin). The batch is then sent as binary COPY,
	// which the server ingests with less work, encoded a few hundred rows at a time
	// while the connection sends it (no batch-sized buffer; a batch sorted by IntKey
	// is the exception: it is encoded whole first, then sent in key order). When
	// Binary returns an error (a row that does not convert exactly), that COPY is
	// aborted and the batch is sent as raw CSV instead. Rows the server refuses are
	// always isolated on the raw path. Binary is called from several workers at once.
	Binary func(rows []T, dst []byte) ([]byte, error)
	// BinaryHeader and BinaryTrailer frame a binary COPY stream (copybin's Header
	// and Trailer). Required with Binary.
	BinaryHeader, BinaryTrailer []byte
	// LineRow, on the raw path, maps the line number the server reports in a COPY
	// error back to the index of the row in sent, the rows of that COPY stream in
	// order. It encodes the input format's line counting (for CSV, csvsrc's
	// Dialect.CopyLineRow). Without it, bad rows are found by bisection.
	LineRow func(sent []T, line int64) (int, bool)
	// Values selects the typed path (binary COPY): it appends the row's column values
	// to dst and returns it. An error rejects the row.
	Values func(row T, dst []any) ([]any, error)
	// RawOf optionally gives a row's input bytes for reject records on the typed path.
	RawOf func(row T) []byte
	// Mode is how rows meet existing ones. Defaults to Append.
	Mode Mode
	// Key names the conflict key of Upsert and Ignore (a primary key or unique
	// index of the table). Required for those modes.
	Key []string
	// IntKey, in Upsert and Ignore mode with a key of one integer column, optionally
	// gives a row's key as the server will read it (ok false when it does not parse
	// exactly). When every row of a batch has one, the sink stages the batch sorted by
	// key (equal keys in input order), so the move needs no sort on the server: a batch
	// without repeated keys, and any Ignore batch, is moved with a plain INSERT … SELECT
	// … ON CONFLICT. Otherwise the server sorts the staged rows and picks one per key.
	// IntKey must agree with the server: two rows it gives different keys that the
	// server reads as one would fail an Upsert batch with SQLSTATE 21000, and let an
	// Ignore batch keep the wrong one.
	IntKey func(row T) (key int64, ok bool)
	// Ledger, when set, records each committed batch in the batch's own transaction
	// and skips batches an earlier run committed (exactly-once resume).
	Ledger *Ledger
	// Retries is how many times a batch is retried after a transient failure (lost
	// connection, serialization failure, deadlock, too many connections, server
	// shutdown). Defaults to 5; -1 disables retries.
	Retries int
	// RetryBase is the first backoff delay, doubled on each retry up to 10 s, with
	// jitter. Defaults to 200 ms.
	RetryBase time.Duration
	// BatchTimeout bounds one attempt at a batch; an attempt that takes longer (a
	// stalled network, a server that stopped answering) is abandoned, its connection
	// closed and its transaction rolled back by the server, and the batch retried.
	// Defaults to 0: no limit. When set, the batch's transaction also gets it as
	// statement_timeout and idle_in_transaction_session_timeout (SET LOCAL), so a
	// backend whose client vanished (a network black hole) ends by itself and frees
	// its locks; and an attempt that runs out of time cancels its statement on the
	// server (a cancel request), not only on the client.
	BatchTimeout time.Duration
	// CommitTimeout bounds a batch's COMMIT. COMMIT runs to its end even when the
	// run's context is cancelled (Ctrl-C), so that a batch is never counted as rolled
	// back while the server commits it; a COMMIT that takes longer than CommitTimeout
	// (or loses its connection) has an unknown outcome, which the ledger resolves
	// (see [OutcomeUnknownError]). Defaults to BatchTimeout when that is set, else
	// one minute.
	CommitTimeout time.Duration
	// OnRetry, when set, is told about each retry before its backoff. Optional.
	OnRetry func(Retry)
}

// Retry describes a batch about to be retried.
type Retry struct {
	// Chunk, Batch and Partition identify the batch; First and Last locate it.
	Chunk, Batch, Partition int
	First, Last             pipeline.Pos
	// Attempt is the number of the retry (1 for the first).
	Attempt int
	// Err is the failure of the previous attempt.
	Err error
}

// CopySink writes batches to a table with COPY. It implements [pipeline.Sink].
//
// Each batch is one transaction, so it is stored whole or not at all. In Append mode the
// rows are COPYed into the table; in Upsert and Ignore modes they are COPYed into a
// staging table that lives only inside the batch's transaction, then moved with one
// INSERT … SELECT … ON CONFLICT (see [Mode] for what wins).
//
// When the server refuses a row while it is COPYed (a data or constraint error), the
// sink finds the offending rows from the line number in the server's error (falling
// back to bisection), moves them to the batch's rejects with SQLSTATE, column and
// message, and stores the rest, charging the rejects to the run's budget before it
// commits. In the keyed modes a foreign key or a unique index other than the key is
// checked only when the staged rows are moved (the staging table has neither): when
// the move fails with a data or integrity error, the sink moves the staged rows in
// halves, each in a savepoint, down to the rows that fail, and rejects those.
//
// A cancelled context cancels the batch's statement on the server; COMMIT itself runs
// to its end (bounded by CommitTimeout), so that a batch the server committed is always
// counted as written.
//
// Transient failures are retried (CopyConfig.Retries). A failure while COMMIT was
// under way leaves the outcome unknown: with a [Ledger] the sink looks the batch up and
// either counts it done or retries it; without one it returns an [*OutcomeUnknownError]
// and never retries blindly.
type CopySink[T any] struct {
	client *Client
	cfg    CopyConfig[T]
	sql    string // the raw path's COPY statement (into the staging table for keyed modes)
	rel    string // the COPY table's name as the server prints it in COPY errors
	stage  string // keyed modes: creates the staging table in the batch's transaction
	upsert string // keyed modes: moves the staging table into the target, one row per key
	move   string // keyed modes: moves a staging table already sorted by key (see IntKey)
	// upsertSub and moveSub are upsert and move for the staged rows whose ctids are $1,
	// used to isolate rows the move refuses.
	upsertSub, moveSub string
	begin              string // begins a batch's transaction (with BatchTimeout's timeouts)
	binSQL             string // the raw path's binary COPY statement, used with Binary

	binaryBatches atomic.Int64   // batches committed as binary COPY
	bufs          chan []byte    // idle binaryReader buffers, so batches make no garbage
	orders        chan *keyOrder // idle batch orders, whose buffers are batch-sized (see IntKey)
}

// BinaryBatches returns how many batches were committed as binary COPY (see
// CopyConfig.Binary); the others went as raw CSV.
func (s *CopySink[T]) BinaryBatches() int64 { return s.binaryBatches.Load() }

var _ pipeline.Sink[int] = (*CopySink[int])(nil)

// NewCopySink returns a sink that appends to cfg.Table through client.
func NewCopySink[T any](client *Client, cfg CopyConfig[T]) (*CopySink[T], error) {
	switch {
	case client == nil:
		return nil, fmt.Errorf("%w: CopySink needs a client", ErrConfig)
	case len(cfg.Table) == 0:
		return nil, fmt.Errorf("%w: CopyConfig.Table is required", ErrConfig)
	case len(cfg.Columns) == 0:
		return nil, fmt.Errorf("%w: CopyConfig.Columns is required", ErrConfig)
	case (cfg.Raw == nil) == (cfg.Values == nil):
		return nil, fmt.Errorf("%w: CopyConfig needs exactly one of Raw and Values", ErrConfig)
	case cfg.Binary != nil && (cfg.Raw == nil || len(cfg.BinaryHeader) == 0 || len(cfg.BinaryTrailer) == 0):
		return nil, fmt.Errorf("%w: CopyConfig.Binary needs Raw, BinaryHeader and BinaryTrailer", ErrConfig)
	case cfg.IntKey != nil && (cfg.Mode == Append || len(cfg.Key) != 1):
		return nil, fmt.Errorf("%w: CopyConfig.IntKey needs mode upsert or ignore and a key of one column", ErrConfig)
	}
	if err := cfg.Mode.check(cfg.Key); err != nil {
		return nil, err
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = RetriesDefault
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 200 * time.Millisecond
	}
	cfg.CSV = cfg.CSV.WithDefaults()
	s := &CopySink[T]{client: client, cfg: cfg, rel: cfg.Table[len(cfg.Table)-1], bufs: make(chan []byte, 4), orders: make(chan *keyOrder, 4)}
	if cfg.Mode != Append {
		s.rel = stageName
		s.cfg.Table = pgx.Identifier{stageName}
		s.stage = fmt.Sprintf("create temp table %s (like %s including constraints) on commit drop", stageName, cfg.Table.Sanitize())
		s.upsert = upsertSQL(cfg.Table, cfg.Columns, cfg.Key, cfg.Mode, true)
		s.move = upsertSQL(cfg.Table, cfg.Columns, cfg.Key, cfg.Mode, false)
		s.upsertSub = upsertSubsetSQL(cfg.Table, cfg.Columns, cfg.Key, cfg.Mode, true)
		s.moveSub = upsertSubsetSQL(cfg.Table, cfg.Columns, cfg.Key, cfg.Mode, false)
	}
	s.begin = beginSQL(cfg.BatchTimeout)
	if cfg.Raw != nil {
		// s.cfg.Table is the staging table in keyed modes.
		s.binSQL = copySQL(s.cfg.Table, cfg.Columns, "FORMAT binary")
		s.sql = copySQL(s.cfg.Table, cfg.Columns, csvOptions(cfg.CSV))
		if cfg.RawBinary {
			s.sql = s.binSQL
		}
		if cfg.RawOf == nil {
			s.cfg.RawOf = cfg.Raw
		}
	}
	return s, nil
}

// copySQL builds a COPY … FROM STDIN statement with the given options. Identifiers are
// quoted by pgx.
func copySQL(table pgx.Identifier, cols []string, options string) string {
	return fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (%s)", table.Sanitize(), quoteList(cols), options)
}

// csvOptions spells the COPY options of the raw path's CSV dialect; its characters are
// SQL string literals.
func csvOptions(f CSVFormat) string {
	return fmt.Sprintf("FORMAT csv, DELIMITER %s, QUOTE %s, ESCAPE %s, NULL %s",
		literal(string(f.Delimiter)), literal(string(f.Quote)), literal(string(f.Escape)), literal(f.Null))
}

// binaryRows is how many rows a binaryReader encodes at a time.
const binaryRows = 256

// binaryReader streams a batch's rows as a binary COPY stream, encoding them a few at a
// time as the connection sends them: the client encodes while the server already
// stores, and no batch-sized buffer is held. A batch sent in key order (see keyOrder)
// is the exception: it is encoded whole, in input order, before its first tuple goes.
// When a row does not convert, Read fails (pgx then aborts the COPY with CopyFail) and
// failed records why.
//
// pgx may still call Read once after CopyFrom returned on a server error (its sending
// goroutine checks for the abort between reads), so Read and release are serialized:
// once released, the reader touches neither its buffer nor the batch's rows.
type binaryReader[T any] struct {
	mu     sync.Mutex
	closed bool
	sink   *CopySink[T]
	rows   []T
	ord    *keyOrder // the order to send rows in (nil or no idx: input order)
	next   int       // the next row to encode (with an order: the next index in it)
	buf    []byte
	off    int // read position in buf
	done   bool
	failed error
}

// newBinaryReader streams rows in ord's order (nil: input order).
func (s *CopySink[T]) newBinaryReader(rows []T, ord *keyOrder) *binaryReader[T] {
	var buf []byte
	select {
	case buf = <-s.bufs:
	default:
		buf = make([]byte, 0, 64<<10)
	}
	return &binaryReader[T]{sink: s, rows: rows, ord: ord, buf: append(buf[:0], s.cfg.BinaryHeader...)}
}

// convertFailed reports whether a row did not convert, which aborted the COPY.
func (r *binaryReader[T]) convertFailed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed != nil
}

// release ends the reader and hands its buffer back to the sink.
func (r *binaryReader[T]) release() {
	r.mu.Lock()
	buf := r.buf
	r.buf, r.rows, r.ord, r.closed = nil, nil, nil, true
	r.mu.Unlock()
	select {
	case r.sink.bufs <- buf:
	default: // enough idle buffers
	}
}

// Read implements io.Reader.
func (r *binaryReader[T]) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, io.EOF
	}
	for r.off == len(r.buf) {
		switch {
		case r.failed != nil:
			return 0, r.failed
		case r.done:
			return 0, io.EOF
		}
		r.buf, r.off = r.buf[:0], 0
		var err error
		if r.ord != nil && r.ord.idx != nil {
			err = r.fillOrdered()
		} else {
			err = r.fill()
		}
		if err != nil {
			r.failed = fmt.Errorf("pgio: batch not sent as binary: %w", err)
			r.buf = r.buf[:0]
		}
	}
	k := copy(p, r.buf[r.off:])
	r.off += k
	return k, nil
}

// fill encodes the next few rows into buf, or the trailer after the last.
func (r *binaryReader[T]) fill() error {
	if r.next == len(r.rows) {
		r.buf, r.done = append(r.buf, r.sink.cfg.BinaryTrailer...), true
		return nil
	}
	n := min(len(r.rows)-r.next, binaryRows)
	buf, err := r.sink.cfg.Binary(r.rows[r.next:r.next+n], r.buf)
	if err != nil {
		return err
	}
	r.buf, r.next = buf, r.next+n
	return nil
}

// fillOrdered copies the next tuples in the order's sequence into buf, or the trailer
// after the last. The batch is encoded whole, in input order, on the first call (and
// kept for a retry): reading the rows in key order instead scatters reads over the
// whole batch, which measured several times slower.
func (r *binaryReader[T]) fillOrdered() error {
	o := r.ord
	if !o.encoded {
		if err := encodeAll(o, r.rows, r.sink.cfg.Binary); err != nil {
			return err
		}
	}
	if r.next == len(o.idx) {
		r.buf, r.done = append(r.buf, r.sink.cfg.BinaryTrailer...), true
		return nil
	}
	for r.next < len(o.idx) && len(r.buf) < 32<<10 {
		i := o.idx[r.next]
		start := 0
		if i > 0 {
			start = o.ends[i-1]
		}
		r.buf = append(r.buf, o.enc[start:o.ends[i]]...)
		r.next++
	}
	return nil
}

// literal quotes s as a standard-conforming SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// copy sends the rows at idx in one COPY statement; a nil idx means the whole batch,
// which the raw path sends as b.Raw when the rows are untouched.
func (s *CopySink[T]) copy(ctx context.Context, conn *pgx.Conn, b *pipeline.Batch[T], idx []int) (int64, error) {
	if s.cfg.Raw == nil {
		src := &batchSource[T]{b: b, idx: idx, values: s.cfg.Values}
		n, err := conn.CopyFrom(ctx, s.cfg.Table, s.cfg.Columns, src)
		if src.bad != nil { // pgx does not wrap the source's error: report it ourselves
			return n, src.bad
		}
		return n, err
	}
	data := b.Raw
	if idx != nil || data == nil {
		data = s.concat(b, idx)
	}
	var r io.Reader = bytes.NewReader(data)
	if s.cfg.RawBinary {
		r = io.MultiReader(bytes.NewReader(BinaryHeader), r, bytes.NewReader(BinaryTrailer))
	}
	tag, err := conn.PgConn().CopyFrom(ctx, r, s.sql)
	return tag.RowsAffected(), err
}

// BinaryHeader and BinaryTrailer frame a binary COPY stream: the signature, no flags, no
// header extension; and the field count -1.
var (
	BinaryHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	BinaryTrailer = []byte{0xff, 0xff}
)

// concat joins the raw bytes of the rows at idx (nil: all), each CSV row ending in a
// line terminator: a row without one (the input's last record) gets the batch's own
// (see lineEnd), because the server refuses a stream that mixes line endings.
func (s *CopySink[T]) concat(b *pipeline.Batch[T], idx []int) []byte {
	n := count(b, idx)
	size := 0
	for k := range n {
		size += len(s.cfg.Raw(b.Rows[rowAt(idx, k)])) + 2
	}
	out := make([]byte, 0, size)
	var eol []byte
	for k := range n {
		r := s.cfg.Raw(b.Rows[rowAt(idx, k)])
		out = append(out, r...)
		if !s.cfg.RawBinary && !terminated(r) {
			if eol == nil {
				eol = s.lineEnd(b)
			}
			out = append(out, eol...)
		}
	}
	return out
}

// terminated reports whether a raw CSV row ends in a line terminator.
func terminated(r []byte) bool {
	return len(r) > 0 && (r[len(r)-1] == '\n' || r[len(r)-1] == '\r')
}

// lineEnd returns the line terminator the batch's rows end with (\n, \r\n or \r), or
// \n when no row has one.
func (s *CopySink[T]) lineEnd(b *pipeline.Batch[T]) []byte {
	for _, row := range b.Rows {
		switch r := s.cfg.Raw(row); {
		case bytes.HasSuffix(r, []byte("\r\n")):
			return []byte("\r\n")
		case terminated(r):
			return r[len(r)-1:]
		}
	}
	return []byte("\n")
}

// isolator separates good rows from bad ones inside one transaction.
type isolator[T any] struct {
	sink     *CopySink[T]
	tx       pgx.Tx
	b        *pipeline.Batch[T]
	written  int64
	from     int   // b.Rejects[from:] are the rejects it added
	rejected []int // the batch row of each, in order
	staged   []int // the batch rows it stored, in the order they were sent
}

// inputOrder puts the rejects it added in batch row order.
func (iso *isolator[T]) inputOrder() {
	type rowReject struct {
		row int
		rj  pipeline.Reject
	}
	added := iso.b.Rejects[iso.from:]
	pairs := make([]rowReject, len(added))
	for k := range added {
		pairs[k] = rowReject{iso.rejected[k], added[k]}
	}
	slices.SortFunc(pairs, func(x, y rowReject) int { return cmp.Compare(x.row, y.row) })
	for k, p := range pairs {
		added[k] = p.rj
	}
}

// load stores rows, rejecting the ones the server refuses. known, when not nil, is the
// error an identical attempt already got, so it is not sent again.
func (iso *isolator[T]) load(ctx context.Context, rows []int, known error) error {
	for len(rows) > 0 {
		err := known
		known = nil
		if err == nil {
			err = iso.attempt(ctx, rows)
		}
		if err == nil {
			return nil
		}
		bad, ok := iso.sink.classify(err, iso.b, rows)
		if !ok {
			return err
		}
		if bad.at >= 0 {
			iso.reject(rows[bad.at], bad)
			// Rows before the bad one were accepted in that attempt: store them now.
			if err := iso.load(ctx, rows[:bad.at], nil); err != nil {
				return err
			}
			rows = rows[bad.at+1:]
			continue
		}
		if len(rows) == 1 {
			iso.reject(rows[0], bad)
			return nil
		}
		// No usable line number: bisect.
		mid := len(rows) / 2
		if err := iso.load(ctx, rows[:mid], nil); err != nil {
			return err
		}
		rows = rows[mid:]
	}
	return nil
}

// attempt copies rows inside a savepoint, rolling back to it on failure.
func (iso *isolator[T]) attempt(ctx context.Context, rows []int) error {
	sp, err := iso.tx.Begin(ctx) // a savepoint
	if err != nil {
		return err
	}
	n, err := iso.sink.copy(ctx, iso.tx.Conn(), iso.b, rows)
	if err != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := sp.Commit(ctx); err != nil {
		return err
	}
	iso.written += n
	iso.staged = append(iso.staged, rows...)
	return nil
}

// reject records row i of the batch as refused.
func (iso *isolator[T]) reject(i int, bad badRow) {
	if bad.column == "" {
		bad.column = iso.sink.keyColumns(bad.detail)
	}
	var raw []byte
	if iso.sink.cfg.RawOf != nil {
		raw = iso.sink.cfg.RawOf(iso.b.Rows[i])
	}
	iso.b.Rejects = append(iso.b.Rejects, pipeline.Reject{
		Pos: iso.b.PosAt(i), Raw: raw, SQLState: bad.sqlstate, Column: bad.column, Err: errors.New(bad.msg),
	})
	iso.rejected = append(iso.rejected, i)
}
