module github.com/tmimport/tmimport/stages/loaderbench

go 1.26.0

require (
	github.com/graph-gophers/dataloader/v7 v7.1.0
	github.com/tmimport/tmimport v0.0.0
	github.com/vikstrous/dataloadgen v0.0.10
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/sourcegraph/conc v0.3.0 // indirect
	go.opentelemetry.io/otel v1.44.0 // indirect
	go.opentelemetry.io/otel/trace v1.44.0 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
)

replace github.com/tmimport/tmimport => ../..
