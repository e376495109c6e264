package tm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Table is one TM-Admin target table and how it is computed from the TM v4 source: one
// SELECT over the source yields the target's columns, already converted (enum labels,
// folded join tables, JSONB history), plus a last column naming what is wrong with the
// row (unknown codes, dangling references) or NULL.
type Table struct {
	// Name is the target table (TM-Admin's name: organizations, chat, …).
	Name string
	// Source names the TM table the rows come from, one target row per source row.
	Source string
	// Key is the target's unique key (TM-Admin creates UNIQUE constraints, no PKs).
	Key []string
	// Split is the integer column that cuts the source into key ranges.
	Split string
	// MaxBatchRows, when set, caps the rows of a batch (and of a key range) for
	// tables with wide rows, so memory stays bounded whatever --batch-rows says.
	MaxBatchRows int
	// Columns are the migrated columns, in order.
	Columns []Column
	// Unfilled are target columns with no TM source (FMTM-only), created NULL.
	Unfilled []Column
	from     string   // FROM clause over the source; {s} is the source schema
	ident    string   // SQL naming the row in a reject, e.g. 'id=' || u.id
	checks   []string // SQL expressions naming a problem, or NULL
	notes    []note
	folds    *fold
}

// fold counts, for each child table folded into t, the distinct child rows of
// migrated parents in the source (src, over {s}) and the entries in the target (dst,
// over {t}, the target schema): each query returns one bigint per name.
type fold struct {
	names    []string
	src, dst string
}

// pairs counts the distinct (key, val) pairs of a join table whose parent exists.
func pairs(table, key, val, parent string) string {
	return fmt.Sprintf(`(select count(*) from (select distinct x.%[2]s, x.%[3]s from {s}.%[1]s x
    where x.%[3]s is not null and exists (select from {s}.%[4]s p where p.id = x.%[2]s)) y)`, table, key, val, parent)
}

// Column is a target column and its source expression.
type Column struct {
	// Name and Type are the target column's name and type; for an enum, Type is the
	// TM-Admin enum type (with [] for arrays) and Enum the conversion.
	Name, Type string
	// NotNull marks TM-Admin's required columns.
	NotNull bool
	// Expr is the SQL expression over the source row (an integer code for enums).
	Expr string
	// Enum, when set, converts the code(s) of Expr by name.
	Enum *Conversion
	// Folded marks a column the table's fold stage fills in Go (tasks.history and
	// tasks.issues); the query does not read it. Folded columns come last.
	Folded bool
}

func (c Column) array() bool { return strings.HasSuffix(c.Type, "[]") }

// note is a count the report shows when it is not zero: source values the target
// cannot hold as they are, and what the migration did with them.
type note struct{ sql, text string }

// selectSQL is the source query of t: the target columns, then the problem column.
func (t *Table) selectSQL(srcSchema string) string {
	items := make([]string, 0, len(t.Columns)+1)
	checks := append([]string(nil), t.checks...)
	for _, c := range t.queried() {
		switch {
		case c.Enum != nil && c.array():
			items = append(items, fmt.Sprintf("(%s)::text[] as %s", c.Enum.arraySQL(c.Expr), pgx.Identifier{c.Name}.Sanitize()))
			checks = append(checks, c.Enum.arrayProblemSQL(c.Name, c.Expr))
		case c.Enum != nil:
			items = append(items, fmt.Sprintf("(%s)::text as %s", c.Enum.caseSQL(c.Expr), pgx.Identifier{c.Name}.Sanitize()))
			checks = append(checks, c.Enum.problemSQL(c.Name, c.Expr))
		default:
			items = append(items, fmt.Sprintf("(%s)::%s as %s", c.Expr, c.Type, pgx.Identifier{c.Name}.Sanitize()))
		}
	}
	if len(checks) == 0 {
		items = append(items, "null::text as tmimport_problem")
	} else {
		problems := "concat_ws('; ', " + strings.Join(checks, ", ") + ")"
		items = append(items, fmt.Sprintf("case when %[1]s <> '' then %[2]s || ': ' || %[1]s end as tmimport_problem", problems, t.ident))
	}
	return strings.ReplaceAll("select "+strings.Join(items, ",\n  ")+"\nfrom "+t.from, "{s}", srcSchema)
}

