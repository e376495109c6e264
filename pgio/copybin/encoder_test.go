package copybin_test

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/copybin"
)

// encodeOne encodes v as the only field of a one-column row of type typ and returns the
// field's payload (nil for NULL).
func encodeOne(tb testing.TB, typ string, v []byte) ([]byte, error) {
	tb.Helper()
	enc, err := copybin.NewEncoder([]string{typ})
	require.NoError(tb, err)
	out, err := enc.AppendRow(nil, [][]byte{v})
	if err != nil {
		return nil, err
	}
	require.GreaterOrEqual(tb, len(out), 6)
	require.Equal(tb, uint16(1), binary.BigEndian.Uint16(out))
	n := int32(binary.BigEndian.Uint32(out[2:]))
	if n == -1 {
		require.Len(tb, out, 6)
		return nil, nil
	}
	require.Len(tb, out, 6+int(n))
	return out[6:], nil
}

func be2(v int16) []byte  { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be4(v int32) []byte  { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func be8(v int64) []byte  { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
func f8(v float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)) }
func f4(v float32) []byte { return binary.BigEndian.AppendUint32(nil, math.Float32bits(v)) }

// pgEpoch is PostgreSQL's timestamp epoch.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// usec is the binary timestamp of a wall time in UTC.
func usec(y int, mo time.Month, d, h, mi, s, us int) []byte {
	return be8(time.Date(y, mo, d, h, mi, s, us*1000, time.UTC).UnixMicro() - pgEpoch.UnixMicro())
}

// typeCase lists, for one type, inputs with their payloads and inputs refused.
type typeCase struct {
	typ     string
	ok      map[string][]byte
	refused []string
}

func typeCases() []typeCase {
	uuidBytes := []byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	return []typeCase{{
		typ: "bigint",
		ok: map[string][]byte{
			"0": be8(0), "-0": be8(0), "+0": be8(0), "+5": be8(5), "-5": be8(-5), " 42 ": be8(42),
			"\t\n\v\f\r7\r\n": be8(7), "0042": be8(42),
			"9223372036854775807":           be8(math.MaxInt64),
			"-9223372036854775808":          be8(math.MinInt64),
			"0009223372036854775807":        be8(math.MaxInt64),
			"-0000000000000000000000000001": be8(-1),
			"123456789012345678":            be8(123456789012345678),
			"1234567890123456789":           be8(1234567890123456789),
		},
		refused: []string{"", " ", "+", "-", "9223372036854775808", "-9223372036854775809",
			"99999999999999999999", "18446744073709551616", "1_000", "0x10", "1.0", "1e3", "+-1", "- 1",
			"1 2", "١", "\u00a01", "1\x00", "--1", "1-"},
	}, {
		typ: "integer",
		ok: map[string][]byte{"2147483647": be4(math.MaxInt32), "-2147483648": be4(math.MinInt32),
			"-0": be4(0), " +17\t": be4(17), "000000000000000000000000000012": be4(12)},
		refused: []string{"2147483648", "-2147483649", "9999999999", "", "1.5", "0x1"},
	}, {
		typ:     "smallint",
		ok:      map[string][]byte{"32767": be2(math.MaxInt16), "-32768": be2(math.MinInt16), "7": be2(7)},
		refused: []string{"32768", "-32769", "100000", "", "a"},
	}, {
		typ: "double precision",
		ok: map[string][]byte{
			"1.5": f8(1.5), "-0": f8(math.Copysign(0, -1)), "0": f8(0), ".5": f8(0.5), "5.": f8(5),
			"1e3": f8(1000), "1E+3": f8(1000), "1e-3": f8(0.001), "  3.25\t": f8(3.25), "0.1": f8(0.1),
			"NaN": be8(0x7ff8000000000000), "nan": be8(0x7ff8000000000000), "nAn": be8(0x7ff8000000000000),
			"Infinity": f8(math.Inf(1)), "-Infinity": f8(math.Inf(-1)), "+inf": f8(math.Inf(1)),
			"-INF": f8(math.Inf(-1)), "infinity": f8(math.Inf(1)),
			"1.7976931348623157e308": f8(math.MaxFloat64), "4.9e-324": f8(math.SmallestNonzeroFloat64),
			"0e9999": f8(0), "-0.0e-5": f8(math.Copysign(0, -1)), "123456789012345678901234567890": f8(1.2345678901234568e29),
		},
		refused: []string{"", " ", "1e309", "-1e309", "1e-400", "2e-324", "-nan", "+nan", "nan(1)", "0x1p3", "1_000",
			"1e", "e5", ".", "+", "-", "1.2.3", "infinit", "infinityx", "1e99999", "1e00001", "1,5", "١", "1.5x",
			"1 5", "+-1", ". 5", "inf inity", "1.5\x00", strings.Repeat("1", 201)},
	}, {
		typ: "real",
		ok: map[string][]byte{
			"1.5": f4(1.5), "3.4028235e38": f4(math.MaxFloat32), "0.1": f4(0.1), "16777217": f4(16777216),
			"NaN": be4(0x7fc00000), "-inf": f4(float32(math.Inf(-1))), "-0": f4(float32(math.Copysign(0, -1))),
			"1.4e-45": f4(math.SmallestNonzeroFloat32),
			// Just above the midpoint of 1 and the next float32: strtof rounds up; rounding
			// to float64 first would land on the midpoint and then round to even, down.
			"1.00000005960464477539062500001": be4(0x3f800001),
		},
		refused: []string{"3.5e38", "1e39", "1e-46", "", "0x1p-2"},
	}, {
		typ: "boolean",
		ok: map[string][]byte{
			"t": {1}, "T": {1}, "tr": {1}, "tru": {1}, "true": {1}, "TRUE": {1}, " true ": {1}, "tRuE": {1},
			"f": {0}, "fa": {0}, "fal": {0}, "fals": {0}, "false": {0}, "False": {0},
			"y": {1}, "ye": {1}, "yes": {1}, "\tyes\n": {1}, "n": {0}, "no": {0}, "NO": {0},
			"on": {1}, "ON": {1}, "of": {0}, "off": {0}, "OfF": {0}, "1": {1}, "0": {0}, " 1 ": {1},
		},
		refused: []string{"", " ", "o", "O", "truex", "tru e", "2", "01", "yess", "ona", "offf", "nope", "-1",
			"é", "t\x00", "oN1", "1.0", "yes!", "\x14rue"},
	}, {
		typ: "text",
		ok: map[string][]byte{"": {}, "abc": []byte("abc"), "héllo 😀": []byte("héllo 😀"),
			`a,"b"\c` + "\r\n": []byte(`a,"b"\c` + "\r\n"), "\xff\xfe": []byte("\xff\xfe")},
		refused: []string{"a\x00b", "\x00"},
	}, {
		typ:     "character varying(3)",
		ok:      map[string][]byte{"abcdef": []byte("abcdef"), "": {}},
		refused: []string{"\x00"},
	}, {
		typ:     "character(3)",
		ok:      map[string][]byte{"a": []byte("a")},
		refused: []string{"a\x00"},
	}, {
		typ:     "json",
		ok:      map[string][]byte{`{"a": 1}`: []byte(`{"a": 1}`), "not json": []byte("not json")},
		refused: []string{"{\x00}"},
	}, {
		typ:     "jsonb",
		ok:      map[string][]byte{`{"a": 1}`: []byte("\x01{\"a\": 1}"), "": {1}},
		refused: []string{"{\x00}"},
	}, {
		typ: "uuid",
		ok: map[string][]byte{
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11":    uuidBytes,
			"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11":    uuidBytes,
			"a0eebc999c0b4ef8bb6d6bb9bd380a11":        uuidBytes,
			"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}":  uuidBytes,
			"a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11": uuidBytes,
			"{a0eebc999c0b4ef8bb6d6bb9bd380a11}":      uuidBytes,
			"a0eebc999c0b4ef8-bb6d6bb9bd380a11":       uuidBytes,
		},
		refused: []string{"", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
			"a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}}", "{}", "{", "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-1"},
	}, {
		typ: "date",
		ok: map[string][]byte{
			"2000-01-01": be4(0), "1999-12-31": be4(-1), "2000-03-01": be4(60), "2000-02-29": be4(59),
			"2024-02-29": be4(8825), "1970-01-01": be4(-10957), "0001-01-01": be4(-730119),
			"9999-12-31": be4(2921939), "2019-05-06": be4(7065), "1600-02-29": be4(-146038),
		},
		refused: []string{"2023-02-29", "1900-02-29", "2000-13-01", "2000-00-10", "2000-01-00", "2000-04-31",
			"0000-01-01", "10000-01-01", "2019-5-6", " 2019-05-06", "2019-05-06 ", "2019/05/06", "20190506",
			"infinity", "epoch", "2019-05-06 BC", "06-05-2019", "2019-05-06 10:11:12", "2019-05-0a", "", "+019-05-06"},
	}, {
		typ: "timestamp without time zone",
		ok: map[string][]byte{
			"2000-01-01 00:00:00":        be8(0),
			"2000-01-01T00:00:01":        be8(1_000_000),
			"2000-01-01t00:00:01":        be8(1_000_000),
			"1999-12-31 23:59:59.5":      be8(-500_000),
			"2019-05-06 10:11:12":        usec(2019, 5, 6, 10, 11, 12, 0),
			"2019-05-06 10:11:12.123456": usec(2019, 5, 6, 10, 11, 12, 123456),
			"2019-05-06 10:11:12.1":      usec(2019, 5, 6, 10, 11, 12, 100000),
			"2019-05-06 10:11:12.000001": usec(2019, 5, 6, 10, 11, 12, 1),
			"2019-05-06":                 usec(2019, 5, 6, 0, 0, 0, 0),
			"0001-01-01 00:00:00":        usec(1, 1, 1, 0, 0, 0, 0),
			"9999-12-31 23:59:59.999999": usec(9999, 12, 31, 23, 59, 59, 999999),
			"2024-02-29 12:00:00":        usec(2024, 2, 29, 12, 0, 0, 0),
		},
		refused: []string{"2019-05-06 24:00:00", "2019-05-06 23:59:60", "2019-05-06 10:11:12.1234567",
			"2019-05-06 10:11:12.", "2019-05-06 10:11:12Z", "2019-05-06 10:11:12+02", "2019-05-06 10:11",
			"2019-05-06  10:11:12", " 2019-05-06 10:11:12", "2019-05-06 10:11:12 ", "2019-05-06 1:11:12",
			"infinity", "2019-05-06 10:11:12 BC", "2019-02-29 00:00:00", "2019-05-06 10:60:00",
			"2019-05-06x10:11:12", "2019-05-06 10-11-12", "2019-05-06 10:11:1a", "", "2019-05-06 10:11:12.1.2"},
	}, {
		typ: "timestamp with time zone",
		ok: map[string][]byte{
			"2019-05-06 10:11:12Z":             usec(2019, 5, 6, 10, 11, 12, 0),
			"2019-05-06 10:11:12z":             usec(2019, 5, 6, 10, 11, 12, 0),
			"2019-05-06 10:11:12+02":           usec(2019, 5, 6, 8, 11, 12, 0),
			"2019-05-06 10:11:12-03:30":        usec(2019, 5, 6, 13, 41, 12, 0),
			"2019-05-06 10:11:12+0545":         usec(2019, 5, 6, 4, 26, 12, 0),
			"2019-05-06T10:11:12.5+02:00":      usec(2019, 5, 6, 8, 11, 12, 500000),
			"2019-05-06 10:11:12.123456-15":    usec(2019, 5, 7, 1, 11, 12, 123456),
			"2000-01-01 00:00:00+00":           be8(0),
			"0001-01-01 00:00:00+15":           usec(0, 12, 31, 9, 0, 0, 0),
			"9999-12-31 23:59:59.999999-15:59": usec(10000, 1, 1, 15, 58, 59, 999999),
		},
		refused: []string{"2019-05-06 10:11:12", "2019-05-06", "2019-05-06 10:11:12+16", "2019-05-06 10:11:12+02:60",
			"2019-05-06 10:11:12+2", "2019-05-06 10:11:12+02:3", "2019-05-06 10:11:12+0230x",
			"2019-05-06 10:11:12 Z", "2019-05-06 10:11:12 +02", "2019-05-06 10:11:12UTC",
			"2019-05-06 10:11:12+02:00:00", "2019-05-06 10:11:12 America/Sao_Paulo", "2019-05-06 10:11:12+02:00 ",
			"2019-05-06 10:11:12+", "2019-05-06 10:11:12ZZ", "2019-05-06 10:11:12+02:0a", "2019-05-06 10:11:12+020",
			"2019-05-06 10:11:12.1234567Z"},
	}}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range typeCases() {
		t.Run(tc.typ, func(t *testing.T) {
			t.Parallel()
			for in, want := range tc.ok {
				got, err := encodeOne(t, tc.typ, []byte(in))
				require.NoError(t, err, "%q", in)
				require.Equal(t, want, got, "%q", in)
			}
			for _, in := range tc.refused {
				_, err := encodeOne(t, tc.typ, []byte(in))
				require.ErrorIs(t, err, copybin.ErrNotConvertible, "%q", in)
			}
			got, err := encodeOne(t, tc.typ, nil)
			require.NoError(t, err)
			require.Nil(t, got, "NULL")
		})
	}
}

func TestNewEncoder(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"bigint", "integer", "smallint", "double precision", "real", "boolean",
		"text", "character varying", "character varying(10)", "character(5)", "bpchar", "json", "jsonb", "uuid",
		"date", "timestamp without time zone", "timestamp(3) without time zone", "timestamp with time zone",
		"timestamp(0) with time zone", "int8", "int4", "int2", "float8", "float4", "bool", "varchar",
		"varchar(4)", "timestamptz", "timestamp", "timestamptz(6)"} {
		_, err := copybin.NewEncoder([]string{typ})
		require.NoError(t, err, typ)
	}
	for _, typ := range []string{"numeric", "numeric(10,2)", "integer[]", "text[]", "time without time zone",
		"character varying(x)", "character varying()", "my_domain", "interval", "bytea", "geometry", "\"char\"",
		"timestamp(3) with time zone x", "Bigint", " bigint", "character varying(-1)", "money", "inet"} {
		_, err := copybin.NewEncoder([]string{"bigint", typ})
		require.ErrorIs(t, err, copybin.ErrUnsupported, typ)
		require.ErrorContains(t, err, "column 1", typ)
	}
	enc, err := copybin.NewEncoder(nil)
	require.NoError(t, err)
	out, err := enc.AppendRow(nil, nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0}, out)
}

