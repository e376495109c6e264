package csvsrc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// benchSize is the size of the generated benchmark file.
const benchSize = 50 << 20

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchFile returns a generated ~50 MB task_history-like CSV, made once per run.
func benchFile(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "csvsrc-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "task_history.csv")
		benchErr = writeTaskHistory(benchPath, benchSize)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

var (
	actions = []string{"STATE_CHANGE", "LOCKED_FOR_MAPPING", "LOCKED_FOR_VALIDATION", "COMMENT",
		"AUTO_UNLOCKED_FOR_MAPPING", "AUTO_UNLOCKED_FOR_VALIDATION", "EXTENDED_FOR_MAPPING", "RELEASED_FOR_MAPPING"}
	textPieces = []string{"mapped", "roads", ",", "\"", "\\", "bâtiment", "道路", "🚀", "ok", " ", "N\\A", "😀", "é"}
)

// writeTaskHistory writes a task_history-like CSV of about size bytes: id, project_id,
// task_id, action, action_text (0-60 characters with commas, quotes, backslashes and
// multi-byte UTF-8 incl. emoji), action_date, user_id.
func writeTaskHistory(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintln(w, "id,project_id,task_id,action,action_text,action_date,user_id")
	t0 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	var written int64
	for id := 1; written < size; id++ {
		var text strings.Builder
		for n := rng.IntN(61); text.Len() < n; {
			text.WriteString(textPieces[rng.IntN(len(textPieces))])
		}
		field := text.String()
		if strings.ContainsAny(field, ",\"\n\r") || field == "" {
			field = `"` + strings.ReplaceAll(field, `"`, `""`) + `"`
		}
		line := fmt.Sprintf("%d,%d,%d,%s,%s,%s,%d\n", id, 1+rng.IntN(20000), 1+rng.IntN(5000),
			actions[rng.IntN(len(actions))], field,
			t0.Add(time.Duration(rng.Int64N(int64(5*365*24*time.Hour)))).Format("2006-01-02 15:04:05.000000"),
			1+rng.Int64N(20_000_000))
		k, err := w.WriteString(line)
		if err != nil {
			return err
		}
		written += int64(k)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// BenchmarkSplit measures cutting the file into chunks at record boundaries.
func BenchmarkSplit(b *testing.B) {
	path := benchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{2, 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s, err := csvsrc.Open(path, csvsrc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(fi.Size())
			for b.Loop() {
				k := 0
				for c, err := range s.Chunks(context.Background(), n) {
					if err != nil {
						b.Fatal(err)
					}
					k++
					_ = c.Close()
				}
				if k != n {
					b.Fatalf("%d chunks, want %d", k, n)
				}
			}
		})
	}
}

// BenchmarkChunkRead measures reading every batch of the file in one chunk, on the fast
// path and with fields parsed.
func BenchmarkChunkRead(b *testing.B) {
	path := benchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, parse := range []bool{false, true} {
		b.Run(fmt.Sprintf("parse=%v", parse), func(b *testing.B) {
			s, err := csvsrc.Open(path, csvsrc.Options{ParseFields: parse})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(fi.Size())
			var batch pipeline.Batch[csvsrc.Record]
			lim := pipeline.Limits{Rows: pipeline.BatchRowsDefault, Bytes: pipeline.BatchBytesDefault}
			for b.Loop() {
				rows := 0
				for c, err := range s.Chunks(context.Background(), 1) {
					if err != nil {
						b.Fatal(err)
					}
					for {
						batch.Reset()
						err := c.Next(context.Background(), &batch, lim)
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						if len(batch.Rejects) > 0 {
							b.Fatal(batch.Rejects[0])
						}
						rows += len(batch.Rows)
					}
					_ = c.Close()
				}
				if rows == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
}
