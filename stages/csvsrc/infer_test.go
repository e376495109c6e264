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
		{"integers", []string{"1", "-2", "+3", "0042", N}, csvsrc.TypeBigint},
		{"int64 bounds", []string{"9223372036854775807", "-9223372036854775808"}, csvsrc.TypeBigint},
		{"past int64", []string{"1", "9223372036854775808"}, csvsrc.TypeNumeric},
		{"decimals", []string{"1", "1.5", ".5", "5.", "-1e10", "2E-3"}, csvsrc.TypeDouble},
		{"special floats", []string{"1.5", "NaN", "Infinity", "-inf"}, csvsrc.TypeDouble},
		{"0 and 1 are bigint", []string{"0", "1", "1", "0"}, csvsrc.TypeBigint},
		{"booleans", []string{"t", "f", "TRUE", "false", "yes", "No", "on", "OFF", "1", "0"}, csvsrc.TypeBoolean},
		{"boolean and 2", []string{"true", "2"}, csvsrc.TypeText},
		{"dates", []string{"2024-01-31", "1999-12-31"}, csvsrc.TypeDate},
		{"bad date", []string{"2024-02-30"}, csvsrc.TypeText},
		{"timestamps", []string{"2024-01-31 12:00:00", "2024-01-31 12:00:00.123456", "2024-01-31T12:00:00Z",
			"2024-01-31 12:00:00+02", "2024-01-31 12:00:00.5-03:30", "2024-01-31T12:00:00.1+0530"}, csvsrc.TypeTimestamptz},
		{"dates and timestamps", []string{"2024-01-31", "2024-01-31 12:00:00"}, csvsrc.TypeTimestamptz},
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
			var recs []csvsrc.Record
			for _, v := range tc.values {
				var f []byte
				if v != N {
					f = []byte(v)
				}
				recs = append(recs, csvsrc.Record{Fields: [][]byte{f}})
			}
			require.Equal(t, []string{tc.want}, csvsrc.InferTypes(recs, 1))
		})
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
