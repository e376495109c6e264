package pgio

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
)

// TableOptions says how [Table] reads another database's table.
type TableOptions struct {
	// Query, when set, is read instead of the table: a SELECT run read-only in the
	// source's snapshot. It needs SplitBy. It is SQL by design: only pass queries a
	// person wrote.
	Query string
	// SplitBy is an integer column that cuts the source into key ranges (see
	// [TableSourceConfig].SplitBy). Defaults to block ranges of the table.
	SplitBy string
}

// Table is an input of a table ("[schema.]name") of another database, read through
// src in ranges of one snapshot and sent to the target as binary COPY tuples (the
// column types of source and target must match). With CreateTable the target gets the
// source's column types. A keyed load keeps every worker when the key is the split
// column; otherwise it uses one.
func Table(src *Client, table string, o TableOptions) Input {
	return &tableInput{client: src, table: table, o: o}
}

type tableInput struct {
	client *Client
	table  string
	o      TableOptions
}

func (in *tableInput) load(ctx context.Context, l *loader) (pipeline.Summary, error) {
	if in.client == nil {
		return pipeline.Summary{}, fmt.Errorf("%w: Table needs a source client", ErrConfig)
	}
	name, err := ParseTableName(in.table)
	if err != nil {
		return pipeline.Summary{}, fmt.Errorf("%w: source table: %w", ErrConfig, err)
	}
	src, err := in.client.OpenTableSource(ctx, TableSourceConfig{Table: name, Query: in.o.Query, SplitBy: in.o.SplitBy, BatchRows: l.opts.BatchRows})
	if err != nil {
		return pipeline.Summary{}, err
	}
	defer src.Close()
	cols, err := src.Columns(ctx)
	if err != nil {
		return pipeline.Summary{}, err
	}
	s := tupleSpec(name.Sanitize(), src, columnNames(cols), nil)
	s.want = func() ([]Column, error) { return cols, nil }
	keyBind := s.bind
	s.bind = func(cols []Column, key []string, cfg *CopyConfig[[]byte]) (func([]byte) uint64, error) {
		// Key ranges of the split column give key affinity only when it is the key.
		s.serial = len(key) > 0 && !slices.Equal(key, []string{src.SplitKey()})
		return keyBind(cols, key, cfg)
	}
	return run(ctx, l, s)
}

// TableRows is an input of the binary COPY tuples a [TableSource] reads, through
// stages, into the target's columns (in the tuples' order). The target table must
// exist. Keyed loads need no routing: the source's rows are unique by key and each
// is read once. It is what the TM migration (package tm) loads, table by table.
// name names the input in rejects and errors.
func TableRows(name string, src *TableSource, columns []string, stages ...pipeline.Stage[[]byte]) Input {
	return &tuplesInput{name: name, src: src, columns: columns, stages: stages}
}

type tuplesInput struct {
	name    string
	src     *TableSource
	columns []string
	stages  []pipeline.Stage[[]byte]
}

func (in *tuplesInput) load(ctx context.Context, l *loader) (pipeline.Summary, error) {
	if in.src == nil {
		return pipeline.Summary{}, fmt.Errorf("%w: TableRows needs a source", ErrConfig)
	}
	return run(ctx, l, tupleSpec(in.name, in.src, in.columns, in.stages))
}

// tupleSpec is the spec of binary tuples read from a table source, sent as they are.
func tupleSpec(name string, src *TableSource, names []string, stages []pipeline.Stage[[]byte]) *spec[[]byte] {
	plan := src.Fingerprint()
	return &spec[[]byte]{
		name: name, source: src, stages: stages, names: names,
		bind: func(_ []Column, _ []string, cfg *CopyConfig[[]byte]) (func([]byte) uint64, error) {
			cfg.Raw, cfg.RawBinary = func(r []byte) []byte { return r }, true
			return nil, nil
		},
		identity: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(plan)), nil },
	}
}
