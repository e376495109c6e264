package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// resolveColumns makes the target table fit the input as the flags ask (--create,
// --add-columns) and returns the table's columns, with their types, in the input's field
// order. want gives
// the input's columns with inferred types, only when DDL needs them. An empty names
// (CSV without a header) means the table's columns in order.
func resolveColumns(ctx context.Context, c *pgio.Client, table pgx.Identifier, f *common, input string, names []string, want func() ([]pgio.Column, error)) ([]pgio.Column, error) {
	existing, err := c.TableColumns(ctx, table)
	if err != nil {
		return nil, err
	}
	switch {
	case existing == nil && !f.create:
		return nil, fmt.Errorf("table %s does not exist (use --create to create it)", table.Sanitize())
	case existing == nil:
		cols, err := want()
		if err != nil {
			return nil, err
		}
		if _, err := c.CreateTable(ctx, table, cols, splitList(f.key)); err != nil {
			return nil, err
		}
	case f.addColumns && len(names) > 0:
		cols, err := want()
		if err != nil {
			return nil, err
		}
		if _, _, err := c.EvolveTable(ctx, table, cols); err != nil {
			return nil, err
		}
	default:
		return mapColumns(input, names, existing, table)
	}
	if existing, err = c.TableColumns(ctx, table); err != nil {
		return nil, err
	}
	return mapColumns(input, names, existing, table)
}

// mapColumns maps the input's names onto the table's columns (see mapNames) and returns
// those columns, in the input's order.
func mapColumns(input string, names []string, existing []pgio.Column, table pgx.Identifier) ([]pgio.Column, error) {
	mapped, err := mapNames(input, names, existing, table)
	if err != nil {
		return nil, err
	}
	cols := make([]pgio.Column, len(mapped))
	for i, name := range mapped {
		cols[i] = existing[slices.IndexFunc(existing, func(c pgio.Column) bool { return c.Name == name })]
	}
	return cols, nil
}

// columnNames returns the names of cols.
func columnNames(cols []pgio.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// mapNames maps the input's names onto the table's columns (exact, then ignoring case).
func mapNames(input string, names []string, existing []pgio.Column, table pgx.Identifier) ([]string, error) {
	tableNames := columnNames(existing)
	if len(names) == 0 {
		return tableNames, nil
	}
	cols, err := csvsrc.MapHeader(names, tableNames)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (table %s has columns %s)", input, err, table.Sanitize(), strings.Join(tableNames, ", "))
	}
	return cols, nil
}

// buildSink finishes a sink the import commands share: it checks the role's
// privileges, binds the import id to the input (ledger), applies retries and timeouts,
// points the sink at a staging table for --atomic and replace, and builds it.
func buildSink[T any](ctx context.Context, c *pgio.Client, table pgx.Identifier, in input, f *common, replace bool, cfg *pgio.CopyConfig[T], stderr io.Writer) (*pgio.CopySink[T], *pgio.Staging, error) {
	if err := c.CheckPrivileges(ctx, table, cfg.Mode); err != nil {
		return nil, nil, err
	}
	if f.importID != "" {
		fp, err := fingerprint(in, table, f, cfg.Key)
		if err != nil {
			return nil, nil, err
		}
		if cfg.Ledger, err = c.OpenLedger(ctx, f.importID, fp); err != nil {
			return nil, nil, err
		}
	}
	sinkOptions(cfg, f, stderr)
	staging, err := stage(ctx, c, cfg, f, replace)
	if err != nil {
		return nil, nil, err
	}
	sink, err := pgio.NewCopySink(c, *cfg)
	return sink, staging, err
}
