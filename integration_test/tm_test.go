package integration_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/tmsrc"
)

// The oracle's own enum tables, written from SPEC §2.3 independently of package tm.
var (
	tmTaskStatus = map[int]string{0: "READY", 1: "TASK_LOCKED_FOR_MAPPING", 2: "TASK_STATUS_MAPPED", 3: "TASK_LOCKED_FOR_VALIDATION",
		4: "TASK_VALIDATED", 5: "TASK_INVALIDATED", 6: "BAD", 7: "SPLIT"}
	tmProjectStatus = map[int]string{0: "ARCHIVED", 1: "PUBLISHED", 2: "DRAFT"}
	tmPriority      = map[int]string{0: "URGENT", 1: "HIGH", 2: "MEDIUM", 3: "LOW"}
	tmPermission    = map[int]string{0: "ANY", 1: "LEVEL", 2: "TEAMS", 3: "TEAMS_LEVEL"}
	tmCreationMode  = map[int]string{0: "GRID", 1: "UPLOAD"}
	tmDifficulty    = map[int]string{1: "EASY", 2: "MODERATE", 3: "CHALLENGING"}
	tmLevel         = map[int]string{1: "BEGINNER", 2: "INTERMEDIATE", 3: "ADVANCED"}
	tmMappingTypes  = map[int]string{1: "ROADS", 2: "BUILDINGS", 3: "WATERWAYS", 4: "LAND_USE", 5: "OTHER"}
	tmEditors       = map[int]string{0: "ID", 1: "JOSM", 2: "POTLATCH_2", 3: "FIELD_PAPERS", 4: "CUSTOM", 5: "RAPID"}
	tmRole          = map[int]string{-1: "READ_ONLY", 0: "MAPPER", 1: "SUPER_ADMIN"}
	tmOrgType       = map[int]string{1: "FREE", 2: "DISCOUNTED", 3: "FULL_FEE"}
	tmVisibility    = map[int]string{0: "PUBLIC", 1: "PRIVATE"}
	tmTeamRole      = map[int]string{-1: "TEAM_READ_ONLY", 0: "TEAM_MAPPER", 1: "TEAM_VALIDATOR", 2: "TEAM_MANAGER"}
	tmFunction      = map[int]string{1: "MANAGER", 2: "MEMBER"}
)

// lookup is a SQL function-like expression mapping code expression expr with table m.
func lookup(m map[int]string, expr string) string {
	var b strings.Builder
	b.WriteString("(case " + expr)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, " when %d then '%s'", k, m[k])
	}
	return b.String() + " end)"
}

// arrayLookup maps every element of an integer array, in order.
func arrayLookup(m map[int]string, expr string) string {
	return fmt.Sprintf("(select string_agg(%s, ',' order by o) from unnest(%s) with ordinality u(c, o))", lookup(m, "u.c"), expr)
}

// keyed reads (key, value) text pairs.
func keyed(t *testing.T, pool *pgxpool.Pool, sql string) map[string]string {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql)
	require.NoError(t, err, sql)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var k, v *string
		err := r.Scan(&k, &v)
		if v == nil {
			v = new(string)
			*v = "<NULL>"
		}
		return [2]string{*k, *v}, err
	})
	require.NoError(t, err, sql)
	m := make(map[string]string, len(out))
	for _, kv := range out {
		m[kv[0]] = kv[1]
	}
	return m
}

// requireSame compares every entity's expected value (from the source) with the
// migrated one (from the target), naming the first entities that differ.
func requireSame(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	require.NotEmpty(t, want, what)
	var diff []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			diff = append(diff, fmt.Sprintf("%s %s:\n  want %q\n  got  %q", what, k, want[k], got[k]))
		}
	}
	require.Empty(t, diff, "%d differ, the first: %s", len(diff), strings.Join(diff[:min(len(diff), 2)], "\n"))
	require.Len(t, got, len(want), what)
}

