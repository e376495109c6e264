package csvsrc_test

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages/csvsrc"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func TestMapHeader(t *testing.T) {
	t.Parallel()
	table := []string{"id", "Name", "name_2", "CamelCase", "camelcase"}
	cases := []struct {
		name   string
		header []string
		want   []string
		err    string
	}{
		{"exact", []string{"id", "Name"}, []string{"id", "Name"}, ""},
		{"header order", []string{"name_2", "id"}, []string{"name_2", "id"}, ""},
		{"case-insensitive", []string{"ID", "name", "NAME_2"}, []string{"id", "Name", "name_2"}, ""},
		{"exact wins over case", []string{"camelcase", "CamelCase"}, []string{"camelcase", "CamelCase"}, ""},
		{"ambiguous by case", []string{"CAMELCASE"}, nil, `header field 1 "CAMELCASE" matches several columns by case`},
		{"unknown", []string{"id", "nope"}, nil, `header field 2 "nope" matches no column of the table`},
		{"empty name", []string{"id", ""}, nil, "header field 2 has an empty name"},
		{"two map to one", []string{"id", "ID"}, nil, `header fields 1 "id" and 2 "ID" both map to column "id"`},
		{"duplicate", []string{"Name", "Name"}, nil, `header fields 1 "Name" and 2 "Name" both map to column "Name"`},
		{"empty header", nil, []string{}, ""},
		// Surrounding spaces (issue 14 item 7: the US Census gazetteer pads its last
		// header name) are ignored when the name matches nothing with them.
		{"trailing spaces", []string{"id", "Name      "}, []string{"id", "Name"}, ""},
		{"spaces and case", []string{" ID\t", "NAME_2   "}, []string{"id", "name_2"}, ""},
		{"spaces, unknown", []string{"nope   "}, nil, `header field 1 "nope   " matches no column of the table, with or without its surrounding spaces; name the input's fields with --columns`},
		{"unknown names --columns", []string{"nope"}, nil, "name the input's fields with --columns"},
		{"spaces, two map to one", []string{"id", "id "}, nil, `header fields 1 "id" and 2 "id " both map to column "id"`},
		{"only spaces", []string{"   "}, nil, `header field 1 "   " matches no column of the table, with or without its surrounding spaces`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := csvsrc.MapHeader(tc.header, table)
			if tc.err != "" {
				require.ErrorIs(t, err, csvsrc.ErrHeader)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
