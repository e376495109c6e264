package integration_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/tmsrc"
)

// TestTMSourceGeneratorIsDeterministicAndHasTheQuirks generates the synthetic TM v4
// source twice with the same seed: every table has the same contents (by checksum)
// and the counts Create returns, every foreign key holds, Create refuses an existing
// schema, DDL() alone builds the schema, and each data quirk of SPEC §3.6 is present.
func TestTMSourceGeneratorIsDeterministicAndHasTheQuirks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, empty := pgtest.Start(t), pgtest.Start(t), pgtest.Start(t)
	cfg := tmsrc.Config{Scale: 0.005, Seed: 42}
	countsA, err := tmsrc.Create(ctx, a.Pool, cfg)
	require.NoError(t, err)
	countsB, err := tmsrc.Create(ctx, b.Pool, cfg)
	require.NoError(t, err)
	require.Equal(t, countsA, countsB)
	require.Len(t, countsA, 32, "every table of SPEC §1 plus alembic_version")
	for _, table := range slices.Sorted(maps.Keys(countsA)) {
		want := stateOf(t, a.Pool, pgx.Identifier{table})
		require.Equal(t, countsA[table], want.Count, table)
		require.NotZero(t, want.Count, table)
		require.Equal(t, want, stateOf(t, b.Pool, pgx.Identifier{table}), table)
	}
	require.EqualValues(t, 1000, countsA["tasks"])
	require.InDelta(t, 10_000, countsA["task_history"], 1500)

	_, err = tmsrc.Create(ctx, a.Pool, cfg)
	require.ErrorContains(t, err, "already exists")
	mustExec(t, empty.Pool, tmsrc.DDL())
	require.Equal(t, fkCount(t, a.Pool), fkCount(t, empty.Pool))

	t.Run("enum codes", func(t *testing.T) { requireTMEnumCodes(t, a.Pool) })
	t.Run("quirks", func(t *testing.T) {
		for _, q := range tmQuirks {
			var ok bool
			require.NoError(t, a.Pool.QueryRow(ctx, "select "+q.sql).Scan(&ok), q.name)
			require.True(t, ok, q.name)
		}
	})
}

// fkCount returns the number of validated foreign keys in the public schema.
func fkCount(tb testing.TB, pool *pgxpool.Pool) int {
	tb.Helper()
	var n int
	require.NoError(tb, pool.QueryRow(context.Background(),
		`select count(*) from pg_constraint where contype = 'f' and convalidated and connamespace = 'public'::regnamespace`).Scan(&n))
	require.Greater(tb, n, 40)
	return n
}

// requireTMEnumCodes checks that each integer enum column holds exactly every code
// of its enum (and NULL where the column is nullable and the quirk is wanted).
func requireTMEnumCodes(t *testing.T, pool *pgxpool.Pool) {
	cases := []struct{ table, col, want string }{
		{"users", "role", "-1 0 1"},
		{"users", "mapping_level", "1 2 3"},
		{"users", "gender", "1 2 3 4 NULL"},
		{"team_members", "function", "1 2"},
		{"teams", "join_method", "0 1 2"},
		{"teams", "visibility", "0 1"},
		{"project_teams", "role", "-1 0 1 2"},
		{"projects", "status", "0 1 2"},
		{"projects", "priority", "0 1 2 3 NULL"},
		{"projects", "difficulty", "1 2 3"},
		{"projects", "mapping_permission", "0 1 2 3 NULL"},
		{"projects", "validation_permission", "0 1 2 3 NULL"},
		{"projects", "task_creation_mode", "0 1"},
		{"tasks", "task_status", "0 1 2 3 4 5 6 7"},
		{"organisations", "type", "1 2 3"},
		{"messages", "message_type", "1 10 11 2 3 4 5 6 7 8 9"},
		{"task_history", "action", "AUTO_UNLOCKED_FOR_MAPPING AUTO_UNLOCKED_FOR_VALIDATION COMMENT EXTENDED_FOR_MAPPING " +
			"EXTENDED_FOR_VALIDATION LOCKED_FOR_MAPPING LOCKED_FOR_VALIDATION STATE_CHANGE"},
		{"(select unnest(mapping_types) c from projects) t", "c", "1 2 3 4 5"},
		{"(select unnest(mapping_editors) c from projects) t", "c", "0 1 2 3 4 5"},
		{"(select unnest(validation_editors) c from projects) t", "c", "0 1 2 3 4 5"},
	}
	for _, c := range cases {
		var got string
		q := fmt.Sprintf(`select string_agg(v, ' ' order by v collate "C") from (select distinct coalesce(%s::text, 'NULL') v from %s) d`, c.col, c.table)
		require.NoError(t, pool.QueryRow(context.Background(), q).Scan(&got), q)
		require.Equal(t, c.want, got, "%s.%s", c.table, c.col)
	}
}

