package stages

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
)

// Enum is an explicit table from integer codes to labels, such as Tasking Manager's
// TaskStatus codes and the labels of TM-Admin's taskstatus type:
//
//	var TaskStatus = stages.Enum{Labels: map[int64]string{
//		0: "READY", 1: "TASK_LOCKED_FOR_MAPPING", 2: "TASK_STATUS_MAPPED",
//		3: "TASK_LOCKED_FOR_VALIDATION", 4: "TASK_VALIDATED", 5: "TASK_INVALIDATED",
//		6: "BAD", 7: "SPLIT",
//	}}
//
// There is no default label: a code missing from Labels is an error.
type Enum struct {
	// Labels maps every known code to its label. Required, and no label may be empty.
	Labels map[int64]string
	// Aliases maps names that the input may hold to labels of the table, for sources
	// that store names differing from the target's labels (TM's "MAPPED" for TM-Admin's
	// "TASK_STATUS_MAPPED"). Every value must be one of the Labels. Defaults to none.
	Aliases map[string]string
}

// EnumError is the reason a row was rejected by [EnumMap]: its code is not in the
// table, or is not a code at all.
type EnumError struct {
	// Column names the column being mapped.
	Column string
	// Code is the value read from the row.
	Code any

	known    string // "1=BEGINNER, 2=INTERMEDIATE, …"
	notACode bool   // Code is neither an integer nor a string
}

// Error names the column and the code and lists the known codes, e.g.
// column "mapping_level": unknown code 7 (known: 1=BEGINNER, 2=INTERMEDIATE, 3=ADVANCED).
func (e *EnumError) Error() string {
	if e.notACode {
		return fmt.Sprintf("column %q: code %v of type %T is neither an integer nor a label name", e.Column, e.Code, e.Code)
	}
	code := fmt.Sprint(e.Code)
	if s, ok := e.Code.(string); ok {
		code = strconv.Quote(s)
	}
	return fmt.Sprintf("column %q: unknown code %s (known: %s)", e.Column, code, e.known)
}

// EnumMap returns a stage that maps the enum code of every row to its label with the
// table e, and stores the label with set. column names the column in rejects.
//
// get returns the row's code. It may be any integer type (including named ones such
// as type Status int32), an integral float (numbers decoded from JSON), a string
// holding a decimal code or a name, a []byte, a pointer to one of these, or a
// [driver.Valuer] such as sql.NullInt64. A name matches a label, or a key of
// e.Aliases, case-insensitively and maps to the canonical label; surrounding spaces
// are ignored.
//
// A nil code (nil, a nil pointer, an invalid sql.Null*) is NULL: set is not called
// and the row goes on unchanged, so NULL stays NULL. Every other code that the table
// does not know rejects the row with an *[EnumError], carrying the row's position and
// column; there is never a silent default.
//
// EnumMap panics if column is empty, get or set is nil, or e is not a valid table.
func EnumMap[T any](column string, e Enum, get func(T) any, set func(*T, string)) pipeline.Stage[T] {
	mustFunc(get == nil || set == nil, "EnumMap")
	t := newEnumTable(column, e)
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		var failed []rowError
		for i := range b.Rows {
			label, null, err := t.label(get(b.Rows[i]))
			switch {
			case err != nil:
				failed = append(failed, rowError{i: i, err: err})
			case !null:
				set(&b.Rows[i], label)
			}
		}
		b.Touch()
		rejectRows(b, failed, column)
		return nil
	})
}

// EnumMapEach is [EnumMap] for array columns, such as TM's projects.mapping_types
// (int[] of MappingTypes codes) becoming TM-Admin's mappingtypes[]: it maps every code
// of the row's array, in order, and stores the labels with set (a new slice per row).
// Codes are read as by EnumMap. A nil array is NULL and left unchanged; a NULL or
// unknown element rejects the row.
func EnumMapEach[T, C any](column string, e Enum, get func(T) []C, set func(*T, []string)) pipeline.Stage[T] {
	mustFunc(get == nil || set == nil, "EnumMapEach")
	t := newEnumTable(column, e)
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		var failed []rowError
		for i := range b.Rows {
			codes := get(b.Rows[i])
			if codes == nil {
				continue
			}
			labels, err := mapCodes(t, codes)
			if err != nil {
				failed = append(failed, rowError{i: i, err: err})
				continue
			}
			set(&b.Rows[i], labels)
		}
		b.Touch()
		rejectRows(b, failed, column)
		return nil
	})
}

