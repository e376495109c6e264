package geo

import (
	"encoding/json"

	"github.com/paulmach/orb"
)

// GeoJSON object kinds, beyond the WKB geometry codes 1 to 7.
const (
	kindUnknown           = 0
	kindFeature           = 100
	kindFeatureCollection = 101
)

// Members of a GeoJSON object that the decoder acts on.
const (
	memberNone = iota - 1
	memberID
	memberGeometry
	memberProperties
	memberCRS
	memberCoordinates
	memberGeometries
	numMembers
	memberType = numMembers
)

func memberOf(key []byte) int {
	switch string(key) {
	case "type":
		return memberType
	case "id":
		return memberID
	case "geometry":
		return memberGeometry
	case "properties":
		return memberProperties
	case "crs":
		return memberCRS
	case "coordinates":
		return memberCoordinates
	case "geometries":
		return memberGeometries
	}
	return memberNone
}

// featureDecoder decodes one GeoJSON Feature or Geometry held in memory. It
// keeps scratch space between features, so it is not safe for concurrent use.
type featureDecoder struct {
	jsonParser
	maxPoints int
	points    int
	hasZ      bool
	pts       []orb.Point // points of the geometry being read
	ends      []int       // end index in pts of each ring or line
	polys     []int       // end index in ends of each polygon
	propsHint int         // property count of the last feature
	nesting   int         // geometry collections open
	features  bool        // the object had a "features" member
}

// decode decodes data, which starts at input offset base, as a Feature or a
// bare Geometry. srid applies unless the object has a crs of its own.
func (d *featureDecoder) decode(data []byte, base int64, srid int) (Feature, error) {
	f, _, err := d.decodePrefix(data, base, srid)
	if err == nil {
		err = d.end()
	}
	return f, err
}

// decodePrefix decodes the Feature or Geometry object at the start of data and
// returns how many bytes it took; what follows is not looked at.
func (d *featureDecoder) decodePrefix(data []byte, base int64, srid int) (Feature, int, error) {
	d.reset(data, base)
	d.points, d.hasZ, d.nesting, d.features = 0, false, 0, false
	if cap(d.pts) > 1<<20 { // don't hold on to the scratch of a huge feature
		d.pts = nil
	}
	f := Feature{SRID: srid}
	if d.peek() != '{' {
		return f, 0, invalidf("feature is not a JSON object")
	}
	kind, err := d.object(&f)
	switch {
	case err != nil:
		return f, 0, err
	case kind == kindUnknown:
		return f, 0, invalidf(`object has no "type" member`)
	case kind != kindFeature && f.Geometry == nil:
		return f, 0, invalidf("%s has no %s member", geoJSONName(kind), coordsMember(kind))
	}
	f.HasZ = d.hasZ
	return f, d.pos, nil
}

// object reads the members of a Feature or Geometry into f and returns the kind.
// Members that depend on the kind and come before "type" are read afterwards.
func (d *featureDecoder) object(f *Feature) (int, error) {
	var later [numMembers]int // positions of deferred members; 0 is the '{'
	kind := kindUnknown
	first := true
	for {
		key, ok, err := d.member(&first)
		if err != nil || !ok {
			if err == nil {
				err = d.deferred(f, kind, &later)
			}
			return kind, err
		}
		switch m := memberOf(key); {
		case m == memberType:
			if kind, err = d.kind(); kind == kindFeatureCollection {
				err = unsupportedf("FeatureCollection where a Feature was expected")
			}
		case m == memberNone:
			d.features = d.features || string(key) == "features"
			err = d.skip()
		case kind == kindUnknown:
			later[m] = d.pos
			err = d.skip()
		default:
			err = d.memberValue(f, m, kind)
		}
		if err != nil {
			return kind, err
		}
	}
}

func (d *featureDecoder) deferred(f *Feature, kind int, later *[numMembers]int) error {
	end := d.pos
	for m, pos := range later {
		if pos == 0 || kind == kindUnknown {
			continue
		}
		d.pos = pos
		if err := d.memberValue(f, m, kind); err != nil {
			return err
		}
	}
	d.pos = end
	return nil
}

// memberValue reads member m of an object of the given kind into f, or skips
// it when it is foreign to that kind.
func (d *featureDecoder) memberValue(f *Feature, m, kind int) error {
	var err error
	isGeom := kind >= wkbPoint && kind <= wkbGeometryCollection
	switch {
	case m == memberCRS:
		err = d.crs(f)
	case kind == kindFeature && m == memberID:
		f.ID, err = d.id()
	case kind == kindFeature && m == memberGeometry:
		f.Geometry, err = d.geometry()
	case kind == kindFeature && m == memberProperties:
		f.Properties, err = d.properties()
	case isGeom && kind != wkbGeometryCollection && m == memberCoordinates:
		f.Geometry, err = d.coordinates(kind)
	case kind == wkbGeometryCollection && m == memberGeometries:
		f.Geometry, err = d.collection()
	default:
		err = d.skip()
	}
	return err
}

// kind reads the value of a "type" member.
func (d *featureDecoder) kind() (int, error) {
	if d.peek() != '"' {
		return 0, invalidf(`"type" is not a string`)
	}
	s, err := d.strBytes()
	if err != nil {
		return 0, err
	}
	switch string(s) {
	case "Feature":
		return kindFeature, nil
	case "FeatureCollection":
		return kindFeatureCollection, nil
	case "Point":
		return wkbPoint, nil
	case "LineString":
		return wkbLineString, nil
	case "Polygon":
		return wkbPolygon, nil
	case "MultiPoint":
		return wkbMultiPoint, nil
	case "MultiLineString":
		return wkbMultiLineString, nil
	case "MultiPolygon":
		return wkbMultiPolygon, nil
	case "GeometryCollection":
		return wkbGeometryCollection, nil
	}
	return 0, unsupportedf("GeoJSON type %.40q", s)
}

func geoJSONName(kind int) string {
	return [...]string{"", "Point", "LineString", "Polygon", "MultiPoint",
		"MultiLineString", "MultiPolygon", "GeometryCollection"}[kind]
}

func coordsMember(kind int) string {
	if kind == wkbGeometryCollection {
		return `"geometries"`
	}
	return `"coordinates"`
}

func (d *featureDecoder) crs(f *Feature) error {
	v, err := d.value()
	if err != nil {
		return err
	}
	srid, err := sridOfCRS(v)
	if srid != 0 {
		f.SRID, f.OwnCRS = srid, true
	}
	return err
}

func (d *featureDecoder) id() (any, error) {
	switch c := d.peek(); {
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		b, err := d.number()
		return json.Number(d.string(b)), err
	case d.null():
		return nil, nil
	}
	return nil, invalidf(`"id" is neither a string nor a number`)
}

func (d *featureDecoder) properties() (map[string]any, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '{' {
		return nil, invalidf(`"properties" is not an object`)
	}
	m, err := d.jsonParser.object(d.propsHint)
	d.propsHint = len(m)
	return m, err
}

// geometry reads a geometry object, or null, in any member order.
func (d *featureDecoder) geometry() (orb.Geometry, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '{' {
		return nil, invalidf("geometry is not an object")
	}
	var f Feature // a throwaway: only its Geometry is wanted
	kind, err := d.object(&f)
	switch {
	case err != nil:
		return nil, err
	case kind == kindUnknown:
		return nil, invalidf(`geometry has no "type" member`)
	case kind == kindFeature:
		return nil, invalidf("geometry has type Feature")
	case f.Geometry == nil:
		return nil, invalidf("%s has no %s member", geoJSONName(kind), coordsMember(kind))
	}
	return f.Geometry, nil
}
