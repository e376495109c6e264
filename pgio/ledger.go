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
}

type batchID struct{ part, chunk, batch int }

type ledgerEntry struct {
	first, last   int64
	read, written int64
}

// OpenLedger creates the ledger tables when missing, binds importID to fp (refusing,
// with what differs, an id recorded with another fingerprint) and loads the batches an
// earlier run committed. Call it before any write.
func (c *Client) OpenLedger(ctx context.Context, importID string, fp Fingerprint) (*Ledger, error) {
	if strings.TrimSpace(importID) == "" {
		return nil, fmt.Errorf("pgio: ledger: empty import id")
	}
	fpJSON, err := json.Marshal(fp)
	if err != nil {
		return nil, err
	}
	l := &Ledger{client: c, id: importID, done: map[batchID]ledgerEntry{}}
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
		return nil, c.scrub(fmt.Errorf("pgio: ledger: %w", err))
	}
	return l, nil
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

// record adds the batch's ledger row inside the batch's transaction.
func (l *Ledger) record(ctx context.Context, tx pgx.Tx, id batchID, e ledgerEntry) error {
	_, err := tx.Exec(ctx, `insert into tmimport.ledger (import_id, part, chunk, batch, first_pos, last_pos, rows_read, rows_written)
		values ($1, $2, $3, $4, $5, $6, $7, $8)`, l.id, id.part, id.chunk, id.batch, e.first, e.last, e.read, e.written)
	return err
}

// committed looks up, on a fresh connection, whether a batch whose COMMIT outcome is
// unknown did commit.
func (l *Ledger) committed(ctx context.Context, id batchID) (bool, error) {
	var ok bool
	err := l.client.QueryRow(ctx, `select exists (select from tmimport.ledger where import_id = $1 and part = $2 and chunk = $3 and batch = $4)`,
		[]any{l.id, id.part, id.chunk, id.batch}, &ok)
	return ok, err
}

// Finish marks the import finished.
func (l *Ledger) Finish(ctx context.Context) error {
	return l.client.Exec(ctx, `update tmimport.imports set finished_at = now() where import_id = $1`, l.id)
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
