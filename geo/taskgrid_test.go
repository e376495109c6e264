package geo

import (
	"bytes"
	"fmt"
	"io"
	"math"
)

// taskGrid generates, on the fly, a FeatureCollection of n task-grid squares
// near lon 80, lat 7, shaped like the Tasking Manager's task GeoJSON.
type taskGrid struct {
	n, i  int
	state int // 0 header, 1 features, 2 footer, 3 done
	buf   bytes.Buffer
}

func newTaskGrid(n int) *taskGrid { return &taskGrid{n: n} }

func (g *taskGrid) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.state < 3 {
		switch g.state {
		case 0:
			g.buf.WriteString(`{"type": "FeatureCollection", "features": [`)
			g.state = 1
		case 1:
			if g.i == g.n {
				g.state = 2
				continue
			}
			if g.i > 0 {
				g.buf.WriteString(",\n")
			}
			g.buf.Write(taskFeature(g.i))
			g.i++
		case 2:
			g.buf.WriteString("]}\n")
			g.state = 3
		}
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// taskSquare returns the i-th square of the grid: a closed 5-point ring.
func taskSquare(i int) [5][2]float64 {
	const size = 0.02197265625 // a zoom-14 tile
	x0 := 80 + float64(i%500)*size
	y0 := 7 + float64(i/500)*size*math.Cos(7*math.Pi/180)
	return [5][2]float64{{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}}
}

func taskFeature(i int) []byte {
	sq := taskSquare(i)
	var b bytes.Buffer
	b.WriteString(`{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[`)
	for j, p := range sq {
		if j > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%v, %v]", p[0], p[1])
	}
	fmt.Fprintf(&b, `]]}, "properties": {"id": %d, "project_id": 42, "x": %d, "y": %d, "zoom": 14, "task_status": %d}}`,
		i+1, 11912+i%500, 7800+i/500, i%7)
	return b.Bytes()
}

// taskGridBytes returns the whole FeatureCollection of n features.
func taskGridBytes(n int) []byte {
	b, _ := io.ReadAll(newTaskGrid(n))
	return b
}
