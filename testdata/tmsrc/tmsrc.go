// Package tmsrc owns the synthetic HOT Tasking Manager v4 source database:
// the TM v4 schema of SPEC §1 ([DDL]) and a deterministic generator
// ([Create]) that fills it with consistent data (every foreign key holds)
// carrying the data quirks of SPEC §3.6 at every scale: every code of every
// integer enum including the 0 and -1 codes, NULL enums and names, duplicate
// and NULL rows in the key-less join tables, task ids repeating across
// projects, multi-part and holed MultiPolygons, TaskAction names with
// durations, status names and HTML-ish comments (quotes, newlines, NBSP) in
// task_history, action_date ties, and projects whose default locale has no
// project_info row.
//
// The tmimport `tm` migration tests and benchmarks use it as their source;
// cmd/tmsrc is its command line. It lives under testdata/ so that
// `go build ./...` and `go test ./...` skip it; importers name it by path.
package tmsrc

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sourcegraph/conc/pool"
)

// AlembicVersion is the single alembic_version row. It is a placeholder named
// after TM v4.8.5 (commit 0003afb2), not a real alembic revision id.
const AlembicVersion = "0003afb2_v4.8.5"

// Config sizes the source. Scale 1 ≈ 10,000 users, 1,000 projects, 200,000
// tasks, 2,000,000 task_history rows.
type Config struct {
	// Scale multiplies the volumes; it must be > 0. Small scales are floored
	// (at least 60 users, 12 projects and 10 tasks per project) so that every
	// forced quirk has rows to live in.
	Scale float64 // > 0
	// Seed selects the data: the same seed and scale give byte-identical
	// table contents (rows may be stored in a different physical order).
	Seed uint64 // same seed and scale → byte-identical data
}

// Counts is the number of rows written per table name.
type Counts map[string]int64

// table is one COPY job: a table (or part of one) and its row generator.
type table struct {
	name string
	cols []string
	gen  func(w *rowWriter)
}

// Create creates the TM v4 schema (SPEC §1) in the database's public schema
// of the connection's database and fills it. It fails if the tables exist.
//
// It creates the postgis extension if needed, creates the tables, loads them
// in parallel with COPY (up to the pool's MaxConns connections), fills
// project_info.text_searchable, sets the serial sequences to the largest ids,
// then builds the indexes, adds the foreign keys and analyzes. On error the
// partly built schema is left behind.
func Create(ctx context.Context, pool *pgxpool.Pool, cfg Config) (Counts, error) {
	if !(cfg.Scale > 0) || math.IsInf(cfg.Scale, 0) {
		return nil, fmt.Errorf("tmsrc: Config.Scale must be a positive number, got %v", cfg.Scale)
	}
	if err := execScript(ctx, pool, "create extension if not exists postgis"); err != nil {
		return nil, fmt.Errorf("tmsrc: %w", err)
	}
	if err := execScript(ctx, pool, ddlTables); err != nil {
		return nil, fmt.Errorf("tmsrc: create tables: %w", err)
	}
	p := newPlan(cfg)
	counts, err := load(ctx, pool, p.tables())
	if err != nil {
		return nil, err
	}
	if err := execScript(ctx, pool, postLoad); err != nil {
		return nil, fmt.Errorf("tmsrc: after loading: %w", err)
	}
	if err := parallel(ctx, pool, ddlIndexes); err != nil {
		return nil, fmt.Errorf("tmsrc: indexes: %w", err)
	}
	if err := execScript(ctx, pool, joinLines(ddlForeignKeys)+"analyze;"); err != nil {
		return nil, fmt.Errorf("tmsrc: foreign keys: %w", err)
	}
	return counts, nil
}

