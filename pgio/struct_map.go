package pgio

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/tmimport/tmimport/geo"
)

// structMap maps a struct type's fields to columns the way pgx's RowToStructByName
// does: a field tagged `db:"name"` is column name, `db:"-"` is skipped, an untagged
// exported field is the column of its name (lower-cased when a table is created, and
// matched case-insensitively, underscores ignored, against an existing table), and an
// untagged embedded struct contributes its own fields.
type structMap struct {
	typ    reflect.Type
	fields []structField
}

// structField is one mapped field.
type structField struct {
	name    string // column name
	index   []int  // reflect field index path
	sqlType string // the column type CREATE TABLE gives it
	get     func(v reflect.Value, srid int) (any, error)
	intKey  bool // an integer field (client-side key sort)
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
	bytesType   = reflect.TypeFor[[]byte]()
	geomType    = reflect.TypeFor[orb.Geometry]()
)

// newStructMap maps T, which must be a struct (or a pointer to one). srid is the SRID
// of orb geometry fields' columns.
func newStructMap(t reflect.Type, srid int) (*structMap, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: a Rows/Seq/Chan input needs a struct type, got %s", ErrConfig, t)
	}
	m := &structMap{typ: t}
	if err := m.add(t, nil, srid); err != nil {
		return nil, err
	}
	if len(m.fields) == 0 {
		return nil, fmt.Errorf("%w: struct %s has no exported fields to load", ErrConfig, t)
	}
	seen := map[string]string{}
	for _, f := range m.fields {
		k := foldName(f.name)
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("%w: struct %s: fields map to one column twice (%q and %q)", ErrConfig, t, prev, f.name)
		}
		seen[k] = f.name
	}
	return m, nil
}

// add maps the fields of struct t found at index path base.
func (m *structMap) add(t reflect.Type, base []int, srid int) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, tagged := sf.Tag.Lookup("db")
		tag, _, _ = strings.Cut(tag, ",")
		index := append(append([]int(nil), base...), i)
		switch {
		case tag == "-":
			continue
		case sf.Anonymous && !tagged && sf.Type.Kind() == reflect.Struct && sf.Type != timeType:
			// An embedded struct gives its exported fields, even when its type is
			// unexported (as encoding/json and pgx do).
			if err := m.add(sf.Type, index, srid); err != nil {
				return err
			}
			continue
		case !sf.IsExported():
			continue
		}
		name := tag
		if !tagged || tag == "" {
			name = strings.ToLower(sf.Name)
		}
		if err := CheckIdentifier(name); err != nil {
			return fmt.Errorf("%w: field %s.%s: %w", ErrConfig, t.Name(), sf.Name, err)
		}
		f, err := fieldCodec(sf.Type, srid)
		if err != nil {
			return fmt.Errorf("%w: field %s.%s: %w", ErrConfig, t.Name(), sf.Name, err)
		}
		f.name, f.index = name, index
		m.fields = append(m.fields, f)
	}
	return nil
}

// fieldCodec gives a field type's column type and value getter. Pointers are nullable:
// a nil pointer is NULL.
func fieldCodec(t reflect.Type, srid int) (structField, error) {
	if t.Kind() == reflect.Pointer && t.Elem() != geomType {
		f, err := fieldCodec(t.Elem(), srid)
		get := f.get
		f.get = func(v reflect.Value, srid int) (any, error) {
			if v.IsNil() {
				return nil, nil
			}
			return get(v.Elem(), srid)
		}
		return f, err
	}
	plain := func(v reflect.Value, _ int) (any, error) { return v.Interface(), nil }
	switch {
	case t == timeType:
		return structField{sqlType: "timestamp with time zone", get: plain}, nil
	case t == rawJSONType:
		return structField{sqlType: "jsonb", get: func(v reflect.Value, _ int) (any, error) {
			if v.IsNil() {
				return nil, nil
			}
			return string(v.Bytes()), nil
		}}, nil
	case t == bytesType:
		return structField{sqlType: "bytea", get: plain}, nil
	case t.Implements(geomType):
		return structField{sqlType: fmt.Sprintf("geometry(%s,%d)", geometryName(t), srid), get: geometryValue}, nil
	}
	switch t.Kind() {
	case reflect.Int64, reflect.Int:
		return structField{sqlType: "bigint", intKey: true, get: func(v reflect.Value, _ int) (any, error) { return v.Int(), nil }}, nil
	case reflect.Int32:
		return structField{sqlType: "integer", intKey: true, get: func(v reflect.Value, _ int) (any, error) { return int32(v.Int()), nil }}, nil
	case reflect.Int16, reflect.Int8:
		return structField{sqlType: "smallint", intKey: true, get: func(v reflect.Value, _ int) (any, error) { return int16(v.Int()), nil }}, nil
	case reflect.Uint32, reflect.Uint16, reflect.Uint8:
		return structField{sqlType: "bigint", intKey: true, get: func(v reflect.Value, _ int) (any, error) { return int64(v.Uint()), nil }}, nil
	case reflect.String:
		return structField{sqlType: "text", get: func(v reflect.Value, _ int) (any, error) { return v.String(), nil }}, nil
	case reflect.Bool:
		return structField{sqlType: "boolean", get: func(v reflect.Value, _ int) (any, error) { return v.Bool(), nil }}, nil
	case reflect.Float64:
		return structField{sqlType: "double precision", get: func(v reflect.Value, _ int) (any, error) { return v.Float(), nil }}, nil
	case reflect.Float32:
		return structField{sqlType: "real", get: func(v reflect.Value, _ int) (any, error) { return float32(v.Float()), nil }}, nil
	}
	return structField{}, fmt.Errorf("type %s has no column type (use one of int, int64, int32, int16, string, bool, float64, float32, time.Time, []byte, json.RawMessage, an orb geometry, or a pointer to one)", t)
}

