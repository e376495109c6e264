package pgio

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrType wraps every column type refused by [Client.ResolveType],
// [Client.ResolveTypes], [Client.CreateTable] and [Client.EvolveTable].
var ErrType = errors.New("pgio: invalid column type")

// TypeError reports a column type that is not a type name with optional modifiers, or
// that the server does not know. Column is empty when no column was named.
type TypeError struct {
	Column string
	Type   string
	Reason string
}

// Error names the column and the type as given.
func (e *TypeError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("pgio: type %q: %s", e.Type, e.Reason)
	}
	return fmt.Sprintf("pgio: column %q: type %q: %s", e.Column, e.Type, e.Reason)
}

// Is makes errors.Is(err, ErrType) true.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// typeSpec is a type as written, split by [parseType]: the name (with its array
// brackets, without modifiers) and the modifiers.
type typeSpec struct {
	name     string   // for to_regtype: words, optional schema, "[]" when an array
	mods     []string // the modifiers between parentheses, as written
	interval int      // the field mask of an interval's fields (day to second…), or 0
}

// intervalFields are the masks of interval's field qualifiers (INTERVAL_MASK of
// PostgreSQL's datetime.h), by the qualifier as format_type prints it.
var intervalFields = func() map[string]int {
	const month, year, day, hour, minute, second = 1 << 1, 1 << 2, 1 << 3, 1 << 10, 1 << 11, 1 << 12
	return map[string]int{
		"year": year, "month": month, "day": day, "hour": hour, "minute": minute, "second": second,
		"year to month": year | month, "day to hour": day | hour, "day to minute": day | hour | minute,
		"day to second": day | hour | minute | second, "hour to minute": hour | minute,
		"hour to second": hour | minute | second, "minute to second": minute | second,
	}
}()

// multiWord are the SQL type names of more than one word (as lower case, one space
// apart). Other multi-word spellings, such as interval's field qualifiers, are refused:
// to_regtype would accept them but drop the qualifier.
var multiWord = map[string]bool{
	"double precision": true, "character varying": true, "char varying": true, "bit varying": true,
	"national character": true, "national char": true, "national character varying": true,
	"national char varying": true, "nchar varying": true,
	"timestamp with time zone": true, "timestamp without time zone": true,
	"time with time zone": true, "time without time zone": true,
}

// oneByDefault are the type names that SQL gives a length of 1 when none is written
// (to_regtype drops that, and format_type without a typmod would mean no limit).
var oneByDefault = map[string]bool{
	"char": true, "character": true, "nchar": true, "national char": true, "national character": true, "bit": true,
}

// typeToken matches one token of a type: an unquoted word, a double-quoted identifier,
// a modifier list, array brackets, a dot, or white space.
var typeToken = regexp.MustCompile(`^(?:([A-Za-z_][A-Za-z0-9_$]*)|("(?:[^"\x00]|"")+")|\(([^()]*)\)|\[([0-9]*)\]|(\.)|(\s+))`)

// modifier matches one type modifier: an integer (numeric allows a negative scale) or a
// word (PostGIS geometry's subtype).
var modifier = regexp.MustCompile(`^(?:-?[0-9]{1,10}|[A-Za-z][A-Za-z0-9_]{0,62})$`)

