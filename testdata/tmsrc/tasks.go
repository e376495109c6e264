package tmsrc

import (
	"fmt"
	"math"
	"time"
)

// taskCols are the tasks columns in generation order.
var taskCols = []string{"id", "project_id", "x", "y", "zoom", "extra_properties", "is_square", "geometry",
	"task_status", "locked_by", "mapped_by", "validated_by"}

// genTasks writes the tasks, numbered 1..n per project: grid squares with
// x/y/zoom, or (ARBITRARY projects) irregular pentagons with NULL x/y/zoom,
// every 37th of them a two-part MultiPolygon.
func (p *plan) genTasks(w *rowWriter) {
	r := newStream(p.seed)
	var enc geomEncoder
	for pi := range p.projects {
		pr := &p.projects[pi]
		for k := range pr.nTasks {
			t := p.task(r, pr.firstTask+k)
			x, y := pr.x0+k%pr.cols, pr.y0+k/pr.cols
			w.int(int64(k + 1))
			w.int(pr.id)
			if pr.arbitrary {
				w.null()
				w.null()
				w.null()
				if k%5 == 0 {
					w.str(fmt.Sprintf(`{"name": "Block %d", "ward": "O'Brien \"East\""}`, k))
				} else {
					w.null()
				}
				w.bool(false)
				w.buf = enc.multiPolygon(w.raw(), arbitraryShape(r, x, y, pr.zoom, k%37 == 1)...)
			} else {
				w.int(int64(x))
				w.int(int64(y))
				w.int(int64(pr.zoom))
				w.null()
				w.bool(true)
				x0, y0, x1, y1 := tileRect(x, y, pr.zoom)
				w.buf = enc.multiPolygon(w.raw(), poly{rect(x0, y0, x1, y1)})
			}
			w.int(int64(t.status))
			w.intOrNull(t.locker)
			w.intOrNull(t.mapper)
			w.intOrNull(t.validator)
			if !w.end() {
				return
			}
		}
	}
}

// arbitraryShape returns an irregular pentagon inside tile (x, y, z), or two
// separate small squares in its halves when split.
func arbitraryShape(r *stream, x, y, z int, split bool) []poly {
	x0, y0, x1, y1 := tileRect(x, y, z)
	dx, dy := x1-x0, y1-y0
	if split {
		return []poly{
			{rect(x0+0.1*dx, y0+0.1*dy, x0+0.4*dx, y0+0.9*dy)},
			{rect(x0+0.6*dx, y0+0.1*dy, x0+0.9*dx, y0+0.9*dy)},
		}
	}
	// Vertices in angular order around the centre are a simple polygon.
	cx, cy := x0+dx/2, y0+dy/2
	rg := make(ring, 0, 6)
	for a := range 5 {
		ang := (float64(a) + 0.6*r.Float64()) * 2 * math.Pi / 5
		rad := 0.3 + 0.18*r.Float64()
		rg = append(rg, pt{cx + rad*dx*math.Cos(ang), cy + rad*dy*math.Sin(ang)})
	}
	return []poly{{append(rg, rg[0])}}
}

// TaskAction names (SPEC §1.4), stored by name in task_history.action.
const (
	actLockMap       = "LOCKED_FOR_MAPPING"
	actLockVal       = "LOCKED_FOR_VALIDATION"
	actStateChange   = "STATE_CHANGE"
	actComment       = "COMMENT"
	actAutoUnlockMap = "AUTO_UNLOCKED_FOR_MAPPING"
	actAutoUnlockVal = "AUTO_UNLOCKED_FOR_VALIDATION"
	actExtendMap     = "EXTENDED_FOR_MAPPING"
	actExtendVal     = "EXTENDED_FOR_VALIDATION"
)

// actionMix is the weighted choice of a history row's action.
var actionMix = []string{
	actLockMap, actLockMap, actLockMap, actLockMap, actLockMap,
	actStateChange, actStateChange, actStateChange, actStateChange, actStateChange,
	actLockVal, actLockVal, actLockVal, actComment, actComment, actComment,
	actAutoUnlockMap, actAutoUnlockMap, actAutoUnlockVal, actExtendMap, actExtendVal,
}

// firstActions is the forced history of the first task: every action once.
var firstActions = []string{actLockMap, actAutoUnlockMap, actExtendMap, actStateChange, actLockVal,
	actAutoUnlockVal, actExtendVal, actComment}

