package geojsonsrc

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/geo"
)

// inference collects what the sample says about each property.
type inference struct {
	order    []string
	kinds    map[string]map[string]bool // property -> kinds seen: int, bignum, float, bool, string, json
	ids      bool
	idKinds  map[string]bool
	geoTypes map[string]bool
	srids    map[int]bool
}

func newInference() *inference {
	return &inference{kinds: map[string]map[string]bool{}, idKinds: map[string]bool{}, geoTypes: map[string]bool{}, srids: map[int]bool{}}
}

func (in *inference) add(f *geo.Feature, o Options) {
	for k, v := range f.Properties {
		if _, ok := in.kinds[k]; !ok {
			in.kinds[k] = map[string]bool{}
			in.order = append(in.order, k)
		}
		if v != nil {
			in.kinds[k][kindOf(v)] = true
		}
	}
	if f.ID != nil {
		in.ids = true
		in.idKinds[kindOf(f.ID)] = true
	}
	if f.Geometry != nil {
		g := f.Geometry
		if o.Multi {
			g = geo.ToMulti(g)
		}
		in.geoTypes[geo.TypeName(g)] = true
		in.srids[f.SRID] = true
	}
}

// kindOf classifies a decoded JSON value. Numbers arrive as json.Number, their exact
// text: "int" fits bigint; "bignum" is an integer beyond the int64 range, or a number
// beyond double precision's range, that only numeric holds exactly (or at all);
// "float" is any other number.
func kindOf(v any) string {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return "int"
		}
		if !strings.ContainsAny(s, ".eE") {
			return "bignum" // an integer literal past int64: a double would round it
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "bignum" // past double precision's range: float8in would refuse it
		}
		return "float"
	case bool:
		return "bool"
	case string:
		return "string"
	default:
		return "json"
	}
}

// pgType maps the kinds a property showed to a column type.
func pgType(kinds map[string]bool) string {
	switch {
	case kinds["json"]:
		return "jsonb"
	case len(kinds) == 0, kinds["string"]:
		return "text"
	case kinds["bool"] && len(kinds) == 1:
		return "boolean"
	case kinds["bool"]:
		return "text"
	case kinds["bignum"]:
		return "numeric"
	case kinds["float"]:
		return "double precision"
	default:
		return "bigint"
	}
}

// columns returns the inferred columns: properties sorted by name, the feature id when
// it is not also a property, and the geometry, always.
//
// A property (or the feature id's "id" column) whose name equals the geometry
// column's, ignoring case as PostgreSQL's folding of unquoted names and the column
// mapping do, is an error ([ErrGeometryColumnClash]) that names it and suggests
// --geometry-column: the table cannot have both, and taking the property would lose
// every geometry. ogr2ogr refuses such a field too ("Cannot create field geom. It has
// the same name as the geometry field."), though it then goes on without the field.
func (in *inference) columns(o Options) ([]Column, error) {
	var cols []Column
	seen := map[string]bool{}
	slices.Sort(in.order) // properties arrive as a map: sorted names keep the table stable
	geom := strings.ToLower(o.GeometryColumn)
	for _, k := range in.order {
		if strings.ToLower(k) == geom {
			return nil, clashError(k, "property", o.GeometryColumn)
		}
		cols = append(cols, Column{Name: k, Type: pgType(in.kinds[k]), kind: propCol})
		seen[strings.ToLower(k)] = true
	}
	if in.ids && !seen["id"] {
		if geom == "id" {
			return nil, clashError("id", "feature id member", o.GeometryColumn)
		}
		cols = append(cols, Column{Name: "id", Type: pgType(in.idKinds), kind: idCol})
	}
	typ := "Geometry"
	if len(in.geoTypes) == 1 {
		for t := range in.geoTypes {
			typ = t
		}
	}
	srid := o.ToSRID
	if srid == 0 {
		srid = o.SRID
		if len(in.srids) == 1 {
			for s := range in.srids {
				srid = s
			}
		}
		if srid == 0 {
			srid = geo.SRIDWGS84
		}
	}
	cols = append(cols, Column{Name: o.GeometryColumn, Type: fmt.Sprintf("geometry(%s,%d)", typ, srid), kind: geomCol})
	return cols, nil
}

// ErrGeometryColumnClash means a property has the geometry column's name.
var ErrGeometryColumnClash = errors.New("a property has the geometry column's name")

func clashError(name, what, geom string) error {
	other := "geometry"
	if strings.EqualFold(geom, other) {
		other = "geom"
	}
	return fmt.Errorf("%w: %s %q has the name of the geometry column %q (names are compared ignoring case); "+
		"name the geometry column otherwise with --geometry-column (e.g. --geometry-column %s)",
		ErrGeometryColumnClash, what, name, geom, other)
}
