package stages_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
)

// show prints a batch's rows and rejects after a stage ran.
func show[T any](b *pipeline.Batch[T]) {
	fmt.Printf("rows: %v\n", b.Rows)
	for _, r := range b.Rejects {
		r.Source = "input.csv"
		fmt.Println("reject:", r)
	}
}

// example builds a batch as a CSV source would: row i is on line i+2.
func example[T any](rows ...T) *pipeline.Batch[T] {
	b := &pipeline.Batch[T]{Rows: rows}
	for i := range rows {
		b.Pos = append(b.Pos, pipeline.Pos{Line: int64(i + 2), Index: int64(i)})
	}
	return b
}

func ExampleMap() {
	trim := stages.Map(func(name string) (string, error) {
		name = strings.TrimSpace(name)
		if name == "" {
			return "", errors.New("empty name")
		}
		return name, nil
	})
	b := example(" ann ", "  ", "bob")
	_ = trim.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [ann bob]
	// reject: input.csv line 3: empty name
}

func ExampleFilter() {
	withProject := stages.Filter(func(projectID int) bool { return projectID != 0 })
	b := example(7, 0, 9)
	_ = withProject.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [7 9]
}

func ExampleValidate() {
	type task struct{ X, Y, Zoom int }
	inGrid := stages.Validate(func(t task) error {
		if limit := 1 << t.Zoom; t.X >= limit || t.Y >= limit {
			return fmt.Errorf("tile %d/%d outside zoom %d", t.X, t.Y, t.Zoom)
		}
		return nil
	})
	b := example(task{1, 1, 1}, task{5, 0, 2})
	_ = inGrid.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [{1 1 1}]
	// reject: input.csv line 3: tile 5/0 outside zoom 2
}

func ExampleDedupe() {
	type row struct {
		ID   int
		Name string
	}
	lastWins := stages.Dedupe(func(r row) int { return r.ID })
	b := example(row{1, "old"}, row{2, "two"}, row{1, "new"})
	_ = lastWins.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [{2 two} {1 new}]
}

func ExampleEnumMap() {
	// Tasking Manager stores users.mapping_level as an integer code; TM-Admin's
	// column is an enum with these labels.
	mappingLevel := stages.Enum{Labels: map[int64]string{1: "BEGINNER", 2: "INTERMEDIATE", 3: "ADVANCED"}}
	type user struct {
		ID    int64
		Level any // the code as read: int, string, NULL…
		Label string
	}
	stage := stages.EnumMap("mapping_level", mappingLevel,
		func(u user) any { return u.Level },
		func(u *user, label string) { u.Label = label })

	b := example(user{1, 2, ""}, user{2, 7, ""}, user{3, "advanced", ""})
	_ = stage.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [{1 2 INTERMEDIATE} {3 advanced ADVANCED}]
	// reject: input.csv line 3 column mapping_level: column "mapping_level": unknown code 7 (known: 1=BEGINNER, 2=INTERMEDIATE, 3=ADVANCED)
}

func ExampleEnumMapEach() {
	// TM's projects.mapping_types is an int[] of MappingTypes codes; TM-Admin's column
	// is mappingtypes[].
	mappingTypes := stages.Enum{Labels: map[int64]string{1: "ROADS", 2: "BUILDINGS", 3: "WATERWAYS", 4: "LAND_USE", 5: "OTHER"}}
	type project struct {
		Types  []int32
		Labels []string
	}
	stage := stages.EnumMapEach("mapping_types", mappingTypes,
		func(p project) []int32 { return p.Types },
		func(p *project, labels []string) { p.Labels = labels })

	b := example(project{Types: []int32{2, 1}}, project{}, project{Types: []int32{6}})
	_ = stage.Process(context.Background(), b)
	show(b)
	// Output:
	// rows: [{[2 1] [BUILDINGS ROADS]} {[] []}]
	// reject: input.csv line 4 column mapping_types: column "mapping_types": unknown code 6 (known: 1=ROADS, 2=BUILDINGS, 3=WATERWAYS, 4=LAND_USE, 5=OTHER)
}

