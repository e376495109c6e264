package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// TaskStatuses are TM's task status names.
var TaskStatuses = []string{"READY", "LOCKED_FOR_MAPPING", "MAPPED", "LOCKED_FOR_VALIDATION", "VALIDATED", "INVALIDATED", "BADIMAGERY"}

// TaskGridGeoJSON writes a FeatureCollection of n task-grid polygons, like Tasking
// Manager tasks: small squares near lon 80, lat 7 (EPSG:4326), with properties id,
// project_id, x, y, zoom and task_status (BENCH.md W3).
func TaskGridGeoJSON(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rnd := rand.New(rand.NewPCG(seed, 3))
	bw.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	const side = 0.0055 // about 600 m
	cols := 1000
	var b []byte
	for i := range n {
		x, y := i%cols, i/cols
		lon, lat := 79.5+float64(x)*side, 6.0+float64(y)*side
		b = b[:0]
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = fmt.Appendf(b, `{"type":"Feature","properties":{"id":%d,"project_id":%d,"x":%d,"y":%d,"zoom":18,"task_status":%q},`,
			i+1, 1+rnd.IntN(50), 187000+x, 120000+y, TaskStatuses[rnd.IntN(len(TaskStatuses))])
		b = append(b, `"geometry":{"type":"Polygon","coordinates":[[`...)
		for k, c := range [][2]float64{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}} {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendFloat(b, c[0], 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, c[1], 'f', -1, 64)
			b = append(b, ']')
		}
		b = append(b, "]]}}"...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
