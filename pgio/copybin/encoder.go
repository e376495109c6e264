package copybin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

var (
	// ErrUnsupported means a column type has no exact binary path here; send CSV.
	ErrUnsupported = errors.New("copybin: unsupported type")
	// ErrNotConvertible means a record holds a field whose text is not in a form this
	// package converts exactly; send the batch as CSV and let the server decide.
	ErrNotConvertible = errors.New("copybin: not convertible")
)

// ConvertError is the error of a field that [Encoder.AppendRow] cannot convert exactly.
// It matches [ErrNotConvertible] with [errors.Is].
type ConvertError struct {
	// Column is the field's index, or -1 when the record has the wrong number of fields.
	Column int
	// Type is the column's type as given to [NewEncoder] (empty when Column is -1).
	Type string
	// Value is the field's text, cut to 64 bytes (when Column is -1, a description of
	// the field count).
	Value string
}

// Error names the column and quotes the value.
func (e *ConvertError) Error() string {
	if e.Column < 0 {
		return fmt.Sprintf("%v: %s", ErrNotConvertible, e.Value)
	}
	return fmt.Sprintf("%v: column %d (%s): %q", ErrNotConvertible, e.Column, e.Type, e.Value)
}

// Unwrap returns [ErrNotConvertible].
func (e *ConvertError) Unwrap() error { return ErrNotConvertible }

// kind is a column's encoding.
type kind uint8

const (
	kindInt2 kind = iota
	kindInt4
	kindInt8
	kindFloat4
	kindFloat8
	kindBool
	kindText // text, varchar, bpchar, json: the bytes as they are
	kindJSONB
	kindUUID
	kindDate
	kindTimestamp
	kindTimestamptz
)

// kinds maps type names (format_type's, and a few aliases) to encodings.
var kinds = map[string]kind{
	"smallint": kindInt2, "int2": kindInt2,
	"integer": kindInt4, "int": kindInt4, "int4": kindInt4,
	"bigint": kindInt8, "int8": kindInt8,
	"real": kindFloat4, "float4": kindFloat4,
	"double precision": kindFloat8, "float8": kindFloat8,
	"boolean": kindBool, "bool": kindBool,
	"text": kindText, "character varying": kindText, "varchar": kindText,
	"bpchar": kindText, "json": kindText,
	"jsonb":                       kindJSONB,
	"uuid":                        kindUUID,
	"date":                        kindDate,
	"timestamp without time zone": kindTimestamp, "timestamp": kindTimestamp,
	"timestamp with time zone": kindTimestamptz, "timestamptz": kindTimestamptz,
}

// Encoder encodes records of text fields into binary COPY tuples for one column list.
// It holds no mutable state: one Encoder may be used by many goroutines at once.
type Encoder struct {
	kinds []kind
	types []string
}

// NewEncoder returns an encoder for columns of the given types, named as PostgreSQL's
// format_type() prints them (see the package documentation for the list). A type
// without an exact binary path, such as numeric, an array or a domain, makes it return
// an error matching [ErrUnsupported] that names the column.
func NewEncoder(types []string) (*Encoder, error) {
	if len(types) > math.MaxInt16 {
		return nil, fmt.Errorf("%w: %d columns", ErrUnsupported, len(types))
	}
	e := &Encoder{kinds: make([]kind, len(types)), types: append([]string(nil), types...)}
	for i, t := range types {
		k, ok := kindOf(t)
		if !ok {
			return nil, fmt.Errorf("column %d: %w %q", i, ErrUnsupported, t)
		}
		e.kinds[i] = k
	}
	return e, nil
}

// kindOf resolves a type name, with the type modifiers whose binary receive function
// applies them exactly as the text input function does (see the package doc).
func kindOf(t string) (kind, bool) {
	if k, ok := kinds[t]; ok {
		return k, true
	}
	for _, base := range []string{"character varying", "varchar", "character", "char"} {
		if typmodArg(t, base, "") {
			return kindText, true
		}
	}
	for _, base := range []string{"timestamp", "timestamptz"} {
		if typmodArg(t, base, "") {
			return kinds[base], true
		}
	}
	if typmodArg(t, "timestamp", " without time zone") {
		return kindTimestamp, true
	}
	if typmodArg(t, "timestamp", " with time zone") {
		return kindTimestamptz, true
	}
	return 0, false
}

