package pgio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pipeline"
)

// ledgerDDL creates the ledger's schema and tables. Each batch of an import with an id
// commits in the same transaction as its ledger row, so after a crash a re-run knows
// exactly which batches are in the target.
const ledgerDDL = `
create schema if not exists tmimport;
create table if not exists tmimport.imports (
	import_id   text primary key,
	target      text not null,
	fingerprint jsonb not null,
	started_at  timestamptz not null default now(),
	finished_at timestamptz
);
create table if not exists tmimport.ledger (
	import_id    text not null references tmimport.imports on delete cascade,
	part         int not null,
	chunk        int not null,
	batch        int not null,
	first_pos    bigint not null,
	last_pos     bigint not null,
	rows_read    bigint not null,
	rows_written bigint not null,
	committed_at timestamptz not null default now(),
	primary key (import_id, part, chunk, batch)
)`

// ledgerTable names the ledger for the DDL advisory lock.
var ledgerTable = pgx.Identifier{"tmimport", "ledger"}

// Fingerprint is what an import id is bound to: the same id may only resume an import
// of the same input, into the same target, cut into the same batches.
type Fingerprint struct {
	Target     string `json:"target"`
	Mode       string `json:"mode"`
	Key        string `json:"key,omitempty"`
	Input      string `json:"input"`
	InputSize  int64  `json:"input_size"`
	InputHash  string `json:"input_hash"`
	Workers    int    `json:"workers"`
	BatchRows  int    `json:"batch_rows"`
	BatchBytes int64  `json:"batch_bytes"`
}

// diff describes how f differs from a recorded fingerprint, or returns "".
func (f Fingerprint) diff(rec Fingerprint) string {
	var out []string
	add := func(what string, was, now any) {
		if fmt.Sprint(was) != fmt.Sprint(now) {
			out = append(out, fmt.Sprintf("%s was %v, now %v", what, was, now))
		}
	}
	add("target", rec.Target, f.Target)
	add("mode", rec.Mode, f.Mode)
	add("key", rec.Key, f.Key)
	add("input size", rec.InputSize, f.InputSize)
	add("input content hash", rec.InputHash, f.InputHash)
	add("--workers", rec.Workers, f.Workers)
	add("--batch-rows", rec.BatchRows, f.BatchRows)
	add("batch bytes", rec.BatchBytes, f.BatchBytes)
	return strings.Join(out, "; ")
}

// ErrLedgerMismatch is returned when an import id is reused for a different input or
// different chunking. Nothing was written.
var ErrLedgerMismatch = errors.New("pgio: import id was used for a different import")

// Ledger records the committed batches of one import (exactly-once resume).
type Ledger struct {
	client *Client
	id     string

	mu   sync.Mutex
	done map[batchID]ledgerEntry
	lock *pgx.Conn // holds the import id's session advisory lock until Close
}

type batchID struct{ part, chunk, batch int }

type ledgerEntry struct {
	first, last   int64
	read, written int64
}

// OpenLedger creates the ledger tables when missing, binds importID to fp (refusing,
// with what differs, an id recorded with another fingerprint) and loads the batches an
// earlier run committed. Call it before any write.
//
// The ledger holds the import id for its session until Close (or Finish): another
// OpenLedger with the same id, from any process, waits a few seconds for it and then
// refuses with [ErrImportRunning], naming the holder's backend pid. Within one Client,
// a later OpenLedger of an id takes it over from an earlier ledger that was not
// closed (a load resumed in the same process).
func (c *Client) OpenLedger(ctx context.Context, importID string, fp Fingerprint) (*Ledger, error) {
	if strings.TrimSpace(importID) == "" {
		return nil, fmt.Errorf("pgio: ledger: empty import id")
	}
	fpJSON, err := json.Marshal(fp)
	if err != nil {
		return nil, err
	}
	l := &Ledger{client: c, id: importID, done: map[batchID]ledgerEntry{}}
	if l.lock = takeOver(c, importID); l.lock == nil {
		if l.lock, err = c.lockImport(ctx, importID); err != nil {
			return nil, c.scrub(fmt.Errorf("pgio: ledger: %w", err))
		}
	}
	held.Store(heldKey{c, importID}, l)
	err = c.InLockedTx(ctx, ledgerTable, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, ledgerDDL); err != nil {
			return err
		}
		var recJSON []byte
		err := tx.QueryRow(ctx, `insert into tmimport.imports (import_id, target, fingerprint) values ($1, $2, $3)
			on conflict (import_id) do update set import_id = excluded.import_id
			returning fingerprint`, importID, fp.Target, fpJSON).Scan(&recJSON)
		if err != nil {
			return err
		}
		var rec Fingerprint
		if err := json.Unmarshal(recJSON, &rec); err != nil {
			return err
		}
		if d := fp.diff(rec); d != "" {
			return fmt.Errorf("%w: import %q: %s; use a new --import-id, or forget this one with `tmimport ledger forget %s`", ErrLedgerMismatch, importID, d, importID)
		}
		rows, err := tx.Query(ctx, `select part, chunk, batch, first_pos, last_pos, rows_read, rows_written
			from tmimport.ledger where import_id = $1`, importID)
		if err != nil {
			return err
		}
		var id batchID
		var e ledgerEntry
		_, err = pgx.ForEachRow(rows, []any{&id.part, &id.chunk, &id.batch, &e.first, &e.last, &e.read, &e.written}, func() error {
			l.done[id] = e
			return nil
		})
		return err
	})
	if err != nil {
		l.Close()
		return nil, c.scrub(fmt.Errorf("pgio: ledger: %w", err))
	}
	return l, nil
}