// historyCols are the task_history columns in generation order.
var historyCols = []string{"id", "project_id", "task_id", "action", "action_text", "action_date", "user_id"}

// genHistory returns the generator of task_history for projects [from, to).
// The rows of one task have increasing action_date with occasional ties;
// locks carry their duration (NULL while open, so the last row of a locked
// task), STATE_CHANGE a TaskStatus name, COMMENT HTML-ish free text.
func (p *plan) genHistory(from, to int) func(w *rowWriter) {
	return func(w *rowWriter) {
		r, tr := newStream(p.seed), newStream(p.seed)
		for pi := from; pi < to; pi++ {
			pr := &p.projects[pi]
			for k := range pr.nTasks {
				g := pr.firstTask + k
				if !p.taskHistory(w, r, p.task(tr, g), g, k+1) {
					return
				}
			}
		}
	}
}

// taskHistory writes the history rows of global task g (task id tid).
func (p *plan) taskHistory(w *rowWriter, r *stream, t taskPlan, g, tid int) bool {
	pr := &p.projects[p.taskProject[g]]
	r.at(tagHistory, uint64(g))
	at := pr.created.Add(r.micros(300 * 24 * time.Hour))
	for n := range t.history {
		last := n == t.history-1
		action := actionMix[r.IntN(len(actionMix))]
		switch {
		case g == 0 && n < len(firstActions):
			action = firstActions[n]
		case last && t.status == statusLockedMapping:
			action = actLockMap
		case last && t.status == statusLockedValidation:
			action = actLockVal
		case last && t.status != statusSplit:
			action = actStateChange
		}
		if !(g == 0 && n == 3) && !r.chance(0.02) { // else: same action_date as the row before
			at = at.Add(30*time.Second + r.micros(3*time.Hour))
		}
		w.int(p.histStart[g] + int64(n) + 1)
		w.int(pr.id)
		w.int(int64(tid))
		w.str(action)
		p.actionText(w, r, action, t, g, n, last)
		w.time(at)
		w.int(p.actor(r, action, t))
		if !w.end() {
			return false
		}
	}
	return true
}

// actionText writes task_history.action_text for action.
func (p *plan) actionText(w *rowWriter, r *stream, action string, t taskPlan, g, n int, last bool) {
	switch action {
	case actLockMap, actLockVal, actExtendMap, actExtendVal:
		if (last && (t.status == statusLockedMapping || t.status == statusLockedValidation)) || (g != 0 && r.chance(0.01)) {
			w.null() // the lock is still open
			return
		}
		w.buf = appendDuration(w.raw(), r.micros(2*time.Hour), g == 0 && n == 0)
	case actAutoUnlockMap, actAutoUnlockVal:
		w.buf = appendDuration(w.raw(), 2*time.Hour+r.micros(20*time.Hour), false)
	case actStateChange:
		if last {
			w.str(statusNames[t.status])
		} else {
			w.str(statusNames[r.pick(0, 2, 4, 5, 6, 0, 2, 4)])
		}
	case actComment:
		if g == 0 {
			w.str("Hello" + nbsp + "mapper,\nthanks for your work! Roads &amp; \"buildings\" are done.")
			return
		}
		text := commentParts[r.IntN(len(commentParts))]
		if r.chance(0.3) {
			text += "\n" + commentParts[r.IntN(len(commentParts))]
		}
		w.str(text)
	}
}

// appendDuration appends d as Python's time.isoformat(): HH:MM:SS, with
// .ffffff unless the microseconds are zero.
func appendDuration(b []byte, d time.Duration, whole bool) []byte {
	if whole {
		d = d.Truncate(time.Second)
	}
	us := d.Microseconds()
	s := us / 1e6
	b = fmt.Appendf(b, "%02d:%02d:%02d", s/3600, s/60%60, s%60)
	if us%1e6 != 0 {
		b = fmt.Appendf(b, ".%06d", us%1e6)
	}
	return b
}

// actor returns the user of a history row: the task's mapper or validator
// when it has one, else anybody.
func (p *plan) actor(r *stream, action string, t taskPlan) int64 {
	u := p.user(r)
	switch action {
	case actLockMap, actExtendMap, actAutoUnlockMap:
		if t.mapper != null {
			return t.mapper
		}
		if t.locker != null {
			return t.locker
		}
	case actLockVal, actExtendVal, actAutoUnlockVal, actStateChange:
		if t.validator != null {
			return t.validator
		}
	}
	return u
}

