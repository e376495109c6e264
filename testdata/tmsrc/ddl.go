package tmsrc

import "strings"

// DDL returns the SQL that creates the TM v4 schema (SPEC §1) in pg_dump
// order: CREATE TABLE statements with their primary keys, UNIQUE constraints
// and serial defaults, then the indexes TM has, then the foreign keys as
// ALTER TABLE … ADD CONSTRAINT. Constraint names are the spec's where it gives
// them (fk_users, fk_licenses, fk_organisations, fk_teams,
// organisation_user_key, campaign_organisation_key), fk_tasks for the
// composite (task_id, project_id) keys, and PostgreSQL's default names
// otherwise. It does not create the postgis extension.
func DDL() string {
	return ddlTables + "\n" + strings.Join(ddlIndexes, "\n") + "\n\n" + strings.Join(ddlForeignKeys, "\n") + "\n"
}

// ddlTables creates every table of SPEC §1, parents first.
const ddlTables = `create table alembic_version (
	version_num varchar(32) not null,
	constraint alembic_version_pkc primary key (version_num)
);

create table users (
	id bigint not null primary key,
	username varchar unique,
	role integer not null,
	mapping_level integer not null,
	tasks_mapped integer not null,
	tasks_validated integer not null,
	tasks_invalidated integer not null,
	projects_mapped integer[],
	email_address varchar,
	is_email_verified boolean,
	is_expert boolean,
	date_registered timestamp,
	last_validation_date timestamp,
	twitter_id varchar,
	facebook_id varchar,
	linkedin_id varchar,
	name varchar,
	city varchar,
	country varchar,
	picture_url varchar,
	gender integer,
	self_description_gender varchar,
	default_editor varchar not null,
	mentions_notifications boolean not null,
	projects_comments_notifications boolean not null,
	projects_notifications boolean not null,
	tasks_notifications boolean not null,
	tasks_comments_notifications boolean not null,
	teams_announcement_notifications boolean not null,
	slack_id varchar,
	skype_id varchar,
	irc_id varchar
);

create table users_with_email (
	id bigint not null primary key,
	email varchar not null unique
);

create table licenses (
	id serial primary key,
	name varchar unique,
	description varchar,
	plain_text varchar
);

create table user_licenses (
	"user" bigint,
	"license" integer
);

create table interests (
	id serial primary key,
	name varchar unique
);

create table user_interests (
	interest_id integer,
	user_id bigint
);

create table mapping_issue_categories (
	id serial primary key,
	name varchar not null unique,
	description varchar,
	archived boolean not null
);

create table priority_areas (
	id serial primary key,
	geometry geometry(Polygon,4326)
);

create table organisations (
	id serial primary key,
	name varchar(512) not null unique,
	slug varchar(255) not null unique,
	logo varchar,
	description varchar,
	url varchar,
	type integer not null,
	subscription_tier integer
);

create table organisation_managers (
	organisation_id integer not null,
	user_id bigint not null,
	constraint organisation_user_key unique (organisation_id, user_id)
);

create table teams (
	id serial primary key,
	organisation_id integer not null,
	name varchar(512) not null,
	logo varchar,
	description varchar,
	join_method integer not null,
	visibility integer not null
);

create table team_members (
	team_id integer not null,
	user_id bigint not null,
	function integer not null,
	active boolean,
	join_request_notifications boolean not null,
	joined_date timestamp,
	primary key (team_id, user_id)
);

create table campaigns (
	id serial primary key,
	name varchar not null unique,
	logo varchar,
	url varchar,
	description varchar
);

create table campaign_organisations (
	campaign_id integer,
	organisation_id integer,
	constraint campaign_organisation_key unique (campaign_id, organisation_id)
);

create table projects (
	id serial primary key,
	status integer not null,
	created timestamp not null,
	priority integer,
	default_locale varchar(10),
	author_id bigint not null,
	difficulty integer not null,
	mapping_permission integer,
	validation_permission integer,
	enforce_random_task_selection boolean,
	private boolean,
	featured boolean,
	changeset_comment varchar,
	osmcha_filter_id varchar,
	due_date timestamp,
	imagery varchar,
	josm_preset varchar,
	id_presets varchar[],
	extra_id_params varchar,
	rapid_power_user boolean,
	last_updated timestamp,
	progress_email_sent boolean,
	license_id integer,
	geometry geometry(MultiPolygon,4326) not null,
	centroid geometry(Point,4326) not null,
	country varchar[],
	task_creation_mode integer not null,
	organisation_id integer,
	mapping_types integer[],
	mapping_editors integer[] not null,
	validation_editors integer[] not null,
	total_tasks integer not null,
	tasks_mapped integer not null,
	tasks_validated integer not null,
	tasks_bad_imagery integer not null
);

create table project_info (
	project_id integer not null,
	locale varchar(10) not null,
	name varchar(512),
	short_description varchar,
	description varchar,
	instructions varchar,
	project_id_str varchar,
	text_searchable tsvector,
	per_task_instructions varchar,
	primary key (project_id, locale)
);

create table project_interests (
	interest_id integer,
	project_id bigint
);

create table project_priority_areas (
	project_id integer,
	priority_area_id integer
);

create table campaign_projects (
	campaign_id integer,
	project_id integer
);

create table project_allowed_users (
	project_id integer,
	user_id bigint
);

create table project_favorites (
	project_id integer,
	user_id bigint
);

create table project_teams (
	team_id integer not null,
	project_id integer not null,
	role integer not null,
	primary key (team_id, project_id)
);

create table project_chat (
	id bigserial primary key,
	project_id integer not null,
	user_id integer not null,
	time_stamp timestamp not null,
	message varchar not null
);

create table project_custom_editors (
	project_id integer not null primary key,
	name varchar(50) not null,
	description varchar,
	url varchar not null
);

create table tasks (
	id integer not null,
	project_id integer not null,
	x integer,
	y integer,
	zoom integer,
	extra_properties varchar,
	is_square boolean,
	geometry geometry(MultiPolygon,4326),
	task_status integer,
	locked_by bigint,
	mapped_by bigint,
	validated_by bigint,
	primary key (id, project_id)
);

create table task_history (
	id serial primary key,
	project_id integer,
	task_id integer not null,
	action varchar not null,
	action_text varchar,
	action_date timestamp not null,
	user_id bigint not null
);

create table task_invalidation_history (
	id serial primary key,
	project_id integer not null,
	task_id integer not null,
	is_closed boolean,
	mapper_id bigint,
	mapped_date timestamp,
	invalidator_id bigint,
	invalidated_date timestamp,
	invalidation_history_id integer,
	validator_id bigint,
	validated_date timestamp,
	updated_date timestamp
);

create table task_mapping_issues (
	id serial primary key,
	task_history_id integer not null,
	issue varchar not null,
	mapping_issue_category_id integer not null,
	count integer not null
);

create table task_annotations (
	id serial primary key,
	project_id integer,
	task_id integer not null,
	annotation_type varchar not null,
	annotation_source varchar,
	annotation_markdown varchar,
	updated_timestamp timestamp not null,
	properties json not null
);

create table messages (
	id serial primary key,
	message varchar,
	subject varchar,
	from_user_id bigint,
	to_user_id bigint,
	project_id integer,
	task_id integer,
	message_type integer,
	date timestamp,
	read boolean
);

create table notifications (
	id serial primary key,
	user_id bigint,
	unread_count integer,
	date timestamp
);
`

