package pgio

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/sourcegraph/conc"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// Input is what [Client.Load] reads: build one with [Rows], [Seq], [Chan], [CSVFile],
// [GeoJSONFile] or [Table]. The interface is sealed.
type Input interface {
	// load runs the input's load; only this package implements it.
	load(ctx context.Context, l *loader) (pipeline.Summary, error)
}

// loader is one call of Load: the client, the target and the options with defaults.
type loader struct {
	c     *Client
	table pgx.Identifier
	opts  LoadOptions
	info  LoadInfo
	// explain, when set, adds a hint to rejects (an inferred type too narrow).
	explain func(pipeline.Reject) pipeline.Reject
	// first is the first reject delivered, for the error of a load over its budget.
	first *pipeline.Reject
}

// Load writes in into table ("[schema.]name") as opts say, and returns what it did.
// It returns when every batch is committed (or, on failure, rolled back). Batches are
// written in parallel, each in its own transaction (or, with Atomic and Replace, into
// a staging table published at the end). A record that cannot be stored is rejected
// (see LoadOptions.MaxRejects and Rejects): rejects within the budget are not an error,
// Summary.Rejected counts them.
//
// Cancelling ctx stops the load: batches being written are rolled back, committed ones
// stay (and with an ImportID a second Load with the same id resumes after them).
func (c *Client) Load(ctx context.Context, table string, in Input, opts LoadOptions) (pipeline.Summary, error) {
	l := &loader{c: c, opts: opts.withDefaults()}
	defer func() {
		if l.opts.OnDone != nil {
			l.opts.OnDone(l.info)
		}
	}()
	if in == nil {
		return pipeline.Summary{}, fmt.Errorf("%w: Load needs an Input", ErrConfig)
	}
	if err := l.opts.validate(); err != nil {
		return pipeline.Summary{}, err
	}
	var err error
	if l.table, err = ParseTableName(table); err != nil {
		return pipeline.Summary{}, fmt.Errorf("%w: table: %w", ErrConfig, err)
	}
	l.info.Table = l.table.Sanitize()
	if _, err := c.Pool("load"); err != nil {
		return pipeline.Summary{}, err
	}
	return in.load(ctx, l)
}

// Job is a load running in the background, started by [Client.LoadAsync].
type Job struct {
	done chan struct{}
	wg   conc.WaitGroup
	sum  pipeline.Summary
	err  error
}

// LoadAsync starts [Client.Load] in the background and returns at once. Many jobs may
// run at once on one client, into one table: each keeps its own input's winners, and a
// job started after another one finished overrides its keys. Wait for every job before
// closing the client.
func (c *Client) LoadAsync(ctx context.Context, table string, in Input, opts LoadOptions) *Job {
	j := &Job{done: make(chan struct{})}
	j.wg.Go(func() {
		defer close(j.done)
		j.sum, j.err = c.Load(ctx, table, in, opts)
	})
	return j
}

// Wait blocks until the job ends and returns what Load returned.
func (j *Job) Wait() (pipeline.Summary, error) {
	j.wg.Wait()
	return j.sum, j.err
}

// Done is closed when the job ends.
func (j *Job) Done() <-chan struct{} { return j.done }

