package pgio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// MaxIdentifierLen is PostgreSQL's identifier limit in bytes (NAMEDATALEN-1). Longer
// names are refused rather than silently truncated, since two long names sharing a
// 63-byte prefix would otherwise become the same column.
const MaxIdentifierLen = 63

// ErrIdentifier wraps every refused identifier.
var ErrIdentifier = errors.New("pgio: invalid identifier")

// CheckIdentifier returns an error when name cannot be used as exactly that identifier:
// empty, longer than 63 bytes, not UTF-8, or holding a NUL byte. Anything else is
// safe, because tmimport always quotes identifiers.
func CheckIdentifier(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", ErrIdentifier)
	case len(name) > MaxIdentifierLen:
		return fmt.Errorf("%w: %q is %d bytes, longer than PostgreSQL's limit of %d", ErrIdentifier, name, len(name), MaxIdentifierLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrIdentifier, name)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%w: %q holds a NUL byte", ErrIdentifier, name)
	}
	return nil
}

// quoteList quotes each name as an identifier and joins them with ", ", as a column
// list.
func quoteList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(quoted, ", ")
}

// ParseTableName parses "[schema.]name" as written on a command line: unquoted parts are
// folded to lower case like SQL does, double-quoted parts are taken as written (with ""
// for a quote), so `"My Schema"."Tasks"` and `public.tasks` both work.
func ParseTableName(s string) (pgx.Identifier, error) {
	var parts []string
	for rest := s; ; {
		part, after, err := parseIdentPart(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: table name %q: %v", ErrIdentifier, s, err)
		}
		if err := CheckIdentifier(part); err != nil {
			return nil, fmt.Errorf("table name %q: %w", s, err)
		}
		parts = append(parts, part)
		if after == "" {
			break
		}
		if after[0] != '.' {
			return nil, fmt.Errorf("%w: table name %q: unexpected %q", ErrIdentifier, s, after)
		}
		rest = after[1:]
	}
	if len(parts) > 2 {
		return nil, fmt.Errorf("%w: table name %q has more than schema and name", ErrIdentifier, s)
	}
	return pgx.Identifier(parts), nil
}

// parseIdentPart reads one identifier from the start of s.
func parseIdentPart(s string) (ident, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s, '.')
		if end < 0 {
			end = len(s)
		}
		return strings.ToLower(s[:end]), s[end:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), s[i+1:], nil
	}
	return "", "", errors.New("unterminated quoted name")
}

// Column is a table column: its name and its type as PostgreSQL spells it
// (format_type, for example "bigint" or "geometry(Polygon,4326)").
type Column struct {
	Name string
	Type string
}

// TableColumns returns the table's columns in order, or (nil, nil) when the table does
// not exist.
func (c *Client) TableColumns(ctx context.Context, table pgx.Identifier) ([]Column, error) {
	pool, err := c.Pool("table columns")
	if err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `select a.attname, format_type(a.atttypid, a.atttypmod)
		from pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped
		order by a.attnum`, table.Sanitize())
	if err != nil {
		return nil, c.scrub(fmt.Errorf("pgio: columns of %s: %w", table.Sanitize(), err))
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Column])
	if err != nil {
		return nil, c.scrub(fmt.Errorf("pgio: columns of %s: %w", table.Sanitize(), err))
	}
	if len(cols) == 0 {
		return nil, nil
	}
	return cols, nil
}

// CreateTable creates the schema (when named) and the table when they do not exist, with
// the given columns and, when key is not empty, that primary key. Each column's type is
// first checked and resolved like [Client.ResolveType] does; a type that is not a type
// name with optional modifiers fails the call with an [ErrType] error before any DDL. It runs in one
// transaction holding an advisory transaction lock derived from the table's name, so
// importers started at once create it exactly once and never race (a session lock on a
// pooled connection would outlive the import). created reports whether this call made
// the table.
func (c *Client) CreateTable(ctx context.Context, table pgx.Identifier, cols []Column, key []string) (created bool, err error) {
	if len(cols) == 0 {
		return false, fmt.Errorf("pgio: create %s: no columns", table.Sanitize())
	}
	for _, col := range cols {
		if err := CheckIdentifier(col.Name); err != nil {
			return false, fmt.Errorf("pgio: create %s: column: %w", table.Sanitize(), err)
		}
	}
	// Every type is checked and put in the server's spelling before any DDL: the DDL
	// holds only what format_type returned, never a type as the caller wrote it.
	if cols, err = c.resolveColumns(ctx, cols); err != nil {
		return false, fmt.Errorf("pgio: create %s: %w", table.Sanitize(), err)
	}
	err = c.InLockedTx(ctx, table, func(tx pgx.Tx) error {
		if ok, err := exists(ctx, tx, table.Sanitize()); err != nil || ok {
			return err
		}
		if len(table) == 2 {
			if _, err := tx.Exec(ctx, "create schema if not exists "+pgx.Identifier{table[0]}.Sanitize()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, createTableSQL(table, cols, key))
		created = err == nil
		return err
	})
	if err != nil {
		return false, c.scrub(fmt.Errorf("pgio: create %s: %w", table.Sanitize(), err))
	}
	return created, nil
}

// createTableSQL spells CREATE TABLE. Its column types must be resolved (see
// [Client.ResolveTypes]): canonical spellings from the server, never the caller's text.
func createTableSQL(table pgx.Identifier, cols []Column, key []string) string {
	defs := make([]string, 0, len(cols)+1)
	for _, col := range cols {
		defs = append(defs, pgx.Identifier{col.Name}.Sanitize()+" "+col.Type)
	}
	if len(key) > 0 {
		defs = append(defs, "primary key ("+quoteList(key)+")")
	}
	return "create table " + table.Sanitize() + " (" + strings.Join(defs, ", ") + ")"
}

// exists reports whether the relation name, spelled as in SQL, exists (to_regclass).
// q is a pool or a transaction.
func exists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, name string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, "select to_regclass($1) is not null", name).Scan(&ok)
	return ok, err
}