// queried returns the columns the source query reads: all but the folded ones.
func (t *Table) queried() []Column {
	return slices.DeleteFunc(slices.Clone(t.Columns), func(c Column) bool { return c.Folded })
}

// ref is a check that the non-NULL reference expr finds its row in table.col.
func ref(col, expr, table, key string) string {
	return fmt.Sprintf("case when %[2]s is not null and not exists (select from {s}.%[3]s r where r.%[4]s = %[2]s) then %[1]s || %[2]s || %[5]s end",
		quote(col+" "), expr, table, key, quote(" has no "+table+" row"))
}

// childCodes is a check that the codes in column col of child rows (from … where …)
// are all known to conv.
func childCodes(conv Conversion, col, expr, fromWhere string) string {
	return fmt.Sprintf("(select %s || string_agg(distinct coalesce(%s::text, 'NULL'), ', ') || ' (known: %s)' from %s and (%s is null or %s not in (%s)) having count(*) > 0)",
		quote(col+": unknown "+conv.TM+" code "), expr, conv.known(), fromWhere, expr, expr, conv.codeList())
}

func enum(c Conversion) *Conversion { return &c }

// str is a list of varchar columns copied by name from alias a.
func str(a string, names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: "varchar", Expr: a + "." + n}
	}
	return cols
}

// same is a list of columns of one type copied by name from alias a.
func same(a, typ string, names ...string) []Column {
	cols := str(a, names...)
	for i := range cols {
		cols[i].Type = typ
	}
	return cols
}