// tmQuirks are boolean SQL expressions, one per data quirk the generator promises.
var tmQuirks = []struct{ name, sql string }{
	{"user ids beyond 2^31", `exists (select from users where id > 2147483647)`},
	{"NULL users.name", `exists (select from users where name is null)`},
	{"apostrophe, quote, unicode and newline in user names", `exists (select from users where username = 'O''Brien')
		and exists (select from users where username like '%"%') and exists (select from users where username like '%東京%')
		and exists (select from users where name like E'%\n%')`},
	{"projects_mapped NULL and empty", `exists (select from users where projects_mapped is null) and exists (select from users where projects_mapped = '{}')`},
	{"mapping_types NULL and empty", `exists (select from projects where mapping_types is null) and exists (select from projects where mapping_types = '{}')`},
	{"editors default {0,1,4}", `exists (select from projects where mapping_editors = '{0,1,4}') and exists (select from projects where validation_editors = '{0,1,4}')`},
	{"country with apostrophe, empty and NULL", `exists (select from projects where 'Côte d''Ivoire' = any(country))
		and exists (select from projects where country = '{}') and exists (select from projects where country is null)`},
	{"COMMENT with newline, NBSP, entity and quotes", `exists (select from task_history where action = 'COMMENT'
		and action_text like E'%\n%' and strpos(action_text, chr(160)) > 0 and action_text like '%&amp;%' and action_text like '%"%')`},
	{"lock durations with and without fraction", `exists (select from task_history where action = 'LOCKED_FOR_MAPPING' and action_text ~ '^\d\d:\d\d:\d\d\.\d{6}$')
		and exists (select from task_history where action like 'LOCKED_FOR%' and action_text ~ '^\d\d:\d\d:\d\d$')
		and exists (select from task_history where action like 'AUTO_UNLOCKED%' and action_text ~ '^\d\d:\d\d:\d\d')`},
	{"open locks have NULL action_text", `exists (select from task_history where action like 'LOCKED_FOR%' and action_text is null)`},
	{"STATE_CHANGE holds TaskStatus names", `not exists (select from task_history where action = 'STATE_CHANGE'
		and action_text not in ('READY','LOCKED_FOR_MAPPING','MAPPED','LOCKED_FOR_VALIDATION','VALIDATED','INVALIDATED','BADIMAGERY','SPLIT'))
		and (select count(distinct action_text) from task_history where action = 'STATE_CHANGE') >= 5`},
	{"action_date with microseconds", `exists (select from task_history where extract(microseconds from action_date)::bigint % 1000000 <> 0)`},
	{"action_date ties within a task", `exists (select from task_history group by project_id, task_id, action_date having count(*) > 1)`},
	{"action_date never decreases within a task", `not exists (select from (select action_date < lag(action_date) over (partition by project_id, task_id order by id) d from task_history) x where d)`},
	{"tasks without history", `exists (select from tasks t where not exists (select from task_history h where h.task_id = t.id and h.project_id = t.project_id))`},
	{"task ids repeat across projects", `exists (select from tasks group by id having count(*) > 1)`},
	{"task ids are 1..n per project", `not exists (select from tasks group by project_id having min(id) <> 1 or max(id) <> count(*))`},
	{"skewed task distribution", `(select max(total_tasks) > 3 * percentile_cont(0.5) within group (order by total_tasks) from projects)`},
	{"project counters match tasks", `not exists (select from projects p where total_tasks <> (select count(*) from tasks where project_id = p.id))`},
	{"GRID tasks have x/y/zoom, ARBITRARY ones none", `not exists (select from tasks t join projects p on p.id = t.project_id
		where (p.task_creation_mode = 1) <> (t.x is null and t.y is null and t.zoom is null and not t.is_square))`},
	{"all geometries valid, typed and 4326", `(select bool_and(st_isvalid(geometry) and st_srid(geometry) = 4326 and st_geometrytype(geometry) = 'ST_MultiPolygon') from projects)
		and (select bool_and(st_isvalid(geometry) and st_geometrytype(geometry) = 'ST_MultiPolygon') from tasks)
		and (select bool_and(st_isvalid(geometry) and st_geometrytype(geometry) = 'ST_Polygon') from priority_areas)
		and (select bool_and(st_geometrytype(centroid) = 'ST_Point' and st_dwithin(centroid, st_centroid(geometry), 1e-9)) from projects)`},
	{"tasks near lon 80 lat 7", `(select bool_and(st_x(st_centroid(geometry)) between 79 and 81 and st_y(st_centroid(geometry)) between 5 and 9) from tasks)`},
	{"multi-part and holed AOIs", `exists (select from projects where st_numgeometries(geometry) = 2) and exists (select from projects where st_numgeometries(geometry) = 3)
		and exists (select from projects where st_nrings(geometry) > st_numgeometries(geometry))`},
	{"two-part task", `exists (select from tasks where st_numgeometries(geometry) = 2)`},
	{"default locales other than en", `exists (select from projects where default_locale = 'fr') and exists (select from projects where default_locale = 'es')`},
	{"project lacking its default-locale info but with en", `exists (select from projects p where default_locale <> 'en'
		and not exists (select from project_info i where i.project_id = p.id and i.locale = p.default_locale)
		and exists (select from project_info i where i.project_id = p.id and i.locale = 'en'))`},
	{"project with neither default-locale nor en info", `exists (select from projects p where exists (select from project_info i where i.project_id = p.id)
		and not exists (select from project_info i where i.project_id = p.id and i.locale in (p.default_locale, 'en')))`},
	{"several locales and NULL names in project_info", `exists (select from project_info group by project_id having count(*) > 1)
		and exists (select from project_info where name is null) and exists (select from project_info where text_searchable is not null)`},
	{"duplicate join rows", `exists (select from user_licenses group by "user", "license" having count(*) > 1)
		and exists (select from user_interests group by interest_id, user_id having count(*) > 1)
		and exists (select from project_interests group by interest_id, project_id having count(*) > 1)
		and exists (select from project_priority_areas group by project_id, priority_area_id having count(*) > 1)
		and exists (select from campaign_projects group by campaign_id, project_id having count(*) > 1)
		and exists (select from project_allowed_users group by project_id, user_id having count(*) > 1)
		and exists (select from project_favorites group by project_id, user_id having count(*) > 1)`},
	{"NULL join-table FK columns", `exists (select from campaign_projects where project_id is null)
		and exists (select from user_interests where user_id is null) and exists (select from user_licenses where "user" is null)
		and exists (select from user_licenses where "license" is null) and exists (select from project_priority_areas where project_id is null)
		and exists (select from campaign_organisations where organisation_id is null)`},
	{"messages with NULL project and/or task", `exists (select from messages where project_id is null and task_id is null)
		and exists (select from messages where project_id is not null and task_id is null)
		and exists (select from messages where project_id is null and task_id is not null)
		and exists (select from messages where project_id is not null and task_id is not null)`},
	{"notifications with NULL user", `exists (select from notifications where user_id is null)`},
	{"invalidation points at a history row of its task", `exists (select from task_invalidation_history)
		and not exists (select from task_invalidation_history i join task_history h on h.id = i.invalidation_history_id
			where (h.task_id, h.project_id) <> (i.task_id, i.project_id))
		and not exists (select from task_invalidation_history where invalidation_history_id is null)`},
	{"several mapping issues per history row, distinct categories", `exists (select from task_mapping_issues group by task_history_id having count(*) > 1)
		and not exists (select from task_mapping_issues group by task_history_id having count(*) <> count(distinct mapping_issue_category_id))
		and not exists (select from task_mapping_issues i join mapping_issue_categories c on c.id = i.mapping_issue_category_id where c.name <> i.issue)`},
	{"alembic_version", `(select string_agg(version_num, ',') = '` + tmsrc.AlembicVersion + `' from alembic_version)`},
	{"sequences set to the largest id", `(select last_value from task_history_id_seq) = (select max(id) from task_history)
		and (select last_value from projects_id_seq) = (select max(id) from projects)`},
	{"project ids have gaps", `(select max(id) > count(*) from projects)`},
}
