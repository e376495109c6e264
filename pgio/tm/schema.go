package tm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// typeSQL is the SQL type of a target column: enum types are qualified by the target
// schema.
func (m *Migration) typeSQL(c Column) string {
	base := strings.TrimSuffix(c.Type, "[]")
	if slices.ContainsFunc(TargetEnums, func(e TargetEnum) bool { return e.Name == base }) {
		return pgx.Identifier{m.cfg.Schema, base}.Sanitize() + strings.TrimPrefix(c.Type, base)
	}
	return c.Type
}

// createTableSQL is the CREATE TABLE IF NOT EXISTS of t: TM-Admin's columns (migrated
// ones first, then those with no TM source) and its UNIQUE key. Like TM-Admin's
// generator it creates no primary key and no foreign keys.
func (m *Migration) createTableSQL(t *Table) string {
	defs := make([]string, 0, len(t.Columns)+len(t.Unfilled)+1)
	for _, c := range slices.Concat(t.Columns, t.Unfilled) {
		d := pgx.Identifier{c.Name}.Sanitize() + " " + m.typeSQL(c)
		if c.NotNull {
			d += " not null"
		}
		defs = append(defs, d)
	}
	key := make([]string, len(t.Key))
	for i, k := range t.Key {
		key[i] = pgx.Identifier{k}.Sanitize()
	}
	defs = append(defs, "unique ("+strings.Join(key, ", ")+")")
	return fmt.Sprintf("create table if not exists %s (\n  %s\n)", m.target(t).Sanitize(), strings.Join(defs, ",\n  "))
}

// sequence is the name of t's id sequence, or nil when t has no id column.
func (m *Migration) sequence(t *Table) pgx.Identifier {
	if !slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Name == "id" }) {
		return nil
	}
	return pgx.Identifier{m.cfg.Schema, t.Name + "_id_seq"}
}

// CreateSchema creates the target schema, TM-Admin's enum types, the tables and their
// id sequences where missing, in one transaction under an advisory lock, so concurrent
// runs never race. Existing objects are kept; an existing enum type whose labels
// differ from TM-Admin's is an error.
func (m *Migration) CreateSchema(ctx context.Context) error {
	lock := pgx.Identifier{m.cfg.Schema, "tmimport tm schema"}
	return m.dst.InLockedTx(ctx, lock, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "create schema if not exists "+pgx.Identifier{m.cfg.Schema}.Sanitize()); err != nil {
			return err
		}
		for _, e := range TargetEnums {
			var labels []string
			err := tx.QueryRow(ctx, `select array_agg(e.enumlabel order by e.enumsortorder) from pg_type t
				join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
				where n.nspname = $1 and t.typname = $2`, m.cfg.Schema, e.Name).Scan(&labels)
			if err != nil {
				return err
			}
			if labels != nil {
				if !slices.Equal(labels, e.Labels) {
					return fmt.Errorf("tm: type %s exists with labels %v, TM-Admin's are %v", pgx.Identifier{m.cfg.Schema, e.Name}.Sanitize(), labels, e.Labels)
				}
				continue
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("create type %s as enum (%s)", pgx.Identifier{m.cfg.Schema, e.Name}.Sanitize(), quotedList(e.Labels))); err != nil {
				return err
			}
		}
		for _, t := range m.tables {
			if _, err := tx.Exec(ctx, m.createTableSQL(t)); err != nil {
				return fmt.Errorf("tm: create %s: %w", t.Name, err)
			}
			if seq := m.sequence(t); seq != nil {
				if _, err := tx.Exec(ctx, "create sequence if not exists "+seq.Sanitize()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ResetSequences sets every id sequence of the migrated tables to max(id), so the next
// value follows the migrated ids (TM-Admin's sequences are not attached to a column
// and would start at 1).
func (m *Migration) ResetSequences(ctx context.Context) error {
	for _, t := range m.tables {
		seq := m.sequence(t)
		if seq == nil {
			continue
		}
		q := fmt.Sprintf("select setval(%s, coalesce(max(id), 1), max(id) is not null) from %s", quote(seq.Sanitize()), m.target(t).Sanitize())
		if err := m.dst.Exec(ctx, q); err != nil {
			return fmt.Errorf("tm: reset %s: %w", seq.Sanitize(), err)
		}
	}
	return nil
}

// Missing returns the target tables that do not exist yet (run with CreateSchema to
// create them).
func (m *Migration) Missing(ctx context.Context) ([]string, error) {
	var missing []string
	for _, t := range m.tables {
		cols, err := m.dst.TableColumns(ctx, m.target(t))
		if err != nil {
			return nil, err
		}
		if cols == nil {
			missing = append(missing, m.target(t).Sanitize())
		}
	}
	return missing, nil
}
