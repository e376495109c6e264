package tm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// maxReasons is how many reject reasons per table a report keeps (all of them go to
// LoadOptions.Rejects).
const maxReasons = 5

var (
	// ErrMismatch is returned by [Migration.Run] when a table's verification found
	// counts that disagree with the source.
	ErrMismatch = errors.New("tm: verification failed")
	// ErrRejected is returned by [Migration.Run] when rows were rejected within the
	// budget (LoadOptions.MaxRejects); the report lists the first reasons.
	ErrRejected = errors.New("tm: finished with rejected rows")
)

// Run migrates the tables with [pgio.Client.Load], one after the other, verifies each
// (the target holds exactly the rows written now and skipped as written by an earlier
// run, and every folded child row became an entry), resets the sequences and returns
// the report. It creates TM-Admin's types and tables first when opts.CreateTable is
// set, and refuses a target that lacks a table otherwise.
//
// From opts it uses Mode (Append, Upsert or Ignore; the key is each table's primary
// key), ImportID (one ledger per table, "ID/table"), BatchRows (capped per table where
// the table's rows are large: the ledger records the value used), Workers,
// MaxRejects, Rejects, Retries, BatchTimeout, OnProgress, OnRetry, OnNote and OnReject.
// Key, Atomic, AddColumns, AdaptEmptyColumns and Types do not apply and are refused.
func (m *Migration) Run(ctx context.Context, opts pgio.LoadOptions) (rep Report, err error) {
	start := time.Now()
	rep = Report{Command: "tm", Mode: opts.Mode.String(), ImportID: opts.ImportID}
	defer func() {
		rep.DurationS = time.Since(start).Seconds()
		if err != nil {
			rep.Error = err.Error()
		}
	}()
	switch {
	case opts.Mode == pgio.Replace:
		return rep, fmt.Errorf("%w: tm: mode replace is not supported; use append (with an import id to resume) or upsert", pgio.ErrConfig)
	case len(opts.Key) > 0 || opts.Atomic || opts.AddColumns || opts.AdaptEmptyColumns || len(opts.Types) > 0:
		return rep, fmt.Errorf("%w: tm: Key, Atomic, AddColumns, AdaptEmptyColumns and Types do not apply to the TM migration", pgio.ErrConfig)
	}
	if rep.Revision, err = m.CheckSource(ctx); err != nil {
		return rep, err
	}
	if err := m.prepare(ctx, opts.CreateTable); err != nil {
		return rep, err
	}
	var rejected bool
	for _, t := range m.Tables() {
		line, err := m.runTable(ctx, t, opts)
		rep.Tables = append(rep.Tables, line)
		switch {
		case errors.Is(err, ErrRejected):
			rejected = true
		case err != nil:
			return rep, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	if err := m.ResetSequences(ctx); err != nil {
		return rep, err
	}
	var bad []string
	for _, t := range rep.Tables {
		if !t.OK {
			bad = append(bad, t.Table)
		}
	}
	switch {
	case len(bad) > 0:
		return rep, fmt.Errorf("%w: the target's rows or folded entries differ from the source for %s", ErrMismatch, strings.Join(bad, ", "))
	case rejected:
		return rep, ErrRejected
	}
	return rep, nil
}

// prepare creates the target's types and tables, or checks they exist.
func (m *Migration) prepare(ctx context.Context, create bool) error {
	if create {
		return m.CreateSchema(ctx)
	}
	missing, err := m.Missing(ctx)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("the target has no table %s (use --create, LoadOptions.CreateTable, to create TM-Admin's types and tables)", strings.Join(missing, ", "))
	}
	return nil
}

// runTable migrates one table and verifies it.
func (m *Migration) runTable(ctx context.Context, t *Table, opts pgio.LoadOptions) (TableReport, error) {
	line := TableReport{Table: t.Name, Source: t.Source}
	if opts.ImportID != "" {
		opts.ImportID += "/" + t.Name // one ledger per table
	}
	opts.BatchRows = max(opts.BatchRows, 0)
	if opts.BatchRows == 0 {
		opts.BatchRows = pgio.BatchRowsDefault
	}
	if t.MaxBatchRows > 0 && opts.BatchRows > t.MaxBatchRows {
		if opts.OnNote != nil {
			opts.OnNote(fmt.Sprintf("%s: %d rows per batch (its rows are large)", t.Name, t.MaxBatchRows))
		}
		opts.BatchRows = t.MaxBatchRows
	}
	job, err := m.Open(ctx, t, opts.BatchRows)
	if err != nil {
		return line, err
	}
	defer job.Close()
	if opts.OnNote != nil {
		opts.OnNote(fmt.Sprintf("%s from %s", t.Name, t.Source))
	}
	opts.CreateSchema, opts.CreateTable = false, false
	if opts.Mode != pgio.Append {
		opts.Key = t.Key
	}
	user := opts.OnReject
	opts.OnReject = func(r pipeline.Reject) {
		if len(line.Reasons) < maxReasons {
			line.Reasons = append(line.Reasons, r.Err.Error())
		}
		if user != nil {
			user(r)
		}
	}
	sum, runErr := m.dst.Load(ctx, job.Target.Sanitize(), pgio.TableRows("tm "+t.Source, job.Source, job.Columns, job.Stage), opts)
	line.SourceRows, line.Written, line.Skipped = sum.Read, sum.Written, sum.Skipped
	line.Rejected = sum.Read - sum.Written - sum.Skipped
	line.DurationS = sum.Duration.Seconds()
	if runErr != nil {
		return line, runErr
	}
	return line, m.verify(ctx, t, &line)
}

// verify checks a migrated table's counts and folds into its report line.
func (m *Migration) verify(ctx context.Context, t *Table, line *TableReport) error {
	var err error
	if line.TargetRows, err = m.Count(ctx, t); err != nil {
		return err
	}
	line.OK = line.TargetRows == line.Written+line.Skipped
	if line.Notes, err = m.Notes(ctx, t); err != nil {
		return err
	}
	if line.Rejected > 0 { // rejected parents took their children with them
		return ErrRejected
	}
	checks, err := m.VerifyFolds(ctx, t)
	if err != nil {
		return err
	}
	for _, c := range checks {
		line.Folds = append(line.Folds, FoldReport{Name: c.Name, SourceRows: c.Source, Entries: c.Target, OK: c.OK()})
		line.OK = line.OK && c.OK()
	}
	return nil
}