// tables lists the COPY jobs, biggest first; task_history is split into
// parts by project so that it loads on several connections.
func (p *plan) tables() []table {
	var ts []table
	parts := 1
	if total := p.histStart[len(p.histStart)-1]; total > 100_000 {
		parts = 4
	}
	from := 0
	for part := 1; part <= parts; part++ {
		to := from
		want := p.histStart[len(p.histStart)-1] * int64(part) / int64(parts)
		for to < len(p.projects) && (part == parts || p.histStart[p.projects[to].firstTask] < want) {
			to++
		}
		ts = append(ts, table{"task_history", historyCols, p.genHistory(from, to)})
		from = to
	}
	return append(ts,
		table{"tasks", taskCols, p.genTasks},
		table{"task_mapping_issues", issueCols, p.genIssues},
		table{"messages", messageCols, p.genMessages},
		table{"users", userCols, p.genUsers},
		table{"notifications", []string{"id", "user_id", "unread_count", "date"}, p.genNotifications},
		table{"task_invalidation_history", invalidationCols, p.genInvalidations},
		table{"projects", projectCols, p.genProjects},
		table{"project_info", []string{"project_id", "locale", "name", "short_description", "description", "instructions", "project_id_str", "per_task_instructions"}, p.genProjectInfo},
		table{"project_chat", chatCols, p.genChat},
		table{"user_interests", []string{"interest_id", "user_id"}, p.genUserInterests},
		table{"project_favorites", []string{"project_id", "user_id"}, p.genFavorites},
		table{"user_licenses", []string{"user", "license"}, p.genUserLicenses},
		table{"users_with_email", []string{"id", "email"}, p.genUsersWithEmail},
		table{"project_interests", []string{"interest_id", "project_id"}, p.genProjectInterests},
		table{"campaign_projects", []string{"campaign_id", "project_id"}, p.genCampaignProjects},
		table{"project_allowed_users", []string{"project_id", "user_id"}, p.genAllowedUsers},
		table{"project_teams", []string{"team_id", "project_id", "role"}, p.genProjectTeams},
		table{"priority_areas", []string{"id", "geometry"}, p.genPriorityAreas},
		table{"project_priority_areas", []string{"project_id", "priority_area_id"}, p.genProjectPriorityAreas},
		table{"project_custom_editors", []string{"project_id", "name", "description", "url"}, p.genCustomEditors},
		table{"task_annotations", annotationCols, p.genAnnotations},
		table{"organisations", []string{"id", "name", "slug", "logo", "description", "url", "type", "subscription_tier"}, p.genOrganisations},
		table{"organisation_managers", []string{"organisation_id", "user_id"}, p.genOrganisationManagers},
		table{"teams", []string{"id", "organisation_id", "name", "logo", "description", "join_method", "visibility"}, p.genTeams},
		table{"team_members", []string{"team_id", "user_id", "function", "active", "join_request_notifications", "joined_date"}, p.genTeamMembers},
		table{"campaigns", []string{"id", "name", "logo", "url", "description"}, p.genCampaigns},
		table{"campaign_organisations", []string{"campaign_id", "organisation_id"}, p.genCampaignOrganisations},
		table{"licenses", []string{"id", "name", "description", "plain_text"}, p.genLicenses},
		table{"interests", []string{"id", "name"}, p.genInterests},
		table{"mapping_issue_categories", []string{"id", "name", "description", "archived"}, p.genCategories},
		table{"alembic_version", []string{"version_num"}, func(w *rowWriter) { w.str(AlembicVersion); w.end() }},
	)
}

// load runs the COPY jobs on up to MaxConns connections and sums the rows per table.
func load(ctx context.Context, pgPool *pgxpool.Pool, ts []table) (Counts, error) {
	var mu sync.Mutex
	counts := Counts{}
	workers := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().
		WithMaxGoroutines(int(max(1, pgPool.Config().MaxConns)))
	for _, t := range ts {
		workers.Go(func(ctx context.Context) error {
			n, err := copyRows(ctx, pgPool, t.name, t.cols, t.gen)
			if err != nil {
				return fmt.Errorf("tmsrc: copy %s: %w", t.name, err)
			}
			mu.Lock()
			counts[t.name] += n
			mu.Unlock()
			return nil
		})
	}
	if err := workers.Wait(); err != nil {
		return nil, err
	}
	return counts, nil
}

// serialTables are the tables whose id is a serial.
var serialTables = []string{"licenses", "interests", "mapping_issue_categories", "priority_areas", "organisations",
	"teams", "campaigns", "projects", "project_chat", "task_history", "task_invalidation_history",
	"task_mapping_issues", "task_annotations", "messages", "notifications"}

// postLoad fills what TM's database computes itself: the search vectors (a
// trigger in TM) and the sequences.
var postLoad = func() string {
	s := `update project_info set text_searchable = to_tsvector('english'::regconfig,
	concat_ws(' ', project_id_str, name, short_description, description));
`
	for _, t := range serialTables {
		s += fmt.Sprintf("select setval(pg_get_serial_sequence('%[1]s', 'id'), coalesce(max(id), 1), max(id) is not null) from %[1]s;\n", t)
	}
	return s
}()

// joinLines joins statements into one script.
func joinLines(stmts []string) string {
	s := ""
	for _, st := range stmts {
		s += st + "\n"
	}
	return s
}

// publicFirst puts the public schema first on the search path for the rest of
// the current transaction only, so that the pool's sessions are left as found.
const publicFirst = "select set_config('search_path', 'public, ' || current_setting('search_path'), true);\n"

// execScript runs a script of statements in one simple-protocol round trip
// (an implicit transaction), with unqualified names resolving to public.
func execScript(ctx context.Context, pool *pgxpool.Pool, sql string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_, err = conn.Conn().PgConn().Exec(ctx, publicFirst+sql).ReadAll()
	return err
}

// parallel runs independent statements on up to MaxConns connections.
func parallel(ctx context.Context, pgPool *pgxpool.Pool, stmts []string) error {
	workers := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().
		WithMaxGoroutines(int(max(1, pgPool.Config().MaxConns)))
	for _, s := range stmts {
		workers.Go(func(ctx context.Context) error { return execScript(ctx, pgPool, s) })
	}
	return workers.Wait()
}
