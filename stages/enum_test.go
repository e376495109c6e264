package stages_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
)

var mappingLevel = stages.Enum{
	Labels:  map[int64]string{1: "BEGINNER", 2: "INTERMEDIATE", 3: "ADVANCED"},
	Aliases: map[string]string{"EXPERT": "ADVANCED"},
}

// user is a row whose mapping level arrives as any value and leaves as a label.
type user struct {
	Level any
	Label string
}

type level int16

// badValuer is a driver.Valuer that fails.
type badValuer struct{}

func (badValuer) Value() (driver.Value, error) { return nil, errors.New("boom") }

func TestEnumMap(t *testing.T) {
	t.Parallel()

	two, name := int64(2), "advanced"
	var nilInt *int64
	const unknown = `column "mapping_level": unknown code `
	const known = ` (known: 1=BEGINNER, 2=INTERMEDIATE, 3=ADVANCED)`
	cases := []struct {
		name      string
		code      any
		wantLabel string // "" with wantErr "": NULL, left unchanged
		wantErr   string
		readErr   bool // the error comes from reading the code, not from the table
	}{
		{name: "int64", code: int64(1), wantLabel: "BEGINNER"},
		{name: "int", code: 2, wantLabel: "INTERMEDIATE"},
		{name: "int32", code: int32(3), wantLabel: "ADVANCED"},
		{name: "int8", code: int8(3), wantLabel: "ADVANCED"},
		{name: "uint16", code: uint16(1), wantLabel: "BEGINNER"},
		{name: "named integer type", code: level(2), wantLabel: "INTERMEDIATE"},
		{name: "integral float from JSON", code: 2.0, wantLabel: "INTERMEDIATE"},
		{name: "decimal string", code: "3", wantLabel: "ADVANCED"},
		{name: "decimal string with spaces", code: " 1 ", wantLabel: "BEGINNER"},
		{name: "label name", code: "INTERMEDIATE", wantLabel: "INTERMEDIATE"},
		{name: "label name in any case", code: "beginner", wantLabel: "BEGINNER"},
		{name: "alias", code: "Expert", wantLabel: "ADVANCED"},
		{name: "bytes", code: []byte("2"), wantLabel: "INTERMEDIATE"},
		{name: "pointer", code: &two, wantLabel: "INTERMEDIATE"},
		{name: "pointer to name", code: &name, wantLabel: "ADVANCED"},
		{name: "valid sql.NullInt64", code: sql.NullInt64{Int64: 3, Valid: true}, wantLabel: "ADVANCED"},
		{name: "valid sql.NullString", code: sql.NullString{String: "beginner", Valid: true}, wantLabel: "BEGINNER"},
		{name: "nil is NULL", code: nil},
		{name: "nil pointer is NULL", code: nilInt},
		{name: "invalid sql.NullInt64 is NULL", code: sql.NullInt64{}},
		{name: "nil *sql.NullInt64 is NULL", code: (*sql.NullInt64)(nil)},
		{name: "failing Valuer", code: badValuer{}, wantErr: `column "mapping_level": reading code {}: boom`, readErr: true},
		{name: "unknown code", code: int64(7), wantErr: unknown + "7" + known},
		{name: "unknown zero", code: 0, wantErr: unknown + "0" + known},
		{name: "unknown decimal string", code: "7", wantErr: unknown + `"7"` + known},
		{name: "unknown name", code: "EXPERTS", wantErr: unknown + `"EXPERTS"` + known},
		{name: "empty string", code: "", wantErr: unknown + `""` + known},
		{name: "huge uint", code: uint64(1 << 63), wantErr: unknown + "9223372036854775808" + known},
		{name: "fractional float", code: 2.5, wantErr: `column "mapping_level": code 2.5 of type float64 is neither an integer nor a label name`},
		{name: "bool", code: true, wantErr: `column "mapping_level": code true of type bool is neither an integer nor a label name`},
	}
	stage := stages.EnumMap("mapping_level", mappingLevel,
		func(u user) any { return u.Level },
		func(u *user, label string) { u.Label = label })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(user{Level: int64(1)}, user{Level: tc.code, Label: "before"})
			process(t, stage, b)
			require.Nil(t, b.Raw)
			if tc.wantErr != "" {
				require.Equal(t, []user{{Level: int64(1), Label: "BEGINNER"}}, b.Rows)
				require.Len(t, b.Rejects, 1)
				rj := b.Rejects[0]
				require.EqualError(t, rj.Err, tc.wantErr)
				require.Equal(t, pipeline.Pos{Line: 3, Index: 1}, rj.Pos, "the reject carries the row's line")
				require.Equal(t, "mapping_level", rj.Column)
				if !tc.readErr {
					var ee *stages.EnumError
					require.ErrorAs(t, rj, &ee)
					require.Equal(t, "mapping_level", ee.Column)
					require.Equal(t, tc.code, ee.Code)
				}
				return
			}
			require.Empty(t, b.Rejects)
			want := tc.wantLabel
			if want == "" {
				want = "before" // NULL: set is not called
			}
			require.Equal(t, []string{"BEGINNER", want}, []string{b.Rows[0].Label, b.Rows[1].Label})
		})
	}
}

