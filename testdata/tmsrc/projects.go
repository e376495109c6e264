package tmsrc

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// projectCols are the projects columns in generation order.
var projectCols = []string{"id", "status", "created", "priority", "default_locale", "author_id", "difficulty",
	"mapping_permission", "validation_permission", "enforce_random_task_selection", "private", "featured",
	"changeset_comment", "osmcha_filter_id", "due_date", "imagery", "josm_preset", "id_presets", "extra_id_params",
	"rapid_power_user", "last_updated", "progress_email_sent", "license_id", "geometry", "centroid", "country",
	"task_creation_mode", "organisation_id", "mapping_types", "mapping_editors", "validation_editors",
	"total_tasks", "tasks_mapped", "tasks_validated", "tasks_bad_imagery"}

// editorSets are mapping_editors / validation_editors values; TM's default {0,1,4} comes first.
var editorSets = [][]int64{{0, 1, 4}, {0, 1, 2, 3, 4, 5}, {0}, {1}, {0, 5}, {0, 1, 4}, {0, 1, 4}, {2, 3}, {0, 1, 4, 5}}

// mappingTypeSets are non-empty mapping_types values.
var mappingTypeSets = [][]int64{{1, 2, 3, 4, 5}, {2}, {1, 2}, {1}, {3, 4}, {5}, {1, 2, 5}}

// genProjects writes projects: every code of every enum column, NULL
// priority and permissions, NULL/empty/full mapping_types, non-'en' default
// locales, and AOIs with one to three parts, one with a hole.
func (p *plan) genProjects(w *rowWriter) {
	r := newStream(p.seed)
	var enc geomEncoder
	for i := range p.projects {
		pr := &p.projects[i]
		r.at(tagProject, uint64(i))
		w.int(pr.id)
		w.int(r.pick(i, 0, 1, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2))
		w.time(pr.created)
		priority := r.pick(i, 0, 1, 2, 3, null, 2, 2, 2, 2, 1, 3)
		w.intOrNull(priority)
		w.str(p.defaultLocale(i))
		w.int(pr.author)
		w.int(r.pick(i, 1, 2, 3, 2, 2))
		w.intOrNull(r.pick(i, 0, 1, 2, 3, null, 0, 0, 0, 0))
		w.intOrNull(r.pick(i, 1, 0, 3, 2, 1, null, 1, 1, 1, 1, 2))
		w.tristate(pickTri(i, r))
		w.bool(pr.private)
		w.tristate(pickTri(i+2, r))
		w.str(fmt.Sprintf("#hotosm-project-%d #SriLanka #MissingMaps", pr.id))
		w.strOrNull(optional(r, 0.2, fmt.Sprintf("%08x-filter", r.Uint32())))
		if r.chance(0.2) {
			w.time(pr.created.Add(r.micros(365 * 24 * time.Hour)))
		} else {
			w.null()
		}
		switch r.IntN(4) {
		case 0:
			w.null()
		case 1:
			w.str("Bing")
		default:
			w.str("tms[1,22]:https://tiles.example.org/{zoom}/{x}/{y}.png?key=a&b=\"c\"")
		}
		w.strOrNull(optional(r, 0.05, "https://josm.example.org/presets/buildings.xml"))
		switch {
		case i == 0 || (i > 2 && r.chance(0.7)):
			w.null()
		case i == 1:
			w.str("{}")
		default:
			w.str(textArray("building", "highway/residential", "amenity/school"))
		}
		w.strOrNull(optional(r, 0.1, "background=Bing&disable_features=boundaries"))
		w.tristate(pickTri(i+1, r))
		w.time(pr.created.Add(r.micros(2 * 365 * 24 * time.Hour)))
		w.tristate(pickTri(i, r))
		if i == 0 || (i > 1 && r.chance(0.6)) {
			w.null()
		} else {
			w.int(int64(1 + r.IntN(nLicenses)))
		}
		parts := p.aoi(r, i)
		w.buf = enc.multiPolygon(w.raw(), parts...)
		w.buf = enc.point(w.raw(), centroid(parts))
		switch {
		case i == 0:
			w.str("{}")
		case i == 1 || (i > 2 && r.chance(0.1)):
			w.null()
		case i == 2:
			w.str(textArray("Côte d'Ivoire", "Sri Lanka"))
		default:
			w.str(textArray(countries[r.IntN(len(countries))]))
		}
		w.int(int64(b2i(pr.arbitrary)))
		if i == 3 || (i > 4 && r.chance(0.1)) {
			w.null()
		} else {
			w.int(int64(1 + r.IntN(p.sizes.orgs)))
		}
		switch {
		case i == 0 || (i > 2 && r.chance(0.15)):
			w.null()
		case i == 1 || (i > 2 && r.chance(0.05)):
			w.str("{}")
		default:
			w.buf = appendIntArray(w.raw(), mappingTypeSets[r.pick(i-2, 0, 1, 2, 3, 4, 5, 6)])
		}
		w.buf = appendIntArray(w.raw(), editorSets[r.pick(i, 0, 1, 2, 3, 4, 5, 6, 7, 8)])
		w.buf = appendIntArray(w.raw(), editorSets[r.pick(i, 1, 0, 4, 3, 2, 5, 6, 7, 8)])
		w.int(int64(pr.nTasks))
		w.int(p.counters[i][0])
		w.int(p.counters[i][1])
		w.int(p.counters[i][2])
		if !w.end() {
			return
		}
	}
}

