// Module orbbench benchmarks package geo against github.com/paulmach/orb and
// github.com/goccy/go-json. It is a module of its own so that the main module
// does not depend on what only the benchmarks need (orb/geojson pulls in the
// MongoDB driver's bson package, and goccy/go-json).
module github.com/tmimport/tmimport/geo/orbbench

go 1.26.0

require (
	github.com/goccy/go-json v0.12.0
	github.com/paulmach/orb v0.14.0
	github.com/tmimport/tmimport v0.0.0
)

require go.mongodb.org/mongo-driver/v2 v2.5.0 // indirect

replace github.com/tmimport/tmimport => ../..
