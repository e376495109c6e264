package tm

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// historyStage folds a batch's task_history, task_mapping_issues and
// task_invalidation_history rows into its task rows, in Go: it reads the children of
// the batch's task id range in the source's snapshot, builds each task's history and
// issues as JSON and appends them to the task's tuple, and sets created to the first
// history entry's date.
//
// It replaced a correlated JSON aggregate in the tasks query: at scale 1 that query
// cost the source backend 18.1 s, while the children sorted out of the source cost 2.9 s
// and building their JSON here a fraction of that (see README, TM migration).
type historyStage struct {
	src     *pgio.TableSource
	schema  string // the source schema, quoted
	fields  int    // fields of a task tuple as the generic stage leaves it
	id      int    // field of tasks.id (bigint)
	project int    // field of tasks.project_id (int)
	created int    // field of created (timestamp), the project's creation until set here
}

type taskKey struct {
	id      int64
	project int32
}

type histEntry struct {
	at     *time.Time
	kind   int // 0 action, 1 invalidation
	id     int64
	json   []byte
	issues []issue
}

type issue struct {
	id       int64
	text     string
	category int64
	count    int64
}

type taskHistory struct {
	entries []*histEntry
	first   *time.Time
	unknown []string // unknown action names
}

// pgEpoch is PostgreSQL's timestamp epoch in Unix microseconds.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// Process implements pipeline.Stage.
func (h *historyStage) Process(ctx context.Context, b *pipeline.Batch[[]byte]) error {
	if len(b.Rows) == 0 {
		return nil
	}
	// Decode each task's key and field offsets once.
	shape := &stage{fields: h.fields}
	type task struct {
		key  taskKey
		offs []int
	}
	tasks := make([]task, len(b.Rows))
	all := make([]int, 0, len(b.Rows)*h.fields) // every row's offsets, in one allocation
	lo, hi := int64(1<<63-1), int64(-1<<63)
	for i, row := range b.Rows {
		o, err := shape.offsets(row, all[len(all):len(all):len(all)+h.fields])
		if err != nil {
			return err
		}
		all = all[:len(all)+h.fields]
		k := taskKey{id: int64(binary.BigEndian.Uint64(row[o[h.id]+4:])), project: int32(binary.BigEndian.Uint32(row[o[h.project]+4:]))}
		tasks[i] = task{k, o}
		lo, hi = min(lo, k.id), max(hi, k.id)
	}
	hist, err := h.load(ctx, lo, hi)
	if err != nil {
		return err
	}
	// Reject the tasks whose history holds an action TM does not have; tasks keeps
	// step with the rows that stay.
	kept := tasks[:0]
	b.RejectWhere(func(i int, _ []byte) error {
		k := tasks[i].key
		if t := hist[k]; t != nil && len(t.unknown) > 0 {
			slices.Sort(t.unknown)
			return &RowError{Table: "tasks", Problem: fmt.Sprintf("tasks project_id=%d id=%d: task_history.action: unknown TaskAction %s",
				k.project, k.id, strings.Join(slices.Compact(t.unknown), ", "))}
		}
		kept = append(kept, tasks[i])
		return nil
	}, nil)
	tasks = kept
	var arena []byte
	spans := make([][2]int, len(b.Rows))
	for i, row := range b.Rows {
		start := len(arena)
		arena = binary.BigEndian.AppendUint16(arena, uint16(h.fields+2))
		t, offs := hist[tasks[i].key], tasks[i].offs
		for f := range h.fields {
			end := len(row)
			if f+1 < h.fields {
				end = offs[f+1]
			}
			if f == h.created && t != nil && t.first != nil {
				arena = binary.BigEndian.AppendUint32(arena, 8)
				arena = binary.BigEndian.AppendUint64(arena, uint64(t.first.UnixMicro()-pgEpoch))
				continue
			}
			arena = append(arena, row[offs[f]:end]...)
		}
		arena = appendJSONB(arena, t.appendHistory)
		arena = appendJSONB(arena, t.appendIssues)
		spans[i] = [2]int{start, len(arena)}
	}
	for i, sp := range spans {
		b.Rows[i] = arena[sp[0]:sp[1]:sp[1]]
	}
	b.Touch()
	return nil
}