// LoadChunks runs [Client.Load] and yields each batch's result as it commits
// (completion order), then, if the load failed, one last pair with the error.
// Breaking out of the loop cancels the load and waits for it: batches in flight are
// rolled back, committed ones stay. The results are those of Load's summary:
// Written, Rejected and Skipped add up to it.
func (c *Client) LoadChunks(ctx context.Context, table string, in Input, opts LoadOptions) iter.Seq2[pipeline.Result, error] {
	return func(yield func(pipeline.Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		results := make(chan pipeline.Result)
		user := opts.OnProgress
		opts.OnProgress = func(p pipeline.Progress) {
			if user != nil {
				user(p)
			}
			select {
			case results <- p.Last:
			case <-ctx.Done():
			}
		}
		var wg conc.WaitGroup
		var err error
		wg.Go(func() {
			defer close(results)
			_, err = c.Load(ctx, table, in, opts)
		})
		defer wg.Wait()
		for r := range results {
			if !yield(r, nil) {
				cancel()
				for range results { // drain until the load has rolled back and ended
				}
				return
			}
		}
		wg.Wait()
		if err != nil {
			yield(pipeline.Result{}, err)
		}
	}
}

// spec is what an input contributes to a load; run does the rest the same way for
// every input.
type spec[T any] struct {
	// name names the input in rejects and errors.
	name string
	// size is the input's size in bytes (0: unknown).
	size int64
	// feature says positions are GeoJSON feature indices.
	feature bool
	// source and stages feed the pipeline.
	source pipeline.Source[T]
	stages []pipeline.Stage[T]
	// once says the source can be read only once (stdin, a channel, an iterator):
	// key affinity, which reads it once per worker, then runs one worker.
	once bool
	// serial says a keyed load of the input must run one worker (its source cannot
	// route rows by key: features stream once, a table's ranges are not by key).
	serial bool
	// names are the input's column names, nil for the table's columns in order.
	names []string
	// want gives the input's columns with types, for DDL; nil: the input cannot
	// create or evolve a table.
	want func() ([]Column, error)
	// bind fits the sink to the resolved columns (and key) and returns the partition
	// function of key affinity (nil: none needed or possible).
	bind func(cols []Column, key []string, cfg *CopyConfig[T]) (func(T) uint64, error)
	// identity opens the bytes that bind an import id to the input, and reading
	// describes how they are read (dialect, columns, options).
	identity func() (io.ReadCloser, error)
	reading  string
	// after runs after a successful load (a spatial index).
	after func(ctx context.Context) error
}

// run loads s as l says: table DDL, key, privileges, ledger, staging, sink, pipeline,
// publish.
func run[T any](ctx context.Context, l *loader, s *spec[T]) (sum pipeline.Summary, err error) {
	o := &l.opts
	cols, err := l.resolveColumns(ctx, s)
	if err != nil {
		return sum, err
	}
	names := columnNames(cols)
	l.info.Columns = names
	cfg := CopyConfig[T]{
		Table: l.table, Columns: names, Mode: o.sinkMode(),
		Retries: o.Retries, BatchTimeout: o.BatchTimeout, OnRetry: o.OnRetry,
	}
	if o.keyed() {
		if cfg.Key, err = l.resolveKey(ctx, names); err != nil {
			return sum, err
		}
		l.info.Key = cfg.Key
	}
	partition, err := s.bind(cols, cfg.Key, &cfg)
	if err != nil {
		return sum, err
	}
	workers := o.Workers
	switch {
	case !o.keyed() || workers == 1:
	case partition != nil && s.once:
		o.note("%s is read once (a stream): mode %s uses 1 worker to keep the documented winner of each key", s.name, o.Mode)
		workers = 1
	case s.serial:
		o.note("%s cannot be routed by key: mode %s uses 1 worker to keep the documented winner of each key", s.name, o.Mode)
		workers, partition = 1, nil
	}
	l.info.Workers, l.info.BatchRows = workers, o.BatchRows
	if err := l.c.CheckPrivileges(ctx, l.table, cfg.Mode); err != nil {
		return sum, err
	}
	if o.ImportID != "" {
		fp, err := l.fingerprint(s, cfg.Key, workers)
		if err != nil {
			return sum, err
		}
		if cfg.Ledger, err = l.c.OpenLedger(ctx, o.ImportID, fp); err != nil {
			return sum, err
		}
		defer cfg.Ledger.Close() // frees the import id also when the load fails
	}
	staging, err := stage(ctx, l, &cfg)
	if err != nil {
		return sum, err
	}
	sink, err := NewCopySink(l.c, cfg)
	if err != nil {
		return sum, err
	}
	p, err := pipeline.New(pipeline.Config[T]{
		Source: s.source, Stages: s.stages, Sink: sink, Name: s.name,
		Workers: workers, BatchRows: o.BatchRows, MaxRejects: int64(o.MaxRejects),
		OnReject: l.onReject(s.feature), OnProgress: o.OnProgress, Partition: partition,
	})
	if err != nil {
		return sum, err
	}
	sum, err = p.Run(ctx)
	l.info.BinaryBatches = sink.BinaryBatches()
	if be := (*pipeline.BudgetError)(nil); errors.As(err, &be) {
		err = l.overBudget(be)
	}
	l.info.Rejected = max(l.info.Rejected, sum.Rejected)
	if staging != nil {
		err = l.publish(ctx, staging, names, cfg.Key, &sum, err)
	}
	if err == nil && cfg.Ledger != nil {
		err = cfg.Ledger.Finish(context.WithoutCancel(ctx))
	}
	if err == nil && s.after != nil {
		err = s.after(ctx)
	}
	return sum, err
}

// onReject writes rejects as JSON lines to Rejects and shows them to OnReject.
func (l *loader) onReject(feature bool) func(pipeline.Reject) error {
	o := &l.opts
	var w *RejectWriter
	if o.Rejects != nil {
		w = NewRejectWriter(o.Rejects, feature)
	}
	return func(r pipeline.Reject) error {
		if l.explain != nil {
			r = l.explain(r)
		}
		l.info.Rejected++
		if l.first == nil {
			l.first = &r
		}
		if o.OnReject != nil {
			o.OnReject(r)
		}
		if w == nil {
			return nil
		}
		return w.Write(r)
	}
}

// stage points the sink at a staging table for Atomic and Replace; nil otherwise.
func stage[T any](ctx context.Context, l *loader, cfg *CopyConfig[T]) (*Staging, error) {
	if !l.opts.Atomic && l.opts.Mode != Replace {
		return nil, nil
	}
	st, err := l.c.NewStaging(ctx, cfg.Table, l.opts.ImportID, l.opts.Mode == Replace)
	if err != nil {
		return nil, err
	}
	if st.Existed && l.opts.ImportID == "" {
		return nil, fmt.Errorf("%s: %w", st.Table.Sanitize(), errStagingExists)
	}
	cfg.Table = st.Table
	return st, nil
}

// resolveColumns makes the table fit the input as the options ask (CreateTable,
// AddColumns, AdaptEmptyColumns) and returns the table's columns, with their types, in
// the input's order.
func (l *loader) resolveColumns(ctx context.Context, s specColumns) ([]Column, error) {
	o := &l.opts
	names, want, name := s.columns()
	existing, err := l.c.TableColumns(ctx, l.table)
	if err != nil {
		return nil, err
	}
	evolve := (o.AddColumns || o.AdaptEmptyColumns) && len(names) > 0
	switch {
	case existing == nil && !o.CreateTable:
		return nil, fmt.Errorf("table %s does not exist (use --create, LoadOptions.CreateTable, to create it)", l.table.Sanitize())
	case existing == nil || evolve:
		if want == nil {
			return nil, fmt.Errorf("%s: the input's column types are unknown: create table %s first", name, l.table.Sanitize())
		}
		cols, err := want()
		if err != nil {
			return nil, err
		}
		if cols, err = l.withTypes(ctx, cols); err != nil {
			return nil, err
		}
		if existing == nil {
			if err := l.create(ctx, cols); err != nil {
				return nil, err
			}
		} else if l.info.Added, err = l.c.evolve(ctx, l.table, cols, o.AddColumns, o.AdaptEmptyColumns); err != nil {
			return nil, err
		}
		if existing, err = l.c.TableColumns(ctx, l.table); err != nil {
			return nil, err
		}
	}
	return mapColumns(name, names, existing, l.table)
}

// specColumns is what resolveColumns needs of a spec, whatever its row type.
type specColumns interface {
	columns() (names []string, want func() ([]Column, error), name string)
}

func (s *spec[T]) columns() ([]string, func() ([]Column, error), string) {
	return s.names, s.want, s.name
}

// withTypes applies LoadOptions.Types to the input's columns, each resolved by the
// server's parser (see [Client.ResolveTypes]) before any DDL, and refuses a type for a
// column the input lacks.
func (l *loader) withTypes(ctx context.Context, cols []Column) ([]Column, error) {
	if len(l.opts.Types) == 0 {
		return cols, nil
	}
	resolved, err := l.c.ResolveTypes(ctx, l.opts.Types)
	if err != nil {
		return nil, err
	}
	for name, typ := range resolved {
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%w: LoadOptions.Types names %q, which is not a column of the input (%s)", ErrConfig, name, strings.Join(columnNames(cols), ", "))
		}
		cols[i].Type = typ
	}
	return cols, nil
}

