package pgio

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/tmimport/tmimport/pipeline"
)

// Replace loads the input into a new copy of the table's definition and swaps it in
// for the table in one transaction when the load succeeds: readers see the old rows or
// the new ones, never a mix. It is a [LoadOptions] mode only; a [CopySink] refuses it.
const Replace Mode = Ignore + 1

// Defaults of [LoadOptions] fields left zero.
const (
	// BatchRowsDefault is the default LoadOptions.BatchRows: rows per batch, one
	// transaction each.
	BatchRowsDefault = pipeline.BatchRowsDefault
	// BatchTimeoutDefault is the default LoadOptions.BatchTimeout.
	BatchTimeoutDefault = 10 * time.Minute
	// SampleDefault is the default number of records sampled to infer column types.
	SampleDefault = 1000
	// SRIDDefault is the default SRID of geometry columns made from orb geometries.
	SRIDDefault = 4326
)

// LoadOptions says how [Client.Load] writes an input into a table. The zero value
// appends into an existing table with CPU-count workers, 50,000-row batches, and fails
// at the first rejected record.
type LoadOptions struct {
	// Mode is Append (the zero value), Upsert (the last occurrence of a key in input
	// order wins), Ignore (rows already in the table, then the first occurrence of a
	// key, win) or Replace. Keyed modes keep that winner for every input and any
	// Workers: rows are routed to workers by key.
	Mode Mode
	// Key is the conflict key of Upsert and Ignore. Defaults to the table's primary
	// key; with CreateTable it becomes the new table's primary key.
	Key []string
	// CreateSchema creates the table's schema when it is missing (with CreateTable).
	CreateSchema bool
	// CreateTable creates the table when it is missing, with the input's columns and
	// their inferred (or Types) types. A struct input's types come from its fields,
	// so a zero-length slice creates the table.
	CreateTable bool
	// AddColumns adds the input's columns that the table lacks.
	AddColumns bool
	// AdaptEmptyColumns widens columns that hold no data yet when the input needs a
	// wider type (pangres' adapt_dtype_of_empty_db_columns). Columns holding data are
	// never altered.
	AdaptEmptyColumns bool
	// Types overrides inferred column types (column → SQL type), for CreateTable and
	// AddColumns. Every type is checked against the server's parser before any DDL:
	// only a type name with optional modifiers is accepted.
	Types map[string]string
	// BatchRows is the most rows per batch. Defaults to [BatchRowsDefault].
	BatchRows int
	// Workers is the number of batches written at once, each on its own connection.
	// Defaults to runtime.NumCPU().
	Workers int
	// Atomic makes the whole load visible in one transaction, or nothing: it loads
	// into a staging table and publishes it at the end.
	Atomic bool
	// ImportID records every committed batch in tmimport.ledger; a load with the same
	// id (after a failure or interruption) skips them. The id is bound to the input,
	// the way it is read, the table, the mode, the key and the batching: a load that
	// differs in any is refused before it writes.
	ImportID string
	// MaxRejects is the most records that may be rejected (-1: no limit). Defaults to
	// 0: the first rejected record fails its batch and the load.
	MaxRejects int
	// Rejects, when set, receives every rejected record as a JSON line (source, line
	// or feature, byte offset, raw input, SQLSTATE, column, message).
	Rejects io.Writer
	// SRID is the SRID of geometry columns created from orb geometry fields.
	// Defaults to [SRIDDefault].
	SRID int
	// Retries is how often a batch is retried after a transient failure (-1: never).
	// Defaults to [RetriesDefault].
	Retries int
	// BatchTimeout abandons and retries a batch attempt that takes longer (-1: no
	// limit). Defaults to [BatchTimeoutDefault].
	BatchTimeout time.Duration
	// OnProgress receives running totals after every batch, one call at a time. It
	// must be quick. Optional.
	OnProgress func(pipeline.Progress)
	// OnReject sees every rejected record, one call at a time (besides Rejects).
	// Optional.
	OnReject func(pipeline.Reject)
	// OnRetry sees every retried batch attempt. Optional.
	OnRetry func(Retry)
	// OnNote receives what the load decided on its own, for a person to read (for
	// example that a keyed load of a stream uses one worker). Optional.
	OnNote func(string)
	// OnDone receives what the load did beyond the summary, when it ends (also on
	// failure). Optional.
	OnDone func(LoadInfo)
}