// tmOracle computes each migrated field from the TM source by its own SQL and
// compares it with the target.
func tmOracle(t *testing.T, src, dst *pgxpool.Pool) {
	t.Helper()
	sorted := func(expr string) string {
		return "(select string_agg(x::text, ',' order by x) from unnest(" + expr + ") x)"
	}
	// Users: enums by name, NOT NULL name, folded join tables as sets.
	requireSame(t, "users",
		keyed(t, src, `select u.id::text, concat_ws('|', u.username, coalesce(u.name, ''), `+lookup(tmRole, "u.role")+`, `+lookup(tmLevel, "u.mapping_level")+`,
			(select string_agg(distinct "license"::text, ',' order by "license"::text) from user_licenses l where l."user" = u.id),
			(select string_agg(distinct interest_id::text, ',' order by interest_id::text) from user_interests i where i.user_id = u.id),
			(select string_agg(distinct project_id::text, ',' order by project_id::text) from project_favorites f where f.user_id = u.id),
			u.date_registered, u.gender, u.projects_mapped::text) from users u`),
		keyed(t, dst, `select id::text, concat_ws('|', username, name, role, mapping_level,
			(select string_agg(x::text, ',' order by x::text) from unnest(licenses) x),
			(select string_agg(x::text, ',' order by x::text) from unnest(interests) x),
			(select string_agg(x::text, ',' order by x::text) from unnest(favorite_projects) x),
			date_registered, gender, projects_mapped::text) from users`))
	requireSame(t, "projects",
		keyed(t, src, `select p.id::text, concat_ws('|', `+lookup(tmProjectStatus, "p.status")+`, coalesce(`+lookup(tmPriority, "p.priority")+`, '-'),
			coalesce(`+lookup(tmPermission, "p.mapping_permission")+`, '-'), coalesce(`+lookup(tmPermission, "p.validation_permission")+`, '-'),
			`+lookup(tmCreationMode, "p.task_creation_mode")+`, `+lookup(tmDifficulty, "p.difficulty")+`, `+lookup(tmLevel, "p.difficulty")+`,
			coalesce(`+arrayLookup(tmMappingTypes, "p.mapping_types")+`, '-'), `+arrayLookup(tmEditors, "p.mapping_editors")+`, `+arrayLookup(tmEditors, "p.validation_editors")+`,
			coalesce((select i.name from project_info i where i.project_id = p.id and i.locale = p.default_locale),
			         (select i.name from project_info i where i.project_id = p.id and i.locale = 'en'),
			         (select i.name from project_info i where i.project_id = p.id order by i.locale limit 1), '-'),
			(select string_agg(distinct priority_area_id::text, ',' order by priority_area_id::text) from project_priority_areas a where a.project_id = p.id),
			(select min(interest_id) from project_interests i where i.project_id = p.id),
			(select string_agg(distinct user_id::text, ',' order by user_id::text) from project_allowed_users a where a.project_id = p.id),
			(select string_agg(team_id || ':' || `+lookup(tmTeamRole, "role")+`, ',' order by team_id) from project_teams pt where pt.project_id = p.id),
			p.author_id, p.organisation_id, p.created, p.country::text) from projects p`),
		keyed(t, dst, `select id::text, concat_ws('|', status, coalesce(priority::text, '-'), coalesce(mapping_permission::text, '-'),
			coalesce(validation_permission::text, '-'), task_creation_mode, difficulty, mapping_level,
			coalesce((select string_agg(x::text, ',' order by o) from unnest(mapping_types) with ordinality u(x, o)), '-'),
			(select string_agg(x::text, ',' order by o) from unnest(mapping_editors) with ordinality u(x, o)),
			(select string_agg(x::text, ',' order by o) from unnest(validation_editors) with ordinality u(x, o)),
			coalesce(name, '-'), `+sorted("priority_areas")+`, interests,
			(select string_agg(e->>'user_id', ',' order by e->>'user_id') from jsonb_array_elements(members->'users') e),
			(select string_agg((e->>'team_id') || ':' || (e->>'role'), ',' order by (e->>'team_id')::int) from jsonb_array_elements(members->'teams') e),
			author_id, organisation_id, created, country::text) from projects`))
	requireSame(t, "tasks",
		keyed(t, src, `select t.project_id || '/' || t.id, concat_ws('|', coalesce(`+lookup(tmTaskStatus, "t.task_status")+`, '-'), t.x, t.y, t.zoom,
			t.locked_by, t.mapped_by, t.validated_by, t.is_square, t.extra_properties,
			coalesce((select min(action_date) from task_history h where h.task_id = t.id and h.project_id = t.project_id),
				(select created from projects p where p.id = t.project_id)),
			(select string_agg(concat_ws(':', h.id, h.action, coalesce(h.action_text, '~'), h.action_date, h.user_id,
				(select string_agg(m.issue || '=' || m.count, ';' order by m.id) from task_mapping_issues m where m.task_history_id = h.id)), ','
				order by h.action_date, h.id) from task_history h where h.task_id = t.id and h.project_id = t.project_id),
			(select string_agg(concat_ws(':', v.id, v.invalidator_id, v.is_closed, v.invalidation_history_id), ',' order by v.id)
				from task_invalidation_history v where v.task_id = t.id and v.project_id = t.project_id)) from tasks t`),
		keyed(t, dst, `select project_id || '/' || id, concat_ws('|', coalesce(task_status::text, '-'), x, y, zoom,
			locked_by, mapped_by, validated_by, is_square, extra_properties, created,
			(select string_agg(concat_ws(':', e->>'id', e->>'action', coalesce(e->>'action_text', '~'), (e->>'action_date')::timestamp, e->>'user_id',
				(select string_agg((i->>'issue') || '=' || (i->>'count'), ';' order by n) from jsonb_array_elements(e->'issues') with ordinality w(i, n))), ','
				order by o) from jsonb_array_elements(history) with ordinality u(e, o) where e->>'type' = 'action'),
			(select string_agg(concat_ws(':', e->>'id', e->>'invalidator_id', (e->>'is_closed')::bool, e->>'invalidation_history_id'), ',' order by (e->>'id')::int)
				from jsonb_array_elements(history) e where e->>'type' = 'invalidation')) from tasks`))
	requireSame(t, "teams",
		keyed(t, src, `select t.id::text, concat_ws('|', t.name, t.organisation_id, `+lookup(tmVisibility, "t.visibility")+`, t.join_method = 1, t.join_method,
			(select string_agg(m.user_id || ':' || `+lookup(tmFunction, "m.function")+` || ':' || coalesce(m.active::text, '-'), ',' order by m.user_id)
				from team_members m where m.team_id = t.id)) from teams t`),
		keyed(t, dst, `select id::text, concat_ws('|', name, organisation_id, visibility, invite_only, join_method,
			(select string_agg((e->>'user_id') || ':' || (e->>'function') || ':' || coalesce(e->>'active', '-'), ',' order by (e->>'user_id')::bigint)
				from jsonb_array_elements(team_members) e)) from teams`))
	requireSame(t, "organizations",
		keyed(t, src, `select o.id::text, concat_ws('|', o.name, o.slug, `+lookup(tmOrgType, "o.type")+`, coalesce(o.subscription_tier, 0),
			(select string_agg(distinct user_id::text, ',' order by user_id::text) from organisation_managers m where m.organisation_id = o.id)) from organisations o`),
		keyed(t, dst, `select id::text, concat_ws('|', name, slug, type, subscription_tier,
			(select string_agg(x::text, ',' order by x::text) from unnest(managers) x)) from organizations`))
	requireSame(t, "campaigns",
		keyed(t, src, `select c.id::text, concat_ws('|', c.name,
			(select string_agg(distinct project_id::text, ',' order by project_id::text) from campaign_projects x where x.campaign_id = c.id),
			(select string_agg(distinct organisation_id::text, ',' order by organisation_id::text) from campaign_organisations x where x.campaign_id = c.id)) from campaigns c`),
		keyed(t, dst, `select id::text, concat_ws('|', name, (select string_agg(x::text, ',' order by x::text) from unnest(projects) x),
			(select string_agg(x::text, ',' order by x::text) from unnest(organizations) x)) from campaigns`))
	// Tables copied one to one: the same columns, row by row.
	for _, c := range []struct{ src, dst, key, cols string }{
		{"messages", "messages", "id", "message, subject, from_user_id, to_user_id, date, read, message_type, project_id, task_id"},
		{"project_chat", "chat", "id", "project_id, user_id, time_stamp, message"},
		{"notifications", "notifications", "id", "user_id, unread_count, date"},
		{"licenses", "licenses", "id", "name, description, plain_text"},
		{"interests", "interests", "id", "name"},
		{"mapping_issue_categories", "mapping_issue_categories", "id", "name, description, archived"},
		{"project_info", "project_info", "project_id || '/' || locale", "name, short_description, description, instructions, project_id_str, per_task_instructions"},
	} {
		q := "select (%s)::text, row(%s)::text from %s"
		requireSame(t, c.dst, keyed(t, src, fmt.Sprintf(q, c.key, c.cols, c.src)), keyed(t, dst, fmt.Sprintf(q, c.key, c.cols, c.dst)))
	}
	// Geometries: kept whole, equal, with the same number of parts.
	for _, g := range []struct{ src, dst, key, col string }{
		{"projects", "projects", "id::text", "geometry"},
		{"projects", "projects", "id::text", "centroid"},
		{"tasks", "tasks", "project_id || '/' || id", "geometry"},
		{"priority_areas", "priority_areas", "id::text", "geometry"},
	} {
		want := keyed(t, src, fmt.Sprintf("select %s, st_asewkb(%s)::text from %s", g.key, g.col, g.src))
		keys := slices.Sorted(maps.Keys(want))
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		for _, k := range keys[:min(200, len(keys))] {
			var equal bool
			err := dst.QueryRow(context.Background(), fmt.Sprintf(`select coalesce(st_equals(%[1]s, $2::text::bytea::geometry) and st_numgeometries(%[1]s) = st_numgeometries($2::text::bytea::geometry)
				and st_srid(%[1]s) = 4326, %[1]s is null and $2 = '<NULL>') from %[2]s where %[3]s = $1`, g.col, g.dst, g.key), k, want[k]).Scan(&equal)
			require.NoError(t, err, "%s %s", g.dst, k)
			require.True(t, equal, "%s %s %s", g.dst, k, g.col)
		}
	}
	var multi int
	require.NoError(t, dst.QueryRow(context.Background(), "select count(*) from projects where st_numgeometries(geometry) > 1").Scan(&multi))
	require.Positive(t, multi, "the source's multi-part AOIs stay multi-part")
}

