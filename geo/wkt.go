package geo

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseWKT decodes WKT, or EWKT with its SRID discarded; see [ParseEWKT].
func ParseWKT(s string) (orb.Geometry, error) {
	g, _, err := ParseEWKT(s)
	return g, err
}

// ParseEWKT decodes WKT as PostGIS writes and reads it, with an optional
// `SRID=4326;` prefix (EWKT), and returns the geometry and the SRID (0 when
// there is no prefix). Keywords are case-insensitive. Z, M and ZM geometries are
// accepted, tagged ("POINT Z (1 2 3)", "POINTM(1 2 3)") or not ("POINT(1 2 3)"),
// and their extra ordinates are dropped. EMPTY is accepted for any geometry and
// for the members of multi geometries; POINT EMPTY decodes to [EmptyPoint].
// MULTIPOINT members may be bare or parenthesized.
//
// The parser stops at [MaxPointsDefault] points and [MaxNestingDefault] nested
// collections. Errors are a *[GeometryError] naming the byte offset.
func ParseEWKT(s string) (orb.Geometry, int, error) {
	p := wktParser{s: s, maxPoints: MaxPointsDefault}
	srid, err := p.srid()
	if err != nil {
		return nil, 0, err
	}
	g, err := p.geometry(0)
	if err != nil {
		return nil, 0, err
	}
	if p.space(); p.pos != len(s) {
		return nil, 0, p.errorf("unexpected text")
	}
	return g, srid, nil
}

type wktParser struct {
	s         string
	pos       int
	points    int
	maxPoints int
	dims      int // ordinates per point from the Z/M tag, or 0 when untagged
}

func (p *wktParser) errorf(what string) error {
	if p.pos >= len(p.s) {
		return invalidf("WKT: %s at end of input", what)
	}
	return invalidf("WKT: %s at offset %d", what, p.pos)
}

func (p *wktParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *wktParser) peek() byte {
	if p.space(); p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *wktParser) expect(c byte) error {
	if p.peek() != c {
		return p.errorf("expected '" + string(c) + "'")
	}
	p.pos++
	return nil
}

// word reads a run of ASCII letters, upper-cased.
func (p *wktParser) word() string {
	p.space()
	start := p.pos
	for p.pos < len(p.s) && isLetter(p.s[p.pos]) {
		p.pos++
	}
	return strings.ToUpper(p.s[start:p.pos])
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// srid reads an optional "SRID=n;" prefix.
func (p *wktParser) srid() (int, error) {
	p.space()
	if len(p.s)-p.pos < 5 || !strings.EqualFold(p.s[p.pos:p.pos+5], "SRID=") {
		return 0, nil
	}
	p.pos += 5
	end := strings.IndexByte(p.s[p.pos:], ';')
	if end < 0 {
		return 0, p.errorf("expected ';' after SRID")
	}
	srid, err := strconv.Atoi(strings.TrimSpace(p.s[p.pos : p.pos+end]))
	if err != nil || srid < 0 || srid > MaxSRID {
		return 0, p.errorf("bad SRID")
	}
	p.pos += end + 1
	return srid, nil
}

var wktTypes = map[string]uint32{
	"POINT": wkbPoint, "LINESTRING": wkbLineString, "POLYGON": wkbPolygon,
	"MULTIPOINT": wkbMultiPoint, "MULTILINESTRING": wkbMultiLineString,
	"MULTIPOLYGON": wkbMultiPolygon, "GEOMETRYCOLLECTION": wkbGeometryCollection,
}

// typeTag reads a type keyword and its optional Z, M or ZM tag, attached or not.
func (p *wktParser) typeTag() (uint32, int, error) {
	start := p.pos
	w := p.word()
	typ, ok := wktTypes[w]
	tag := ""
	for _, t := range []string{"ZM", "Z", "M"} {
		if !ok && strings.HasSuffix(w, t) {
			typ, ok = wktTypes[strings.TrimSuffix(w, t)]
			tag = t
		}
	}
	if !ok {
		p.pos = start
		return 0, 0, p.errorf("expected a geometry type")
	}
	if tag == "" {
		save := p.pos
		if tag = p.word(); tag != "Z" && tag != "M" && tag != "ZM" {
			tag, p.pos = "", save
		}
	}
	return typ, tagDims(tag), nil
}

// tagDims returns the ordinates per point a Z, M or ZM tag demands, or 0 for none.
func tagDims(tag string) int {
	switch tag {
	case "Z", "M":
		return 3
	case "ZM":
		return 4
	}
	return 0
}

// empty reports whether EMPTY comes next, and consumes it.
func (p *wktParser) empty() bool {
	save := p.pos
	if p.word() == "EMPTY" {
		return true
	}
	p.pos = save
	return false
}

func (p *wktParser) geometry(depth int) (orb.Geometry, error) {
	typ, dims, err := p.typeTag()
	if err != nil {
		return nil, err
	}
	p.dims = dims
	switch typ {
	case wkbPoint:
		if p.empty() {
			return EmptyPoint(), nil
		}
		return p.parenPoint()
	case wkbLineString:
		return p.lineString()
	case wkbPolygon:
		return p.polygon()
	case wkbMultiPoint:
		return listOf[orb.MultiPoint](p, p.multiPointMember)
	case wkbMultiLineString:
		return listOf[orb.MultiLineString](p, p.lineString)
	case wkbMultiPolygon:
		return listOf[orb.MultiPolygon](p, p.polygon)
	}
	return p.collection(depth)
}

// list parses "EMPTY" or "(" item {"," item} ")", calling item for each.
func (p *wktParser) list(item func() error) error {
	if p.empty() {
		return nil
	}
	if err := p.expect('('); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek() != ',' {
			return p.expect(')')
		}
		p.pos++
	}
}

