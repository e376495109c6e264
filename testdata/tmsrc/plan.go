package tmsrc

import (
	"math"
	"math/rand/v2"
	"time"
)

// null stands for SQL NULL among integer codes and ids.
const null = math.MinInt64

// RNG stream tags: each table or entity draws from its own stream, so tables
// can be generated in any order and in parallel with identical results.
const (
	tagPlan uint64 = iota + 1
	tagUser
	tagProject
	tagTask
	tagHistory
	tagInvalidation
	tagIssue
	tagMessage
	tagNotification
	tagChat
	tagJoin
	tagInfo
	tagTeam
	tagOrg
)

// mix is splitmix64's finalizer: a cheap, well-mixed hash of one word.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream is a reseedable random source for one entity of one table.
type stream struct {
	seed uint64
	src  rand.PCG
	*rand.Rand
}

// newStream returns a stream for seed; call at before drawing.
func newStream(seed uint64) *stream {
	s := &stream{seed: seed}
	s.Rand = rand.New(&s.src)
	return s
}

// at reseeds the stream for entity i of the table tagged tag and returns it.
func (s *stream) at(tag, i uint64) *stream {
	s.src.Seed(mix(s.seed^mix(tag)), mix(i*0x2545f4914f6cdd1d+tag))
	return s
}

// chance reports true with probability p.
func (s *stream) chance(p float64) bool { return s.Float64() < p }

// pick returns codes[i] for the first len(codes) entities, forcing every code
// to occur, and a random code after that.
func (s *stream) pick(i int, codes ...int64) int64 {
	if i < len(codes) {
		return codes[i]
	}
	return codes[s.IntN(len(codes))]
}

// epoch is the start of the generated time range (TM's history starts here).
var epoch = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

// micros returns a random duration below d with microsecond resolution.
func (s *stream) micros(d time.Duration) time.Duration {
	return time.Duration(s.Int64N(int64(d/time.Microsecond))) * time.Microsecond
}

// project is what child tables need to know about one project.
type project struct {
	id        int64
	firstTask int // global index of the project's first task
	nTasks    int
	arbitrary bool // task_creation_mode ARBITRARY: no x/y/zoom
	created   time.Time
	zoom      int
	x0, y0    int // tile of the first task
	cols      int // tasks per grid row
	author    int64
	private   bool
}

// sizes are the row-count targets of the main tables.
type sizes struct {
	users, projects, tasks, orgs, teams, campaigns int
}

// Constant sizes of the lookup tables.
const (
	nLicenses   = 10
	nInterests  = 20
	nCategories = 5
)

// sizesFor scales the volumes; minimums keep every forced quirk possible.
func sizesFor(scale float64) sizes {
	n := func(base float64, minimum int) int {
		return max(minimum, int(math.Round(base*scale)))
	}
	s := sizes{
		users:     n(10_000, 60),
		projects:  n(1_000, 12),
		orgs:      n(50, 4),
		teams:     n(150, 8),
		campaigns: n(40, 4),
	}
	s.tasks = max(n(200_000, 0), 10*s.projects)
	return s
}

// plan is the shared skeleton of the database: ids and the parent facts that
// child tables depend on. It is small (a few bytes per task); rows themselves
// are generated while streaming.
type plan struct {
	seed     uint64
	sizes    sizes
	userIDs  []int64 // users.id by user index
	intUsers []int64 // users whose id fits an integer (for project_chat)
	projects []project
	// taskProject maps a global task index to its project index.
	taskProject []int32
	// histStart[g] is the number of task_history rows of tasks before task g;
	// histStart[len] is the total.
	histStart []int64
	// counters per project: tasks mapped, validated, bad imagery.
	counters [][3]int64
}

// newPlan builds the skeleton for cfg.
func newPlan(cfg Config) *plan {
	p := &plan{seed: cfg.Seed, sizes: sizesFor(cfg.Scale)}
	r := newStream(cfg.Seed).at(tagPlan, 0)
	p.planUsers(r)
	p.planProjects(r)
	p.planTasks()
	return p
}

// planUsers draws OSM-like user ids: increasing with random gaps, and every
// 40th (and the fourth) beyond 2^31.
func (p *plan) planUsers(r *stream) {
	p.userIDs = make([]int64, p.sizes.users)
	id := int64(0)
	for i := range p.userIDs {
		id += 1 + r.Int64N(2500)
		if i == 3 || i%40 == 39 {
			p.userIDs[i] = 1<<31 + int64(i)*7919 + r.Int64N(7000)
			continue
		}
		p.userIDs[i] = id
		p.intUsers = append(p.intUsers, id)
	}
}

// user returns a random user id.
func (p *plan) user(r *stream) int64 { return p.userIDs[r.IntN(len(p.userIDs))] }

