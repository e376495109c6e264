package copybin_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tmimport/tmimport/pgio/copybin"
)

// fuzzTypes are the encodings FuzzAppendRow exercises, picked by its typ argument.
var fuzzTypes = []string{"smallint", "integer", "bigint", "real", "double precision", "boolean", "text",
	"jsonb", "uuid", "date", "timestamp without time zone", "timestamp with time zone"}

// FuzzAppendRow encodes the record ("x", v) for a column type picked by typ: it must
// never panic, must refuse only with a *ConvertError naming column 1, and when it
// accepts, must append exactly one well-formed tuple after dst's old contents whose
// value agrees with an independent reading of v (strconv, time.Parse, hex).
func FuzzAppendRow(f *testing.F) {
	for i, v := range []string{"-32768", "2147483647", "9223372036854775807", "1.00000005960464477539062500001",
		"-1e-320", "of", "héllo", `{"a":[1,2]}`, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "2024-02-29",
		"2019-05-06 10:11:12.123456", "2019-05-06T10:11:12.5-03:30"} {
		f.Add(uint8(i), []byte(v), false)
	}
	encs := make([]*copybin.Encoder, len(fuzzTypes))
	for i, typ := range fuzzTypes {
		var err error
		if encs[i], err = copybin.NewEncoder([]string{"text", typ}); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, v []byte, null bool) {
		k := int(typ) % len(fuzzTypes)
		field := v
		if null {
			field = nil
		}
		prefix := []byte("keep")
		out, err := encs[k].AppendRow(prefix, [][]byte{[]byte("x"), field})
		if err != nil {
			var ce *copybin.ConvertError
			if !errors.As(err, &ce) || !errors.Is(err, copybin.ErrNotConvertible) || ce.Column != 1 {
				t.Fatalf("%s %q: unexpected error %v", fuzzTypes[k], v, err)
			}
			return
		}
		if !bytes.HasPrefix(out, []byte("keep\x00\x02\x00\x00\x00\x01x")) {
			t.Fatalf("%s %q: bad start % x", fuzzTypes[k], v, out)
		}
		rest := out[len("keep\x00\x02\x00\x00\x00\x01x"):]
		if len(rest) < 4 {
			t.Fatalf("%s %q: truncated tuple % x", fuzzTypes[k], v, out)
		}
		n := int32(binary.BigEndian.Uint32(rest))
		payload := rest[4:]
		switch {
		case null && n == -1 && len(payload) == 0:
			return
		case null || n < 0 || int(n) != len(payload):
			t.Fatalf("%s %q: length %d, payload % x", fuzzTypes[k], v, n, payload)
		}
		if msg := checkPayload(fuzzTypes[k], string(v), payload); msg != "" {
			t.Fatalf("%s %q: %s (payload % x)", fuzzTypes[k], v, msg, payload)
		}
	})
}

// cTrim trims C isspace characters.
func cTrim(s string) string { return strings.Trim(s, " \t\n\v\f\r") }

// checkPayload compares an accepted value's payload with an independent reading of
// its text, returning what disagrees.
func checkPayload(typ, v string, p []byte) string {
	size := map[string]int{"smallint": 2, "integer": 4, "bigint": 8, "real": 4, "double precision": 8,
		"boolean": 1, "uuid": 16, "date": 4, "timestamp without time zone": 8, "timestamp with time zone": 8}
	if want, ok := size[typ]; ok && len(p) != want {
		return "wrong size"
	}
	switch typ {
	case "smallint", "integer", "bigint":
		want, err := strconv.ParseInt(cTrim(v), 10, len(p)*8)
		got := int64(binary.BigEndian.Uint64(append(make([]byte, 8-len(p)), p...))) << (64 - len(p)*8) >> (64 - len(p)*8)
		if err != nil || got != want {
			return "integer disagrees with strconv.ParseInt"
		}
	case "real", "double precision":
		return checkFloat(v, p)
	case "boolean":
		if p[0] > 1 {
			return "boolean byte out of range"
		}
	case "text":
		if string(p) != v {
			return "text changed"
		}
	case "jsonb":
		if p[0] != 1 || string(p[1:]) != v {
			return "jsonb is not version 1 + text"
		}
	case "uuid":
		want := strings.ToLower(strings.NewReplacer("-", "", "{", "", "}", "").Replace(v))
		if hex.EncodeToString(p) != want {
			return "uuid disagrees with its hex digits"
		}
	case "date":
		d, err := time.Parse("2006-01-02", v)
		if err != nil || int64(int32(binary.BigEndian.Uint32(p))) != (d.Unix()-pgEpoch.Unix())/86400 {
			return "date disagrees with time.Parse"
		}
	default:
		return checkTimestamp(v, p)
	}
	return ""
}

// checkFloat compares a float payload with strconv.ParseFloat.
func checkFloat(v string, p []byte) string {
	var got float64
	if len(p) == 4 {
		got = float64(math.Float32frombits(binary.BigEndian.Uint32(p)))
	} else {
		got = math.Float64frombits(binary.BigEndian.Uint64(p))
	}
	want, err := strconv.ParseFloat(cTrim(v), len(p)*8)
	switch {
	case strings.EqualFold(cTrim(v), "nan"):
		if !math.IsNaN(got) {
			return "NaN expected"
		}
	case err != nil:
		return "accepted what strconv.ParseFloat refuses"
	case math.Float64bits(got) != math.Float64bits(want):
		return "float disagrees with strconv.ParseFloat"
	}
	return ""
}

// checkTimestamp compares a timestamp payload with time.Parse, after mapping the forms
// time.Parse spells differently (t, z) onto its own.
func checkTimestamp(v string, p []byte) string {
	got := int64(binary.BigEndian.Uint64(p))
	s := []byte(v)
	if len(s) > 10 {
		s[10] = ' '
	}
	if s[len(s)-1] == 'z' {
		s[len(s)-1] = 'Z'
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05-07", "2006-01-02 15:04:05-0700"} {
		if ts, err := time.Parse(layout, string(s)); err == nil {
			if ts.UnixMicro()-pgEpoch.UnixMicro() != got {
				return "timestamp disagrees with time.Parse"
			}
			return ""
		}
	}
	return "accepted what time.Parse refuses"
}