// coords parses the ordinates of one point, without parentheses.
func (p *wktParser) coords() (orb.Point, error) {
	var pt orb.Point
	n := 0
	for ; n < 4; n++ {
		c := p.peek()
		if c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
			break
		}
		f, end, ok := parseFastFloat(p.s, p.pos)
		if ok && (end == len(p.s) || !isNumberByte(p.s[end])) {
			p.pos = end
		} else {
			start := p.pos
			for p.pos < len(p.s) && isNumberByte(p.s[p.pos]) {
				p.pos++
			}
			var err error
			if f, err = strconv.ParseFloat(p.s[start:p.pos], 64); err != nil {
				p.pos = start
				return pt, p.errorf("bad number")
			}
		}
		if n < 2 {
			pt[n] = f
		}
	}
	if n < 2 || (p.dims != 0 && n != p.dims) {
		return pt, p.errorf("wrong number of ordinates")
	}
	p.points++
	if p.points > p.maxPoints {
		return pt, tooLargef("more than %d points", p.maxPoints)
	}
	return pt, nil
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
}

func (p *wktParser) parenPoint() (orb.Point, error) {
	if err := p.expect('('); err != nil {
		return orb.Point{}, err
	}
	pt, err := p.coords()
	if err != nil {
		return pt, err
	}
	return pt, p.expect(')')
}

// listOf parses a list whose items each reads; EMPTY is an empty, non-nil S.
func listOf[S ~[]T, T any](p *wktParser, each func() (T, error)) (S, error) {
	items := S{}
	err := p.list(func() error {
		item, err := each()
		items = append(items, item)
		return err
	})
	return items, err
}

// pointList parses EMPTY or a parenthesized list of points into one slice,
// sized by counting the commas before the closing parenthesis.
func (p *wktParser) pointList() ([]orb.Point, error) {
	if p.empty() {
		return []orb.Point{}, nil
	}
	if err := p.expect('('); err != nil {
		return nil, err
	}
	n := 1
	if end := strings.IndexByte(p.s[p.pos:], ')'); end >= 0 {
		n += strings.Count(p.s[p.pos:p.pos+end], ",")
	}
	ps := make([]orb.Point, 0, min(n, maxPointsAlloc))
	for {
		pt, err := p.coords()
		if err != nil {
			return nil, err
		}
		ps = append(ps, pt)
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	return ps, p.expect(')')
}

// maxPointsAlloc caps what pointList allocates up front; more points grow
// the slice as they are read.
const maxPointsAlloc = 1 << 16

func (p *wktParser) ring() (orb.Ring, error) {
	ps, err := p.pointList()
	return orb.Ring(ps), err
}

func (p *wktParser) lineString() (orb.LineString, error) {
	ps, err := p.pointList()
	return orb.LineString(ps), err
}

func (p *wktParser) polygon() (orb.Polygon, error) { return listOf[orb.Polygon](p, p.ring) }

// multiPointMember reads a member of a MULTIPOINT: EMPTY, (x y) or bare x y.
func (p *wktParser) multiPointMember() (orb.Point, error) {
	switch {
	case p.empty():
		return EmptyPoint(), nil
	case p.peek() == '(':
		return p.parenPoint()
	}
	return p.coords()
}

func (p *wktParser) collection(depth int) (orb.Collection, error) {
	if depth >= MaxNestingDefault {
		return nil, tooLargef("collections nested deeper than %d", MaxNestingDefault)
	}
	return listOf[orb.Collection](p, func() (orb.Geometry, error) { return p.geometry(depth + 1) })
}