func TestHeaderTrailer(t *testing.T) {
	t.Parallel()
	enc, err := copybin.NewEncoder([]string{"text"})
	require.NoError(t, err)
	require.Equal(t, []byte("PGCOPY\n\xff\r\n\x00"+"\x00\x00\x00\x00"+"\x00\x00\x00\x00"), enc.Header())
	require.Len(t, enc.Header(), 19)
	require.Equal(t, []byte{0xff, 0xff}, copybin.Trailer())
	// Appending to the header must not write into the package's copy.
	_ = append(enc.Header(), 'x')
	require.Len(t, enc.Header(), 19)
}

func TestAppendRow(t *testing.T) {
	t.Parallel()
	enc, err := copybin.NewEncoder([]string{"bigint", "text", "date", "boolean"})
	require.NoError(t, err)

	t.Run("row layout", func(t *testing.T) {
		t.Parallel()
		out, err := enc.AppendRow([]byte("prefix"), [][]byte{[]byte("7"), nil, []byte("2000-01-02"), []byte("t")})
		require.NoError(t, err)
		want := []byte("prefix\x00\x04" +
			"\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x07" +
			"\xff\xff\xff\xff" +
			"\x00\x00\x00\x04\x00\x00\x00\x01" +
			"\x00\x00\x00\x01\x01")
		require.Equal(t, want, out)
	})

	t.Run("error names column and value", func(t *testing.T) {
		t.Parallel()
		_, err := enc.AppendRow(nil, [][]byte{[]byte("7"), []byte("x"), []byte("2000-02-30"), []byte("t")})
		require.ErrorIs(t, err, copybin.ErrNotConvertible)
		var ce *copybin.ConvertError
		require.True(t, errors.As(err, &ce))
		require.Equal(t, copybin.ConvertError{Column: 2, Type: "date", Value: "2000-02-30"}, *ce)
		require.EqualError(t, err, `copybin: not convertible: column 2 (date): "2000-02-30"`)
	})

	t.Run("long value cut in error", func(t *testing.T) {
		t.Parallel()
		_, err := enc.AppendRow(nil, [][]byte{[]byte(strings.Repeat("9", 100)), nil, nil, nil})
		var ce *copybin.ConvertError
		require.True(t, errors.As(err, &ce))
		require.Equal(t, strings.Repeat("9", 64), ce.Value)
	})

	t.Run("wrong field count", func(t *testing.T) {
		t.Parallel()
		_, err := enc.AppendRow(nil, [][]byte{[]byte("7")})
		require.ErrorIs(t, err, copybin.ErrNotConvertible)
		require.ErrorContains(t, err, "record has 1 fields, want 4")
		var ce *copybin.ConvertError
		require.True(t, errors.As(err, &ce))
		require.Equal(t, -1, ce.Column)
	})
}