// create makes the table (and, with CreateSchema, its schema).
func (l *loader) create(ctx context.Context, cols []Column) error {
	if len(l.table) == 2 && !l.opts.CreateSchema {
		var ok bool
		if err := l.c.QueryRow(ctx, "select exists (select from pg_namespace where nspname = $1)", []any{l.table[0]}, &ok); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("schema %s does not exist (set CreateSchema to create it)", pgx.Identifier{l.table[0]}.Sanitize())
		}
	}
	var err error
	l.info.Created, err = l.c.CreateTable(ctx, l.table, cols, l.opts.Key)
	return err
}

// resolveKey returns LoadOptions.Key, else the table's primary key; every key column
// must be one the input writes.
func (l *loader) resolveKey(ctx context.Context, cols []string) ([]string, error) {
	key := l.opts.Key
	if len(key) == 0 {
		var err error
		if key, err = l.c.PrimaryKey(ctx, l.table); err != nil {
			return nil, err
		}
		if len(key) == 0 {
			return nil, fmt.Errorf("%w: table %s has no primary key: name the conflict key (LoadOptions.Key, --key)", ErrConfig, l.table.Sanitize())
		}
	}
	if _, err := keyIndexes(cols, key); err != nil {
		return nil, err
	}
	return key, nil
}

// keyIndexes returns the positions of the key columns among the input's columns.
func keyIndexes(cols, key []string) ([]int, error) {
	idx := make([]int, len(key))
	for i, k := range key {
		idx[i] = slices.Index(cols, k)
		if idx[i] < 0 {
			return nil, fmt.Errorf("%w: key column %q is not among the input's columns (%s)", ErrConfig, k, strings.Join(cols, ", "))
		}
	}
	return idx, nil
}