// tmSource creates a synthetic TM v4 database.
func tmSource(t *testing.T, scale float64) *pgtest.DB {
	t.Helper()
	db := pgtest.Start(t)
	_, err := tmsrc.Create(context.Background(), db.Pool, tmsrc.Config{Scale: scale, Seed: 7})
	require.NoError(t, err)
	return db
}

// tmCounts reads the target's row count per table.
func tmCounts(t *testing.T, pool *pgxpool.Pool) map[string]tableState {
	t.Helper()
	out := map[string]tableState{}
	for _, name := range []string{"licenses", "interests", "mapping_issue_categories", "priority_areas", "organizations", "teams",
		"users", "campaigns", "projects", "project_info", "tasks", "messages", "chat", "notifications"} {
		out[name] = stateOf(t, pool, pgx.Identifier{name})
	}
	return out
}

// TestTMMigrationEqualsTheSourceFieldByField migrates a synthetic TM v4 database and
// checks every table's count and every migrated field against the oracle.
func TestTMMigrationEqualsTheSourceFieldByField(t *testing.T) {
	t.Parallel()
	src, dst := tmSource(t, 0.005), pgtest.Start(t)
	r := runCLI(t, "tm", "--from", src.DSN, "--to", dst.DSN, "--create", "--workers", "2", "--batch-rows", "400",
		"--import-id", "tm-oracle", "--progress", "none", "--report", "json")
	require.Zero(t, r.code, r.stderr)
	type report struct {
		Tables []struct {
			Table      string
			SourceRows int64 `json:"source_rows"`
			TargetRows int64 `json:"target_rows"`
			Written    int64 `json:"rows_written"`
			Skipped    int64 `json:"rows_skipped"`
			Rejected   int64 `json:"rows_rejected"`
			OK         bool
			Folds      []struct {
				Name       string
				SourceRows int64 `json:"source_rows"`
				Entries    int64 `json:"target_entries"`
				OK         bool
			}
		}
	}
	var rep report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Len(t, rep.Tables, 14)
	sourceOf := map[string]string{"organizations": "organisations", "chat": "project_chat"}
	sourceRows := map[string]int64{}
	histories := 0
	for _, tb := range rep.Tables {
		var n int64
		require.NoError(t, src.Pool.QueryRow(context.Background(), "select count(*) from "+cmp.Or(sourceOf[tb.Table], tb.Table)).Scan(&n))
		sourceRows[tb.Table] = n
		var got int64
		require.NoError(t, dst.Pool.QueryRow(context.Background(), "select count(*) from "+tb.Table).Scan(&got))
		require.Equal(t, n, got, tb.Table)
		require.Equal(t, n, tb.SourceRows, tb.Table)
		require.Equal(t, got, tb.TargetRows, tb.Table)
		require.True(t, tb.OK, tb.Table)
		require.Zero(t, tb.Rejected, tb.Table)
		for _, f := range tb.Folds {
			require.True(t, f.OK, "%s %s", tb.Table, f.Name)
			require.Equal(t, f.SourceRows, f.Entries, "%s %s", tb.Table, f.Name)
			if strings.HasPrefix(f.Name, "task_history") {
				histories++
				var n int64
				require.NoError(t, src.Pool.QueryRow(context.Background(), "select count(*) from task_history").Scan(&n))
				require.Equal(t, n, f.Entries, "every task_history row is a history entry")
			}
		}
	}
	require.Equal(t, 1, histories, "the task_history fold is reported")
	taskFolds := -1
	for _, tb := range rep.Tables {
		if tb.Table == "tasks" {
			taskFolds = len(tb.Folds)
		}
	}
	require.Equal(t, 3, taskFolds, "tasks: history actions, invalidations, issues")
	tmOracle(t, src.Pool, dst.Pool)
	// Sequences follow the migrated ids.
	var next, maxID int64
	require.NoError(t, dst.Pool.QueryRow(context.Background(), "select nextval('projects_id_seq'), (select max(id) from projects)").Scan(&next, &maxID))
	require.Equal(t, maxID+1, next)

	// The same command again: nothing changes, everything is skipped.
	before := tmCounts(t, dst.Pool)
	r = runCLI(t, "tm", "--from", src.DSN, "--to", dst.DSN, "--create", "--workers", "2", "--batch-rows", "400",
		"--import-id", "tm-oracle", "--progress", "none", "--report", "json")
	require.Zero(t, r.code, r.stderr)
	var again report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &again), r.stdout)
	require.Len(t, again.Tables, 14)
	for _, tb := range again.Tables {
		require.True(t, tb.OK, tb.Table)
		require.Zero(t, tb.Written, tb.Table)
		require.Equal(t, sourceRows[tb.Table], tb.Skipped, tb.Table)
	}
	require.Equal(t, before, tmCounts(t, dst.Pool))
}