// appendJSONB appends a binary COPY jsonb field: its length, the version byte, the text.
func appendJSONB(dst []byte, text func([]byte) []byte) []byte {
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0, 1)
	dst = text(dst)
	binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// load reads the children of the tasks with ids in [lo, hi] in the source's snapshot.
func (h *historyStage) load(ctx context.Context, lo, hi int64) (map[taskKey]*taskHistory, error) {
	out := map[taskKey]*taskHistory{}
	actions := map[int64]*histEntry{} // task_history id → its entry, for the issues
	get := func(k taskKey) *taskHistory {
		t := out[k]
		if t == nil {
			t = &taskHistory{}
			out[k] = t
		}
		return t
	}
	s := h.schema
	err := h.src.InSnapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select h.project_id, h.task_id, h.id, h.action, h.action_text, h.action_date, h.user_id
			from `+s+`.task_history h where h.task_id between $1 and $2 and h.project_id is not null`, lo, hi)
		if err != nil {
			return err
		}
		var (
			project  int32
			task, id int64
			action   string
			text     *string
			date     time.Time
			user     int64
			buf      []byte
		)
		_, err = pgx.ForEachRow(rows, []any{&project, &task, &id, &action, &text, &date, &user}, func() error {
			t := get(taskKey{task, project})
			if !slices.Contains(TaskActions, action) {
				t.unknown = append(t.unknown, action)
			}
			buf = buf[:0]
			buf = append(buf, `{"type":"action","id":`...)
			buf = strconv.AppendInt(buf, id, 10)
			buf = append(buf, `,"action":`...)
			buf = appendJSONString(buf, action)
			buf = append(buf, `,"action_text":`...)
			if text == nil {
				buf = append(buf, "null"...)
			} else {
				buf = appendJSONString(buf, *text)
			}
			buf = append(buf, `,"action_date":`...)
			buf = appendJSONTime(buf, &date)
			buf = append(buf, `,"user_id":`...)
			buf = strconv.AppendInt(buf, user, 10)
			d := date
			e := &histEntry{at: &d, kind: 0, id: id, json: slices.Clone(buf)}
			t.entries = append(t.entries, e)
			actions[id] = e
			if t.first == nil || d.Before(*t.first) {
				t.first = &d
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select m.task_history_id, m.id, m.issue, m.mapping_issue_category_id, m.count
			from `+s+`.task_mapping_issues m join `+s+`.task_history h on h.id = m.task_history_id
			where h.task_id between $1 and $2 and h.project_id is not null`, lo, hi)
		if err != nil {
			return err
		}
		var hid, category, count int64
		var text2 string
		_, err = pgx.ForEachRow(rows, []any{&hid, &id, &text2, &category, &count}, func() error {
			if e := actions[hid]; e != nil {
				e.issues = append(e.issues, issue{id: id, text: text2, category: category, count: count})
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select v.project_id, v.task_id, v.id, v.is_closed, v.mapper_id, v.mapped_date, v.invalidator_id,
			v.invalidated_date, v.invalidation_history_id, v.validator_id, v.validated_date, v.updated_date
			from `+s+`.task_invalidation_history v where v.task_id between $1 and $2`, lo, hi)
		if err != nil {
			return err
		}
		var (
			closed                          *bool
			mapper, invalidator, validator  *int64
			histID                          *int64
			mapped, invalidated, valid, upd *time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&project, &task, &id, &closed, &mapper, &mapped, &invalidator, &invalidated, &histID, &validator, &valid, &upd},
			func() error {
				buf = buf[:0]
				buf = append(buf, `{"type":"invalidation","id":`...)
				buf = strconv.AppendInt(buf, id, 10)
				buf = append(buf, `,"is_closed":`...)
				if closed == nil {
					buf = append(buf, "null"...)
				} else {
					buf = strconv.AppendBool(buf, *closed)
				}
				for _, f := range []struct {
					name string
					n    *int64
					t    *time.Time
				}{{"mapper_id", mapper, nil}, {"mapped_date", nil, mapped}, {"invalidator_id", invalidator, nil},
					{"invalidated_date", nil, invalidated}, {"invalidation_history_id", histID, nil},
					{"validator_id", validator, nil}, {"validated_date", nil, valid}, {"updated_date", nil, upd}} {
					buf = append(buf, ',', '"')
					buf = append(buf, f.name...)
					buf = append(buf, '"', ':')
					switch {
					case strings.HasSuffix(f.name, "_date"):
						buf = appendJSONTime(buf, f.t)
					case f.n == nil:
						buf = append(buf, "null"...)
					default:
						buf = strconv.AppendInt(buf, *f.n, 10)
					}
				}
				buf = append(buf, '}')
				at := cmp.Or(invalidated, upd, mapped)
				if at != nil {
					c := *at
					at = &c
				}
				t := get(taskKey{task, project})
				t.entries = append(t.entries, &histEntry{at: at, kind: 1, id: id, json: slices.Clone(buf)})
				return nil
			})
		return err
	})
	return out, err
}

// appendHistory appends the task's history: every entry in time order (NULL times
// last), then by kind (actions first) and id. Action entries get their issues here.
func (t *taskHistory) appendHistory(dst []byte) []byte {
	if t == nil {
		return append(dst, "[]"...)
	}
	slices.SortFunc(t.entries, func(a, b *histEntry) int {
		switch {
		case a.at == nil && b.at != nil:
			return 1
		case a.at != nil && b.at == nil:
			return -1
		case a.at != nil && !a.at.Equal(*b.at):
			return a.at.Compare(*b.at)
		}
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
	})
	dst = append(dst, '[')
	for i, e := range t.entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.json...)
		if e.kind == 0 {
			slices.SortFunc(e.issues, func(a, b issue) int { return cmp.Compare(a.id, b.id) })
			dst = append(dst, `,"issues":`...)
			dst = appendIssueList(dst, e.issues)
			dst = append(dst, '}')
		}
	}
	return append(dst, ']')
}

// appendIssues appends the task's mapping issues summed per category, by category; a
// category's issue text is the one its first (lowest id) issue row recorded.
func (t *taskHistory) appendIssues(dst []byte) []byte {
	if t == nil {
		return append(dst, "[]"...)
	}
	var all []issue
	for _, e := range t.entries {
		all = append(all, e.issues...)
	}
	slices.SortFunc(all, func(a, b issue) int { return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.id, b.id)) })
	var sums []issue
	for _, is := range all {
		if n := len(sums); n > 0 && sums[n-1].category == is.category {
			sums[n-1].count += is.count
			continue
		}
		sums = append(sums, is)
	}
	return appendIssueList(dst, sums)
}

func appendIssueList(dst []byte, list []issue) []byte {
	dst = append(dst, '[')
	for i, is := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"issue":`...)
		dst = appendJSONString(dst, is.text)
		dst = append(dst, `,"category":`...)
		dst = strconv.AppendInt(dst, is.category, 10)
		dst = append(dst, `,"count":`...)
		dst = strconv.AppendInt(dst, is.count, 10)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendJSONTime appends a timestamp as PostgreSQL's JSON does
// ("2016-03-16T18:38:07.984342", trailing zeros of the fraction dropped), or null.
func appendJSONTime(dst []byte, t *time.Time) []byte {
	if t == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05.999999")
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string. PostgreSQL text is valid UTF-8 without
// NUL, so only quotes, backslashes and control characters need escaping.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
