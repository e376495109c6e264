package csvsrc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

func Example() {
	dir, _ := os.MkdirTemp("", "csvsrc-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.csv")
	data := "id,name,note\n1,\"Smith, J\",\n2,\"two\nlines\",\"\"\n\\.\n3,Ann,ok"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		panic(err)
	}

	src, err := csvsrc.Open(path, csvsrc.Options{ParseFields: true, Name: "people.csv"})
	if err != nil {
		panic(err)
	}
	defer src.Close()
	fmt.Println("header:", src.Header())

	ctx := context.Background()
	var b pipeline.Batch[csvsrc.Record]
	for chunk, err := range src.Chunks(ctx, 2) {
		if err != nil {
			panic(err)
		}
		info := chunk.Info()
		fmt.Printf("chunk %d: bytes %d-%d from line %d\n", info.Seq, info.Start, info.End, info.FirstLine)
		for {
			b.Reset()
			err := chunk.Next(ctx, &b, pipeline.Limits{Rows: 100, Bytes: 1 << 20})
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				panic(err)
			}
			for i, r := range b.Rows {
				fmt.Printf("  line %d: %s\n", b.Pos[i].Line, fields(r.Fields))
			}
			for _, r := range b.Rejects {
				fmt.Println("  rejected:", r)
			}
			fmt.Printf("  COPY payload: %q\n", b.Raw)
		}
		_ = chunk.Close()
	}
	// Output:
	// header: [id name note]
	// chunk 0: bytes 13-44 from line 2
	//   line 2: 1 | "Smith, J" | NULL
	//   line 3: 2 | "two\nlines" | ""
	//   COPY payload: "1,\"Smith, J\",\n2,\"two\nlines\",\"\"\n"
	// chunk 1: bytes 44-55 from line 5
	//   line 6: 3 | Ann | ok
	//   rejected: people.csv line 5: a line containing only \. ends COPY input; quote it as "\."
	//   COPY payload: "3,Ann,ok\n"
}

// fields renders field values, NULL for a nil one.
func fields(fs [][]byte) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		switch {
		case f == nil:
			out[i] = "NULL"
		case strings.ContainsAny(string(f), " ,\n") || len(f) == 0:
			out[i] = fmt.Sprintf("%q", f)
		default:
			out[i] = string(f)
		}
	}
	return strings.Join(out, " | ")
}
