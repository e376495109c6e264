package csvgeom

import (
	"context"
	"strings"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// TestStage checks that the stage rewrites a row's Raw with the converted geometry and
// rejects a row whose geometry does not parse, keeping the others in order.
func TestStage(t *testing.T) {
	src, err := csvsrc.NewReader(strings.NewReader("id,geom\n1,POINT(1 2)\n2,POINT(1)\n3,\n"), csvsrc.Options{ParseFields: true})
	if err != nil {
		t.Fatal(err)
	}
	var b pipeline.Batch[csvsrc.Record]
	for c, err := range src.Chunks(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Next(context.Background(), &b, pipeline.Limits{}); err != nil {
			t.Fatal(err)
		}
		break
	}
	st := Stage(csvsrc.Dialect{}, []Column{{Index: 1, Name: "geom", Format: WKT, SRID: 4326}})
	if err := st.Process(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range b.Rows {
		got = append(got, string(r.Raw))
	}
	want := []string{"1,0101000020E6100000000000000000F03F0000000000000040\n", "3,\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if len(b.Rejects) != 1 || b.Rejects[0].Pos.Line != 3 || !strings.Contains(b.Rejects[0].Err.Error(), "column geom") ||
		string(b.Rejects[0].Raw) != "2,POINT(1)\n" {
		t.Errorf("rejects = %v", b.Rejects)
	}
	if b.Raw != nil {
		t.Error("Raw is set")
	}
}
