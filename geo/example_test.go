package geo_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tmimport/tmimport/geo"
)

func ExampleGeoJSONReader() {
	in := `{"type": "FeatureCollection", "features": [
		{"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [80.1, 7.2]}, "properties": {"zoom": 14}},
		{"type": "Feature", "id": 2, "geometry": {"type": "Point", "coordinates": [80.1]}, "properties": {}},
		{"type": "Feature", "id": 3, "geometry": {"type": "LineString", "coordinates": [[80, 7], [81, 8]]}, "properties": null}
	]}`
	r := geo.NewGeoJSONReader(strings.NewReader(in), nil)
	for {
		f, err := r.Next()
		var fe *geo.FeatureError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &fe):
			fmt.Printf("feature %d rejected: %s\n", fe.Index, fe.Reason)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Printf("feature %d: id %v, %s SRID %d, properties %v\n", f.Index, f.ID, geo.TypeName(f.Geometry), f.SRID, f.Properties)
	}
	// Output:
	// feature 0: id 1, Point SRID 4326, properties map[zoom:14]
	// feature 1 rejected: coordinates: position has 1 numbers, fewer than 2
	// feature 2: id 3, LineString SRID 4326, properties map[]
}

func ExampleParseHex() {
	g, srid, err := geo.ParseHex(`\x0101000020E6100000000000000000F03F0000000000000040`)
	fmt.Println(g, srid, err)
	// Output: [1 2] 4326 <nil>
}

func ExampleEncodeEWKB() {
	b, err := geo.EncodeEWKB(orb.Point{1, 2}, 4326)
	fmt.Printf("%X %v\n", b, err)

	// The text form, for COPY … (FORMAT text), appended to a reused buffer.
	buf, err := geo.AppendEWKBHex(nil, orb.Point{1, 2}, 4326)
	fmt.Println(string(buf), err)
	// Output:
	// 0101000020E6100000000000000000F03F0000000000000040 <nil>
	// 0101000020E6100000000000000000F03F0000000000000040 <nil>
}

func ExampleReproject() {
	lonlat := orb.LineString{{0, 0}, {180, 0}}
	merc, err := geo.Reproject(lonlat, geo.SRIDWGS84, geo.SRIDWebMercator)
	fmt.Println(orb.Round(merc, 1), err)
	fmt.Println(lonlat) // untouched

	_, err = geo.Reproject(lonlat, 4326, 2154)
	fmt.Println(err)
	// Output:
	// [[0 0] [2.0037508e+07 0]] <nil>
	// [[0 0] [180 0]]
	// geo: unsupported SRID: no reprojection from EPSG:4326 to EPSG:2154 (only 4326 and 3857)
}

func ExampleValidate() {
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	fmt.Println(geo.Validate(orb.Polygon{ring}, geo.ValidateOptions{SRID: 4326}))
	fmt.Println(geo.Validate(orb.Point{200, 0}, geo.ValidateOptions{SRID: 4326}))
	fmt.Println(geo.Validate(orb.Point{200, 0}, geo.ValidateOptions{SRID: 3857}))
	// Output:
	// geo: invalid geometry: ring 0 of polygon is not closed
	// geo: invalid geometry: point has longitude 200 outside [-180, 180]
	// <nil>
}

func ExampleParseEWKT() {
	g, srid, err := geo.ParseEWKT("SRID=4326;POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))")
	fmt.Println(geo.TypeName(g), g, srid, err)
	fmt.Println(geo.TypeName(geo.ToMulti(g)))
	// Output:
	// Polygon [[[0 0] [1 0] [1 1] [0 0]]] 4326 <nil>
	// MultiPolygon
}
