package csvsrc_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages/csvsrc"
)

func TestInferTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []string // one column; N is NULL
		want   string
	}{
		{"integers", []string{"1", "-2", "0", "-0", "10", N}, csvsrc.TypeBigint},
		{"int64 bounds", []string{"9223372036854775807", "-9223372036854775808"}, csvsrc.TypeBigint},
		{"past int64", []string{"1", "9223372036854775808"}, csvsrc.TypeNumeric},
		{"decimals", []string{"1", "1.5", ".5", "5.", "-1e10", "2E-3"}, csvsrc.TypeDouble},
		{"special floats", []string{"1.5", "NaN", "Infinity", "-inf"}, csvsrc.TypeDouble},
		{"0 and 1 are bigint", []string{"0", "1", "1", "0"}, csvsrc.TypeBigint},
		{"booleans", []string{"t", "f", "TRUE", "false", "yes", "No", "on", "OFF", "1", "0"}, csvsrc.TypeBoolean},
		{"boolean and 2", []string{"true", "2"}, csvsrc.TypeText},
		{"dates", []string{"2024-01-31", "1999-12-31"}, csvsrc.TypeDate},
		{"bad date", []string{"2024-02-30"}, csvsrc.TypeText},
		{"timestamps with zones", []string{"2024-01-31 12:00:00", "2024-01-31 12:00:00.123456", "2024-01-31T12:00:00Z",
			"2024-01-31 12:00:00+02", "2024-01-31 12:00:00.5-03:30", "2024-01-31T12:00:00.1+0530"}, csvsrc.TypeTimestamptz},
		{"dates and timestamps", []string{"2024-01-31", "2024-01-31 12:00:00"}, csvsrc.TypeTimestamp},
		{"dates and zoned timestamps", []string{"2024-01-31", "2024-01-31 12:00:00Z"}, csvsrc.TypeTimestamptz},
		{"text", []string{"1", "x"}, csvsrc.TypeText},
		{"empty string", []string{"1", ""}, csvsrc.TypeText},
		{"all NULL", []string{N, N}, csvsrc.TypeText},
		{"no rows", nil, csvsrc.TypeText},
		{"spaces", []string{" 1"}, csvsrc.TypeText},
		{"hex", []string{"0x1F"}, csvsrc.TypeText},
		{"underscores", []string{"1_000"}, csvsrc.TypeText},
		{"signs", []string{"--1"}, csvsrc.TypeText},
		{"exponent without digits", []string{"1e"}, csvsrc.TypeText},
		{"signed NaN", []string{"-NaN"}, csvsrc.TypeText},
		{"dot", []string{"."}, csvsrc.TypeText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, []string{tc.want}, csvsrc.InferTypes(column(tc.values), 1))
		})
	}
}

// column returns one-field records holding values (N is NULL).
func column(values []string) []csvsrc.Record {
	var recs []csvsrc.Record
	for _, v := range values {
		var f []byte
		if v != N {
			f = []byte(v)
		}
		recs = append(recs, csvsrc.Record{Fields: [][]byte{f}})
	}
	return recs
}

// TestInferTypesKeepsText: a number column would not give back a leading zero or a
// leading '+', so such values make the column text (issue 14 item 8: zip codes 00001
// became bigint).
func TestInferTypesKeepsText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []string
		want   string
	}{
		{"zip codes", []string{"00001", "10115", "99999"}, csvsrc.TypeText},
		{"one zip code among integers", []string{"1", "2", "0042"}, csvsrc.TypeText},
		{"negative with a leading zero", []string{"-01"}, csvsrc.TypeText},
		{"decimal with a leading zero", []string{"00.5"}, csvsrc.TypeText},
		{"leading plus", []string{"+3", "4"}, csvsrc.TypeText},
		{"phone numbers", []string{"+4930123456"}, csvsrc.TypeText},
		{"leading plus on a decimal", []string{"+1.5"}, csvsrc.TypeText},
		{"past int64 with a leading zero", []string{"09223372036854775808"}, csvsrc.TypeText},
		{"a lone zero", []string{"0", "7"}, csvsrc.TypeBigint},
		{"zero point five", []string{"0.5", "0e3", "-0.25"}, csvsrc.TypeDouble},
		{"0 and 1 still boolean-free", []string{"0", "1"}, csvsrc.TypeBigint},
		{"01 is not boolean", []string{"01", "t"}, csvsrc.TypeText},
	}
	for _, tc := range cases {
		require.Equal(t, []string{tc.want}, csvsrc.InferTypes(column(tc.values), 1), tc.name)
	}
}