func TestEnumMapRowSlices(t *testing.T) {
	t.Parallel()

	// Rows as []any, as a generic source delivers them: the label replaces the code,
	// and NULL stays NULL.
	status := stages.Enum{Labels: map[int64]string{0: "READY", 1: "TASK_LOCKED_FOR_MAPPING", 2: "TASK_STATUS_MAPPED"}}
	stage := stages.EnumMap("task_status", status,
		func(r []any) any { return r[1] },
		func(r *[]any, label string) { (*r)[1] = label })
	b := batchOf([]any{1, int64(0)}, []any{2, nil}, []any{3, "2"}, []any{4, int64(9)})
	process(t, stage, b)
	require.Equal(t, [][]any{{1, "READY"}, {2, nil}, {3, "TASK_STATUS_MAPPED"}}, b.Rows)
	require.Equal(t, map[int64]string{
		5: `column "task_status": unknown code 9 (known: 0=READY, 1=TASK_LOCKED_FOR_MAPPING, 2=TASK_STATUS_MAPPED)`,
	}, rejected(b))
	rj := b.Rejects[0]
	rj.Source = "tasks.csv" // the pipeline names the input
	require.Equal(t, `tasks.csv line 5 column task_status: column "task_status": unknown code 9 (known: 0=READY, 1=TASK_LOCKED_FOR_MAPPING, 2=TASK_STATUS_MAPPED)`,
		rj.Error())
}

func TestEnumMapPanics(t *testing.T) {
	t.Parallel()

	get := func(u user) any { return u.Level }
	set := func(u *user, l string) { u.Label = l }
	cases := []struct {
		name   string
		column string
		enum   stages.Enum
		want   string
	}{
		{name: "no column", enum: mappingLevel, want: "stages: EnumMap needs a column name"},
		{name: "no labels", column: "c", want: `stages: EnumMap "c": Enum.Labels is empty`},
		{name: "empty label", column: "c", enum: stages.Enum{Labels: map[int64]string{1: ""}}, want: `stages: EnumMap "c": Enum.Labels[1] is empty`},
		{name: "alias to unknown label", column: "c",
			enum: stages.Enum{Labels: map[int64]string{1: "A"}, Aliases: map[string]string{"B": "C"}},
			want: `stages: EnumMap "c": Enum.Aliases["B"] = "C" is not one of the labels`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.PanicsWithValue(t, tc.want, func() { stages.EnumMap(tc.column, tc.enum, get, set) })
		})
	}
}

func TestEnumMapEach(t *testing.T) {
	t.Parallel()

	mappingTypes := stages.Enum{Labels: map[int64]string{1: "ROADS", 2: "BUILDINGS", 3: "WATERWAYS", 4: "LAND_USE", 5: "OTHER"}}
	type project struct {
		Types  []any
		Labels []string
	}
	cases := []struct {
		name    string
		codes   []any
		want    []string
		wantErr string
	}{
		{name: "maps in order", codes: []any{2, int64(1), "5"}, want: []string{"BUILDINGS", "ROADS", "OTHER"}},
		{name: "empty array", codes: []any{}, want: []string{}},
		{name: "NULL array stays NULL", codes: nil, want: []string{"before"}},
		{name: "unknown element", codes: []any{1, 9}, wantErr: `column "mapping_types": unknown code 9 (known: 1=ROADS, 2=BUILDINGS, 3=WATERWAYS, 4=LAND_USE, 5=OTHER)`},
		{name: "NULL element", codes: []any{1, nil}, wantErr: `column "mapping_types": element 1 is NULL`},
	}
	stage := stages.EnumMapEach("mapping_types", mappingTypes,
		func(p project) []any { return p.Types },
		func(p *project, labels []string) { p.Labels = labels })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(project{Types: tc.codes, Labels: []string{"before"}})
			process(t, stage, b)
			if tc.wantErr != "" {
				require.Empty(t, b.Rows)
				require.Equal(t, map[int64]string{2: tc.wantErr}, rejected(b))
				require.Equal(t, "mapping_types", b.Rejects[0].Column)
				return
			}
			require.Empty(t, b.Rejects)
			require.Equal(t, tc.want, b.Rows[0].Labels)
		})
	}

	t.Run("typed codes", func(t *testing.T) {
		t.Parallel()
		editors := stages.Enum{Labels: map[int64]string{0: "ID", 1: "JOSM", 5: "RAPID"}}
		type p struct {
			Editors []int32
			Labels  []string
		}
		b := batchOf(p{Editors: []int32{5, 0}})
		process(t, stages.EnumMapEach("mapping_editors", editors,
			func(r p) []int32 { return r.Editors },
			func(r *p, l []string) { r.Labels = l }), b)
		require.Equal(t, []string{"RAPID", "ID"}, b.Rows[0].Labels)
	})
}