// TestTMSIGKILLThenResumeEqualsAnUninterruptedMigration kills the migration three
// times, each run after some committed batches, re-runs it with the same import id, and
// compares every target table with an uninterrupted migration of the same source.
func TestTMSIGKILLThenResumeEqualsAnUninterruptedMigration(t *testing.T) {
	t.Parallel()
	src, ref, dst := tmSource(t, 0.005), pgtest.Start(t), pgtest.Start(t)
	args := func(to, id string) []string {
		return []string{"tm", "--from", src.DSN, "--to", to, "--create", "--workers", "2", "--batch-rows", "150", "--import-id", id, "--progress", "none", "-v"}
	}
	// A resumed run reports each table it skips as a batch of 0 rows: count the batches
	// that write rows.
	writing := func(line string) bool {
		w, ok := committedRows(line)
		return ok && w > 0
	}
	r := runCLI(t, args(ref.DSN, "ref")...)
	require.Zero(t, r.code, r.stderr)
	total := countLines(r.stderr, writing)
	require.GreaterOrEqual(t, total, 12, "enough batches to kill three runs in the middle")
	// Each run is killed after a quarter of all batches: the kills fall early, in the
	// middle and late in the migration.
	kill := total / 4
	for run := range 3 {
		committed := 0
		_, done := startCLI(t, func(cmd *exec.Cmd, line string) {
			if writing(line) {
				committed++
				if committed == kill {
					_ = cmd.Process.Kill()
				}
			}
		}, args(dst.DSN, "resume")...)
		err := <-done
		requireKilled(t, err, "run %d: the migration ended after %d batches, before batch %d", run, committed, kill)
	}
	r = runCLI(t, args(dst.DSN, "resume")...)
	require.Zero(t, r.code, r.stderr)
	require.LessOrEqual(t, countLines(r.stderr, writing), total-3*kill, "the last run skips the batches committed before the kills")
	require.Equal(t, tmCounts(t, ref.Pool), tmCounts(t, dst.Pool))
}