// ddlIndexes are TM's secondary indexes, built after loading.
var ddlIndexes = []string{
	`create index ix_users_id on users (id);`,
	`create index ix_projects_organisation_id on projects (organisation_id);`,
	`create index ix_project_chat_project_id on project_chat (project_id);`,
	`create index ix_tasks_project_id on tasks (project_id);`,
	`create index ix_tasks_locked_by on tasks (locked_by);`,
	`create index ix_tasks_mapped_by on tasks (mapped_by);`,
	`create index ix_tasks_validated_by on tasks (validated_by);`,
	`create index idx_task_history_composite on task_history (task_id, project_id);`,
	`create index idx_task_history_project_id_user_id on task_history (user_id, project_id);`,
	`create index idx_task_validation_history_composite on task_invalidation_history (task_id, project_id);`,
	`create index ix_task_mapping_issues_task_history_id on task_mapping_issues (task_history_id);`,
	`create index ix_messages_to_user_id on messages (to_user_id);`,
	`create index ix_messages_project_id on messages (project_id);`,
	`create index ix_messages_task_id on messages (task_id);`,
	`create index ix_messages_message_type on messages (message_type);`,
	`create index ix_notifications_user_id on notifications (user_id);`,
}

// ddlForeignKeys are the foreign keys, added after loading (MATCH SIMPLE, so a
// composite key with a NULL member is not checked).
var ddlForeignKeys = []string{
	`alter table user_licenses add constraint user_licenses_user_fkey foreign key ("user") references users (id);`,
	`alter table user_licenses add constraint user_licenses_license_fkey foreign key ("license") references licenses (id);`,
	`alter table user_interests add constraint user_interests_interest_id_fkey foreign key (interest_id) references interests (id);`,
	`alter table user_interests add constraint user_interests_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table organisation_managers add constraint organisation_managers_organisation_id_fkey foreign key (organisation_id) references organisations (id);`,
	`alter table organisation_managers add constraint organisation_managers_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table teams add constraint teams_organisation_id_fkey foreign key (organisation_id) references organisations (id);`,
	`alter table team_members add constraint fk_teams foreign key (team_id) references teams (id);`,
	`alter table team_members add constraint fk_users foreign key (user_id) references users (id);`,
	`alter table campaign_organisations add constraint campaign_organisations_campaign_id_fkey foreign key (campaign_id) references campaigns (id);`,
	`alter table campaign_organisations add constraint campaign_organisations_organisation_id_fkey foreign key (organisation_id) references organisations (id);`,
	`alter table projects add constraint fk_users foreign key (author_id) references users (id);`,
	`alter table projects add constraint fk_licenses foreign key (license_id) references licenses (id);`,
	`alter table projects add constraint fk_organisations foreign key (organisation_id) references organisations (id);`,
	`alter table project_info add constraint project_info_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_interests add constraint project_interests_interest_id_fkey foreign key (interest_id) references interests (id);`,
	`alter table project_interests add constraint project_interests_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_priority_areas add constraint project_priority_areas_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_priority_areas add constraint project_priority_areas_priority_area_id_fkey foreign key (priority_area_id) references priority_areas (id);`,
	`alter table campaign_projects add constraint campaign_projects_campaign_id_fkey foreign key (campaign_id) references campaigns (id);`,
	`alter table campaign_projects add constraint campaign_projects_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_allowed_users add constraint project_allowed_users_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_allowed_users add constraint project_allowed_users_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table project_favorites add constraint project_favorites_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_favorites add constraint project_favorites_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table project_teams add constraint project_teams_team_id_fkey foreign key (team_id) references teams (id);`,
	`alter table project_teams add constraint project_teams_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_chat add constraint project_chat_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table project_chat add constraint project_chat_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table project_custom_editors add constraint project_custom_editors_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table tasks add constraint tasks_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table tasks add constraint tasks_locked_by_fkey foreign key (locked_by) references users (id);`,
	`alter table tasks add constraint tasks_mapped_by_fkey foreign key (mapped_by) references users (id);`,
	`alter table tasks add constraint tasks_validated_by_fkey foreign key (validated_by) references users (id);`,
	`alter table task_history add constraint task_history_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table task_history add constraint task_history_user_id_fkey foreign key (user_id) references users (id);`,
	`alter table task_history add constraint fk_tasks foreign key (task_id, project_id) references tasks (id, project_id);`,
	`alter table task_invalidation_history add constraint task_invalidation_history_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table task_invalidation_history add constraint fk_tasks foreign key (task_id, project_id) references tasks (id, project_id);`,
	`alter table task_invalidation_history add constraint task_invalidation_history_invalidation_history_id_fkey foreign key (invalidation_history_id) references task_history (id);`,
	`alter table task_invalidation_history add constraint task_invalidation_history_mapper_id_fkey foreign key (mapper_id) references users (id);`,
	`alter table task_invalidation_history add constraint task_invalidation_history_invalidator_id_fkey foreign key (invalidator_id) references users (id);`,
	`alter table task_invalidation_history add constraint task_invalidation_history_validator_id_fkey foreign key (validator_id) references users (id);`,
	`alter table task_mapping_issues add constraint task_mapping_issues_task_history_id_fkey foreign key (task_history_id) references task_history (id);`,
	`alter table task_mapping_issues add constraint task_mapping_issues_mapping_issue_category_id_fkey foreign key (mapping_issue_category_id) references mapping_issue_categories (id);`,
	`alter table task_annotations add constraint task_annotations_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table task_annotations add constraint fk_tasks foreign key (task_id, project_id) references tasks (id, project_id);`,
	`alter table messages add constraint messages_from_user_id_fkey foreign key (from_user_id) references users (id);`,
	`alter table messages add constraint messages_to_user_id_fkey foreign key (to_user_id) references users (id);`,
	`alter table messages add constraint messages_project_id_fkey foreign key (project_id) references projects (id);`,
	`alter table messages add constraint fk_tasks foreign key (task_id, project_id) references tasks (id, project_id);`,
	`alter table notifications add constraint notifications_user_id_fkey foreign key (user_id) references users (id);`,
}
