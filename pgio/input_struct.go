package pgio

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"reflect"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
)

// Rows is an input of a slice of structs. Fields map to columns as pgx's
// RowToStructByName maps them: `db:"name"` names a field's column, `db:"-"` skips it,
// an untagged exported field is the column of its lower-cased name (an existing
// table's columns match case-insensitively, underscores ignored), an untagged embedded
// struct gives its fields. A zero-length slice still describes its columns, so
// LoadOptions.CreateTable creates the table from the type alone. Go types become
// int64/int → bigint, int32 → integer, int16 → smallint, string → text, bool →
// boolean, float64 → double precision, float32 → real, time.Time → timestamptz,
// []byte → bytea, json.RawMessage → jsonb, orb geometries → geometry with
// LoadOptions.SRID; a pointer is the same type, NULL when nil. Rows travel as binary
// COPY. T may also be a pointer to a struct.
func Rows[T any](rows []T) Input { return &structInput[T]{rows: rows, name: "rows"} }

// Seq is an input of the structs an iterator yields, read once as it runs (see [Rows]
// for the mapping). A keyed load of a Seq uses one worker, so that the winner of each
// key is the documented one.
func Seq[T any](seq iter.Seq[T]) Input {
	return &structInput[T]{seq: seq, once: true, name: "seq"}
}

// Chan is an input of the structs received from ch until it is closed (see [Rows] for
// the mapping). A keyed load of a Chan uses one worker, so that the winner of each key
// is the documented one.
func Chan[T any](ch <-chan T) Input {
	seq := func(yield func(T) bool) {
		for v := range ch {
			if !yield(v) {
				return
			}
		}
	}
	return &structInput[T]{seq: seq, once: true, name: "chan"}
}

// structInput is a struct input: a slice, or a sequence read once.
type structInput[T any] struct {
	rows []T
	seq  iter.Seq[T]
	once bool
	name string
}

func (in *structInput[T]) load(ctx context.Context, l *loader) (pipeline.Summary, error) {
	m, err := newStructMap(reflect.TypeFor[T](), l.opts.SRID)
	if err != nil {
		return pipeline.Summary{}, err
	}
	s := &spec[T]{
		name: in.name, once: in.once, names: m.names(),
		want: func() ([]Column, error) { return m.columns(nil), nil },
		bind: func(cols []Column, key []string, cfg *CopyConfig[T]) (func(T) uint64, error) {
			return bindStruct(m, cols, key, l.opts.SRID, cfg)
		},
	}
	if in.seq != nil {
		s.source = pipeline.SeqSource(func(yield func(T, error) bool) {
			for v := range in.seq {
				if !yield(v, nil) {
					return
				}
			}
		}, l.opts.BatchRows)
	} else {
		s.source = pipeline.SliceSource(in.rows)
		s.identity = func() (io.ReadCloser, error) { return rowsText(in.rows), nil }
	}
	return run(ctx, l, s)
}

// structValue is the struct a row holds (T or *T).
func structValue[T any](row *T) (reflect.Value, error) {
	v := reflect.ValueOf(row).Elem()
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v, fmt.Errorf("nil %s", v.Type())
		}
		v = v.Elem()
	}
	return v, nil
}

// bindStruct sets the typed COPY path of a struct input for the resolved columns and,
// in keyed modes, the key's client-side sort and partition.
func bindStruct[T any](m *structMap, cols []Column, key []string, srid int, cfg *CopyConfig[T]) (func(T) uint64, error) {
	values, fields, err := m.bind(cols, srid)
	if err != nil {
		return nil, err
	}
	cfg.Values = func(row T, dst []any) ([]any, error) {
		v, err := structValue(&row)
		if err != nil {
			return dst, err
		}
		return values(v, dst)
	}
	if len(key) == 0 {
		return nil, nil
	}
	idx, err := keyIndexes(columnNames(cols), key)
	if err != nil {
		return nil, err
	}
	keyFields := make([]structField, len(idx))
	for i, j := range idx {
		keyFields[i] = fields[j]
	}
	if len(keyFields) == 1 && keyFields[0].intKey {
		f := keyFields[0]
		cfg.IntKey = func(row T) (int64, bool) {
			v, err := structValue(&row)
			if err != nil {
				return 0, false
			}
			fv := v.FieldByIndex(f.index)
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					return 0, false
				}
				fv = fv.Elem()
			}
			if fv.CanInt() {
				return fv.Int(), true
			}
			return int64(fv.Uint()), true
		}
		return func(row T) uint64 {
			k, ok := cfg.IntKey(row)
			if !ok {
				return 0
			}
			return hashInt(k)
		}, nil
	}
	hash := keyHash(keyFields, maphash.MakeSeed())
	return func(row T) uint64 {
		v, err := structValue(&row)
		if err != nil {
			return 0
		}
		return hash(v)
	}, nil
}

// rowsText spells a slice's rows as text, which binds an import id to a slice: a
// resumed load of other values is refused.
func rowsText[T any](rows []T) io.ReadCloser {
	var b strings.Builder
	for i := range rows {
		fmt.Fprintf(&b, "%+v\n", rows[i])
	}
	return io.NopCloser(strings.NewReader(b.String()))
}
