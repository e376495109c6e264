package geo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ParseSRID returns the SRID a coordinate reference system name stands for.
// It accepts the forms found in GeoJSON crs members and on command lines:
// "EPSG:3857", "urn:ogc:def:crs:EPSG::3857", "urn:ogc:def:crs:EPSG:6.6:3857",
// "http://www.opengis.net/def/crs/EPSG/0/3857", a bare "3857", and the OGC
// names CRS84 (4326), CRS83 (4269) and CRS27 (4267) in any of those forms.
// Case does not matter. Other names are an error wrapping [ErrSRID].
//
// An EPSG code must lie in the range the EPSG dataset uses, [MinEPSG,
// MaxEPSG]; any other number is an error naming it, where PostGIS would take
// it as an SRID of the user's and create geometry(Point,999999) for a crs of
// EPSG:999999, which no spatial_ref_sys row describes. The legacy Google code
// 900913 is taken as 3857, as GDAL does. Whether an SRID in range is in the
// database's spatial_ref_sys is for the caller to check there.
func ParseSRID(name string) (int, error) {
	s := strings.ToUpper(strings.TrimSpace(name))
	for _, prefix := range []string{"URN:OGC:DEF:CRS:", "HTTP://WWW.OPENGIS.NET/DEF/CRS/", "HTTPS://WWW.OPENGIS.NET/DEF/CRS/"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = authorityCode(rest)
			break
		}
	}
	s = strings.TrimPrefix(s, "EPSG:")
	s = strings.TrimPrefix(s, "OGC:")
	switch s {
	case "CRS84":
		return SRIDWGS84, nil
	case "CRS83":
		return 4269, nil
	case "CRS27":
		return 4267, nil
	}
	srid, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: crs %q", ErrSRID, name)
	case srid == 900913:
		return SRIDWebMercator, nil
	case srid < MinEPSG || srid > MaxEPSG:
		return 0, fmt.Errorf("%w: crs %q names %d, which is not an EPSG code (EPSG codes run from %d to %d)",
			ErrSRID, name, srid, MinEPSG, MaxEPSG)
	}
	return srid, nil
}

// The range of codes the EPSG dataset assigns; codes above are left to users.
const (
	MinEPSG = 1024
	MaxEPSG = 32767
)

// authorityCode reduces "EPSG:6.6:3857", "EPSG::3857" or "EPSG/0/3857" to
// "EPSG:3857", and the OGC forms to "OGC:CRS84".
func authorityCode(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '/' })
	if len(parts) < 2 {
		return s
	}
	return parts[0] + ":" + parts[len(parts)-1]
}

// sridOfCRS returns the SRID named by a decoded GeoJSON crs member, or 0 for a
// null crs. It knows the named form {"type":"name","properties":{"name":…}} and
// the 2008 draft's {"type":"EPSG","properties":{"code":…}}; linked CRSs are
// not supported.
func sridOfCRS(v any) (int, error) {
	if v == nil {
		return 0, nil
	}
	crs, _ := v.(map[string]any)
	props, _ := crs["properties"].(map[string]any)
	switch typ, _ := crs["type"].(string); strings.ToLower(typ) {
	case "name":
		if name, ok := props["name"].(string); ok {
			return ParseSRID(name)
		}
	case "epsg":
		if code, ok := props["code"].(json.Number); ok {
			return ParseSRID(code.String())
		}
	}
	return 0, fmt.Errorf("%w: unsupported crs member", ErrSRID)
}