// parseType checks typ lexically: a type name of one or more words (or a standard
// multi-word name), optionally schema-qualified, with at most one modifier list of
// integers or words, and optional array brackets. Anything else (a default, a
// collation, a constraint, a comment, a second statement) is refused.
func parseType(typ string) (typeSpec, error) {
	var (
		parts     []string // name parts: words and quoted identifiers, or "."
		mods      []string
		hasMods   bool
		array     bool
		modsAt    int  // the number of words before the modifiers
		afterMods bool // words after the modifiers, as in timestamp(3) with time zone
	)
	s := strings.TrimSpace(typ)
	if s == "" {
		return typeSpec{}, errors.New("empty type")
	}
	if len(s) > 200 {
		return typeSpec{}, errors.New("longer than any type name")
	}
	for s != "" {
		m := typeToken.FindStringSubmatchIndex(s)
		if m == nil {
			return typeSpec{}, fmt.Errorf("unexpected %q: a type is a name with optional modifiers, such as varchar(10) or geometry(Point,4326)", s)
		}
		group := func(i int) (string, bool) {
			if m[2*i] < 0 {
				return "", false
			}
			return s[m[2*i]:m[2*i+1]], true
		}
		switch {
		case array && m[8] < 0 && m[12] < 0:
			return typeSpec{}, fmt.Errorf("unexpected %q after the array brackets", s)
		case m[2] >= 0 || m[4] >= 0: // a word or a quoted identifier
			w, ok := group(1)
			if !ok {
				w, _ = group(2)
			}
			if n := len(parts); n > 0 && parts[n-1] != "." && parts[n-1] != " " {
				parts = append(parts, " ") // words are separated by white space only
			}
			if hasMods {
				afterMods = true
			}
			parts = append(parts, w)
		case m[6] >= 0: // modifiers
			if hasMods || len(parts) == 0 || parts[len(parts)-1] == "." {
				return typeSpec{}, fmt.Errorf("unexpected %q", s)
			}
			list, _ := group(3)
			for _, mod := range strings.Split(list, ",") {
				mod = strings.TrimSpace(mod)
				if !modifier.MatchString(mod) {
					return typeSpec{}, fmt.Errorf("modifier %q is neither an integer nor a word", mod)
				}
				mods = append(mods, mod)
			}
			hasMods = true
			for _, p := range parts {
				if p != "." && p != " " {
					modsAt++
				}
			}
		case m[8] >= 0: // array brackets
			if len(parts) == 0 {
				return typeSpec{}, fmt.Errorf("unexpected %q", s)
			}
			array = true
		case m[10] >= 0: // a dot between schema and name
			if len(parts) == 0 || parts[len(parts)-1] == "." || hasMods {
				return typeSpec{}, fmt.Errorf("unexpected %q", s)
			}
			parts = append(parts, ".")
		}
		s = s[m[1]:]
	}
	// Validate the name's shape: [schema.]name, where only an unqualified name may have
	// more than one word, and then only a standard multi-word name.
	var words []string
	dots := 0
	for _, p := range parts {
		switch p {
		case ".":
			dots++
		case " ":
		default:
			words = append(words, p)
		}
	}
	switch {
	case len(words) == 0:
		return typeSpec{}, errors.New("no type name")
	case parts[len(parts)-1] == ".":
		return typeSpec{}, errors.New("no type name after the schema")
	case dots > 1:
		return typeSpec{}, errors.New("more than a schema and a name")
	case dots == 1 && len(words) != 2:
		return typeSpec{}, errors.New("a schema-qualified type name is one word")
	case dots == 0 && len(words) > 1 && strings.EqualFold(words[0], "interval"):
		// interval with field qualifiers, as format_type prints them: interval day to
		// second(3); a precision only after the fields.
		mask, ok := intervalFields[strings.ToLower(strings.Join(words[1:], " "))]
		if !ok || (hasMods && modsAt != len(words)) {
			return typeSpec{}, fmt.Errorf("%q is not a type name", strings.Join(words, " "))
		}
		name := "interval"
		if array {
			name += "[]"
		}
		return typeSpec{name: name, mods: mods, interval: mask}, nil
	case dots == 0 && len(words) > 1 && !multiWord[strings.ToLower(strings.Join(words, " "))]:
		return typeSpec{}, fmt.Errorf("%q is not a type name (refused: only the standard multi-word names such as \"double precision\" are accepted)", strings.Join(words, " "))
	case afterMods && (modsAt != 1 || !strings.EqualFold(words[0], "time") && !strings.EqualFold(words[0], "timestamp")):
		return typeSpec{}, errors.New("unexpected words after the modifiers")
	}
	name := strings.Join(parts, "")
	if len(mods) == 0 && dots == 0 && oneByDefault[strings.ToLower(name)] {
		mods = []string{"1"} // SQL: char and bit without a length mean a length of 1
	}
	if array {
		name += "[]"
	}
	return typeSpec{name: name, mods: mods}, nil
}

// ResolveType checks typ (a column type as a user wrote it, such as "int8",
// "varchar(10)" or "geometry(Point,4326)") and returns the server's canonical spelling
// of it (format_type: "bigint", "character varying(10)", "geometry(Point,4326)"). typ
// must be a type name, optionally schema-qualified, with optional modifiers and array
// brackets; anything else (a DEFAULT, a COLLATE, a constraint, a second statement) is
// refused with an [ErrType] error before the server sees it. The server then resolves
// the name with to_regtype and the modifiers with the type's own typmod input
// function, so typ never becomes part of any SQL text. The returned spelling is safe to
// put into DDL.
func (c *Client) ResolveType(ctx context.Context, typ string) (string, error) {
	got, err := c.ResolveTypes(ctx, map[string]string{"": typ})
	if err != nil {
		return "", err
	}
	return got[""], nil
}

// ResolveTypes is [Client.ResolveType] for column → type maps (such as
// LoadOptions.Types): it returns the canonical spelling of each, or an [ErrType]
// error (a [*TypeError]) naming the first refused column, in column order, and its type.
func (c *Client) ResolveTypes(ctx context.Context, types map[string]string) (map[string]string, error) {
	names := make([]string, 0, len(types))
	for name := range types {
		names = append(names, name)
	}
	sort.Strings(names)
	cols := make([]Column, len(names))
	for i, name := range names {
		cols[i] = Column{Name: name, Type: types[name]}
	}
	resolved, err := c.resolveColumns(ctx, cols)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(resolved))
	for _, col := range resolved {
		out[col.Name] = col.Type
	}
	return out, nil
}