// mapCodes maps the codes of one array.
func mapCodes[C any](t *enumTable, codes []C) ([]string, error) {
	out := make([]string, len(codes))
	for j, c := range codes {
		label, null, err := t.label(c)
		switch {
		case err != nil:
			return nil, err
		case null:
			return nil, fmt.Errorf("column %q: element %d is NULL", t.column, j)
		}
		out[j] = label
	}
	return out, nil
}

// enumTable is an Enum prepared for lookups by one EnumMap stage. It is read-only
// after construction, so workers share it without locks.
type enumTable struct {
	column string
	codes  map[int64]string
	names  map[string]string // label, alias and their upper-case forms → label
	known  string
}

func newEnumTable(column string, e Enum) *enumTable {
	if column == "" {
		panic("stages: EnumMap needs a column name")
	}
	if len(e.Labels) == 0 {
		panic(fmt.Sprintf("stages: EnumMap %q: Enum.Labels is empty", column))
	}
	t := &enumTable{column: column, codes: e.Labels, names: make(map[string]string)}
	codes := make([]int64, 0, len(e.Labels))
	for code, label := range e.Labels {
		if label == "" {
			panic(fmt.Sprintf("stages: EnumMap %q: Enum.Labels[%d] is empty", column, code))
		}
		t.addName(label, label)
		codes = append(codes, code)
	}
	for alias, label := range e.Aliases {
		if _, ok := t.names[label]; !ok || alias == "" {
			panic(fmt.Sprintf("stages: EnumMap %q: Enum.Aliases[%q] = %q is not one of the labels", column, alias, label))
		}
		t.addName(alias, label)
	}
	slices.Sort(codes)
	known := make([]string, len(codes))
	for i, c := range codes {
		known[i] = fmt.Sprintf("%d=%s", c, e.Labels[c])
	}
	t.known = strings.Join(known, ", ")
	return t
}

func (t *enumTable) addName(name, label string) {
	t.names[name] = label
	t.names[strings.ToUpper(name)] = label
}

// label maps one code. null reports a NULL code.
func (t *enumTable) label(code any) (label string, null bool, err error) {
	switch c := code.(type) {
	case nil:
		return "", true, nil
	case int64:
		return t.byCode(c, code)
	case int:
		return t.byCode(int64(c), code)
	case int32:
		return t.byCode(int64(c), code)
	case string:
		return t.byString(c, code)
	case []byte:
		s := string(c)
		return t.byString(s, s)
	case driver.Valuer:
		return t.byValuer(c, code)
	}
	return t.byReflect(reflect.ValueOf(code), code)
}

func (t *enumTable) byCode(n int64, code any) (string, bool, error) {
	if label, ok := t.codes[n]; ok {
		return label, false, nil
	}
	return "", false, t.unknown(code)
}

func (t *enumTable) byString(s string, code any) (string, bool, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return t.byCode(n, code)
	}
	if label, ok := t.names[s]; ok {
		return label, false, nil
	}
	if label, ok := t.names[strings.ToUpper(s)]; ok {
		return label, false, nil
	}
	return "", false, t.unknown(code)
}

func (t *enumTable) byValuer(v driver.Valuer, code any) (string, bool, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return "", true, nil
	}
	val, err := v.Value()
	if err != nil {
		return "", false, fmt.Errorf("column %q: reading code %v: %w", t.column, code, err)
	}
	if _, again := val.(driver.Valuer); again { // a driver.Value is never a Valuer; don't loop
		return "", false, &EnumError{Column: t.column, Code: code, notACode: true}
	}
	return t.label(val)
}

// byReflect handles named integer, float and string types and pointers.
func (t *enumTable) byReflect(v reflect.Value, code any) (string, bool, error) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "", true, nil
		}
		return t.label(v.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return t.byCode(v.Int(), code)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := v.Uint(); u <= math.MaxInt64 {
			return t.byCode(int64(u), code)
		}
		return "", false, t.unknown(code)
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return t.byCode(int64(f), code)
		}
	case reflect.String:
		return t.byString(v.String(), code)
	}
	return "", false, &EnumError{Column: t.column, Code: code, notACode: true}
}

func (t *enumTable) unknown(code any) error {
	return &EnumError{Column: t.column, Code: code, known: t.known}
}
