package geojsonsrc

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/geo"
)

// inference collects what the sample says about each property.
type inference struct {
	order    []string
	kinds    map[string]map[string]bool // property -> kinds seen: int, float, bool, string, json
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

// kindOf classifies a decoded JSON value.
func kindOf(v any) string {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return "int"
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
	case kinds["float"]:
		return "double precision"
	default:
		return "bigint"
	}
}

// columns returns the inferred columns: properties sorted by name, the feature id when
// it is not also a property, and the geometry.
func (in *inference) columns(o Options) []Column {
	var cols []Column
	seen := map[string]bool{}
	slices.Sort(in.order) // properties arrive as a map: sorted names keep the table stable
	for _, k := range in.order {
		cols = append(cols, Column{Name: k, Type: pgType(in.kinds[k]), kind: propCol})
		seen[strings.ToLower(k)] = true
	}
	if in.ids && !seen["id"] {
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
	if o.GeometryColumn != "" && !seen[strings.ToLower(o.GeometryColumn)] {
		cols = append(cols, Column{Name: o.GeometryColumn, Type: fmt.Sprintf("geometry(%s,%d)", typ, srid), kind: geomCol})
	}
	return cols
}