func cols(groups ...[]Column) []Column {
	var all []Column
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// info picks one project_info column: the row in the project's default locale, else
// English, else the first locale (SPEC §5.4; every locale is also kept in project_info).
func info(col string) Column {
	return Column{Name: col, Type: "varchar", Expr: fmt.Sprintf(`(select i.%s from {s}.project_info i where i.project_id = p.id
    order by coalesce(i.locale = p.default_locale, false) desc, i.locale = 'en' desc, i.locale limit 1)`, col)}
}

// distinctAgg is a pre-aggregated join table: the distinct non-NULL values of val per
// key, sorted, as an array named a (join tables have no primary key and may repeat rows).
func distinctAgg(table, key, val string) string {
	return fmt.Sprintf(`(select %[2]s k, array_agg(distinct %[3]s order by %[3]s) a from {s}.%[1]s
    where %[2]s is not null and %[3]s is not null group by 1)`, table, key, val)
}

// Tables returns the target tables in dependency order.
func Tables() []*Table {
	return []*Table{
		{Name: "licenses", Source: "licenses", Key: []string{"id"}, Split: "id", from: "{s}.licenses l",
			ident:   "'licenses id=' || l.id",
			Columns: cols([]Column{{Name: "id", Type: "int", NotNull: true, Expr: "l.id"}}, str("l", "name", "description", "plain_text"))},
		{Name: "interests", Source: "interests", Key: []string{"id"}, Split: "id", from: "{s}.interests i",
			ident:   "'interests id=' || i.id",
			Columns: cols([]Column{{Name: "id", Type: "int", NotNull: true, Expr: "i.id"}}, str("i", "name"))},
		{Name: "mapping_issue_categories", Source: "mapping_issue_categories", Key: []string{"id"}, Split: "id",
			from: "{s}.mapping_issue_categories c", ident: "'mapping_issue_categories id=' || c.id",
			Columns: []Column{{Name: "id", Type: "int", NotNull: true, Expr: "c.id"}, {Name: "name", Type: "varchar", NotNull: true, Expr: "c.name"},
				{Name: "description", Type: "varchar", Expr: "c.description"}, {Name: "archived", Type: "bool", NotNull: true, Expr: "c.archived"}}},
		{Name: "priority_areas", Source: "priority_areas", Key: []string{"id"}, Split: "id", from: "{s}.priority_areas a",
			ident: "'priority_areas id=' || a.id",
			Columns: []Column{{Name: "id", Type: "int", NotNull: true, Expr: "a.id"},
				{Name: "geometry", Type: "geometry(Polygon,4326)", Expr: "a.geometry"}}},
		organizations(), teams(), users(), campaigns(), projects(), projectInfo(), tasks(),
		{Name: "messages", Source: "messages", Key: []string{"id"}, Split: "id", from: "{s}.messages m",
			ident: "'messages id=' || m.id",
			Columns: cols([]Column{{Name: "id", Type: "int", NotNull: true, Expr: "m.id"}}, str("m", "message", "subject"),
				same("m", "bigint", "from_user_id", "to_user_id"), []Column{{Name: "date", Type: "timestamp", Expr: "m.date"},
					{Name: "read", Type: "bool", Expr: "m.read"}}, same("m", "int", "message_type", "project_id", "task_id")),
			checks: []string{ref("from_user_id", "m.from_user_id", "users", "id"), ref("to_user_id", "m.to_user_id", "users", "id"),
				ref("project_id", "m.project_id", "projects", "id"),
				`case when m.task_id is not null and m.project_id is not null and not exists (select from {s}.tasks r where r.id = m.task_id and r.project_id = m.project_id)
				  then 'task_id ' || m.task_id || ' has no tasks row in project ' || m.project_id end`}},
		{Name: "chat", Source: "project_chat", Key: []string{"id"}, Split: "id", from: "{s}.project_chat c",
			ident: "'project_chat id=' || c.id",
			Columns: []Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "c.id"}, {Name: "project_id", Type: "int", NotNull: true, Expr: "c.project_id"},
				{Name: "user_id", Type: "int", NotNull: true, Expr: "c.user_id"}, {Name: "time_stamp", Type: "timestamp", NotNull: true, Expr: "c.time_stamp"},
				{Name: "message", Type: "varchar", NotNull: true, Expr: "c.message"}},
			checks: []string{ref("project_id", "c.project_id", "projects", "id"), ref("user_id", "c.user_id", "users", "id")}},
		{Name: "notifications", Source: "notifications", Key: []string{"id"}, Split: "id", from: "{s}.notifications n",
			ident: "'notifications id=' || n.id",
			Columns: []Column{{Name: "id", Type: "int", NotNull: true, Expr: "n.id"}, {Name: "user_id", Type: "bigint", Expr: "n.user_id"},
				{Name: "unread_count", Type: "int", Expr: "n.unread_count"}, {Name: "date", Type: "timestamp", Expr: "n.date"}},
			checks: []string{ref("user_id", "n.user_id", "users", "id")}},
	}
}

func organizations() *Table {
	return &Table{Name: "organizations", Source: "organisations", Key: []string{"id"}, Split: "id", from: "{s}.organisations o",
		ident: "'organisations id=' || o.id",
		Columns: cols([]Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "o.id"},
			{Name: "name", Type: "varchar", NotNull: true, Expr: "o.name"}, {Name: "slug", Type: "varchar", NotNull: true, Expr: "o.slug"}},
			str("o", "logo", "description", "url"),
			[]Column{{Name: "type", Type: "organizationtype", NotNull: true, Expr: "o.type", Enum: enum(OrganisationType)},
				{Name: "subscription_tier", Type: "int", NotNull: true, Expr: "coalesce(o.subscription_tier, 0)"},
				// Users are bigint: TM-Admin's int[] would not hold every OSM id.
				{Name: "managers", Type: "bigint[]", Expr: `coalesce((select array_agg(distinct m.user_id order by m.user_id)
    from {s}.organisation_managers m where m.organisation_id = o.id and m.user_id is not null), '{}')`}}),
		folds: &fold{[]string{"organisation_managers → managers"}, "select " + pairs("organisation_managers", "organisation_id", "user_id", "organisations"),
			"select coalesce(sum(cardinality(managers)), 0) from {t}.organizations"},
		notes: []note{{"select count(*) from {s}.organisations where subscription_tier is null",
			"organisations without a subscription_tier got 0 (TM-Admin's column is NOT NULL)"}},
	}
}