// defaultLocale returns projects.default_locale of project i.
func (p *plan) defaultLocale(i int) string {
	switch i {
	case 1, 2:
		return "fr"
	case 5:
		return "es"
	}
	if h := mix(p.seed ^ uint64(i)*31); h%10 < 7 {
		return "en"
	} else {
		return locales[1+h%uint64(len(locales)-1)]
	}
}

// bbox returns the lon/lat box of project i's task grid.
func (p *plan) bbox(i int) (x0, y0, x1, y1 float64) {
	pr := &p.projects[i]
	rows := (pr.nTasks + pr.cols - 1) / pr.cols
	return tileLon(pr.x0, pr.zoom), tileLat(pr.y0+rows, pr.zoom), tileLon(pr.x0+pr.cols, pr.zoom), tileLat(pr.y0, pr.zoom)
}

// aoi returns project i's area of interest: its task grid's box, with a hole
// for project 2 and every 25th, and with one or two extra parts east of it for
// projects 3 and 6 and about one in twelve.
func (p *plan) aoi(r *stream, i int) []poly {
	x0, y0, x1, y1 := p.bbox(i)
	main := poly{rect(x0, y0, x1, y1)}
	if i == 2 || i%25 == 12 {
		dx, dy := (x1-x0)/5, (y1-y0)/5
		cx, cy := (x0+x1)/2, (y0+y1)/2
		hole := rect(cx-dx, cy-dy, cx+dx, cy+dy)
		for a, b := 0, len(hole)-1; a < b; a, b = a+1, b-1 { // holes run clockwise
			hole[a], hole[b] = hole[b], hole[a]
		}
		main = append(main, hole)
	}
	parts := []poly{main}
	extra := 0
	switch {
	case i == 3:
		extra = 1
	case i == 6:
		extra = 2
	case r.IntN(12) == 0:
		extra = 1 + r.IntN(2)
	}
	for k := range extra {
		px := x1 + 0.002 + float64(k)*0.004
		parts = append(parts, poly{rect(px, y0, px+0.003, y0+0.003)})
	}
	return parts
}

// infoLocales returns the project_info locales of project i: usually the
// default locale plus up to two more; project 1 has only 'en' (not its
// default 'fr'), project 2 only 'de', and a few others lack their default.
func (p *plan) infoLocales(r *stream, i int) []string {
	def := p.defaultLocale(i)
	switch i {
	case 1:
		return []string{"en"}
	case 2:
		return []string{"de"}
	}
	out := []string{def}
	if def != "en" && r.chance(0.2) {
		out = []string{"en"} // default locale missing, 'en' present
	}
	for range r.IntN(3) {
		l := locales[r.IntN(len(locales))]
		if !contains(out, l) {
			out = append(out, l)
		}
	}
	if i == 0 && len(out) == 1 { // several locales at every scale
		out = append(out, locales[(slices.Index(locales, out[0])+1)%len(locales)])
	}
	return out
}