// LoadInfo reports the effective settings and outcome of a load, to [LoadOptions].OnDone.
type LoadInfo struct {
	// Table is the target as [pgx.Identifier.Sanitize] spells it.
	Table string
	// Columns are the target columns written, in the input's order.
	Columns []string
	// Key is the conflict key used by a keyed mode.
	Key []string
	// Workers and BatchRows are the values the load ran with.
	Workers, BatchRows int
	// BinaryBatches counts batches sent as binary COPY converted in the client.
	BinaryBatches int64
	// Rejected counts the rejected records, including those of a batch that broke
	// MaxRejects (which was not written, so Summary.Rejected does not count them).
	Rejected int64
	// Published is the number of rows made visible by an Atomic or Replace load.
	Published int64
	// Created and Added report DDL: the table was created, columns were added or
	// widened.
	Created bool
	Added   []string
}

// withDefaults fills zero fields.
func (o LoadOptions) withDefaults() LoadOptions {
	o.BatchRows = cmp.Or(o.BatchRows, BatchRowsDefault)
	o.Workers = cmp.Or(o.Workers, runtime.NumCPU())
	o.SRID = cmp.Or(o.SRID, SRIDDefault)
	o.BatchTimeout = cmp.Or(o.BatchTimeout, BatchTimeoutDefault)
	if o.BatchTimeout < 0 {
		o.BatchTimeout = 0
	}
	return o
}

// Validate checks the options as Load does, with no I/O: an error wraps [ErrConfig]
// and names the field.
func (o LoadOptions) Validate() error {
	o = o.withDefaults()
	return o.validate()
}

// validate checks the options; errors name the field.
func (o *LoadOptions) validate() error {
	switch {
	case o.Mode < Append || o.Mode > Replace:
		return fmt.Errorf("%w: LoadOptions.Mode %d is unknown", ErrConfig, o.Mode)
	case o.Mode == Replace && o.Atomic:
		return fmt.Errorf("%w: LoadOptions.Mode Replace (--mode replace) is atomic already; unset Atomic (--atomic)", ErrConfig)
	case o.Workers < 1 || o.Workers > pipeline.WorkersMax:
		return fmt.Errorf("%w: LoadOptions.Workers (--workers) must be between 1 and %d, got %d", ErrConfig, pipeline.WorkersMax, o.Workers)
	case o.BatchRows < 1:
		return fmt.Errorf("%w: LoadOptions.BatchRows (--batch-rows) must be positive, got %d", ErrConfig, o.BatchRows)
	case o.MaxRejects < -1:
		return fmt.Errorf("%w: LoadOptions.MaxRejects (--max-rejects) must be -1 (no limit) or more, got %d", ErrConfig, o.MaxRejects)
	case len(o.Types) > 0 && !o.CreateTable && !o.AddColumns && !o.AdaptEmptyColumns:
		return fmt.Errorf("%w: LoadOptions.Types (--types) only matters with CreateTable, AddColumns or AdaptEmptyColumns (--create, --add-columns)", ErrConfig)
	case o.CreateSchema && !o.CreateTable:
		return fmt.Errorf("%w: LoadOptions.CreateSchema needs CreateTable", ErrConfig)
	case o.Mode == Append && len(o.Key) > 0 && !o.CreateTable:
		return fmt.Errorf("%w: LoadOptions.Key is the conflict key of Upsert and Ignore (or the primary key CreateTable gives a new table); mode append uses none", ErrConfig)
	}
	for _, k := range o.Key {
		if err := CheckIdentifier(k); err != nil {
			return fmt.Errorf("%w: LoadOptions.Key: %w", ErrConfig, err)
		}
	}
	for col := range o.Types {
		if err := CheckIdentifier(col); err != nil {
			return fmt.Errorf("%w: LoadOptions.Types: %w", ErrConfig, err)
		}
	}
	return nil
}

// keyed reports a mode that moves rows through a key (upsert, ignore).
func (o *LoadOptions) keyed() bool { return o.Mode == Upsert || o.Mode == Ignore }

// sinkMode is the sink's mode: Replace appends into the new table.
func (o *LoadOptions) sinkMode() Mode {
	if o.Mode == Replace {
		return Append
	}
	return o.Mode
}

// modeName is the mode as the ledger and reports record it.
func (o *LoadOptions) modeName() string {
	name := o.Mode.String()
	if o.Mode == Replace {
		name = "replace"
	}
	if o.Atomic {
		name += "+atomic"
	}
	return name
}

// note reports a decision the load took by itself.
func (o *LoadOptions) note(format string, args ...any) {
	if o.OnNote != nil {
		o.OnNote(fmt.Sprintf(format, args...))
	}
}
