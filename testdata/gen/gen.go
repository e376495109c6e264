// Package gen generates the deterministic test, benchmark and demo data of tmimport:
// task_history-like CSV files (BENCH.md W1/W2), task-grid GeoJSON (W3), and more as the
// project grows. The same seed always gives the same bytes.
//
// It lives under testdata/ so that `go build ./...` and `go test ./...` skip it; tests
// and the benchmark driver import it by path.
package gen

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Actions are the task_history action values (TM's TaskAction names).
var Actions = []string{"STATE_CHANGE", "LOCKED_FOR_MAPPING", "LOCKED_FOR_VALIDATION", "AUTO_UNLOCKED_FOR_MAPPING",
	"AUTO_UNLOCKED_FOR_VALIDATION", "COMMENT", "EXTENDED_FOR_MAPPING", "EXTENDED_FOR_VALIDATION"}

// TaskHistoryHeader is the header row of [TaskHistoryCSV].
const TaskHistoryHeader = "id,project_id,task_id,action,action_text,action_date,user_id"

// TaskHistoryDDL creates a table shaped like the CSV (no indexes).
const TaskHistoryDDL = `(id bigint, project_id int, task_id int, action text, action_text text, action_date timestamp, user_id bigint)`

// CSVOptions shape a generated CSV file.
type CSVOptions struct {
	// Rows is the number of data rows.
	Rows int
	// Seed selects the data; the same seed gives the same bytes.
	Seed uint64
	// FirstID is the id of the first row (ids increase by one). Defaults to 1.
	FirstID int64
	// CRLF ends lines with \r\n instead of \n.
	CRLF bool
	// BOM starts the file with a UTF-8 byte order mark.
	BOM bool
	// Multiline makes about one text in 20 hold a quoted line break.
	Multiline bool
	// Shuffle, when not nil, maps row i to the id FirstID+Shuffle[i].
	Shuffle []int64
}

// texts are the building blocks of action_text: commas, quotes, backslashes, UTF-8 and
// emoji, as users type them.
var texts = []string{"mapped", "buildings", "roads, tracks", `"done"`, `C:\path\to`, "ñandú", "Zürich", "東京",
	"🗺️", "✓ validated", "needs review", "O'Brien", "a;b", "tab\there", "50% done", "#hotosm"}

// TaskHistoryCSV writes a task_history CSV with a header and o.Rows rows.
func TaskHistoryCSV(w io.Writer, o CSVOptions) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rnd := rand.New(rand.NewPCG(o.Seed, 0x7a5c))
	eol := "\n"
	if o.CRLF {
		eol = "\r\n"
	}
	if o.BOM {
		bw.WriteString("\ufeff")
	}
	bw.WriteString(TaskHistoryHeader + eol)
	first := o.FirstID
	if first == 0 {
		first = 1
	}
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var line []byte
	for i := range o.Rows {
		id := first + int64(i)
		if o.Shuffle != nil {
			id = first + o.Shuffle[i]
		}
		line = TaskHistoryRow(line[:0], rnd, id, o.Multiline, eol, base)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// TaskHistoryRow appends one CSV row for id to dst.
func TaskHistoryRow(dst []byte, rnd *rand.Rand, id int64, multiline bool, eol string, base int64) []byte {
	dst = strconv.AppendInt(dst, id, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, 1+rnd.Int64N(20000), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, 1+rnd.Int64N(5000), 10)
	dst = append(dst, ',')
	dst = append(dst, Actions[rnd.IntN(len(Actions))]...)
	dst = append(dst, ',')
	dst = appendText(dst, rnd, multiline, eol)
	dst = append(dst, ',')
	dst = time.Unix(base+rnd.Int64N(5*365*86400), 0).UTC().AppendFormat(dst, "2006-01-02 15:04:05")
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, 1+rnd.Int64N(1_000_000), 10)
	return append(dst, eol...)
}

// appendText appends an action_text field: NULL (unquoted empty) about 1 in 10, the
// empty string ("") 1 in 20, else 0-60 characters of texts, quoted when needed.
func appendText(dst []byte, rnd *rand.Rand, multiline bool, eol string) []byte {
	switch r := rnd.IntN(20); {
	case r < 2:
		return dst // NULL
	case r == 2:
		return append(dst, `""`...)
	}
	var raw []byte
	for n := 1 + rnd.IntN(6); n >= 0 && len(raw) < 60; n-- {
		if len(raw) > 0 {
			raw = append(raw, ' ')
		}
		raw = append(raw, texts[rnd.IntN(len(texts))]...)
	}
	if multiline && rnd.IntN(20) == 0 {
		raw = append(raw, eol...)
		raw = append(raw, "second line"...)
	}
	return AppendCSVField(dst, raw)
}

// AppendCSVField appends v as a CSV field, quoted (with "" for ") when it holds a comma,
// quote, CR or LF, or is empty (so it reads back as the empty string, not NULL).
func AppendCSVField(dst, v []byte) []byte {
	needs := len(v) == 0
	for _, c := range v {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