// resolveColumns returns cols with every type in the server's canonical spelling, or a
// [*TypeError] for the first column whose type is refused. It checks every type
// lexically before it sends anything.
func (c *Client) resolveColumns(ctx context.Context, cols []Column) ([]Column, error) {
	specs := make([]typeSpec, len(cols))
	for i, col := range cols {
		spec, err := parseType(col.Type)
		if err != nil {
			return nil, &TypeError{Column: col.Name, Type: col.Type, Reason: err.Error()}
		}
		specs[i] = spec
	}
	pool, err := c.Pool("resolve types")
	if err != nil {
		return nil, err
	}
	canon := map[string]string{} // by the type as given: each distinct type is resolved once
	out := make([]Column, len(cols))
	for i, col := range cols {
		typ, ok := canon[col.Type]
		if !ok {
			var reason string
			if typ, reason, err = resolveSpec(ctx, pool, specs[i]); err != nil {
				return nil, c.scrub(fmt.Errorf("pgio: column %q: type %q: %w", col.Name, col.Type, err))
			}
			if reason != "" {
				return nil, &TypeError{Column: col.Name, Type: col.Type, Reason: reason}
			}
			canon[col.Type] = typ
		}
		out[i] = Column{Name: col.Name, Type: typ}
	}
	return out, nil
}

// queryRower is a pool, a connection or a transaction.
type queryRower interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// regprocName matches a function name as regproc prints it: an identifier, quoted when
// needed, optionally schema-qualified. It guards the one name that resolveSpec puts
// into SQL text, which comes from the server's catalog, never from the caller.
var regprocName = regexp.MustCompile(`^(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")(?:\.(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"))?$`)

// resolveSpec asks the server for the canonical spelling of spec. A type the server
// does not know, a pseudo-type, or modifiers the type refuses give a reason (and a nil
// error); err is for failures to ask.
func resolveSpec(ctx context.Context, q queryRower, spec typeSpec) (typ, reason string, err error) {
	if len(spec.mods) == 1 && strings.EqualFold(spec.name, "float") {
		// float(p) is SQL's spelling of real (p <= 24) or double precision (p <= 53).
		if p, err := strconv.Atoi(spec.mods[0]); err == nil && p >= 1 && p <= 53 {
			spec.name, spec.mods = "double precision", nil
			if p <= 24 {
				spec.name = "real"
			}
		}
	}
	switch {
	case spec.interval != 0:
		// interval's typmod input takes the field mask, then the precision.
		spec.mods = append([]string{strconv.Itoa(spec.interval)}, spec.mods...)
	case len(spec.mods) == 1 && strings.EqualFold(strings.TrimSuffix(spec.name, "[]"), "interval"):
		// interval(p): the grammar passes the full field range (INTERVAL_FULL_RANGE)
		// before the precision; a lone modifier would be read as a field mask.
		spec.mods = []string{"32767", spec.mods[0]}
	}
	var (
		oid      uint32
		typtype  string
		typmodin string
	)
	// to_regtype parses $1 as a type name only (nothing in it is executed) and is NULL
	// for an unknown type.
	err = q.QueryRow(ctx, `select t.oid, t.typtype::text, case when t.typmodin = 0 then '' else t.typmodin::regproc::text end
		from pg_type t where t.oid = to_regtype($1)`, spec.name).Scan(&oid, &typtype, &typmodin)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "the server knows no such type", nil
	}
	if reason := pgErrorReason(err); reason != "" {
		// Older servers raise a syntax error from to_regtype for some names the lexical
		// check lets through: that is a refused type too.
		return "", reason, nil
	}
	if err != nil {
		return "", "", err
	}
	if typtype == "p" {
		return "", "is a pseudo-type, not a column type", nil
	}
	if len(spec.mods) == 0 {
		// -1, not NULL: format_type(bpchar, NULL) says "character", which DDL reads as
		// character(1).
		err = q.QueryRow(ctx, "select format_type($1, -1)", oid).Scan(&typ)
		return typ, "", err
	}
	if typmodin == "" {
		return "", "the type takes no modifiers", nil
	}
	if !regprocName.MatchString(typmodin) {
		return "", "", fmt.Errorf("unexpected typmod input function %q", typmodin)
	}
	err = q.QueryRow(ctx, "select format_type($1, "+typmodin+"($2::text[]::cstring[]))", oid, spec.mods).Scan(&typ)
	if reason := pgErrorReason(err); reason != "" {
		return "", reason, nil
	}
	return typ, "", err
}

// pgErrorReason returns the server's message when err is the server refusing a type
// name or its modifiers (SQLSTATE classes 22, data exception, and 42, syntax error or
// undefined object), and "" for any other error.
func pgErrorReason(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "42")) {
		return "the server refused it: " + pgErr.Message
	}
	return ""
}