func teams() *Table {
	return &Table{Name: "teams", Source: "teams", Key: []string{"id"}, Split: "id", from: "{s}.teams t",
		ident: "'teams id=' || t.id",
		Columns: cols([]Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "t.id"},
			{Name: "organisation_id", Type: "int", NotNull: true, Expr: "t.organisation_id"},
			{Name: "name", Type: "varchar", NotNull: true, Expr: "t.name"}}, str("t", "logo", "description"),
			[]Column{
				// TM dropped invite_only in 2022 (migration 4ed992117718): its inverse.
				{Name: "invite_only", Type: "bool", Expr: "t.join_method = 1"},
				{Name: "visibility", Type: "teamvisibility", NotNull: true, Expr: "t.visibility", Enum: enum(TeamVisibility)},
				{Name: "join_method", Type: "int", Expr: "t.join_method"},
				{Name: "team_members", Type: "jsonb", Expr: `coalesce((select jsonb_agg(jsonb_build_object('user_id', m.user_id,
      'function', ` + TeamMemberFunctions.caseSQL("m.function") + `, 'active', m.active,
      'join_request_notifications', m.join_request_notifications, 'joined_date', m.joined_date) order by m.user_id)
    from {s}.team_members m where m.team_id = t.id), '[]')`}}),
		checks: []string{ref("organisation_id", "t.organisation_id", "organisations", "id"),
			childCodes(TeamMemberFunctions, "team_members.function", "m.function", "{s}.team_members m where m.team_id = t.id")},
		folds: &fold{[]string{"team_members → team_members"}, "select " + pairs("team_members", "team_id", "user_id", "teams"),
			"select coalesce(sum(jsonb_array_length(team_members)), 0) from {t}.teams"},
	}
}

func users() *Table {
	return &Table{Name: "users", Source: "users", Key: []string{"id"}, Split: "id",
		from: `{s}.users u
  left join ` + distinctAgg("project_favorites", "user_id", "project_id") + ` fav on fav.k = u.id
  left join ` + distinctAgg("user_licenses", `"user"`, `"license"`) + ` lic on lic.k = u.id
  left join ` + distinctAgg("user_interests", "user_id", "interest_id") + ` ui on ui.k = u.id`,
		ident: "'users id=' || u.id",
		Columns: cols([]Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "u.id"}},
			str("u", "username", "city", "country", "email_address", "picture_url", "self_description_gender", "default_editor",
				"twitter_id", "facebook_id", "linkedin_id", "slack_id", "skype_id", "irc_id"),
			[]Column{{Name: "name", Type: "varchar", NotNull: true, Expr: "coalesce(u.name, '')"}},
			same("u", "bool", "is_email_verified", "is_expert", "tasks_notifications", "mentions_notifications", "projects_notifications",
				"projects_comments_notifications", "tasks_comments_notifications", "teams_announcement_notifications"),
			[]Column{{Name: "role", Type: "roles", Expr: "u.role", Enum: enum(UserRole)},
				{Name: "mapping_level", Type: "mappinglevel", NotNull: true, Expr: "u.mapping_level", Enum: enum(MappingLevel)}},
			same("u", "int", "tasks_mapped", "tasks_validated", "tasks_invalidated", "gender"),
			[]Column{{Name: "projects_mapped", Type: "int[]", Expr: "u.projects_mapped"}},
			same("u", "timestamp", "date_registered", "last_validation_date"),
			[]Column{{Name: "osm_id", Type: "bigint", Expr: "u.id"},
				{Name: "favorite_projects", Type: "int[]", Expr: "coalesce(fav.a, '{}')"},
				{Name: "licenses", Type: "int[]", Expr: "coalesce(lic.a, '{}')"},
				{Name: "interests", Type: "int[]", Expr: "coalesce(ui.a, '{}')"}}),
		Unfilled: []Column{{Name: "password", Type: "varchar"}},
		folds: &fold{[]string{"user_licenses → licenses", "user_interests → interests", "project_favorites → favorite_projects"},
			"select " + pairs("user_licenses", `"user"`, `"license"`, "users") + ", " + pairs("user_interests", "user_id", "interest_id", "users") + ", " +
				pairs("project_favorites", "user_id", "project_id", "users"),
			"select coalesce(sum(cardinality(licenses)), 0), coalesce(sum(cardinality(interests)), 0), coalesce(sum(cardinality(favorite_projects)), 0) from {t}.users"},
		notes: []note{{"select count(*) from {s}.users where name is null",
			"users without a name got name '' (TM-Admin's column is NOT NULL; username is kept)"}},
	}
}

