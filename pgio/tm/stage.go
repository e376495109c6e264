package tm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

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
	table  string
	fields int // fields per source tuple, the problem column included
	arrays []enumArray
}

var errTuple = errors.New("tm: malformed binary COPY tuple")

// Process implements pipeline.Stage.
func (s *stage) Process(_ context.Context, b *pipeline.Batch[[]byte]) error {
	var bad error
	b.RejectWhere(func(_ int, row []byte) error {
		last, err := s.lastField(row)
		if err != nil {
			bad = err
			return nil
		}
		if n := int32(binary.BigEndian.Uint32(row[last:])); n >= 0 {
			return &RowError{Table: s.table, Problem: string(row[last+4 : last+4+int(n)])}
		}
		return nil
	}, nil)
	if bad != nil {
		return bad
	}
	for i, row := range b.Rows {
		last, _ := s.lastField(row)
		binary.BigEndian.PutUint16(row, uint16(s.fields-1))
		b.Rows[i] = row[:last:last]
		for _, a := range s.arrays {
			if err := setElemType(b.Rows[i], a); err != nil {
				return err
			}
		}
	}
	b.Touch()
	return nil
}

// lastField returns the offset of the last field's length word.
func (s *stage) lastField(row []byte) (int, error) {
	if len(row) < 2 || int(binary.BigEndian.Uint16(row)) != s.fields {
		return 0, fmt.Errorf("%w: expected %d fields", errTuple, s.fields)
	}
	p := 2
	for range s.fields - 1 {
		if p+4 > len(row) {
			return 0, errTuple
		}
		n := int32(binary.BigEndian.Uint32(row[p:]))
		p += 4
		if n > 0 {
			p += int(n)
		}
	}
	if p+4 > len(row) {
		return 0, errTuple
	}
	return p, nil
}

// setElemType writes the element type id into the array header of field a.field
// (ndim, flags, element type, …).
func setElemType(row []byte, a enumArray) error {
	p := 2
	for f := 0; ; f++ {
		if p+4 > len(row) {
			return errTuple
		}
		n := int32(binary.BigEndian.Uint32(row[p:]))
		p += 4
		if f == a.field {
			if n < 0 {
				return nil // NULL
			}
			if n < 12 || p+int(n) > len(row) {
				return errTuple
			}
			binary.BigEndian.PutUint32(row[p+8:], a.oid)
			return nil
		}
		if n > 0 {
			p += int(n)
		}
	}
}
