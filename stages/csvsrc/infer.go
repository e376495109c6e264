package csvsrc

import (
	"strconv"
	"strings"
	"time"
)

// PostgreSQL types that [InferTypes] returns.
const (
	TypeBigint      = "bigint"
	TypeNumeric     = "numeric"
	TypeDouble      = "double precision"
	TypeBoolean     = "boolean"
	TypeDate        = "date"
	TypeTimestamptz = "timestamptz"
	TypeText        = "text"
)

// candidate types, in order of preference: the first that accepts every non-NULL
// value of a column wins.
const (
	candBigint = 1 << iota
	candNumeric
	candDouble
	candBoolean
	candDate
	candTimestamptz
	candAll = candBigint | candNumeric | candDouble | candBoolean | candDate | candTimestamptz
)

var candNames = []struct {
	bit  int
	name string
}{
	{candBigint, TypeBigint}, {candNumeric, TypeNumeric}, {candDouble, TypeDouble},
	{candBoolean, TypeBoolean}, {candDate, TypeDate}, {candTimestamptz, TypeTimestamptz},
}

// InferTypes infers a PostgreSQL type for each of ncols columns from a sample of
// records with parsed Fields (for example the first 1,000 from [Source.Sample]).
//
// A column gets the first of these types that accepts every non-NULL value in the
// sample, the way PostgreSQL's input functions would read them:
//
//   - bigint: an optional sign and decimal digits, in the int64 range;
//   - numeric: integers beyond the int64 range;
//   - double precision: decimal numbers with a fraction or exponent, Infinity, NaN;
//   - boolean: t, f, true, false, yes, no, on, off, 1, 0 in any case (a column of
//     only 0 and 1 is bigint);
//   - date: 2006-01-02;
//   - timestamptz: RFC 3339 (2006-01-02T15:04:05Z07:00) or 2006-01-02 15:04:05 with
//     an optional fraction and zone (±hh, ±hh:mm, ±hhmm, Z); a column mixing dates and
//     timestamps is timestamptz;
//   - text otherwise, and for a column that is NULL throughout the sample.
//
// An empty (quoted) string makes a column text. Records with fewer fields than ncols
// leave the missing columns unconstrained.
func InferTypes(records []Record, ncols int) []string {
	cand := make([]int, ncols)
	seen := make([]bool, ncols)
	for i := range cand {
		cand[i] = candAll
	}
	for _, r := range records {
		for i, f := range r.Fields {
			if i >= ncols || f == nil || cand[i] == 0 {
				continue
			}
			seen[i] = true
			cand[i] &= accepts(string(f), cand[i])
		}
	}
	types := make([]string, ncols)
	for i, c := range cand {
		types[i] = TypeText
		if !seen[i] {
			continue
		}
		for _, n := range candNames {
			if c&n.bit != 0 {
				types[i] = n.name
				break
			}
		}
	}
	return types
}

// accepts returns the candidate types among cand that accept v.
func accepts(v string, cand int) int {
	var ok int
	if cand&(candBigint|candNumeric|candDouble) != 0 {
		switch numberKind(v) {
		case numInt:
			ok |= candNumeric | candDouble
			if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				ok |= candBigint
			}
		case numFloat:
			ok |= candDouble
		}
	}
	if cand&candBoolean != 0 && isBool(v) {
		ok |= candBoolean
	}
	if cand&(candDate|candTimestamptz) != 0 {
		switch {
		case isDate(v):
			ok |= candDate | candTimestamptz
		case isTimestamp(v):
			ok |= candTimestamptz
		}
	}
	return ok & cand
}

type numKind int

const (
	numNone numKind = iota
	numInt
	numFloat
)

// numberKind tells a decimal integer from another number float8in accepts. It refuses
// hexadecimal, underscores and surrounding spaces, which PostgreSQL 15 either refuses
// or reads differently.
func numberKind(v string) numKind {
	s := strings.TrimLeft(v, "+-")
	if len(v)-len(s) > 1 {
		return numNone
	}
	switch strings.ToLower(s) {
	case "infinity", "inf", "nan":
		if strings.EqualFold(s, "nan") && s != v {
			return numNone // no signed NaN
		}
		return numFloat
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && digits > 0 && !exp:
			exp = true
			if i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-') {
				i++
			}
			if i+1 >= len(s) {
				return numNone
			}
			digits = 0 // the exponent needs digits of its own
		default:
			return numNone
		}
	}
	switch {
	case digits == 0:
		return numNone
	case dot || exp:
		return numFloat
	}
	return numInt
}

// isBool reports whether v is one of boolin's full spellings.
func isBool(v string) bool {
	switch strings.ToLower(v) {
	case "t", "f", "true", "false", "yes", "no", "on", "off", "1", "0":
		return true
	}
	return false
}

func isDate(v string) bool {
	if len(v) != len("2006-01-02") {
		return false
	}
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

// timestampLayouts are the layouts isTimestamp accepts; time.Parse accepts an optional
// fraction after the seconds in each.
var timestampLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05Z0700",
}

func isTimestamp(v string) bool {
	if len(v) < len("2006-01-02 15:04:05") || (v[10] != ' ' && v[10] != 'T') {
		return false
	}
	for _, l := range timestampLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true
		}
	}
	return false
}