func campaigns() *Table {
	return &Table{Name: "campaigns", Source: "campaigns", Key: []string{"id"}, Split: "id",
		from: `{s}.campaigns c
  left join ` + distinctAgg("campaign_projects", "campaign_id", "project_id") + ` cp on cp.k = c.id
  left join ` + distinctAgg("campaign_organisations", "campaign_id", "organisation_id") + ` co on co.k = c.id`,
		ident: "'campaigns id=' || c.id",
		Columns: cols([]Column{{Name: "id", Type: "int", NotNull: true, Expr: "c.id"}, {Name: "name", Type: "varchar", NotNull: true, Expr: "c.name"}},
			str("c", "logo", "url", "description"),
			[]Column{{Name: "projects", Type: "int[]", Expr: "coalesce(cp.a, '{}')"}, {Name: "organizations", Type: "int[]", Expr: "coalesce(co.a, '{}')"}}),
		folds: &fold{[]string{"campaign_projects → projects", "campaign_organisations → organizations"},
			"select " + pairs("campaign_projects", "campaign_id", "project_id", "campaigns") + ", " + pairs("campaign_organisations", "campaign_id", "organisation_id", "campaigns"),
			"select coalesce(sum(cardinality(projects)), 0), coalesce(sum(cardinality(organizations)), 0) from {t}.campaigns"},
	}
}

