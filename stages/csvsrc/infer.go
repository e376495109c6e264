package csvsrc

import (
	"fmt"
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
	TypeTimestamp   = "timestamp"
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
	candTimestamp
	candTimestamptz
	candAll = candBigint | candNumeric | candDouble | candBoolean | candDate | candTimestamp | candTimestamptz
)

var candNames = []struct {
	bit  int
	name string
}{
	{candBigint, TypeBigint}, {candNumeric, TypeNumeric}, {candDouble, TypeDouble},
	{candBoolean, TypeBoolean}, {candDate, TypeDate}, {candTimestamp, TypeTimestamp},
	{candTimestamptz, TypeTimestamptz},
}

// InferTypes infers a PostgreSQL type for each of ncols columns from a sample of
// records with parsed Fields (for example the first 1,000 from [Source.Sample]).
//
// A column gets the first of these types that accepts every non-NULL value in the
// sample, the way PostgreSQL's input functions would read them:
//
//   - bigint: an optional minus sign and decimal digits, in the int64 range;
//   - numeric: integers beyond the int64 range;
//   - double precision: decimal numbers with a fraction or exponent, Infinity, NaN;
//   - boolean: t, f, true, false, yes, no, on, off, 1, 0 in any case (a column of
//     only 0 and 1 is bigint);
//   - date: 2006-01-02;
//   - timestamp (without time zone): 2006-01-02 15:04:05 or 2006-01-02T15:04:05, with
//     an optional fraction and no zone; a column mixing dates and such timestamps is
//     timestamp;
//   - timestamptz: the same with a zone (±hh, ±hh:mm, ±hhmm, Z), as in RFC 3339; a
//     column where any timestamp has a zone is timestamptz (a timestamp column would
//     silently drop the zones; the zone-less values are then read in the session's
//     TimeZone);
//   - text otherwise, and for a column that is NULL throughout the sample.
//
// A number whose text a numeric column would not give back is text: a leading zero
// followed by another digit (zip codes such as 00001, codes such as 007, -01, 00.5) or
// a leading '+' (phone numbers such as +4930…). pandas reads such a column as integers
// and loses the zeros; psql's \copy and ogr2ogr (without AUTODETECT_TYPE) keep text;
// text is the choice that loses nothing. A lone 0 and 0.5 stay numbers.
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
	if cand&(candDate|candTimestamp|candTimestamptz) != 0 {
		if isDate(v) {
			ok |= candDate | candTimestamp | candTimestamptz
		} else if ts, zoned := isTimestamp(v); ts && zoned {
			ok |= candTimestamptz
		} else if ts {
			ok |= candTimestamp | candTimestamptz
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
// or reads differently, and numbers whose text a number column would not keep: a
// leading '+', or a leading zero followed by another digit.
func numberKind(v string) numKind {
	s := strings.TrimPrefix(v, "-")
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		return numNone
	}
	if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
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

// localLayouts and zonedLayouts are the layouts isTimestamp accepts, without and with
// a zone; time.Parse accepts an optional fraction after the seconds in each.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

var zonedLayouts = []string{
	time.RFC3339,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05Z0700",
}

// isTimestamp reports whether v is a timestamp, and whether it has a zone.
func isTimestamp(v string) (ok, zoned bool) {
	if len(v) < len("2006-01-02 15:04:05") || (v[10] != ' ' && v[10] != 'T') {
		return false, false
	}
	for _, l := range localLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true, false
		}
	}
	for _, l := range zonedLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true, true
		}
	}
	return false, false
}

// SampleHint explains a row that the server refused in a column whose type
// [InferTypes] chose from a sample: when the column's inferred type (typ) is not text,
// the refusal is a data exception (SQLSTATE class 22: invalid input syntax, value out
// of range, bad date or time) and the row lies past the sample of sampleRows rows
// (index is the row's 0-based index among the data rows, [pipeline.Pos.Index]), the
// type was inferred too narrow for later data. It returns a hint naming --sample and
// --types, or "" for any other reject.
//
// For example: column "zip" was created as bigint from the first 1000 rows; a later
// value does not fit: re-create the table with a larger --sample (e.g. --sample
// 100000) or name its type with --types zip=text.
func SampleHint(sqlstate, column, typ string, index int64, sampleRows int) string {
	if column == "" || typ == "" || typ == TypeText || !strings.HasPrefix(sqlstate, "22") || index < int64(sampleRows) {
		return ""
	}
	return fmt.Sprintf("column %q was created as %s from the first %d rows; a later value does not fit: "+
		"re-create the table with a larger --sample (e.g. --sample %d) or name its type with --types %s=text",
		column, typ, sampleRows, max(10*sampleRows, 100_000), column)
}