// contains reports whether s holds v.
func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// genProjectInfo writes one to three project_info rows per project; project 3
// has a NULL name. text_searchable is filled after loading.
func (p *plan) genProjectInfo(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.projects {
		pr := &p.projects[i]
		r.at(tagInfo, uint64(i))
		for k, loc := range p.infoLocales(r, i) {
			w.int(pr.id)
			w.str(loc)
			if i == 3 || r.chance(0.03) {
				w.null()
			} else {
				name := projectNames[(i+k)%len(projectNames)]
				if k > 0 {
					name += " (" + loc + ")"
				}
				w.str(name)
			}
			w.strOrNull(optional(r, 0.95, descriptionParts[r.IntN(len(descriptionParts))]))
			w.strOrNull(optional(r, 0.95, descriptionParts[r.IntN(len(descriptionParts))]+"\n\n"+descriptionParts[r.IntN(len(descriptionParts))]))
			w.strOrNull(optional(r, 0.9, "1. Lock a task\n2. Map every building\n3. Mark it \"done\" – don't forget!"))
			w.str(strconv.FormatInt(pr.id, 10))
			w.strOrNull(optional(r, 0.3, "Task {x}/{y}/{z}: check the imagery's date."))
			if !w.end() {
				return
			}
		}
	}
}

// priorityAreas returns how many priority areas project i has.
func (p *plan) priorityAreas(i int) int {
	if i == 0 || i%4 == 1 {
		return 1 + int(mix(p.seed^uint64(i)^0xa5)%2)
	}
	return 0
}

// genPriorityAreas writes priority_areas polygons inside the projects' AOIs,
// numbered in project order.
func (p *plan) genPriorityAreas(w *rowWriter) {
	var enc geomEncoder
	id := int64(0)
	for i := range p.projects {
		x0, y0, x1, y1 := p.bbox(i)
		dx, dy := (x1-x0)/10, (y1-y0)/10
		for k := range p.priorityAreas(i) {
			id++
			w.int(id)
			outer := rect(x0+dx, y0+dy, x0+4*dx, y0+3*dy)
			if k > 0 { // a triangle
				outer = ring{{x0 + 5*dx, y0 + 5*dy}, {x0 + 9*dx, y0 + 5*dy}, {x0 + 7*dx, y0 + 9*dy}, {x0 + 5*dx, y0 + 5*dy}}
			}
			w.buf = enc.polygon(w.raw(), poly{outer})
			if !w.end() {
				return
			}
		}
	}
}

// genProjectPriorityAreas links the priority areas to their projects, with a
// duplicate row and a row with a NULL project_id.
func (p *plan) genProjectPriorityAreas(w *rowWriter) {
	id := int64(0)
	for i := range p.projects {
		for range p.priorityAreas(i) {
			id++
			for range 1 + b2i(id == 1) {
				w.int(p.projects[i].id)
				w.int(id)
				if !w.end() {
					return
				}
			}
		}
	}
	w.null()
	w.int(1)
	w.end()
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// genCustomEditors writes project_custom_editors for project 0 and every 20th.
func (p *plan) genCustomEditors(w *rowWriter) {
	for i := range p.projects {
		if i != 0 && i%20 != 7 {
			continue
		}
		w.int(p.projects[i].id)
		w.str("iD «fork» " + strconv.Itoa(i))
		if i == 0 {
			w.null()
		} else {
			w.str("A customised iD with the project's \"presets\".")
		}
		w.str(fmt.Sprintf("https://editor.example.org/p/%d?a=1&b=2", p.projects[i].id))
		if !w.end() {
			return
		}
	}
}