func projects() *Table {
	return &Table{Name: "projects", Source: "projects", Key: []string{"id"}, Split: "id",
		from: `{s}.projects p
  left join ` + distinctAgg("project_priority_areas", "project_id", "priority_area_id") + ` pa on pa.k = p.id
  left join ` + distinctAgg("project_interests", "project_id", "interest_id") + ` pi on pi.k = p.id
  left join (select project_id k, jsonb_agg(jsonb_build_object('user_id', user_id) order by user_id) a
    from (select distinct project_id, user_id from {s}.project_allowed_users where project_id is not null and user_id is not null) x group by 1) au on au.k = p.id
  left join (select project_id k, jsonb_agg(jsonb_build_object('team_id', team_id, 'role', ` + TeamRoles.caseSQL("role") + `) order by team_id) a,
      string_agg(role::text, ', ') filter (where role is null or role not in (` + TeamRoles.codeList() + `)) bad
    from {s}.project_teams group by 1) pt on pt.k = p.id`,
		ident: "'projects id=' || p.id",
		Columns: cols([]Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "p.id"}, {Name: "author_id", Type: "bigint", NotNull: true, Expr: "p.author_id"},
			{Name: "created", Type: "timestamp", NotNull: true, Expr: "p.created"},
			{Name: "task_creation_mode", Type: "taskcreationmode", NotNull: true, Expr: "p.task_creation_mode", Enum: enum(TaskCreationMode)},
			{Name: "status", Type: "projectstatus", NotNull: true, Expr: "p.status", Enum: enum(ProjectStatus)},
			{Name: "priority", Type: "projectpriority", Expr: "p.priority", Enum: enum(ProjectPriority)},
			{Name: "mapping_permission", Type: "permissions", Expr: "p.mapping_permission", Enum: enum(MappingPermission)},
			{Name: "mapping_permissions", Type: "permissions", Expr: "p.mapping_permission", Enum: enum(MappingPermission)},
			{Name: "validation_permission", Type: "permissions", Expr: "p.validation_permission", Enum: enum(ValidationPermission)},
			{Name: "difficulty", Type: "projectdifficulty", Expr: "p.difficulty", Enum: enum(ProjectDifficulty)},
			{Name: "mapping_level", Type: "mappinglevel", NotNull: true, Expr: "p.difficulty", Enum: enum(DifficultyLevel)},
			{Name: "mapping_types", Type: "mappingtypes[]", Expr: "p.mapping_types", Enum: enum(MappingTypes)},
			{Name: "mapping_editors", Type: "editors[]", Expr: "p.mapping_editors", Enum: enum(Editors)},
			{Name: "validation_editors", Type: "editors[]", Expr: "p.validation_editors", Enum: enum(Editors)},
			// Kept whole: TM-Admin's Polygon column is widened (SPEC §5.3).
			{Name: "geometry", Type: "geometry(MultiPolygon,4326)", Expr: "p.geometry"},
			{Name: "centroid", Type: "geometry(Point,4326)", Expr: "p.centroid"}},
			same("p", "timestamp", "last_updated", "due_date"),
			same("p", "int", "total_tasks", "tasks_mapped", "tasks_validated", "tasks_bad_imagery"),
			same("p", "bool", "enforce_random_task_selection", "rapid_power_user", "progress_email_sent", "private", "featured"),
			[]Column{{Name: "country", Type: "varchar[]", Expr: "p.country"}, {Name: "organisation_id", Type: "int", Expr: "p.organisation_id"}},
			str("p", "changeset_comment", "osmcha_filter_id", "imagery", "default_locale", "josm_preset", "extra_id_params"),
			[]Column{{Name: "id_presets", Type: "varchar[]", Expr: "p.id_presets"}, {Name: "license_id", Type: "int", Expr: "p.license_id"},
				info("name"), info("short_description"), info("description"), info("instructions"), info("per_task_instructions"),
				{Name: "priority_areas", Type: "bigint[]", Expr: "coalesce(pa.a, '{}')"},
				// TM-Admin keeps one interest per project: the lowest id (the others are counted in a note).
				{Name: "interests", Type: "int", Expr: "pi.a[1]"},
				{Name: "members", Type: "jsonb", Expr: "jsonb_build_object('users', coalesce(au.a, '[]'), 'teams', coalesce(pt.a, '[]'))"}}),
		Unfilled: []Column{{Name: "project_name_prefix", Type: "varchar"}, {Name: "task_type_prefix", Type: "varchar"},
			{Name: "location_str", Type: "varchar"}, {Name: "xform_title", Type: "varchar"}, {Name: "osm_preset", Type: "varchar"},
			{Name: "odk_preset", Type: "varchar"}, {Name: "odk", Type: "jsonb"}, {Name: "extract_completed_count", Type: "int"},
			{Name: "form_xls", Type: "bytea"}, {Name: "form_config_file", Type: "bytea"}, {Name: "data_extract_type", Type: "varchar"},
			{Name: "task_split_type", Type: "varchar"}, {Name: "hashtags", Type: "varchar[]"}},
		checks: []string{ref("author_id", "p.author_id", "users", "id"), ref("organisation_id", "p.organisation_id", "organisations", "id"),
			ref("license_id", "p.license_id", "licenses", "id"),
			"case when pt.bad is not null then 'project_teams.role: unknown TeamRoles code ' || pt.bad || ' (known: " + TeamRoles.known() + ")' end"},
		folds: &fold{[]string{"project_priority_areas → priority_areas", "project_allowed_users → members.users", "project_teams → members.teams"},
			"select " + pairs("project_priority_areas", "project_id", "priority_area_id", "projects") + ", " +
				pairs("project_allowed_users", "project_id", "user_id", "projects") + ", " + pairs("project_teams", "project_id", "team_id", "projects"),
			`select coalesce(sum(cardinality(priority_areas)), 0), coalesce(sum(jsonb_array_length(members->'users')), 0),
    coalesce(sum(jsonb_array_length(members->'teams')), 0) from {t}.projects`},
		notes: []note{{`select coalesce(sum(n - 1), 0) from (select count(distinct interest_id) n from {s}.project_interests
    where project_id is not null and interest_id is not null group by project_id having count(distinct interest_id) > 1) x`,
			"project interests beyond the first per project are not migrated (TM-Admin's projects.interests holds one interest)"}},
	}
}