func ExampleFold() {
	// TM's user_licenses join table, folded into users.licenses int[].
	type userLicense struct {
		User    int64
		License int32
	}
	licenses := stages.NewFoldDistinct(
		func(r userLicense) int64 { return r.User },
		func(r userLicense) int32 { return r.License })
	licenses.Add(userLicense{1, 3}, userLicense{2, 1}, userLicense{1, 2}, userLicense{1, 3})
	folded := licenses.Done()
	fmt.Println(folded.Get(1), folded.Get(2), folded.Get(3) == nil)
	// Output:
	// [3 2] [1] true
}

func ExampleAttach() {
	type member struct {
		Team int
		User int64
		Role string `json:"role"`
	}
	type team struct {
		ID      int
		Members string // jsonb
	}
	members := stages.NewFold(func(m member) int { return m.Team }, func(m member) member { return m })
	members.Add(member{1, 10, "MANAGER"}, member{1, 11, "MEMBER"})

	attach := stages.Attach(members.Done(), func(t team) int { return t.ID }, func(t *team, ms []member) {
		type entry struct {
			UserID int64  `json:"user_id"`
			Role   string `json:"role"`
		}
		entries := make([]entry, len(ms)) // a team without members gets []

		for i, m := range ms {
			entries[i] = entry{m.User, m.Role}
		}
		js, _ := json.Marshal(entries)
		t.Members = string(js)
	})
	b := example(team{ID: 1}, team{ID: 2})
	_ = attach.Process(context.Background(), b)
	for _, t := range b.Rows {
		fmt.Println(t.ID, t.Members)
	}
	// Output:
	// 1 [{"user_id":10,"role":"MANAGER"},{"user_id":11,"role":"MEMBER"}]
	// 2 []
}

func ExampleLoader() {
	// fetch stands for one query: select id, name from users where id = any($1).
	fetch := func(_ context.Context, ids []int64) ([]string, []error) {
		fmt.Println("fetch", ids)
		names := make([]string, len(ids))
		errs := make([]error, len(ids))
		for i, id := range ids {
			if id > 100 {
				errs[i] = fmt.Errorf("no user %d", id)
				continue
			}
			names[i] = fmt.Sprint("user", id)
		}
		return names, errs
	}
	users := stages.NewLoader(fetch, stages.LoaderConfig[int64, string]{})
	defer users.Close()

	ctx := context.Background()
	names, errs := users.LoadMany(ctx, []int64{1, 2, 101})
	fmt.Println(names, errs[2])
	name, err := users.Load(ctx, 2) // cached: no fetch
	fmt.Println(name, err)
	// Output:
	// fetch [1 2 101]
	// [user1 user2 ] no user 101
	// user2 <nil>
}

func ExampleLookup() {
	type place struct {
		Code     string
		RegionID int64
	}
	regions := stages.NewLoader(stages.FetchMap(func(_ context.Context, codes []string) (map[string]int64, error) {
		ids := map[string]int64{"DE-BE": 11, "FR-75": 75} // a query in real life
		out := make(map[string]int64)
		for _, c := range codes {
			if id, ok := ids[c]; ok {
				out[c] = id
			}
		}
		return out, nil
	}), stages.LoaderConfig[string, int64]{})
	defer regions.Close()

	stage := stages.Lookup(regions,
		func(p place) string { return p.Code },
		func(p *place, id int64) { p.RegionID = id })
	b := example(place{Code: "DE-BE"}, place{Code: "XX"}, place{Code: "FR-75"})
	if err := stage.Process(context.Background(), b); err != nil {
		fmt.Println(err)
	}
	show(b)
	// Output:
	// rows: [{DE-BE 11} {FR-75 75}]
	// reject: input.csv line 3: stages: not found: key XX
}
