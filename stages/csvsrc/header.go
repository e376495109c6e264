package csvsrc

import (
	"fmt"
	"strings"
)

// MapHeader maps the CSV header's names onto the table's columns and returns the
// table's column names in header order, ready for COPY t (cols).
//
// A name maps to the column with exactly that name, else to the one column whose name
// differs only in case. It is an error, wrapping [ErrHeader] and naming the header
// field, when a name is empty, matches no column, matches several only by case, or
// maps to a column another name already took.
func MapHeader(header, tableCols []string) ([]string, error) {
	exact := make(map[string]int, len(tableCols))
	folded := make(map[string][]int, len(tableCols))
	for i, c := range tableCols {
		exact[c] = i
		k := strings.ToLower(c)
		folded[k] = append(folded[k], i)
	}
	out := make([]string, len(header))
	taken := make(map[int]int, len(header)) // column → header field
	for i, h := range header {
		if h == "" {
			return nil, fmt.Errorf("%w: header field %d has an empty name", ErrHeader, i+1)
		}
		col, ok := exact[h]
		if !ok {
			switch m := folded[strings.ToLower(h)]; len(m) {
			case 0:
				return nil, fmt.Errorf("%w: header field %d %q matches no column of the table", ErrHeader, i+1, h)
			case 1:
				col = m[0]
			default:
				return nil, fmt.Errorf("%w: header field %d %q matches several columns by case (%q, %q)",
					ErrHeader, i+1, h, tableCols[m[0]], tableCols[m[1]])
			}
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
