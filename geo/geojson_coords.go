package geo

import (
	"github.com/paulmach/orb"
)

// coordinates reads the "coordinates" member of a geometry of the given kind.
// Points go to the decoder's scratch space first, then into one exactly sized
// slice that the parts of the geometry share.
func (d *featureDecoder) coordinates(kind int) (orb.Geometry, error) {
	if d.null() {
		return nil, invalidf("%s has null coordinates", geoJSONName(kind))
	}
	d.pts, d.ends, d.polys = d.pts[:0], d.ends[:0], d.polys[:0]
	var err error
	switch kind {
	case wkbPoint:
		return d.point()
	case wkbLineString, wkbMultiPoint:
		err = d.positions()
	case wkbPolygon, wkbMultiLineString:
		err = d.lists()
	case wkbMultiPolygon:
		err = d.polygons()
	}
	if err != nil {
		return nil, err
	}
	return d.build(kind), nil
}

// build assembles the geometry from the scratch space.
func (d *featureDecoder) build(kind int) orb.Geometry {
	pts := make([]orb.Point, len(d.pts))
	copy(pts, d.pts)
	switch kind {
	case wkbLineString:
		return orb.LineString(pts)
	case wkbMultiPoint:
		return orb.MultiPoint(pts)
	case wkbPolygon:
		return split[orb.Polygon](pts, d.ends)
	case wkbMultiLineString:
		return split[orb.MultiLineString](pts, d.ends)
	}
	return split[orb.MultiPolygon](split[[]orb.Ring](pts, d.ends), d.polys)
}

// split cuts items at ends into the parts of an S. Each part is capped, so
// appending to one part can never overwrite the next.
func split[S ~[]P, P ~[]E, E any](items []E, ends []int) S {
	parts := make(S, len(ends))
	start := 0
	for i, end := range ends {
		parts[i] = items[start:end:end]
		start = end
	}
	return parts
}

// open checks that an array comes next, as the coordinates of kind demand.
func (d *featureDecoder) open(what string) error {
	if d.peek() != '[' {
		return invalidf("coordinates: expected %s at byte offset %d", what, d.base+int64(d.pos))
	}
	return nil
}

// point reads the coordinates of a Point; [] is POINT EMPTY.
func (d *featureDecoder) point() (orb.Geometry, error) {
	if err := d.open("a position"); err != nil {
		return nil, err
	}
	save := d.pos
	if d.pos++; d.peek() == ']' {
		d.pos++
		return EmptyPoint(), d.count()
	}
	d.pos = save
	return d.position()
}

// position reads [x, y, …]. Ordinates past the second are dropped, and noted in hasZ.
func (d *featureDecoder) position() (orb.Point, error) {
	if pt, ok := d.fastPosition(); ok {
		return pt, d.count()
	}
	var pt orb.Point
	if err := d.open("a position"); err != nil {
		return pt, err
	}
	n, first := 0, true
	for {
		more, err := d.element(&first)
		if err != nil {
			return pt, err
		}
		if !more {
			break
		}
		if c := d.peek(); c != '-' && (c < '0' || c > '9') {
			return pt, invalidf("coordinates: position holds a non-number at byte offset %d", d.base+int64(d.pos))
		}
		f, err := d.float()
		if err != nil {
			return pt, err
		}
		if n < 2 {
			pt[n] = f
		}
		n++
	}
	if n < 2 {
		return pt, invalidf("coordinates: position has %d numbers, fewer than 2", n)
	}
	d.hasZ = d.hasZ || n > 2
	return pt, d.count()
}

// count counts one more point against the cap.
func (d *featureDecoder) count() error {
	if d.points++; d.points > d.maxPoints {
		return tooLargef("more than %d points", d.maxPoints)
	}
	return nil
}

// array reads a JSON array whose elements each handles; what names the expected value
// in errors.
func (d *featureDecoder) array(what string, each func() error) error {
	if err := d.open(what); err != nil {
		return err
	}
	first := true
	for {
		more, err := d.element(&first)
		if err != nil || !more {
			return err
		}
		if err := each(); err != nil {
			return err
		}
	}
}

// positions reads an array of positions into the scratch space.
func (d *featureDecoder) positions() error {
	return d.array("an array of positions", func() error {
		pt, err := d.position()
		d.pts = append(d.pts, pt)
		return err
	})
}

// lists reads an array of arrays of positions: rings or line strings.
func (d *featureDecoder) lists() error {
	return d.array("an array of arrays of positions", func() error {
		err := d.positions()
		d.ends = append(d.ends, len(d.pts))
		return err
	})
}

// polygons reads the coordinates of a MultiPolygon.
func (d *featureDecoder) polygons() error {
	return d.array("an array of polygons", func() error {
		err := d.lists()
		d.polys = append(d.polys, len(d.ends))
		return err
	})
}

// collection reads the "geometries" member of a GeometryCollection.
func (d *featureDecoder) collection() (orb.Geometry, error) {
	if d.nesting >= MaxNestingDefault {
		return nil, tooLargef("geometry collections nested deeper than %d", MaxNestingDefault)
	}
	if d.peek() != '[' {
		return nil, invalidf(`"geometries" is not an array`)
	}
	d.nesting++
	defer func() { d.nesting-- }()
	c := orb.Collection{}
	first := true
	for {
		more, err := d.element(&first)
		if err != nil || !more {
			return c, err
		}
		g, err := d.geometry()
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, invalidf("member %d of a GeometryCollection is null", len(c))
		}
		c = append(c, g)
	}
}

// fastPosition reads the common form of a position, [x,y] with no white space
// inside and numbers on the fast path of parseFastFloat, consuming nothing
// and reporting false for anything else.
func (d *featureDecoder) fastPosition() (orb.Point, bool) {
	if d.peek() != '[' || d.depth >= maxJSONDepth {
		return orb.Point{}, false
	}
	data := d.data
	x, i, ok := parseFastFloat(data, d.pos+1)
	if !ok || i >= len(data) || data[i] != ',' {
		return orb.Point{}, false
	}
	y, i, ok := parseFastFloat(data, i+1)
	if !ok || i >= len(data) || data[i] != ']' {
		return orb.Point{}, false
	}
	d.pos = i + 1
	return orb.Point{x, y}, true
}