// invalidationCols are the task_invalidation_history columns in generation order.
var invalidationCols = []string{"id", "project_id", "task_id", "is_closed", "mapper_id", "mapped_date",
	"invalidator_id", "invalidated_date", "invalidation_history_id", "validator_id", "validated_date", "updated_date"}

// genInvalidations writes task_invalidation_history for about 2% of the
// tasks that have history (and the first task); invalidation_history_id is a
// task_history row of the same task.
func (p *plan) genInvalidations(w *rowWriter) {
	r := newStream(p.seed)
	id := int64(0)
	for g := range p.sizes.tasks {
		h := p.histStart[g+1] - p.histStart[g]
		if h == 0 || (g != 0 && mix(p.seed^mix(tagInvalidation)^uint64(g))%50 != 0) {
			continue
		}
		r.at(tagInvalidation, uint64(g))
		pr := &p.projects[p.taskProject[g]]
		id++
		w.int(id)
		w.int(pr.id)
		w.int(int64(g - pr.firstTask + 1))
		closed := pickTri(int(id-1), r)
		w.tristate(closed)
		mapped := pr.created.Add(r.micros(300 * 24 * time.Hour))
		w.intOrNull(p.userOrNull(r, id == 2))
		w.time(mapped)
		w.intOrNull(p.userOrNull(r, id == 3))
		w.time(mapped.Add(r.micros(72 * time.Hour)))
		w.int(p.histStart[g] + 1 + r.Int64N(h))
		if closed == 1 {
			w.int(p.user(r))
			w.time(mapped.Add(80*time.Hour + r.micros(72*time.Hour)))
		} else {
			w.null()
			w.null()
		}
		w.time(mapped.Add(160*time.Hour + r.micros(72*time.Hour)))
		if !w.end() {
			return
		}
	}
}

// userOrNull returns a user id, or NULL when forced or by a 5% chance.
func (p *plan) userOrNull(r *stream, forceNull bool) int64 {
	u := p.user(r)
	if forceNull || r.chance(0.05) {
		return null
	}
	return u
}

// issueCols are the task_mapping_issues columns in generation order.
var issueCols = []string{"id", "task_history_id", "issue", "mapping_issue_category_id", "count"}

// genIssues writes task_mapping_issues on about 5% of the history rows (and
// the first), one to three per row with different categories.
func (p *plan) genIssues(w *rowWriter) {
	r := newStream(p.seed)
	id := int64(0)
	total := p.histStart[len(p.histStart)-1]
	for h := int64(1); h <= total; h++ {
		if h != 1 && mix(p.seed^mix(tagIssue)^uint64(h))%20 != 0 {
			continue
		}
		r.at(tagIssue, uint64(h))
		n, c := 1+r.IntN(3), r.IntN(nCategories)
		if h == 1 {
			n = 3
		}
		for k := range n {
			cat := (c + k) % nCategories
			id++
			w.int(id)
			w.int(h)
			w.str(categoryNames[cat])
			w.int(int64(cat + 1))
			w.int(int64(1 + r.IntN(12)))
			if !w.end() {
				return
			}
		}
	}
}

// annotationCols are the task_annotations columns in generation order.
var annotationCols = []string{"id", "project_id", "task_id", "annotation_type", "annotation_source",
	"annotation_markdown", "updated_timestamp", "properties"}

// genAnnotations writes a task_annotations row on task 1 of every tenth project.
func (p *plan) genAnnotations(w *rowWriter) {
	id := int64(0)
	for i := 0; i < len(p.projects); i += 10 {
		pr := &p.projects[i]
		id++
		w.int(id)
		w.int(pr.id)
		w.int(1)
		w.str("tags")
		w.strOrNull(map[bool]string{true: "", false: "ML model v2"}[i == 0])
		w.str("**12** buildings detected;\nsee \"details\"")
		w.time(pr.created.Add(time.Hour))
		w.str(`{"building": 12, "note": "O'Brien's \"field\" check", "ok": true, "score": null}`)
		if !w.end() {
			return
		}
	}
}
