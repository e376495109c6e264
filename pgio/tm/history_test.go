package tm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestAppendJSONTimeMatchesPostgres(t *testing.T) {
	t.Parallel()
	at := func(s string) *time.Time {
		v, err := time.Parse("2006-01-02 15:04:05.999999", s)
		require.NoError(t, err)
		return &v
	}
	// PostgreSQL's to_json of a timestamp drops trailing zeros of the fraction.
	require.Equal(t, `"2016-03-16T18:38:07.984342"`, string(appendJSONTime(nil, at("2016-03-16 18:38:07.984342"))))
	require.Equal(t, `"2016-03-16T18:38:07.5"`, string(appendJSONTime(nil, at("2016-03-16 18:38:07.500000"))))
	require.Equal(t, `"2016-03-16T18:38:07"`, string(appendJSONTime(nil, at("2016-03-16 18:38:07"))))
	require.Equal(t, `null`, string(appendJSONTime(nil, nil)))
}

func TestHistoryOrderAndShape(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { v := time.Date(2020, 1, d, 0, 0, 0, 0, time.UTC); return &v }
	h := &taskHistory{entries: []*histEntry{
		{at: day(2), kind: 0, id: 9, json: []byte(`{"type":"action","id":9`), issues: []issue{{id: 2, text: "b", category: 1, count: 2}, {id: 1, text: "a", category: 1, count: 3}}},
		{at: nil, kind: 1, id: 1, json: []byte(`{"type":"invalidation","id":1}`)},
		{at: day(2), kind: 1, id: 3, json: []byte(`{"type":"invalidation","id":3}`)},
		{at: day(2), kind: 0, id: 4, json: []byte(`{"type":"action","id":4`), issues: []issue{{id: 5, text: "c", category: 7, count: 1}}},
		{at: day(1), kind: 0, id: 20, json: []byte(`{"type":"action","id":20`)},
	}}
	var got []map[string]any
	require.NoError(t, json.Unmarshal(h.appendHistory(nil), &got))
	var ids []float64
	for _, e := range got {
		ids = append(ids, e["id"].(float64))
	}
	require.Equal(t, []float64{20, 4, 9, 3, 1}, ids, "time, then actions before invalidations, then id; no time last")
	require.Equal(t, []any{}, got[0]["issues"])
	require.Len(t, got[2]["issues"], 2)
	require.Equal(t, "a", got[2]["issues"].([]any)[0].(map[string]any)["issue"], "issues by id")
	var sums []map[string]any
	require.NoError(t, json.Unmarshal(h.appendIssues(nil), &sums))
	require.Equal(t, []map[string]any{{"issue": "a", "category": 1.0, "count": 5.0}, {"issue": "c", "category": 7.0, "count": 1.0}}, sums)
	var none *taskHistory
	require.Equal(t, "[]", string(none.appendHistory(nil)))
	require.Equal(t, "[]", string(none.appendIssues(nil)))
}

// FuzzAppendJSONString: any text PostgreSQL can hold (valid UTF-8, no NUL) becomes a
// JSON string that decodes to the same text.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" backslash \\ newline \n tab \t cr \r", "\x01\x1f\u00a0é 東京 😕", "</script>&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return
		}
		out := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q gave invalid JSON %s: %v", s, out, err)
		}
		if back != s {
			t.Fatalf("%q came back as %q", s, back)
		}
	})
}