// TestInferTypesTimestamp: zone-less timestamps are timestamp, not timestamptz (issue
// 14 item 8); a zone anywhere in the column makes it timestamptz, which keeps it.
func TestInferTypesTimestamp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []string
		want   string
	}{
		{"zone-less", []string{"2024-01-02 03:04:05", "2024-01-02T03:04:05.123456"}, csvsrc.TypeTimestamp},
		{"zone-less and dates", []string{"2024-01-02", "2024-01-02 03:04:05", N}, csvsrc.TypeTimestamp},
		{"with offsets", []string{"2024-01-02 03:04:05+02", "2024-01-02T03:04:05Z"}, csvsrc.TypeTimestamptz},
		{"one offset among zone-less", []string{"2024-01-02 03:04:05", "2024-01-02 03:04:05-03:30"}, csvsrc.TypeTimestamptz},
		{"offset first", []string{"2024-01-02 03:04:05+0530", "2024-01-02 03:04:05"}, csvsrc.TypeTimestamptz},
		{"dates only", []string{"2024-01-02"}, csvsrc.TypeDate},
	}
	for _, tc := range cases {
		require.Equal(t, []string{tc.want}, csvsrc.InferTypes(column(tc.values), 1), tc.name)
	}
}

// TestSampleHint: a value past the sample that does not fit the inferred type gets a
// hint naming --sample (issue 14 item 8); other rejects get none.
func TestSampleHint(t *testing.T) {
	t.Parallel()
	h := csvsrc.SampleHint("22P02", "n", csvsrc.TypeBigint, 1500, 1000)
	require.Contains(t, h, "--sample")
	require.Contains(t, h, `column "n" was created as bigint from the first 1000 rows`)
	require.Contains(t, h, "--types n=text")
	require.Contains(t, csvsrc.SampleHint("22008", "at", csvsrc.TypeTimestamp, 1000, 1000), "--sample")
	for _, c := range []struct {
		state, col, typ string
		index           int64
	}{
		{"22P02", "n", csvsrc.TypeBigint, 999},  // inside the sample
		{"23505", "n", csvsrc.TypeBigint, 5000}, // a unique violation
		{"22021", "s", csvsrc.TypeText, 5000},   // text: no inference to blame
		{"22P02", "", csvsrc.TypeBigint, 5000},  // no column
		{"22P02", "n", "", 5000},                // not an inferred column (--types)
	} {
		require.Empty(t, csvsrc.SampleHint(c.state, c.col, c.typ, c.index, 1000), c)
	}
}

func TestInferTypesColumns(t *testing.T) {
	t.Parallel()
	s, err := csvsrc.NewReader(stringsReader("id,ok,at,note\n1,t,2024-01-01,\n2,f,2024-01-02,x\n3\n"), csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	recs, err := s.Sample(1000)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, []string{"bigint", "boolean", "date", "text"}, csvsrc.InferTypes(recs, len(s.Header())))
	// Records shorter or longer than ncols constrain only the columns they have.
	short := []csvsrc.Record{{Fields: [][]byte{[]byte("1")}}, {Fields: [][]byte{[]byte("2"), []byte("x"), []byte("y")}}}
	require.Equal(t, []string{"bigint", "text"}, csvsrc.InferTypes(short, 2))
}