// geometryName is the PostGIS geometry type of an orb type.
func geometryName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[orb.Point]():
		return "Point"
	case reflect.TypeFor[orb.MultiPoint]():
		return "MultiPoint"
	case reflect.TypeFor[orb.LineString]():
		return "LineString"
	case reflect.TypeFor[orb.MultiLineString]():
		return "MultiLineString"
	case reflect.TypeFor[orb.Polygon]():
		return "Polygon"
	case reflect.TypeFor[orb.MultiPolygon]():
		return "MultiPolygon"
	case reflect.TypeFor[orb.Collection]():
		return "GeometryCollection"
	}
	return "Geometry"
}

// geometryValue encodes an orb geometry as EWKB with the load's SRID (a nil geometry is
// NULL).
func geometryValue(v reflect.Value, srid int) (any, error) {
	if v.Kind() == reflect.Interface && v.IsNil() {
		return nil, nil
	}
	g, _ := v.Interface().(orb.Geometry)
	if g == nil {
		return nil, nil
	}
	return geo.EncodeEWKB(g, srid)
}

// columns returns the struct's columns, typed for CREATE TABLE, with types overriding.
func (m *structMap) columns(types map[string]string) []Column {
	cols := make([]Column, len(m.fields))
	for i, f := range m.fields {
		cols[i] = Column{Name: f.name, Type: f.sqlType}
		if t, ok := types[f.name]; ok {
			cols[i].Type = t
		}
	}
	return cols
}

// names returns the struct's column names in field order.
func (m *structMap) names() []string {
	names := make([]string, len(m.fields))
	for i, f := range m.fields {
		names[i] = f.name
	}
	return names
}

// foldName is a name as struct fields match columns: case and underscores ignored.
func foldName(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "") }

// bind orders the fields as the resolved table columns (cols, the input's order mapped
// onto the table) and returns the Values function of the typed COPY path.
func (m *structMap) bind(cols []Column, srid int) (func(v reflect.Value, dst []any) ([]any, error), []structField, error) {
	fields := make([]structField, len(cols))
	for i, col := range cols {
		j := -1
		for k, f := range m.fields {
			if foldName(f.name) == foldName(col.Name) {
				j = k
				break
			}
		}
		if j < 0 {
			return nil, nil, fmt.Errorf("%w: column %q has no field in %s", ErrConfig, col.Name, m.typ)
		}
		fields[i] = m.fields[j]
	}
	values := func(v reflect.Value, dst []any) ([]any, error) {
		for _, f := range fields {
			x, err := f.get(v.FieldByIndex(f.index), srid)
			if err != nil {
				return dst, fmt.Errorf("column %s: %w", f.name, err)
			}
			dst = append(dst, x)
		}
		return dst, nil
	}
	return values, fields, nil
}

// keyHash returns a row's partition key for key affinity: a hash of its key fields'
// values, equal for equal keys.
func keyHash(fields []structField, seed maphash.Seed) func(v reflect.Value) uint64 {
	return func(v reflect.Value) uint64 {
		var h maphash.Hash
		h.SetSeed(seed)
		for _, f := range fields {
			fv := v.FieldByIndex(f.index)
			for fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					h.WriteByte(0xff)
					break
				}
				fv = fv.Elem()
			}
			switch fv.Kind() { // no formatting on the common kinds: this runs per row
			case reflect.String:
				h.WriteString(fv.String())
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				maphash.WriteComparable(&h, fv.Int())
			default:
				fmt.Fprint(&h, fv.Interface())
			}
			h.WriteByte(0xfe)
		}
		return h.Sum64()
	}
}