// ErrImportRunning is returned by OpenLedger when another session runs an import with
// the same id. Nothing was written.
var ErrImportRunning = errors.New("pgio: import id is in use")

// importLockWait is how long OpenLedger waits for another session that holds the
// import id before it refuses: long enough for the backend of a run that was just
// killed to notice that its client is gone.
const importLockWait = 5 * time.Second

// lockImport takes a session-level advisory lock keyed by the import id on a
// connection of its own (taken out of the pool), held until the ledger is closed, so
// that two runs with one import id never interleave their batches. When another
// session holds it for longer than importLockWait, it refuses, naming that session's
// backend.
func (c *Client) lockImport(ctx context.Context, importID string) (*pgx.Conn, error) {
	pool, err := c.Pool("ledger")
	if err != nil {
		return nil, err
	}
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	// The lock lives as long as this session: when the network to the server dies
	// under it, let the server find out within a couple of minutes (TCP keepalive,
	// ignored on Unix sockets), not the system's default of hours.
	if _, err := conn.Exec(ctx, "set tcp_keepalives_idle = 60; set tcp_keepalives_interval = 10; set tcp_keepalives_count = 6"); err != nil {
		closeConn(conn)
		return nil, err
	}
	deadline := time.Now().Add(importLockWait)
	for {
		var ok bool
		var holder *int64
		err := conn.QueryRow(ctx, `with k as (select hashtextextended('tmimport import ' || $1, 0) as k)
			select pg_try_advisory_lock(k.k), (select l.pid from pg_locks l
				where l.locktype = 'advisory' and l.objsubid = 1 and l.granted and l.pid <> pg_backend_pid()
				and l.database = (select oid from pg_database where datname = current_database())
				and (l.classid::bigint << 32 | l.objid::bigint) = k.k limit 1)
			from k`, importID).Scan(&ok, &holder)
		switch {
		case err != nil:
			closeConn(conn)
			return nil, err
		case ok:
			return conn, nil
		case time.Now().After(deadline):
			closeConn(conn)
			pid := "unknown"
			if holder != nil {
				pid = fmt.Sprint(*holder)
			}
			return nil, fmt.Errorf("%w: import ID %q is running in another session (pid %s); wait for it to end, or use another import id", ErrImportRunning, importID, pid)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			closeConn(conn)
			return nil, err
		}
	}
}

// closeConn closes a connection of its own, bounded in time, releasing its advisory
// locks first (the server releases them too when the session ends, but a moment later).
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = conn.Exec(ctx, "select pg_advisory_unlock_all()")
	_ = conn.Close(ctx)
}

// heldKey names an import id held by a ledger of a client.
type heldKey struct {
	c  *Client
	id string
}

// held maps the import ids held in this process to their ledgers.
var held sync.Map // heldKey → *Ledger

// takeOver returns the lock connection of an open ledger of the same client and
// import id, which gives it up: a load resumed in the same process by a program that
// did not Close the ledger of its interrupted load. It returns nil when there is none,
// or its connection is lost.
func takeOver(c *Client, importID string) *pgx.Conn {
	v, ok := held.Load(heldKey{c, importID})
	if !ok {
		return nil
	}
	old := v.(*Ledger)
	old.mu.Lock()
	conn := old.lock
	old.lock = nil
	old.mu.Unlock()
	if conn != nil && conn.IsClosed() {
		return nil
	}
	return conn
}

// Close ends the ledger's hold on the import id (see OpenLedger), so another run may
// use it. Finish closes the ledger too. Close is idempotent.
func (l *Ledger) Close() {
	held.CompareAndDelete(heldKey{l.client, l.id}, l)
	l.mu.Lock()
	conn := l.lock
	l.lock = nil
	l.mu.Unlock()
	if conn != nil {
		closeConn(conn)
	}
}

