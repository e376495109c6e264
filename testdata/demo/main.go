// Command demo writes the inputs of `make demo` into a directory: a task_history CSV
// with a few bad rows and a task-grid GeoJSON with one invalid feature.
//
//	go run ./testdata/demo DIR
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tmimport/tmimport/testdata/gen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./testdata/demo DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	var csv bytes.Buffer
	if err := gen.TaskHistoryCSV(&csv, gen.CSVOptions{Rows: 200_000, Seed: 42, Multiline: true}); err != nil {
		return err
	}
	// Two bad rows at the end: an id that is not a number, a date that does not exist.
	csv.WriteString("x1,1,1,COMMENT,not a number,2020-01-01 00:00:00,1\n")
	csv.WriteString("200002,1,1,COMMENT,bad date,2020-02-31 00:00:00,1\n")
	if err := os.WriteFile(filepath.Join(dir, "task_history.csv"), csv.Bytes(), 0o644); err != nil {
		return err
	}
	var geo bytes.Buffer
	if err := gen.TaskGridGeoJSON(&geo, 20_000, 42); err != nil {
		return err
	}
	// Replace the closing "]}" with one more, invalid feature (an open ring).
	data, ok := bytes.CutSuffix(geo.Bytes(), []byte("\n]}\n"))
	if !ok {
		return fmt.Errorf("the generated FeatureCollection does not end as expected")
	}
	data = append(data, `,
{"type":"Feature","properties":{"id":20001,"project_id":1,"x":0,"y":0,"zoom":18,"task_status":"READY"},"geometry":{"type":"Polygon","coordinates":[[[80,7],[81,7],[81,8],[80,8]]]}}
]}
`...)
	return os.WriteFile(filepath.Join(dir, "tasks.geojson"), data, 0o644)
}