// TestAppendRowAllocs is not parallel: testing.AllocsPerRun refuses parallel tests.
func TestAppendRowAllocs(t *testing.T) {
	enc, err := copybin.NewEncoder([]string{"bigint", "text", "date", "boolean"})
	require.NoError(t, err)
	{
		fields := [][]byte{[]byte("123456789"), []byte("some text"), []byte("2019-05-06"), []byte("yes")}
		buf := make([]byte, 0, 1024)
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if _, err = enc.AppendRow(buf[:0], fields); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs)
		fenc, err := copybin.NewEncoder([]string{"double precision", "real", "uuid", "timestamp with time zone"})
		require.NoError(t, err)
		fields = [][]byte{[]byte("1.2345e-7"), []byte("-3.5"), []byte("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
			[]byte("2019-05-06 10:11:12.5+02:00")}
		allocs = testing.AllocsPerRun(100, func() {
			if _, err := fenc.AppendRow(buf[:0], fields); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs)
	}
}

// TestIntParser checks that the integer parsers read keys exactly as the encoder (and
// the server) read the column, and that other types have none.
func TestIntParser(t *testing.T) {
	for _, c := range []struct {
		typ, in string
		want    int64
		ok      bool
	}{
		{"bigint", " -42 ", -42, true},
		{"int8", "+9223372036854775807", math.MaxInt64, true},
		{"bigint", "9223372036854775808", 0, false},
		{"integer", "2147483648", 0, false},
		{"int4", "-2147483648", math.MinInt32, true},
		{"smallint", "32767", 32767, true},
		{"int2", "32768", 0, false},
		{"bigint", "1_000", 0, false},
		{"bigint", "", 0, false},
		{"bigint", "0x10", 0, false},
	} {
		parse, ok := copybin.IntParser(c.typ)
		require.True(t, ok, c.typ)
		got, ok := parse([]byte(c.in))
		require.Equal(t, c.ok, ok, "%s %q", c.typ, c.in)
		require.Equal(t, c.want, got, "%s %q", c.typ, c.in)
	}
	for _, typ := range []string{"text", "numeric", "real", "boolean", "date"} {
		_, ok := copybin.IntParser(typ)
		require.False(t, ok, typ)
	}
}
