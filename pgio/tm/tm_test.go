package tm

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
)

// TestConversionsAreByName pins SPEC §2.3: each TM code becomes the TM-Admin label of
// the same name, not the label at the code's position (the old importer's off-by-one).
func TestConversionsAreByName(t *testing.T) {
	t.Parallel()
	for _, c := range Conversions {
		require.NoError(t, c.check(), c.TM)
	}
	cases := []struct {
		conv Conversion
		code int64
		want string
	}{
		{TaskStatus, 0, "READY"},
		{TaskStatus, 1, "TASK_LOCKED_FOR_MAPPING"},
		{TaskStatus, 2, "TASK_STATUS_MAPPED"},
		{TaskStatus, 4, "TASK_VALIDATED"},
		{TaskStatus, 5, "TASK_INVALIDATED"},
		{TaskStatus, 6, "BAD"},
		{TaskStatus, 7, "SPLIT"},
		{ProjectStatus, 0, "ARCHIVED"},
		{ProjectStatus, 1, "PUBLISHED"},
		{ProjectStatus, 2, "DRAFT"},
		{ProjectPriority, 0, "URGENT"},
		{ProjectPriority, 3, "LOW"},
		{MappingPermission, 0, "ANY"},
		{ValidationPermission, 3, "TEAMS_LEVEL"},
		{TaskCreationMode, 0, "GRID"},
		{TaskCreationMode, 1, "UPLOAD"},
		{Editors, 0, "ID"},
		{Editors, 5, "RAPID"},
		{ProjectDifficulty, 1, "EASY"},
		{DifficultyLevel, 3, "ADVANCED"},
		{MappingTypes, 1, "ROADS"},
		{MappingLevel, 2, "INTERMEDIATE"},
		{UserRole, -1, "READ_ONLY"},
		{UserRole, 0, "MAPPER"},
		{UserRole, 1, "SUPER_ADMIN"},
		{OrganisationType, 3, "FULL_FEE"},
		{TeamVisibility, 0, "PUBLIC"},
		{TeamVisibility, 1, "PRIVATE"},
		{TeamRoles, -1, "TEAM_READ_ONLY"},
		{TeamRoles, 0, "TEAM_MAPPER"},
		{TeamRoles, 2, "TEAM_MANAGER"},
		{TeamMemberFunctions, 1, "MANAGER"},
		{TeamMemberFunctions, 2, "MEMBER"},
	}
	for _, tc := range cases {
		got, ok := tc.conv.Enum().Labels[tc.code]
		require.True(t, ok, "%s %d", tc.conv.TM, tc.code)
		require.Equal(t, tc.want, got, "%s %d", tc.conv.TM, tc.code)
	}
	_, ok := TaskStatus.Enum().Labels[8]
	require.False(t, ok, "no default label")
}

func TestCaseSQL(t *testing.T) {
	t.Parallel()
	require.Equal(t, "case x when 0 then 'PUBLIC' when 1 then 'PRIVATE' end", TeamVisibility.caseSQL("x"))
	require.Equal(t, "-1, 0, 1", UserRole.codeList())
	require.Contains(t, UserRole.problemSQL("role", "u.role"), "'role: unknown UserRole code ' || u.role")
}

func TestTablesAreComplete(t *testing.T) {
	t.Parallel()
	m, err := New(nil, nil, Config{})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, tb := range m.Tables() {
		require.False(t, seen[tb.Name], tb.Name)
		seen[tb.Name] = true
		require.NotEmpty(t, tb.Key, tb.Name)
		q := m.Query(tb)
		require.NotContains(t, q, "{s}", tb.Name)
		require.True(t, strings.HasSuffix(strings.SplitN(q, "\nfrom ", 2)[0], "as tmimport_problem"), tb.Name)
		ddl := m.createTableSQL(tb)
		for _, k := range tb.Key {
			require.Contains(t, ddl, pgx.Identifier{k}.Sanitize(), tb.Name)
		}
	}
	_, err = New(nil, nil, Config{Tables: []string{"users", "nope"}})
	require.ErrorIs(t, err, ErrUnknownTable)
	m, err = New(nil, nil, Config{Tables: []string{"tasks", "users"}})
	require.NoError(t, err)
	require.Equal(t, "users", m.Tables()[0].Name, "dependency order")
	require.Equal(t, `"public"."taskstatus"[]`, m.typeSQL(Column{Type: "taskstatus[]"}))
	require.Equal(t, `int[]`, m.typeSQL(Column{Type: "int[]"}))
}

// tuple builds a binary COPY tuple; a nil field is NULL.
func tuple(fields ...[]byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(fields)))
	for _, f := range fields {
		if f == nil {
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			continue
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// textArray is the binary form of a one-dimensional text[] (element type 25).
func textArray(elems ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1) // ndim
	b = binary.BigEndian.AppendUint32(b, 0)    // flags
	b = binary.BigEndian.AppendUint32(b, 25)
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

func TestStageRejectsProblemsAndFixesTuples(t *testing.T) {
	t.Parallel()
	s := &stage{table: "projects", fields: 3, arrays: []enumArray{{field: 1, oid: 91234}}}
	id := binary.BigEndian.AppendUint32(nil, 7)
	b := &pipeline.Batch[[]byte]{Rows: [][]byte{
		tuple(id, textArray("ID", "JOSM"), nil),
		tuple(id, nil, []byte("projects id=8: author_id 3 has no users row")),
		tuple(id, textArray(), nil),
	}}
	require.NoError(t, s.Process(context.Background(), b))
	require.Len(t, b.Rejects, 1)
	var re *RowError
	require.True(t, errors.As(b.Rejects[0].Err, &re))
	require.Equal(t, "projects id=8: author_id 3 has no users row", re.Error())
	require.Len(t, b.Rows, 2)
	want := textArray("ID", "JOSM")
	binary.BigEndian.PutUint32(want[8:], 91234)
	require.Equal(t, tuple(id, want), b.Rows[0])
	empty := textArray()
	binary.BigEndian.PutUint32(empty[8:], 91234)
	require.Equal(t, tuple(id, empty), b.Rows[1])
	require.Nil(t, b.Raw, "rows changed: the raw batch is stale")

	bad := &pipeline.Batch[[]byte]{Rows: [][]byte{tuple(id, nil)}}
	require.ErrorIs(t, s.Process(context.Background(), bad), errTuple)
}

func TestStageRejectsNullInNotNullColumn(t *testing.T) {
	t.Parallel()
	tb := &Table{Name: "project_info", Source: "project_info", Key: []string{"project_id", "locale"}, Columns: []Column{
		{Name: "project_id", Type: "int", NotNull: true}, {Name: "locale", Type: "varchar(10)", NotNull: true},
		{Name: "name", Type: "varchar"}, {Name: "created", Type: "timestamp", NotNull: true}}}
	s := newStage(tb)
	pid := binary.BigEndian.AppendUint32(nil, 12)
	b := &pipeline.Batch[[]byte]{Rows: [][]byte{
		tuple(pid, []byte("fr"), nil, nil, nil),
		tuple(pid, []byte("en"), nil, []byte("12345678"), nil),
	}}
	require.NoError(t, s.Process(context.Background(), b))
	require.Len(t, b.Rejects, 1)
	require.Equal(t, "project_info project_id=12 locale=fr: created: NULL, but the target column is NOT NULL", b.Rejects[0].Err.Error())
	require.Equal(t, [][]byte{tuple(pid, []byte("en"), nil, []byte("12345678"))}, b.Rows)
}
