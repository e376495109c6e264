package copybin

import (
	"math"
	"strconv"
)

// isSpace is C's isspace for ASCII, which PostgreSQL's number and boolean input
// functions skip around the value. Other bytes are never treated as space here: a
// locale that calls them space would only make the server accept more, which the CSV
// fallback handles.
func isSpace(c byte) bool { return c == ' ' || c-'\t' <= '\r'-'\t' }

// trimSpace cuts isSpace bytes from both ends of b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseInt parses an integer of the given bit size as PostgreSQL 15's
// pg_strtoint16/32/64 do: space, an optional sign, decimal digits, space. Out-of-range
// values are refused (the server rejects them).
func parseInt(b []byte, bits uint) (int64, bool) {
	b = trimSpace(b)
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	limit := uint64(1)<<(bits-1) - 1 // the largest magnitude, one more when negative
	if neg {
		limit++
	}
	var u uint64
	if len(b) <= 18 { // cannot overflow uint64: check the range once at the end
		for _, c := range b {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			u = u*10 + uint64(d)
		}
	} else {
		for _, c := range b {
			d := uint64(c - '0')
			if d > 9 || u > (limit-d)/10 {
				return 0, false
			}
			u = u*10 + d
		}
	}
	if u > limit {
		return 0, false
	}
	if neg {
		return -int64(u), true // wraps to math.MinInt64 for u = 1<<63, as it should
	}
	return int64(u), true
}

// NaN bit patterns that glibc's strtod and strtof return for "nan" (a positive quiet
// NaN with an empty payload); Go's math.NaN has a different payload.
const (
	nan8 = 0x7ff8000000000000
	nan4 = 0x7fc00000
)

// maxFloatLen bounds the literals handed to strconv.ParseFloat, far inside the range
// where it is exactly rounded however many digits it is given.
const maxFloatLen = 200

// parseFloat8 parses a double precision literal as PostgreSQL 15's float8in does with
// glibc's strtod, returning its IEEE 754 bits.
func parseFloat8(b []byte) (uint64, bool) {
	f, nan, ok := parseFloat(b, 64)
	if nan {
		return nan8, true
	}
	return math.Float64bits(f), ok
}

// parseFloat4 parses a real literal as PostgreSQL 15's float4in does with glibc's
// strtof (rounding once, to float32), returning its IEEE 754 bits.
func parseFloat4(b []byte) (uint32, bool) {
	f, nan, ok := parseFloat(b, 32)
	if nan {
		return nan4, true
	}
	return math.Float32bits(float32(f)), ok
}

// parseFloat parses a literal of floatSyntax rounded once to bitSize (64 or 32) bits,
// or reports NaN, whose bits its callers choose.
func parseFloat(b []byte, bitSize int) (f float64, nan, ok bool) {
	s, special, nonzero, ok := floatSyntax(b)
	switch {
	case !ok:
		return 0, false, false
	case special == 'n':
		return 0, true, true
	case special != 0:
		return math.Inf(infSign(special)), false, true
	}
	f, err := strconv.ParseFloat(string(s), bitSize) // no allocation: s does not escape
	if err != nil || f == 0 && nonzero || math.IsInf(f, 0) {
		return 0, false, false // overflow or underflow: float8in's and float4in's "out of range"
	}
	return f, false, true
}

// floatSyntax checks b, space-trimmed, against the forms both strtod and
// strconv.ParseFloat read the same way: a decimal literal
// [+-]?(digits[.digits]|.digits)([eE][+-]?digits)? (at most 4 exponent digits, at most
// maxFloatLen bytes), returned as s with nonzero telling
// whether its mantissa has a non-zero digit; or a special value, reported as special:
// 'n' for NaN (no sign: glibc gives "-nan" the sign bit), '+' or '-' for an infinity
// spelled inf or infinity in any case. Hexadecimal, underscores and NaN payloads are
// refused.
func floatSyntax(b []byte) (s []byte, special byte, nonzero, ok bool) {
	b = trimSpace(b)
	if len(b) == 0 || len(b) > maxFloatLen {
		return nil, 0, false, false
	}
	i := 0
	sign := byte('+')
	if b[0] == '+' || b[0] == '-' {
		sign = b[0]
		i++
	}
	if i < len(b) && b[i]|0x20 >= 'a' && b[i]|0x20 <= 'z' {
		switch word := lowerASCII(b[i:]); {
		case word == "nan" && i == 0:
			return nil, 'n', false, true
		case word == "inf" || word == "infinity":
			return nil, sign, false, true
		}
		return nil, 0, false, false
	}
	mantissa := i
	for ; i < len(b) && b[i]-'0' <= 9; i++ {
		nonzero = nonzero || b[i] != '0'
	}
	digits := i - mantissa
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i]-'0' <= 9; i++ {
			nonzero = nonzero || b[i] != '0'
		}
		digits = i - mantissa - 1
	}
	if digits == 0 {
		return nil, 0, false, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && b[i]-'0' <= 9 {
			i++
		}
		if i == start || i-start > 4 { // a longer exponent is left to the server
			return nil, 0, false, false
		}
	}
	if i != len(b) {
		return nil, 0, false, false
	}
	return b, 0, nonzero, true
}

// infSign is math.Inf's sign argument for floatSyntax's special '+' or '-'.
func infSign(special byte) int {
	if special == '-' {
		return -1
	}
	return 1
}

// lowerASCII returns b lower-cased if it is at most 8 ASCII letters, else "".
func lowerASCII(b []byte) string {
	var buf [8]byte
	if len(b) > len(buf) {
		return ""
	}
	for i, c := range b {
		if c|0x20 < 'a' || c|0x20 > 'z' {
			return ""
		}
		buf[i] = c | 0x20
	}
	return string(buf[:len(b)])
}

// parseBool parses a boolean exactly as PostgreSQL's boolin and parse_bool_with_len do:
// after trimming space, any case-insensitive prefix of true, false, yes or no, a prefix
// of on or off of at least two letters, or 1 or 0. It returns 1 for true, 0 for false.
func parseBool(b []byte) (byte, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	var word string
	var v byte
	switch b[0] | 0x20 {
	case 't':
		word, v = "true", 1
	case 'f':
		word, v = "false", 0
	case 'y':
		word, v = "yes", 1
	case 'n':
		word, v = "no", 0
	case 'o':
		if len(b) < 2 { // "o" is ambiguous
			return 0, false
		}
		word, v = "on", 1
		if b[1]|0x20 == 'f' {
			word, v = "off", 0
		}
	default:
		if len(b) == 1 && (b[0] == '1' || b[0] == '0') {
			return b[0] - '0', true
		}
		return 0, false
	}
	if len(b) > len(word) {
		return 0, false
	}
	for i, c := range b {
		if c|0x20 != word[i] { // word is lower-case letters, which only letters map onto
			return 0, false
		}
	}
	return v, true
}

// IntParser returns, for an integer column type (smallint, integer or bigint, as
// format_type prints them, or their int2/int4/int8 aliases), a function that reads a
// text field as PostgreSQL 15's input function does, refusing what it refuses (newer
// servers also accept 0x10 and 1_000, which it refuses: the safe direction). ok is false
// for other types.
func IntParser(typ string) (parse func(field []byte) (int64, bool), ok bool) {
	k, ok := kinds[typ]
	if !ok {
		return nil, false
	}
	var bits uint
	switch k {
	case kindInt2:
		bits = 16
	case kindInt4:
		bits = 32
	case kindInt8:
		bits = 64
	default:
		return nil, false
	}
	return func(field []byte) (int64, bool) { return parseInt(field, bits) }, true
}