func projectInfo() *Table {
	return &Table{Name: "project_info", Source: "project_info", Key: []string{"project_id", "locale"}, Split: "project_id",
		from: "{s}.project_info i", ident: "'project_info project_id=' || i.project_id || ' locale=' || i.locale",
		Columns: cols([]Column{{Name: "project_id", Type: "int", NotNull: true, Expr: "i.project_id"},
			{Name: "locale", Type: "varchar(10)", NotNull: true, Expr: "i.locale"}, {Name: "name", Type: "varchar(512)", Expr: "i.name"}},
			str("i", "short_description", "description", "instructions", "project_id_str", "per_task_instructions")),
		checks: []string{ref("project_id", "i.project_id", "projects", "id")},
	}
}

func tasks() *Table {
	// Split by the per-project task id, not by project: a key range then holds at most
	// one task per project for each id, however big one project is. A task row carries
	// its whole history (a few KB), hence the smaller batches.
	return &Table{Name: "tasks", Source: "tasks", Key: []string{"id", "project_id"}, Split: "id", MaxBatchRows: 5000, from: "{s}.tasks t",
		ident: "'tasks project_id=' || t.project_id || ' id=' || t.id",
		Columns: cols([]Column{{Name: "id", Type: "bigint", NotNull: true, Expr: "t.id"}, {Name: "project_id", Type: "int", NotNull: true, Expr: "t.project_id"},
			// No TM column: the task's first history entry (set by the fold stage), else its
			// project's creation (SPEC §5.7).
			{Name: "created", Type: "timestamp", NotNull: true, Expr: "(select p.created from {s}.projects p where p.id = t.project_id)"},
			{Name: "geometry", Type: "geometry(MultiPolygon,4326)", Expr: "t.geometry"},
			{Name: "task_status", Type: "taskstatus", Expr: "t.task_status", Enum: enum(TaskStatus)}},
			same("t", "bigint", "locked_by", "mapped_by", "validated_by"),
			[]Column{{Name: "is_square", Type: "bool", Expr: "t.is_square"}, {Name: "extra_properties", Type: "varchar", Expr: "t.extra_properties"}},
			same("t", "int", "x", "y", "zoom"),
			// Built by historyStage from task_history, task_mapping_issues and
			// task_invalidation_history (SPEC §2.5, §5.6).
			[]Column{{Name: "history", Type: "jsonb", Folded: true}, {Name: "issues", Type: "jsonb", Folded: true}}),
		Unfilled: []Column{{Name: "project_task_index", Type: "int"}, {Name: "project_task_name", Type: "varchar"},
			{Name: "initial_feature_count", Type: "int"}, {Name: "qr_code_id", Type: "int"}},
		checks: []string{ref("project_id", "t.project_id", "projects", "id"), ref("locked_by", "t.locked_by", "users", "id"),
			ref("mapped_by", "t.mapped_by", "users", "id"), ref("validated_by", "t.validated_by", "users", "id")},
		folds: &fold{[]string{"task_history → history actions", "task_invalidation_history → history invalidations", "task_mapping_issues → history issues"},
			`select (select count(*) from {s}.task_history h where exists (select from {s}.tasks t where t.id = h.task_id and t.project_id = h.project_id)),
    (select count(*) from {s}.task_invalidation_history v where exists (select from {s}.tasks t where t.id = v.task_id and t.project_id = v.project_id)),
    (select count(*) from {s}.task_mapping_issues m join {s}.task_history h on h.id = m.task_history_id
      where exists (select from {s}.tasks t where t.id = h.task_id and t.project_id = h.project_id))`,
			`select count(*) filter (where e->>'type' = 'action'), count(*) filter (where e->>'type' = 'invalidation'),
    coalesce(sum(jsonb_array_length(e->'issues')), 0) from {t}.tasks, jsonb_array_elements(history) e`},
	}
}

func quotedList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = quote(v)
	}
	return strings.Join(q, ", ")
}