// mapColumns maps the input's names onto the table's columns (exactly, then ignoring
// case and surrounding spaces) and returns those columns, in the input's order. Empty
// names mean the table's columns in order.
func mapColumns(input string, names []string, existing []Column, table pgx.Identifier) ([]Column, error) {
	tableNames := columnNames(existing)
	if len(names) == 0 {
		return existing, nil
	}
	mapped, err := csvsrc.MapHeader(names, tableNames)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (table %s has columns %s)", input, err, table.Sanitize(), strings.Join(tableNames, ", "))
	}
	cols := make([]Column, len(mapped))
	for i, name := range mapped {
		cols[i] = existing[slices.IndexFunc(existing, func(c Column) bool { return c.Name == name })]
	}
	return cols, nil
}

// columnNames returns the names of cols.
func columnNames(cols []Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// fingerprint binds the import id to the input's bytes, how they are read, the table,
// the mode, the key and the batching.
func (l *loader) fingerprint(s specIdentity, key []string, workers int) (Fingerprint, error) {
	name, open, reading := s.ident()
	if open == nil {
		return Fingerprint{}, fmt.Errorf("%w: LoadOptions.ImportID needs an input that can be read again to check it did not change (a file or a table, not a stream)", ErrConfig)
	}
	r, err := open()
	if err != nil {
		return Fingerprint{}, err
	}
	defer r.Close()
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(h, r)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("%s: %w", name, err)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	// How the input is read binds the id too: another dialect, header, column list,
	// geometry or type would mix two readings of one file in the table.
	reading += fmt.Sprintf(" columns=%q types=%v", l.info.Columns, sortedTypes(l.opts.Types))
	hash += fmt.Sprintf("+%08x", crc32.Checksum([]byte(reading), crc32.MakeTable(crc32.Castagnoli)))
	return Fingerprint{
		Target: l.table.Sanitize(), Mode: l.opts.modeName(), Key: strings.Join(key, ","),
		Input: name, InputSize: n, InputHash: hash,
		Workers: workers, BatchRows: l.opts.BatchRows, BatchBytes: pipeline.BatchBytesDefault,
	}, nil
}

// specIdentity is what fingerprint needs of a spec.
type specIdentity interface {
	ident() (name string, open func() (io.ReadCloser, error), reading string)
}

func (s *spec[T]) ident() (string, func() (io.ReadCloser, error), string) {
	return s.name, s.identity, s.reading
}

// publish makes a staged load visible, or drops the staging table of a failed one
// unless an import id lets it resume.
func (l *loader) publish(ctx context.Context, st *Staging, cols, key []string, sum *pipeline.Summary, runErr error) error {
	if runErr != nil {
		if l.opts.ImportID == "" {
			_ = st.Drop(context.WithoutCancel(ctx))
		}
		return runErr
	}
	n, err := st.Publish(ctx, cols, l.opts.sinkMode(), key)
	if err != nil {
		return err
	}
	l.info.Published = n
	if l.opts.Mode != Append { // rows written so far went to the staging table
		sum.Written = n
	}
	return nil
}

// errStagingExists refuses a staged load whose staging table an earlier failed run
// left without an import id to resume it.
var errStagingExists = errors.New("staging table exists from an earlier failed run; drop it, or resume that run with its import id")

// sortedTypes spells LoadOptions.Types in column order.
func sortedTypes(types map[string]string) []string {
	out := make([]string, 0, len(types))
	for col, typ := range types {
		out = append(out, col+"="+typ)
	}
	slices.Sort(out)
	return out
}

// overBudget is the error of a load whose rejects passed MaxRejects: the count
// (including the batch that broke the budget, which was not written), the budget and
// the first reject's place and reason. It wraps be (errors.Is ErrRejectBudget).
func (l *loader) overBudget(be *pipeline.BudgetError) error {
	l.info.Rejected = max(l.info.Rejected, be.Rejected)
	first := l.first
	if first == nil {
		first = be.Example
	}
	msg := fmt.Sprintf("too many rejected records: %d, more than --max-rejects (LoadOptions.MaxRejects) %d allows", be.Rejected, be.Allowed)
	if first != nil {
		msg += fmt.Sprintf("; the first: %v", *first)
	}
	return &budgetError{msg: msg, be: be}
}

// budgetError is overBudget's error.
type budgetError struct {
	msg string
	be  *pipeline.BudgetError
}

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Unwrap() error { return e.be }

// Connect builds a client from cfg and connects it: [New] and [Client.Connect] in one
// call, for programs that need nothing between the two.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
