package copybin_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tmimport/tmimport/pgio/copybin"
)

// taskHistoryTypes is W1's task_history as format_type prints it.
var taskHistoryTypes = []string{"bigint", "integer", "integer", "text", "text",
	"timestamp without time zone", "bigint"}

var taskActions = []string{"STATE_CHANGE", "LOCKED_FOR_MAPPING", "COMMENT", "LOCKED_FOR_VALIDATION",
	"AUTO_UNLOCKED_FOR_MAPPING", "AUTO_UNLOCKED_FOR_VALIDATION", "EXTENDED_FOR_MAPPING", "EXTENDED_FOR_VALIDATION"}

// actionTextRunes feeds action_text: commas, quotes, backslashes and multi-byte UTF-8.
var actionTextRunes = []rune(`abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789 ,,"\\'.-_:;éüñçøå中文字日本語🗺️😀🚀`)

// taskHistoryRecords returns n W1-like records, each field a separate []byte as a CSV
// reader would produce them; action_text is NULL now and then and empty now and then.
func taskHistoryRecords(r *rand.Rand, n int) [][][]byte {
	recs := make([][][]byte, n)
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		var text []byte
		switch k := r.IntN(20); {
		case k == 0:
			text = nil
		case k == 1:
			text = []byte{}
		default:
			var sb strings.Builder
			for range r.IntN(61) {
				sb.WriteRune(actionTextRunes[r.IntN(len(actionTextRunes))])
			}
			text = []byte(sb.String())
		}
		date := base.Add(time.Duration(r.Int64N(int64(6 * 365 * 24 * time.Hour))))
		layout := "2006-01-02 15:04:05"
		if r.IntN(4) == 0 {
			layout += ".000000"
		}
		recs[i] = [][]byte{
			[]byte(strconv.Itoa(i + 1)),
			[]byte(strconv.Itoa(1 + r.IntN(20000))),
			[]byte(strconv.Itoa(1 + r.IntN(5000))),
			[]byte(taskActions[r.IntN(len(taskActions))]),
			text,
			[]byte(date.Truncate(time.Second).Add(time.Duration(r.IntN(1e6)) * time.Microsecond).Format(layout)),
			[]byte(strconv.FormatInt(1+r.Int64N(1e10), 10)),
		}
	}
	return recs
}

// BenchmarkAppendRowTaskHistory encodes W1 task_history records, one op per row.
func BenchmarkAppendRowTaskHistory(b *testing.B) {
	enc, err := copybin.NewEncoder(taskHistoryTypes)
	if err != nil {
		b.Fatal(err)
	}
	recs := taskHistoryRecords(rand.New(rand.NewPCG(1, 2)), 4096)
	recs[0][5] = []byte("2019-05-06 10:11:12")
	var in int
	for _, rec := range recs {
		for _, f := range rec {
			in += len(f) + 1
		}
	}
	b.SetBytes(int64(in / len(recs)))
	buf := make([]byte, 0, 1<<20)
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, cpuOK := threadCPU()
	i := 0
	for b.Loop() {
		if len(buf) > cap(buf)-4096 {
			buf = buf[:0]
		}
		if buf, err = enc.AppendRow(buf, recs[i]); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(recs) {
			i = 0
		}
	}
	if cpu1, ok := threadCPU(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkAppendRowTypes encodes one typical value per type, one op per value.
func BenchmarkAppendRowTypes(b *testing.B) {
	for _, c := range []struct{ typ, v string }{
		{"bigint", "1234567890"}, {"integer", "-42"}, {"double precision", "3.14159265358979"},
		{"real", "2.5e-3"}, {"boolean", "true"}, {"text", "LOCKED_FOR_MAPPING"},
		{"jsonb", `{"a":1}`}, {"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {"date", "2019-05-06"},
		{"timestamp without time zone", "2019-05-06 10:11:12.123456"},
		{"timestamp with time zone", "2019-05-06 10:11:12+02:00"},
	} {
		b.Run(fmt.Sprint(c.typ), func(b *testing.B) {
			enc, err := copybin.NewEncoder([]string{c.typ})
			if err != nil {
				b.Fatal(err)
			}
			fields := [][]byte{[]byte(c.v)}
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc.AppendRow(buf, fields); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