// TestTMRejectsUnknownCodesAndDanglingReferences breaks a few source rows: each is
// rejected with its table, id and reason, the rest migrates, and the exit code is 3.
func TestTMRejectsUnknownCodesAndDanglingReferences(t *testing.T) {
	t.Parallel()
	src, dst := tmSource(t, 0.002), pgtest.Start(t)
	var project, task, team int64
	var taskProject int64
	require.NoError(t, src.Pool.QueryRow(context.Background(), "select min(id) from projects").Scan(&project))
	require.NoError(t, src.Pool.QueryRow(context.Background(), "select project_id, id from tasks order by project_id desc, id limit 1").Scan(&taskProject, &task))
	require.NoError(t, src.Pool.QueryRow(context.Background(), "select min(team_id) from team_members").Scan(&team))
	mustExec(t, src.Pool,
		"alter table projects drop constraint if exists fk_users",
		fmt.Sprintf("update projects set author_id = 999999999999 where id = %d", project),
		fmt.Sprintf("update tasks set task_status = 9 where project_id = %d and id = %d", taskProject, task),
		fmt.Sprintf("update team_members set function = 7 where team_id = %d", team),
		"update users set mapping_level = 4 where id = (select max(id) from users)",
	)
	// A history row with an action TM does not have: its task is rejected (the history
	// is folded in the client).
	var hProject, hTask int64
	require.NoError(t, src.Pool.QueryRow(context.Background(), fmt.Sprintf(`select project_id, task_id from task_history
		where not (project_id = %d and task_id = %d) order by id limit 1`, taskProject, task)).Scan(&hProject, &hTask))
	mustExec(t, src.Pool, fmt.Sprintf(`update task_history set action = 'TELEPORTED' where id = (select min(id) from task_history
		where project_id = %d and task_id = %d)`, hProject, hTask))
	var badUser int64
	require.NoError(t, src.Pool.QueryRow(context.Background(), "select max(id) from users").Scan(&badUser))
	rejects := filepath.Join(t.TempDir(), "rejects.jsonl")
	r := runCLI(t, "tm", "--from", src.DSN, "--to", dst.DSN, "--create", "--progress", "none", "--rejects", rejects, "--max-rejects", "10")
	require.Equal(t, 3, r.code, r.stderr)
	data, err := os.ReadFile(rejects)
	require.NoError(t, err)
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		msgs = append(msgs, rec["message"].(string))
	}
	sort.Strings(msgs)
	require.Len(t, msgs, 5, strings.Join(msgs, "\n"))
	want := []string{
		fmt.Sprintf("projects id=%d: author_id 999999999999 has no users row", project),
		fmt.Sprintf("tasks project_id=%d id=%d: task_status: unknown TaskStatus code 9", taskProject, task),
		fmt.Sprintf("teams id=%d: team_members.function: unknown TeamMemberFunctions code 7", team),
		fmt.Sprintf("users id=%d: mapping_level: unknown MappingLevel code 4", badUser),
		fmt.Sprintf("tasks project_id=%d id=%d: task_history.action: unknown TaskAction TELEPORTED", hProject, hTask),
	}
	all := strings.Join(msgs, "\n")
	for _, w := range want {
		require.Contains(t, all, w)
	}
	// The rest migrated: every other row is there.
	for tb, where := range map[string]string{
		"projects": fmt.Sprintf("id <> %d", project), "teams": fmt.Sprintf("id <> %d", team), "users": fmt.Sprintf("id <> %d", badUser),
		"tasks": fmt.Sprintf("not (project_id = %d and id = %d) and not (project_id = %d and id = %d)", taskProject, task, hProject, hTask),
	} {
		var n, got int64
		require.NoError(t, src.Pool.QueryRow(context.Background(), "select count(*) from "+tb+" where "+where).Scan(&n))
		require.NoError(t, dst.Pool.QueryRow(context.Background(), "select count(*) from "+tb).Scan(&got))
		require.Equal(t, n, got, tb)
	}
	require.Contains(t, r.stderr, fmt.Sprintf("rejected: projects id=%d: author_id 999999999999 has no users row", project), "the report shows the reasons")

	// Without --create, a missing target is a clear error before anything is written.
	empty := pgtest.Start(t)
	r = runCLI(t, "tm", "--from", src.DSN, "--to", empty.DSN, "--progress", "none")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "use --create")
}
