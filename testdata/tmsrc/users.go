package tmsrc

import (
	"fmt"
	"strconv"
	"time"
)

// userCols are the users columns in generation order.
var userCols = []string{"id", "username", "role", "mapping_level", "tasks_mapped", "tasks_validated", "tasks_invalidated",
	"projects_mapped", "email_address", "is_email_verified", "is_expert", "date_registered", "last_validation_date",
	"twitter_id", "facebook_id", "linkedin_id", "name", "city", "country", "picture_url", "gender",
	"self_description_gender", "default_editor", "mentions_notifications", "projects_comments_notifications",
	"projects_notifications", "tasks_notifications", "tasks_comments_notifications", "teams_announcement_notifications",
	"slack_id", "skype_id", "irc_id"}

// genUsers writes users: every UserRole, MappingLevel and UserGender code
// (gender also NULL), NULL names, and names with quotes and other scripts.
func (p *plan) genUsers(w *rowWriter) {
	r := newStream(p.seed)
	for i, id := range p.userIDs {
		r.at(tagUser, uint64(i))
		w.int(id)
		w.str(username(i))
		w.int(r.pick(i, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
		w.int(r.pick(i, 1, 2, 3, 1, 1, 1, 2))
		w.int(int64(r.IntN(500)))
		w.int(int64(r.IntN(100)))
		w.int(int64(r.IntN(20)))
		switch {
		case i == 0 || (i > 1 && r.chance(0.3)):
			w.null()
		case i == 1:
			w.str("{}")
		default:
			w.buf = appendIntArray(w.raw(), p.someProjects(r))
		}
		email := fmt.Sprintf("user%d@example.org", i)
		if i%3 == 0 {
			email = ""
		}
		w.strOrNull(email)
		w.tristate(pickTri(i, r))
		w.tristate(pickTri(i+1, r))
		registered := epoch.Add(-2 * 365 * 24 * time.Hour).Add(r.micros(9 * 365 * 24 * time.Hour))
		w.time(registered)
		if r.chance(0.5) {
			w.null()
		} else {
			w.time(registered.Add(r.micros(365 * 24 * time.Hour)))
		}
		w.strOrNull(optional(r, 0.2, "@mapper"+strconv.Itoa(i)))
		w.strOrNull(optional(r, 0.1, "fb.mapper."+strconv.Itoa(i)))
		w.strOrNull(optional(r, 0.1, "mapper-"+strconv.Itoa(i)))
		if i == 4 || (i > 5 && r.chance(0.12)) {
			w.null()
		} else {
			w.str(realName(r, i))
		}
		w.strOrNull(optional(r, 0.4, cities[r.IntN(len(cities))]))
		w.strOrNull(optional(r, 0.5, countries[r.IntN(len(countries))]))
		w.strOrNull(optional(r, 0.3, fmt.Sprintf("https://www.openstreetmap.org/rails/active_storage/%d.png", id)))
		gender := r.pick(i, 1, 2, 3, 4, null, null)
		if i >= 6 && r.chance(0.6) {
			gender = null
		}
		w.intOrNull(gender)
		if gender == 3 {
			w.str("non-binary – \"they\"")
		} else {
			w.null()
		}
		w.str(editorNames[r.pick(i, 0, 1, 2, 3, 4, 5, 0, 0, 0)])
		for range 6 {
			w.bool(r.chance(0.7))
		}
		w.strOrNull(optional(r, 0.05, "U"+strconv.Itoa(i)))
		w.strOrNull(optional(r, 0.03, "live:mapper"+strconv.Itoa(i)))
		w.strOrNull(optional(r, 0.02, "mapper"+strconv.Itoa(i)))
		if !w.end() {
			return
		}
	}
}

// username returns the unique user name of user i.
func username(i int) string {
	switch i {
	case 0:
		return "O'Brien"
	case 1:
		return `Jean "JJ" Dupont`
	case 2:
		return "Zoë Ñandú 東京"
	case 3:
		return "mapper\\backslash"
	}
	return firstNames[i%len(firstNames)] + "_" + lastNames[(i/len(firstNames))%len(lastNames)] + "_" + strconv.Itoa(i)
}

// realName returns a users.name value; user 5 has a newline in it.
func realName(r *stream, i int) string {
	name := firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
	if i == 5 {
		name += "\n(second line)"
	}
	return name
}

// optional returns s with probability p, else "" (NULL).
func optional(r *stream, p float64, s string) string {
	if r.chance(p) {
		return s
	}
	return ""
}

// pickTri returns a nullable boolean code (0 false, 1 true, 2 NULL), forcing
// all three for the first rows.
func pickTri(i int, r *stream) int {
	if i < 3 {
		return i
	}
	if r.chance(0.05) {
		return 2
	}
	return r.IntN(2)
}

// someProjects returns a few project ids.
func (p *plan) someProjects(r *stream) []int64 {
	ids := make([]int64, 1+r.IntN(4))
	for k := range ids {
		ids[k] = p.projects[r.IntN(len(p.projects))].id
	}
	return ids
}

// appendIntArray appends an integer array literal.
func appendIntArray(b []byte, vs []int64) []byte {
	b = append(b, '{')
	for k, v := range vs {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return append(b, '}')
}

// textArray returns a varchar[] literal with every element quoted.
func textArray(vs ...string) string {
	b := []byte{'{'}
	for k, v := range vs {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for _, c := range []byte(v) {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
		}
		b = append(b, '"')
	}
	return string(append(b, '}'))
}

// genUsersWithEmail writes users_with_email for every seventh user.
func (p *plan) genUsersWithEmail(w *rowWriter) {
	for i := 0; i < len(p.userIDs); i += 7 {
		w.int(p.userIDs[i])
		w.str(fmt.Sprintf("user%d@example.org", i))
		if !w.end() {
			return
		}
	}
}

// genLicenses writes the licenses.
func (p *plan) genLicenses(w *rowWriter) {
	for i, name := range licenseNames {
		w.int(int64(i + 1))
		w.str(name)
		w.strOrNull(optional(newStream(p.seed).at(tagJoin, uint64(i)), 0.8, "Imagery licence for "+name+"; don't redistribute."))
		w.str("You may use this imagery only for tracing into OpenStreetMap.\nNo other use is allowed.\n\n© " + name)
		if !w.end() {
			return
		}
	}
}

// genInterests writes the interests.
func (p *plan) genInterests(w *rowWriter) {
	for i, name := range interestNames {
		w.int(int64(i + 1))
		w.str(name)
		if !w.end() {
			return
		}
	}
}

// genCategories writes the mapping_issue_categories; the last is archived.
func (p *plan) genCategories(w *rowWriter) {
	for i, name := range categoryNames {
		w.int(int64(i + 1))
		w.str(name)
		if i == 2 {
			w.null()
		} else {
			w.str("Use this when the mapper's work has \"" + name + "\" problems.")
		}
		w.bool(i == len(categoryNames)-1)
		if !w.end() {
			return
		}
	}
}

// genNotifications writes about one notifications row per user; some have a
// NULL user_id.
func (p *plan) genNotifications(w *rowWriter) {
	r := newStream(p.seed)
	for i, id := range p.userIDs {
		r.at(tagNotification, uint64(i))
		w.int(int64(i + 1))
		if i == 0 || r.chance(0.03) {
			w.null()
		} else {
			w.int(id)
		}
		w.int(int64(r.IntN(40)))
		w.time(epoch.Add(r.micros(9 * 365 * 24 * time.Hour)))
		if !w.end() {
			return
		}
	}
}