// InLockedTx runs f in a transaction that first takes pg_advisory_xact_lock on a key
// derived from table, so DDL for one table never runs twice at once. The lock ends with
// the transaction.
//
// A transaction that waited for the lock may still hold catalog caches from before the
// other importer's DDL committed (PostgreSQL processes catalog invalidations at
// transaction start and on relation locks, not on advisory locks), so a check such as
// to_regclass can miss the new table. When f then fails on a duplicate object, the
// whole transaction is run once more; starting anew, it sees the committed DDL.
func (c *Client) InLockedTx(ctx context.Context, table pgx.Identifier, f func(pgx.Tx) error) error {
	pool, err := c.Pool("ddl")
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "select pg_advisory_xact_lock(hashtextextended($1, 0))", "tmimport ddl "+table.Sanitize()); err != nil {
				return err
			}
			return f(tx)
		})
		var pgErr *pgconn.PgError
		if attempt == 0 && errors.As(err, &pgErr) && duplicateObject(pgErr.Code) {
			continue
		}
		return err
	}
}

// duplicateObject reports SQLSTATEs of DDL that met an object created concurrently.
func duplicateObject(code string) bool {
	switch code {
	case "42P07", "42P06", "42710", "42701", "23505", "3F000":
		return true
	}
	return false
}

// PrimaryKey returns the table's primary key columns in key order, or nil when it has
// none (or the table does not exist).
func (c *Client) PrimaryKey(ctx context.Context, table pgx.Identifier) ([]string, error) {
	pool, err := c.Pool("primary key")
	if err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `select a.attname from pg_index i
		cross join lateral unnest(i.indkey) with ordinality k(attnum, n)
		join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
		where i.indrelid = to_regclass($1) and i.indisprimary order by k.n`, table.Sanitize())
	if err != nil {
		return nil, c.scrub(err)
	}
	key, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if len(key) == 0 {
		return nil, c.scrub(err)
	}
	return key, c.scrub(err)
}

// SpatialIndex builds a GIST index on a geometry column unless one exists, after a load
// (building it before would slow every insert).
func (c *Client) SpatialIndex(ctx context.Context, table pgx.Identifier, column string) error {
	name := table[len(table)-1] + "_" + column + "_gist"
	if len(name) > MaxIdentifierLen {
		name = name[:MaxIdentifierLen]
	}
	err := c.InLockedTx(ctx, table, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, fmt.Sprintf("create index if not exists %s on %s using gist (%s)",
			pgx.Identifier{name}.Sanitize(), table.Sanitize(), pgx.Identifier{column}.Sanitize()))
		return err
	})
	if err != nil {
		return c.scrub(fmt.Errorf("pgio: spatial index on %s: %w", table.Sanitize(), err))
	}
	return nil
}

// CheckPrivileges fails, before anything is written, when the current role lacks a
// privilege on the table that the mode needs (INSERT; UPDATE for Upsert; TEMPORARY on
// the database for the staging tables of Upsert and Ignore), naming what is missing.
func (c *Client) CheckPrivileges(ctx context.Context, table pgx.Identifier, m Mode) error {
	var role string
	var insert, update, temp bool
	err := c.QueryRow(ctx, `select current_user, has_table_privilege($1, 'INSERT'), has_table_privilege($1, 'UPDATE'),
		has_database_privilege(current_database(), 'TEMPORARY')`, []any{table.Sanitize()}, &role, &insert, &update, &temp)
	if err != nil {
		return err
	}
	var missing []string
	if !insert {
		missing = append(missing, "INSERT on "+table.Sanitize())
	}
	if m == Upsert && !update {
		missing = append(missing, "UPDATE on "+table.Sanitize())
	}
	if m != Append && !temp {
		missing = append(missing, "TEMPORARY on the database (for staging tables)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("pgio: role %q lacks privilege %s, needed by mode %s", role, strings.Join(missing, " and "), m)
	}
	return nil
}
