package pgio

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

type embeddedBase struct {
	ID      int64     `db:"id"`
	Created time.Time `db:"created"`
}

type mappedRow struct {
	embeddedBase
	Name     string
	Score    *float64 `db:"score"`
	Count    int32
	Small    int16
	Active   bool            `db:"is_active"`
	Payload  json.RawMessage `db:"payload"`
	Blob     []byte          `db:"blob"`
	Where    orb.Point       `db:"geom"`
	Shape    orb.Geometry    `db:"shape"`
	Ratio    float32
	Skipped  string `db:"-"`
	private  int
	Nullable *int64 `db:"maybe"`
}

// TestStructMapColumnsAndTypes checks the mapping of fields to columns and Go types to
// the SQL types CREATE TABLE gets, as the Rows doc promises.
func TestStructMapColumnsAndTypes(t *testing.T) {
	m, err := newStructMap(reflect.TypeFor[mappedRow](), 3857)
	require.NoError(t, err)
	want := []Column{
		{"id", "bigint"}, {"created", "timestamp with time zone"}, {"name", "text"},
		{"score", "double precision"}, {"count", "integer"}, {"small", "smallint"},
		{"is_active", "boolean"}, {"payload", "jsonb"}, {"blob", "bytea"},
		{"geom", "geometry(Point,3857)"}, {"shape", "geometry(Geometry,3857)"},
		{"ratio", "real"}, {"maybe", "bigint"},
	}
	require.Equal(t, want, m.columns(nil))
	require.Equal(t, "numeric(10,2)", m.columns(map[string]string{"score": "numeric(10,2)"})[3].Type)
	_ = mappedRow{}.private
}

// TestStructMapValues checks the values sent for a row: NULL for nil pointers and
// geometries, EWKB for geometries, JSON text for json.RawMessage, fields in the order
// of the table's columns (matched ignoring case and underscores).
func TestStructMapValues(t *testing.T) {
	m, err := newStructMap(reflect.TypeFor[*mappedRow](), 4326)
	require.NoError(t, err)
	cols := []Column{{"maybe", "bigint"}, {"Is_Active", "boolean"}, {"payload", "jsonb"}, {"geom", "geometry"}, {"shape", "geometry"}, {"score", "float8"}, {"id", "bigint"}}
	values, _, err := m.bind(cols, 4326)
	require.NoError(t, err)
	n := int64(7)
	row := mappedRow{embeddedBase: embeddedBase{ID: 42}, Active: true, Payload: json.RawMessage(`{"a":1}`), Where: orb.Point{1, 2}, Nullable: &n}
	got, err := values(reflect.ValueOf(row), nil)
	require.NoError(t, err)
	require.Len(t, got, 7)
	require.Equal(t, int64(7), got[0])
	require.Equal(t, true, got[1])
	require.Equal(t, `{"a":1}`, got[2])
	require.IsType(t, []byte{}, got[3])
	require.Len(t, got[3], 1+4+4+16, "EWKB point with SRID")
	require.Nil(t, got[4], "a nil geometry is NULL")
	require.Nil(t, got[5], "a nil pointer is NULL")
	require.Equal(t, int64(42), got[6])

	_, _, err = m.bind([]Column{{"nope", "text"}}, 4326)
	require.ErrorContains(t, err, `column "nope" has no field`)
}

// TestStructMapRefuses checks the errors for types that cannot be loaded.
func TestStructMapRefuses(t *testing.T) {
	cases := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"not a struct", reflect.TypeFor[int](), "needs a struct type"},
		{"no fields", reflect.TypeFor[struct{ a int }](), "no exported fields"},
		{"unsupported", reflect.TypeFor[struct{ C chan int }](), "type chan int has no column type"},
		{"twice", reflect.TypeFor[struct {
			A string `db:"x"`
			B string `db:"x"`
		}](), "map to one column twice"},
		{"bad name", reflect.TypeFor[struct {
			A string `db:"a\x00b"`
		}](), "field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newStructMap(tc.typ, 4326)
			require.ErrorContains(t, err, tc.want)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}
