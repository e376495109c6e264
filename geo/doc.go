// Package geo decodes, validates, normalizes and encodes geometries for import into PostGIS, on top of github.com/paulmach/orb.
//
// Geometries are plain [orb.Geometry] values. Decoders cover streaming GeoJSON
// ([GeoJSONReader]), WKT and EWKT ([ParseWKT], [ParseEWKT]), WKB and EWKB
// ([ParseWKB], [ParseEWKB], [ParseHex]). [AppendEWKB] and [AppendEWKBHex] encode
// for PostgreSQL's binary and text COPY formats without allocating.
//
// orb is two-dimensional: every decoder keeps X and Y and drops Z and M. An empty
// point is represented as orb.Point{NaN, NaN}, the same encoding PostGIS uses for
// POINT EMPTY in WKB.
//
// orb has a package of its own named geo (github.com/paulmach/orb/geo); import it
// as orbgeo next to this one.
//
// Every decoder bounds what hostile input can make it allocate: counts read from
// WKB are checked against the bytes that remain, and all decoders stop at
// [MaxPointsDefault] points and [MaxNestingDefault] levels of nested collections.
//
// # Why the codecs are hand-written, measured against orb's
//
// orb v0.14 has a codec for each format here (encoding/wkb, encoding/ewkb,
// encoding/wkt, geojson). A hand-written one stays only if it is at least
// 1.2 times as fast as orb's, or if orb's cannot bound memory or element
// counts. Each one stays. Each is at least 1.2 times as fast on both data
// sets, except hex EWKB on large geometries: decoding at 1.09 and encoding at
// 1.18. There, hex conversion dominates and the WKB codec behind it is 1.56
// to 3.7 times as fast. Besides, orb's WKB and WKT decoders misread or refuse
// input this package must accept. orb reads PostGIS's EWKB LINESTRING Z (1 2 3,4 5 6) as
// (1 2,3 4) without an error, because it masks the type to 2D and ignores
// trailing bytes. It refuses ISO WKB Z (type 1002), and its WKT refuses
// "POINT Z (1 2 3)", "MULTIPOINT(1 2,3 4)", "POINT EMPTY" and the EWKT
// "SRID=n;" prefix. TestWhereOrbDiffers in geo/orbbench pins this. The
// encoders also append to the caller's buffer, with no allocation.
// GeoJSON through orb's types would also make the main module depend on the
// MongoDB driver's bson package, which orb/geojson imports.
//
// The table gives medians of 6 rounds on 2 cores shared with other work
// (load average 20-40). ours/orb is CPU ns per op of the process, from
// getrusage, which waiting for a core does not inflate. Wall-clock ns/op
// medians agree in direction, except hex EWKB decoding of countries (44 µs
// against 34). ×: how many times as fast ours is. allocs:
// ours/orb. One op is one geometry, cycling through the set. For streaming it
// is one feature: a whole FeatureCollection is read per iteration. Data: w3 is
// 200,000 task-grid polygons from testdata/gen (5 points each). countries is
// npm's @geo-maps/countries-land-10km: 1 MB, 220 countries (polygons and
// multipolygons) of 118 points at the median and 6,927 at most.
//
//	codec               data       ours/orb CPU ns    ×     allocs  memory ours/orb    decision: reason
//	WKB decode          w3              170/357      2.1    3/3     128/128 B/op       keep: faster; Z/M (see above)
//	WKB decode          countries      4272/6662     1.56  20/20    5.9/6.1 KB/op      keep
//	WKB encode          w3               46/97       2.1    0/1     0/1 B/op           keep: faster, no allocation
//	WKB encode          countries      1278/4670     3.7    0/6     0/30 B/op          keep
//	EWKB hex decode     w3              389/465      1.20   3/3     128/128 B/op       keep: the WKB decoder; Z/M
//	EWKB hex decode     countries     11608/12686    1.09  20/20    6.0/6.2 KB/op      keep: hex decoding (stdlib's in both) dominates
//	EWKB hex encode     w3              150/199      1.33   0/1     0/1 B/op           keep: faster, no allocation
//	EWKB hex encode     countries      7430/8738     1.18   0/6     62/95 B/op         keep: 1.35 in an earlier run; the WKB encoder
//	WKT decode          w3              681/924      1.36   3/3     128/128 B/op       keep: faster; Z/M, EMPTY, EWKT
//	WKT decode          countries     18598/49161    2.6   23/34    6.5/7.1 KB/op      keep
//	GeoJSON geometry    w3             1064/6170     5.8    8/24    376/1112 B/op      keep: faster than orb+encoding/json
//	                                   1064/1604     1.51   8/10    376/715 B/op       and than orb+goccy/go-json
//	GeoJSON geometry    countries     34404/207796   6.0   16/81    23/17 KB/op        keep
//	                                  34404/66726    1.94  16/40    23/25 KB/op        (goccy)
//	GeoJSON stream      w3             2490/13696    5.5   11/36    119/564 MB/FC      keep: faster; bounded memory, caps
//	  (per feature; orb's best: goccy, whole FC; encoding/json whole 23126, per feature 21612, 70 allocs)
//	GeoJSON stream      countries     28656/116244   4.1    7/59    2.2/10 MB/FC       keep
//
// The EWKB hex rows come from a second run of the same 6 rounds, limited to
// -bench CodecEWKBHex. It was made after ParseHex moved to encoding/hex and
// AppendEWKBHex to a table of digit pairs. orb's side decodes with
// encoding/hex into a reused buffer and encodes into a reused bytes.Buffer,
// the cheapest way to call it. Its hex is lower-case; ours is the upper-case
// hex PostGIS prints.
//
// Peak memory while streaming a 2 GB FeatureCollection (W3 features,
// 7.66 million, generated through an io.Pipe, never on disk; TestPeakMemory
// in geo/orbbench), as the most heap in use (sampled every 10 ms) and peak RSS:
//
//	GeoJSONReader                                   9 MB heap,  17 MB RSS, 40 s
//	encoding/json Decoder, one orb Feature at a time 8 MB heap,  17 MB RSS, 783 s (machine loaded)
//	orb UnmarshalFeatureCollection, encoding/json   252 MB in: 1.40 GB heap, 1.47 GB RSS
//	                                                513 MB in: 3.20 GB heap, 3.31 GB RSS
//	orb UnmarshalFeatureCollection, goccy/go-json   252 MB in: 2.16 GB heap, 2.22 GB RSS
//
// orb's geojson.UnmarshalFeatureCollection needs the whole input in memory
// and grows linearly, at about 6.2 times the input with encoding/json and
// 8.6 times with goccy. At 2 GB that is about 12.5 GB and 17 GB. It was not
// run at 2 GB, since the 23 GB machine is shared. Streaming with
// encoding/json's Decoder keeps memory flat, but only as long as each
// feature is small. It has no cap on the bytes or points of one feature,
// where GeoJSONOptions.MaxFeatureBytes and MaxPoints bound the reader.
// The JSON scanner in json.go is part of the GeoJSON codec and stays with it.
//
// The commands, from geo/orbbench, a module of its own so that the
// benchmarks' dependencies (goccy/go-json, orb/geojson's bson) stay out of
// the main module:
//
//	npm install --prefix /tmp/geomaps @geo-maps/countries-land-10km
//	export GEO_COUNTRIES=/tmp/geomaps/node_modules/@geo-maps/countries-land-10km/map.geo.json
//	go test -c -o /tmp/orbbench.test .
//	for i in 1 2 3 4 5 6; do
//	  if [ $((i % 2)) = 0 ]; then export GEO_BENCH_REVERSE=1; else unset GEO_BENCH_REVERSE; fi
//	  /tmp/orbbench.test -test.run '^$' -test.bench 'Codec(WKB|EWKB|WKT|GeoJSONGeometry)' -test.benchtime 200ms -test.benchmem
//	  /tmp/orbbench.test -test.run '^$' -test.bench 'CodecGeoJSONStream/countries' -test.benchtime 3x -test.benchmem
//	  /tmp/orbbench.test -test.run '^$' -test.bench 'CodecGeoJSONStream/w3' -test.benchtime 1x -test.benchmem
//	done > bench.txt
//	benchstat -col /impl bench.txt
//	GEO_PEAK_IMPL=ours GEO_PEAK_BYTES=2000000000 /tmp/orbbench.test -test.run TestPeakMemory -test.v
//	# and GEO_PEAK_IMPL=orb_per_feature, orb_whole, orb_whole_goccy
package geo