// planProjects lays the projects out near lon 80 lat 7 and spreads the tasks
// over them with a Zipf-like skew: project 1 is the biggest, a few others are
// big, most are small.
func (p *plan) planProjects(r *stream) {
	n := p.sizes.projects
	weights := make([]float64, n)
	ranks := r.Perm(n)
	var sum float64
	for i := range weights {
		rank := ranks[i]
		if i == 0 {
			rank = 0
		} else if rank == 0 {
			rank = ranks[0]
		}
		weights[i] = 1 / float64(rank+1)
		sum += weights[i]
	}
	const minTasks = 2
	spare := float64(p.sizes.tasks - minTasks*n)
	p.projects = make([]project, n)
	id, task, acc := int64(0), 0, 0.0
	for i := range p.projects {
		id += 1 + int64(max(r.IntN(10)/8, b2i(i == 1))) // deleted projects leave gaps
		lo := int(math.Floor(acc / sum * spare))
		acc += weights[i]
		hi := int(math.Floor(acc / sum * spare))
		if i == n-1 {
			hi = int(spare)
		}
		pr := &p.projects[i]
		pr.id = id
		pr.firstTask = task
		pr.nTasks = minTasks + hi - lo
		task += pr.nTasks
		pr.arbitrary = i == 1 || (i > 2 && r.IntN(6) == 0)
		pr.created = epoch.Add(time.Duration(float64(8*365*24*time.Hour) * float64(i) / float64(n))).Add(r.micros(48 * time.Hour))
		pr.zoom = 16 + r.IntN(2)
		lon := 79.6 + float64(i%30)*0.04 + r.Float64()*0.01
		lat := 6.0 + float64(i/30%40)*0.04 + r.Float64()*0.01
		pr.x0, pr.y0 = lonTile(lon, pr.zoom), latTile(lat, pr.zoom)
		pr.cols = max(1, int(math.Ceil(math.Sqrt(float64(pr.nTasks)))))
		pr.author = p.user(r)
		pr.private = i == 4 || r.IntN(8) == 0
	}
	p.sizes.tasks = task
}

// planTasks draws every task's plan once to learn the task_history offsets
// and the project counters.
func (p *plan) planTasks() {
	p.taskProject = make([]int32, p.sizes.tasks)
	p.histStart = make([]int64, p.sizes.tasks+1)
	p.counters = make([][3]int64, len(p.projects))
	r := newStream(p.seed)
	for pi := range p.projects {
		pr := &p.projects[pi]
		for k := range pr.nTasks {
			g := pr.firstTask + k
			p.taskProject[g] = int32(pi)
			t := p.task(r, g)
			p.histStart[g+1] = p.histStart[g] + int64(t.history)
			switch t.status {
			case statusMapped:
				p.counters[pi][0]++
			case statusValidated:
				p.counters[pi][1]++
			case statusBadImagery:
				p.counters[pi][2]++
			}
		}
	}
}

// TaskStatus codes (SPEC §1.6).
const (
	statusReady = iota
	statusLockedMapping
	statusMapped
	statusLockedValidation
	statusValidated
	statusInvalidated
	statusBadImagery
	statusSplit
)

// statusNames are the TaskStatus names by code.
var statusNames = []string{"READY", "LOCKED_FOR_MAPPING", "MAPPED", "LOCKED_FOR_VALIDATION", "VALIDATED", "INVALIDATED", "BADIMAGERY", "SPLIT"}

// taskPlan is one task's state.
type taskPlan struct {
	status                    int
	locker, mapper, validator int64 // null when unset
	history                   int   // task_history rows
}

// task draws the plan of global task g from its own stream: the first eight
// tasks take the eight statuses in order, the first task has a long history
// and the ninth none.
func (p *plan) task(r *stream, g int) taskPlan {
	r.at(tagTask, uint64(g))
	var t taskPlan
	switch x := r.IntN(100); {
	case g < 8:
		t.status = g
	case x < 40:
		t.status = statusReady
	case x < 43:
		t.status = statusLockedMapping
	case x < 63:
		t.status = statusMapped
	case x < 65:
		t.status = statusLockedValidation
	case x < 88:
		t.status = statusValidated
	case x < 93:
		t.status = statusInvalidated
	case x < 97:
		t.status = statusBadImagery
	default:
		t.status = statusSplit
	}
	t.locker, t.mapper, t.validator = null, null, null
	switch t.status {
	case statusLockedMapping:
		t.locker = p.user(r)
	case statusLockedValidation:
		t.locker, t.mapper = p.user(r), p.user(r)
	case statusMapped, statusInvalidated, statusBadImagery:
		t.mapper = p.user(r)
	case statusValidated:
		t.mapper, t.validator = p.user(r), p.user(r)
	}
	if t.status == statusReady {
		if r.IntN(10) < 6 {
			t.history = 0
		} else {
			t.history = 1 + r.IntN(6)
		}
	} else {
		t.history = 4 + r.IntN(25)
	}
	switch g {
	case 0:
		t.history = 14
	case 8:
		t.history = 0
	}
	return t
}
