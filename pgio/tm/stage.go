package tm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
)

// RowError is the reason a source row was not migrated: it names the TM table, the
// row's key and each problem (an unknown enum code with its column, a reference to a
// row that does not exist).
type RowError struct {
	// Table is the target table.
	Table string
	// Problem is the source query's description, e.g.
	// "tasks project_id=3 id=7: mapped_by 12 has no users row".
	Problem string
}

func (e *RowError) Error() string { return e.Problem }

// enumArray is a column sent as text[] that the target holds as an enum array.
type enumArray struct {
	field int
	oid   uint32
}

// stage turns the source query's binary tuples into target tuples: a row whose last
// field (the problem column) is not NULL is rejected with it; the others lose that
// field, and their enum arrays get the target type's element id (binary COPY checks
// it, and the source has no such type).
type stage struct {
	table   string
	source  string // the TM table, for reject messages
	fields  int    // fields per source tuple, the problem column included
	arrays  []enumArray
	notNull []int    // fields of NOT NULL columns
	names   []string // column names by field
	key     []int    // fields of the key, for reject messages
	ints    []bool   // whether each key field is an integer
}

var errTuple = errors.New("tm: malformed binary COPY tuple")

// Process implements pipeline.Stage.
func (s *stage) Process(_ context.Context, b *pipeline.Batch[[]byte]) error {
	var bad error
	var offs []int
	b.RejectWhere(func(_ int, row []byte) error {
		var err error
		if offs, err = s.offsets(row, offs[:0]); err != nil {
			bad = err
			return nil
		}
		last := offs[s.fields-1]
		if n := int32(binary.BigEndian.Uint32(row[last:])); n >= 0 {
			return &RowError{Table: s.table, Problem: string(row[last+4 : last+4+int(n)])}
		}
		for _, f := range s.notNull {
			if int32(binary.BigEndian.Uint32(row[offs[f]:])) < 0 {
				return &RowError{Table: s.table, Problem: fmt.Sprintf("%s %s: %s: NULL, but the target column is NOT NULL", s.source, s.describe(row, offs), s.names[f])}
			}
		}
		return nil
	}, nil)
	if bad != nil {
		return bad
	}
	for i, row := range b.Rows {
		offs, _ = s.offsets(row, offs[:0]) // checked above
		for _, a := range s.arrays {
			// The array header: ndim, flags, element type, …
			if p := offs[a.field]; int32(binary.BigEndian.Uint32(row[p:])) >= 0 {
				if int32(binary.BigEndian.Uint32(row[p:])) < 12 {
					return fmt.Errorf("%w: field %d is too short for an array", errTuple, a.field)
				}
				binary.BigEndian.PutUint32(row[p+4+8:], a.oid)
			}
		}
		binary.BigEndian.PutUint16(row, uint16(s.fields-1))
		last := offs[s.fields-1]
		b.Rows[i] = row[:last:last]
	}
	b.Touch()
	return nil
}

// offsets appends the offset of every field's length word to dst.
func (s *stage) offsets(row []byte, dst []int) ([]int, error) {
	if len(row) < 2 || int(binary.BigEndian.Uint16(row)) != s.fields {
		return dst, fmt.Errorf("%w: expected %d fields", errTuple, s.fields)
	}
	p := 2
	for range s.fields {
		if p+4 > len(row) {
			return dst, errTuple
		}
		dst = append(dst, p)
		n := int32(binary.BigEndian.Uint32(row[p:]))
		p += 4
		if n > 0 {
			p += int(n)
		}
	}
	if p > len(row) {
		return dst, errTuple
	}
	return dst, nil
}

// describe names a row by its key: "id=7" or "project_id=3 locale=fr" (integer key
// fields are 4- or 8-byte binary integers, others text).
func (s *stage) describe(row []byte, offs []int) string {
	parts := make([]string, len(s.key))
	for i, f := range s.key {
		n := int32(binary.BigEndian.Uint32(row[offs[f]:]))
		v := row[offs[f]+4 : offs[f]+4+max(0, int(n))]
		var val string
		switch {
		case n < 0:
			val = "NULL"
		case n == 4 && s.ints[i]:
			val = strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(v))), 10)
		case n == 8 && s.ints[i]:
			val = strconv.FormatInt(int64(binary.BigEndian.Uint64(v)), 10)
		default:
			val = string(v)
		}
		parts[i] = s.names[f] + "=" + val
	}
	return strings.Join(parts, " ")
}

// newStage builds t's stage without its enum arrays (their type ids come from the
// target).
func newStage(t *Table) *stage {
	cols := t.queried()
	st := &stage{table: t.Name, source: t.Source, fields: len(cols) + 1}
	for i, c := range cols {
		st.names = append(st.names, c.Name)
		if c.NotNull {
			st.notNull = append(st.notNull, i)
		}
	}
	for _, k := range t.Key {
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == k })
		st.key = append(st.key, i)
		st.ints = append(st.ints, cols[i].Type == "int" || cols[i].Type == "bigint")
	}
	return st
}