// ID returns the import id.
func (l *Ledger) ID() string { return l.id }

// Committed returns how many batches and rows earlier runs committed.
func (l *Ledger) Committed() (batches, rows int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.done {
		rows += e.written
	}
	return int64(len(l.done)), rows
}

// skip reports whether an earlier run committed the batch, and how many rows it wrote.
// A recorded batch that does not cover the same records is an error: the chunking
// changed after all.
func (l *Ledger) skip(id batchID, first, last, read int64) (written int64, ok bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.done[id]
	if !ok {
		return 0, false, nil
	}
	if e.first != first || e.last != last || e.read != read {
		return 0, false, fmt.Errorf("%w: batch %d/%d/%d covered records %d-%d (%d read) in the earlier run, now %d-%d (%d read)",
			ErrLedgerMismatch, id.part, id.chunk, id.batch, e.first, e.last, e.read, first, last, read)
	}
	return e.written, true, nil
}

// record adds the batch's ledger row inside the batch's transaction and returns the
// transaction's id (txid_current), by which an unknown COMMIT outcome is resolved.
func (l *Ledger) record(ctx context.Context, tx pgx.Tx, id batchID, e ledgerEntry) (xid int64, err error) {
	err = tx.QueryRow(ctx, `insert into tmimport.ledger (import_id, part, chunk, batch, first_pos, last_pos, rows_read, rows_written)
		values ($1, $2, $3, $4, $5, $6, $7, $8) returning txid_current()`, l.id, id.part, id.chunk, id.batch, e.first, e.last, e.read, e.written).Scan(&xid)
	return xid, err
}

// committed looks up, on a fresh connection, whether a batch whose COMMIT outcome is
// unknown did commit.
func (l *Ledger) committed(ctx context.Context, id batchID) (bool, error) {
	var ok bool
	err := l.client.QueryRow(ctx, `select exists (select from tmimport.ledger where import_id = $1 and part = $2 and chunk = $3 and batch = $4)`,
		[]any{l.id, id.part, id.chunk, id.batch}, &ok)
	return ok, err
}

// Finish marks the import finished and closes the ledger.
func (l *Ledger) Finish(ctx context.Context) error {
	err := l.client.Exec(ctx, `update tmimport.imports set finished_at = now() where import_id = $1`, l.id)
	l.Close()
	return err
}

// ImportInfo describes one recorded import.
type ImportInfo struct {
	ID         string
	Target     string
	StartedAt  time.Time
	FinishedAt *time.Time
	Batches    int64
	Rows       int64
}

// ListImports returns the imports recorded in the ledger, newest first; none when the
// ledger does not exist.
func (c *Client) ListImports(ctx context.Context) ([]ImportInfo, error) {
	pool, err := c.Pool("list imports")
	if err != nil {
		return nil, err
	}
	if ok, err := exists(ctx, pool, "tmimport.ledger"); err != nil || !ok {
		return nil, c.scrub(err)
	}
	rows, err := pool.Query(ctx, `select i.import_id, i.target, i.started_at, i.finished_at, count(l.batch), coalesce(sum(l.rows_written), 0)::bigint
		from tmimport.imports i left join tmimport.ledger l using (import_id)
		group by 1, 2, 3, 4 order by i.started_at desc, 1`)
	if err != nil {
		return nil, c.scrub(err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ImportInfo])
}

// ForgetImport deletes an import and its ledger rows; the rows it loaded stay in the
// target. It reports whether the import existed.
func (c *Client) ForgetImport(ctx context.Context, importID string) (bool, error) {
	pool, err := c.Pool("forget import")
	if err != nil {
		return false, err
	}
	if ok, err := exists(ctx, pool, "tmimport.imports"); err != nil || !ok {
		return false, c.scrub(err)
	}
	tag, err := pool.Exec(ctx, "delete from tmimport.imports where import_id = $1", importID)
	return tag.RowsAffected() > 0, c.scrub(err)
}

// batchIdentity returns the ledger identity and record range of a batch.
func batchIdentity[T any](b *pipeline.Batch[T]) (batchID, ledgerEntry) {
	e := ledgerEntry{read: b.Read} // set by the pipeline
	first, last := int64(-1), int64(-1)
	for i := range b.Rows {
		p := b.PosAt(i).Index
		if first < 0 || p < first {
			first = p
		}
		if p > last {
			last = p
		}
	}
	e.first, e.last = first, last
	return batchID{part: b.Partition, chunk: b.Chunk, batch: b.Seq}, e
}
