package pgio

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// EvolveTable makes the table fit the input's columns (want, with inferred types), the
// way pangres' add_new_columns and adapt_dtype_of_empty_db_columns do: it adds the
// columns the table lacks, and widens columns that are still empty (NULL in every row,
// or the table has no rows) when their type cannot hold the input's values. Columns with
// data are never altered; rows that do not fit them are rejected by the load. It runs in
// one transaction under the table's advisory DDL lock. Each type of want is checked and
// resolved like [Client.ResolveType] does before any DDL; a refused type fails the call
// with an [ErrType] error.
func (c *Client) EvolveTable(ctx context.Context, table pgx.Identifier, want []Column) (added, widened []string, err error) {
	return c.evolveTable(ctx, table, want, true, true)
}

// evolveTable is EvolveTable doing only what is asked: add the missing columns, widen
// the still-empty ones (LoadOptions.AddColumns, AdaptEmptyColumns).
func (c *Client) evolveTable(ctx context.Context, table pgx.Identifier, want []Column, add, widen bool) (added, widened []string, err error) {
	for _, col := range want {
		if err := CheckIdentifier(col.Name); err != nil {
			return nil, nil, fmt.Errorf("pgio: evolve %s: %w", table.Sanitize(), err)
		}
	}
	// Types are checked and put in the server's spelling before any DDL (see CreateTable).
	if want, err = c.resolveColumns(ctx, want); err != nil {
		return nil, nil, fmt.Errorf("pgio: evolve %s: %w", table.Sanitize(), err)
	}
	err = c.InLockedTx(ctx, table, func(tx pgx.Tx) error {
		added, widened = nil, nil
		have, err := columnsIn(ctx, tx, table)
		if err != nil {
			return err
		}
		for _, col := range want {
			typ, exists := have[col.Name]
			switch {
			case !exists && !add, exists && !widen:
			case !exists:
				if _, err := tx.Exec(ctx, fmt.Sprintf("alter table %s add column %s %s", table.Sanitize(), pgx.Identifier{col.Name}.Sanitize(), col.Type)); err != nil {
					return err
				}
				added = append(added, col.Name)
			case !holds(typ, col.Type):
				var empty bool
				q := fmt.Sprintf("select not exists (select from %s where %s is not null)", table.Sanitize(), pgx.Identifier{col.Name}.Sanitize())
				if err := tx.QueryRow(ctx, q).Scan(&empty); err != nil {
					return err
				}
				if !empty {
					continue
				}
				name := pgx.Identifier{col.Name}.Sanitize()
				if _, err := tx.Exec(ctx, fmt.Sprintf("alter table %s alter column %s type %s using null", table.Sanitize(), name, col.Type)); err != nil {
					return err
				}
				widened = append(widened, col.Name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, c.scrub(fmt.Errorf("pgio: evolve %s: %w", table.Sanitize(), err))
	}
	return added, widened, nil
}

// columnsIn reads the table's column types with an MVCC query of the catalog (not the
// backend's caches), inside the DDL transaction.
func columnsIn(ctx context.Context, tx pgx.Tx, table pgx.Identifier) (map[string]string, error) {
	schema := "current_schema()"
	args := []any{table[len(table)-1]}
	if len(table) == 2 {
		schema = "$2"
		args = append(args, table[0])
	}
	rows, err := tx.Query(ctx, `select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a
		join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
		where c.relname = $1 and n.nspname = `+schema+` and a.attnum > 0 and not a.attisdropped`, args...)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var name, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error { out[name] = typ; return nil })
	return out, err
}

// holds reports whether a column of type have can store every value that type-inference
// classified as want (the types tmimport infers: boolean, bigint, double precision,
// date, timestamp with time zone, text, jsonb, geometry…). Both are format_type
// spellings (want was resolved by the server).
func holds(have, want string) bool {
	if have == want || have == "text" || have == "character varying" {
		return true
	}
	switch want {
	case "bigint":
		return have == "double precision" || have == "numeric" || have == "real"
	case "date":
		return have == "timestamp with time zone" || have == "timestamp without time zone"
	case "double precision":
		return have == "numeric"
	}
	return false
}
