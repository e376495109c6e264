package csvsrc

import (
	"fmt"
	"strings"
)

// MapHeader maps the CSV header's names onto the table's columns and returns the
// table's column names in header order, ready for COPY t (cols).
//
// A name maps to the column with exactly that name, else to the one column whose name
// differs only in case. A name with surrounding spaces or tabs (fixed-width exports
// such as the US Census gazetteer files pad their last header name with spaces) that
// matches no column so is matched again without them, the same two ways. It is an
// error, wrapping [ErrHeader] and naming the header field, when a name is empty,
// matches no column, matches several only by case, or maps to a column another name
// already took; an error about a name that matches no column says that --columns
// renames the input's fields, and that the name has surrounding spaces when it has.
func MapHeader(header, tableCols []string) ([]string, error) {
	exact := make(map[string]int, len(tableCols))
	folded := make(map[string][]int, len(tableCols))
	for i, c := range tableCols {
		exact[c] = i
		k := strings.ToLower(c)
		folded[k] = append(folded[k], i)
	}
	// match maps name to a column: exact, else the one column equal ignoring case.
	match := func(i int, name string) (col int, found bool, err error) {
		if col, ok := exact[name]; ok {
			return col, true, nil
		}
		switch m := folded[strings.ToLower(name)]; len(m) {
		case 0:
			return 0, false, nil
		case 1:
			return m[0], true, nil
		default:
			return 0, false, fmt.Errorf("%w: header field %d %q matches several columns by case (%q, %q)",
				ErrHeader, i+1, header[i], tableCols[m[0]], tableCols[m[1]])
		}
	}
	out := make([]string, len(header))
	taken := make(map[int]int, len(header)) // column → header field
	for i, h := range header {
		if h == "" {
			return nil, fmt.Errorf("%w: header field %d has an empty name", ErrHeader, i+1)
		}
		col, ok, err := match(i, h)
		trimmed := strings.Trim(h, " \t")
		if err == nil && !ok && trimmed != h && trimmed != "" {
			col, ok, err = match(i, trimmed)
		}
		switch {
		case err != nil:
			return nil, err
		case !ok && trimmed != h:
			return nil, fmt.Errorf("%w: header field %d %q matches no column of the table, with or without its surrounding spaces; "+
				"name the input's fields with --columns (with a header, its first line is then skipped)", ErrHeader, i+1, h)
		case !ok:
			return nil, fmt.Errorf("%w: header field %d %q matches no column of the table; "+
				"name the input's fields with --columns (with a header, its first line is then skipped)", ErrHeader, i+1, h)
		}
		if j, dup := taken[col]; dup {
			return nil, fmt.Errorf("%w: header fields %d %q and %d %q both map to column %q",
				ErrHeader, j+1, header[j], i+1, h, tableCols[col])
		}
		taken[col] = i
		out[i] = tableCols[col]
	}
	return out, nil
}