// typmodArg reports whether t is base(n)suffix with n a decimal number.
func typmodArg(t, base, suffix string) bool {
	rest, ok := strings.CutPrefix(t, base+"(")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, ")"+suffix)
	if !ok {
		return false
	}
	_, err := strconv.ParseUint(rest, 10, 31)
	return err == nil
}

// header is the binary COPY signature, flags (no OIDs) and header extension length.
var header = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// Header returns the 19-byte binary COPY header that starts the stream. The caller
// must not modify it.
func (e *Encoder) Header() []byte { return header[:len(header):len(header)] }

// Trailer returns the 2-byte trailer (a field count of -1) that ends the stream.
func Trailer() []byte { return []byte{0xff, 0xff} }

// AppendRow appends the binary tuple of one record to dst and returns it. fields holds
// the record's values as text, unquoted exactly as a CSV reader gives them, one per
// column; a nil field is NULL (a non-nil empty field is an empty string). fields is
// only read, and not kept.
//
// When a field's text is not in a form the encoder converts exactly, or the record
// does not have one field per column, AppendRow returns a *[ConvertError] matching
// [ErrNotConvertible]; the returned slice then holds an unspecified partial tuple, so
// keep dst (or cut the result back to len(dst)). AppendRow does not allocate unless dst
// must grow or it fails.
func (e *Encoder) AppendRow(dst []byte, fields [][]byte) ([]byte, error) {
	if len(fields) != len(e.kinds) {
		return dst, &ConvertError{Column: -1,
			Value: fmt.Sprintf("record has %d fields, want %d", len(fields), len(e.kinds))}
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(fields)))
	for i, f := range fields {
		var ok bool
		if f == nil {
			dst, ok = append(dst, 0xff, 0xff, 0xff, 0xff), true
		} else {
			dst, ok = appendField(dst, e.kinds[i], f)
		}
		if !ok {
			return dst, e.convertError(i, f)
		}
	}
	return dst, nil
}

// appendField appends the length and send format of one non-NULL field, or reports
// false when its text is not convertible.
func appendField(dst []byte, k kind, f []byte) ([]byte, bool) {
	switch k {
	case kindText:
		return appendText(dst, f, false)
	case kindInt8:
		v, ok := parseInt(f, 64)
		return binary.BigEndian.AppendUint64(append(dst, 0, 0, 0, 8), uint64(v)), ok
	case kindInt4:
		v, ok := parseInt(f, 32)
		return binary.BigEndian.AppendUint32(append(dst, 0, 0, 0, 4), uint32(v)), ok
	case kindInt2:
		v, ok := parseInt(f, 16)
		return binary.BigEndian.AppendUint16(append(dst, 0, 0, 0, 2), uint16(v)), ok
	case kindTimestamp, kindTimestamptz:
		v, ok := parseTimestamp(f, k == kindTimestamptz)
		return binary.BigEndian.AppendUint64(append(dst, 0, 0, 0, 8), uint64(v)), ok
	case kindDate:
		v, ok := parseDate(f)
		return binary.BigEndian.AppendUint32(append(dst, 0, 0, 0, 4), uint32(v)), ok
	case kindFloat8:
		v, ok := parseFloat8(f)
		return binary.BigEndian.AppendUint64(append(dst, 0, 0, 0, 8), v), ok
	case kindFloat4:
		v, ok := parseFloat4(f)
		return binary.BigEndian.AppendUint32(append(dst, 0, 0, 0, 4), v), ok
	case kindBool:
		v, ok := parseBool(f)
		return append(dst, 0, 0, 0, 1, v), ok
	case kindJSONB:
		return appendText(dst, f, true)
	case kindUUID:
		return appendUUID(dst, f)
	}
	return dst, false
}

// appendText appends f as a text-like value, behind the jsonb version byte when jsonb
// is set. Text cannot hold NUL, and the CSV path reports it best, so NUL is refused.
// The bytes are not checked against the encoding: the server validates them as it
// receives them, as it does CSV.
func appendText(dst, f []byte, jsonb bool) ([]byte, bool) {
	n := len(f)
	if jsonb {
		n++
	}
	if n > math.MaxInt32 || bytes.IndexByte(f, 0) >= 0 {
		return dst, false
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	if jsonb {
		dst = append(dst, 1)
	}
	return append(dst, f...), true
}

// convertError describes field i (text f) that could not be converted.
func (e *Encoder) convertError(i int, f []byte) error {
	const maxValue = 64
	if len(f) > maxValue {
		f = f[:maxValue]
	}
	return &ConvertError{Column: i, Type: e.types[i], Value: string(f)}
}
