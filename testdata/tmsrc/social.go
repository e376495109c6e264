package tmsrc

import (
	"fmt"
	"time"
)

// messageCols are the messages columns in generation order.
var messageCols = []string{"id", "message", "subject", "from_user_id", "to_user_id", "project_id", "task_id",
	"message_type", "date", "read"}

// genMessages writes about five messages per user: every MessageType, some
// without a sender, some with NULL project_id and/or task_id (and a few with
// a task_id but no project_id, which MATCH SIMPLE does not check).
func (p *plan) genMessages(w *rowWriter) {
	r := newStream(p.seed)
	n := 5 * len(p.userIDs)
	for i := range n {
		r.at(tagMessage, uint64(i))
		typ := r.pick(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 3, 4, 5, 8, 8, 9, 10, 10)
		w.int(int64(i + 1))
		text := messageParts[r.IntN(len(messageParts))]
		if r.chance(0.2) {
			text += "\n\n" + commentParts[r.IntN(len(commentParts))]
		}
		w.str(text)
		w.strOrNull(optional(r, 0.95, fmt.Sprintf("Message about \"%s\"", projectNames[r.IntN(len(projectNames))])))
		if typ == 1 && r.chance(0.5) {
			w.null() // system messages may have no sender
		} else {
			w.int(p.user(r))
		}
		w.int(p.user(r))
		pi, task := r.IntN(len(p.projects)), int64(null)
		pr := &p.projects[pi]
		if r.chance(0.6) {
			task = int64(1 + r.IntN(pr.nTasks))
		}
		switch {
		case i == 0 || (i > 4 && r.chance(0.2)):
			w.null()
			w.null()
		case i == 1:
			w.int(pr.id)
			w.null()
		case i == 2:
			w.int(pr.id)
			w.int(1)
		case i == 3 || r.chance(0.005):
			w.null()
			w.int(1 + int64(r.IntN(1000)))
		default:
			w.int(pr.id)
			w.intOrNull(task)
		}
		w.int(typ)
		w.time(epoch.Add(r.micros(9 * 365 * 24 * time.Hour)))
		w.tristate(pickTri(i, r))
		if !w.end() {
			return
		}
	}
}

// chatCols are the project_chat columns in generation order.
var chatCols = []string{"id", "project_id", "user_id", "time_stamp", "message"}

// genChat writes up to eight project_chat messages per project, by users
// whose ids fit project_chat.user_id (integer).
func (p *plan) genChat(w *rowWriter) {
	r := newStream(p.seed)
	id := int64(0)
	for i := range p.projects {
		pr := &p.projects[i]
		r.at(tagChat, uint64(i))
		at := pr.created
		for range max(r.IntN(9), 2*b2i(i == 0)) {
			id++
			at = at.Add(r.micros(96 * time.Hour))
			w.int(id)
			w.int(pr.id)
			w.int(p.intUsers[r.IntN(len(p.intUsers))])
			w.time(at)
			w.str(messageParts[r.IntN(len(messageParts))])
			if !w.end() {
				return
			}
		}
	}
}
