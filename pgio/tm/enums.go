package tm

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tmimport/tmimport/stages"
)

// TargetEnums are TM-Admin's enum types (types.yaml) that migrated columns use, with
// their labels in declaration order (SPEC §2.2).
var TargetEnums = []TargetEnum{
	{"projectpriority", []string{"URGENT", "HIGH", "MEDIUM", "LOW"}},
	{"permissions", []string{"ANY", "LEVEL", "TEAMS", "TEAMS_LEVEL"}},
	{"taskcreationmode", []string{"GRID", "CREATE_ROADS", "UPLOAD"}},
	{"taskaction", []string{"LOCKED_FOR_MAPPING", "LOCKED_FOR_VALIDATION", "STATE_CHANGE", "COMMENT",
		"AUTO_UNLOCKED_FOR_MAPPING", "AUTO_UNLOCKED_FOR_VALIDATION", "EXTENDED_FOR_MAPPING", "EXTENDED_FOR_VALIDATION",
		"RELEASED_FOR_MAPPING", "MARKED_MAPPED", "VALIDATED", "MARKED_INVALID", "MARKED_BAD", "SPLIT_NEEDED", "RECREATED"}},
	{"taskstatus", []string{"READY", "TASK_LOCKED_FOR_MAPPING", "TASK_STATUS_MAPPED", "TASK_LOCKED_FOR_VALIDATION",
		"TASK_VALIDATED", "TASK_INVALIDATED", "BAD", "SPLIT", "TASK_ARCHIVED", "ISSUES"}},
	{"projectstatus", []string{"ARCHIVED", "PUBLISHED", "DRAFT"}},
	{"mappinglevel", []string{"BEGINNER", "INTERMEDIATE", "ADVANCED"}},
	{"projectdifficulty", []string{"EASY", "MODERATE", "CHALLENGING"}},
	{"mappingtypes", []string{"ROADS", "BUILDINGS", "WATERWAYS", "LAND_USE", "OTHER"}},
	{"usergender", []string{"MALE", "FEMALE", "SELF_DESCRIBE", "PREFER_NOT"}},
	{"editors", []string{"ID", "JOSM", "POTLATCH_2", "FIELD_PAPERS", "CUSTOM", "RAPID"}},
	{"teamvisibility", []string{"PUBLIC", "PRIVATE"}},
	{"teamjoinmethod", []string{"ANY_METHOD", "BY_REQUEST", "BY_INVITE"}},
	{"teamrole", []string{"TEAM_READ_ONLY", "TEAM_MAPPER", "TEAM_VALIDATOR", "TEAM_MANAGER"}},
	{"roles", []string{"READ_ONLY", "SUPER_ADMIN", "FIELD_ADMIN", "ORGANIZATION_ADMIN", "PROJECT_MANAGER",
		"ASSOCIATE_MANAGER", "VALIDATOR", "MAPPER"}},
	{"teammemberfunctions", []string{"MANAGER", "MEMBER"}},
	{"organizationtype", []string{"FREE", "DISCOUNTED", "FULL_FEE"}},
	{"mapping_issue", []string{"MISSED_FEATURE", "FEATURE_GEOMETRY", "BADIMAGERY"}},
	{"message_type", []string{"SYSTEM", "BROADCAST", "MENTION_NOTIFICATION", "VALIDATION_NOTIFICATION",
		"INVALIDATION_NOTIFICATION", "REQUEST_TEAM_NOTIFICATION", "INVITATION_NOTIFICATION", "TASK_COMMENT_NOTIFICATION",
		"PROJECT_CHAT_NOTIFICATION", "PROJECT_ACTIVITY_NOTIFICATION", "TEAM_BROADCAST"}},
}

// TargetEnum is one TM-Admin enum type.
type TargetEnum struct {
	// Name is the type's name.
	Name string
	// Labels are its labels, in declaration order.
	Labels []string
}

// Conversion converts one TM v4 integer-coded enum into a TM-Admin enum type by name:
// a code's TM name is looked up in Rename (for the few labels TM-Admin spells
// differently) and is otherwise the label itself. The result is a [stages.Enum].
type Conversion struct {
	// TM names the TM enum (statuses.py) and Target the TM-Admin type.
	TM, Target string
	// Names maps every TM code to its TM name.
	Names map[int64]string
	// Rename maps TM names to TM-Admin labels where they differ.
	Rename map[string]string
}

// Enum returns the code → label table of the conversion.
func (c Conversion) Enum() stages.Enum {
	labels := make(map[int64]string, len(c.Names))
	for code, name := range c.Names {
		labels[code] = c.label(name)
	}
	return stages.Enum{Labels: labels}
}

func (c Conversion) label(name string) string {
	if l, ok := c.Rename[name]; ok {
		return l
	}
	return name
}

// check verifies that every label the conversion produces exists in its target type.
func (c Conversion) check() error {
	i := slices.IndexFunc(TargetEnums, func(e TargetEnum) bool { return e.Name == c.Target })
	if i < 0 {
		return fmt.Errorf("tm: conversion %s: no target type %s", c.TM, c.Target)
	}
	for code, name := range c.Names {
		if !slices.Contains(TargetEnums[i].Labels, c.label(name)) {
			return fmt.Errorf("tm: conversion %s: code %d (%s) becomes %q, not a label of %s", c.TM, code, name, c.label(name), c.Target)
		}
	}
	return nil
}

// codes returns the known codes in order.
func (c Conversion) codes() []int64 { return slices.Sorted(maps.Keys(c.Names)) }

// codeList is the known codes as a SQL list: "0, 1, 2".
func (c Conversion) codeList() string {
	s := make([]string, 0, len(c.Names))
	for _, code := range c.codes() {
		s = append(s, strconv.FormatInt(code, 10))
	}
	return strings.Join(s, ", ")
}

// caseSQL is a SQL expression turning the integer code expr into its label as text
// (NULL for NULL and unknown codes; unknown codes are caught by problemSQL).
func (c Conversion) caseSQL(expr string) string {
	var b strings.Builder
	b.WriteString("case " + expr)
	for _, code := range c.codes() {
		fmt.Fprintf(&b, " when %d then %s", code, quote(c.label(c.Names[code])))
	}
	b.WriteString(" end")
	return b.String()
}

// problemSQL is a SQL expression that names an unknown code of expr in column col,
// or is NULL.
func (c Conversion) problemSQL(col, expr string) string {
	return fmt.Sprintf("case when %s not in (%s) then %s || %s || ' (known: %s)' end",
		expr, c.codeList(), quote(col+": unknown "+c.TM+" code "), expr, c.known())
}

// arraySQL converts an integer array expression element by element, keeping order; an
// empty array stays empty and NULL stays NULL.
func (c Conversion) arraySQL(expr string) string {
	return fmt.Sprintf("case when %[1]s is not null then coalesce((select array_agg(%[2]s order by o) from unnest(%[1]s) with ordinality u(c, o)), '{}') end",
		expr, c.caseSQL("u.c"))
}

// arrayProblemSQL names the unknown codes (or NULL elements) of an integer array.
func (c Conversion) arrayProblemSQL(col, expr string) string {
	return fmt.Sprintf("(select %s || string_agg(coalesce(u.c::text, 'NULL'), ', ') || ' (known: %s)' from unnest(%s) u(c) where u.c is null or u.c not in (%s) having count(*) > 0)",
		quote(col+": unknown "+c.TM+" codes "), c.known(), expr, c.codeList())
}

func (c Conversion) known() string {
	s := make([]string, 0, len(c.Names))
	for _, code := range c.codes() {
		s = append(s, fmt.Sprintf("%d=%s", code, c.Names[code]))
	}
	return strings.Join(s, ", ")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// The conversions of SPEC §2.3, TM code → TM name (statuses.py) → TM-Admin label.
var (
	ProjectStatus = Conversion{TM: "ProjectStatus", Target: "projectstatus",
		Names: map[int64]string{0: "ARCHIVED", 1: "PUBLISHED", 2: "DRAFT"}}
	ProjectPriority = Conversion{TM: "ProjectPriority", Target: "projectpriority",
		Names: map[int64]string{0: "URGENT", 1: "HIGH", 2: "MEDIUM", 3: "LOW"}}
	// TaskCreationMode maps ARBITRARY (tasks uploaded as arbitrary polygons) to
	// UPLOAD, the only TM-Admin label for tasks that are not a grid (SPEC §5.2).
	TaskCreationMode = Conversion{TM: "TaskCreationMode", Target: "taskcreationmode",
		Names:  map[int64]string{0: "GRID", 1: "ARBITRARY"},
		Rename: map[string]string{"ARBITRARY": "UPLOAD"}}
	TaskStatus = Conversion{TM: "TaskStatus", Target: "taskstatus",
		Names: map[int64]string{0: "READY", 1: "LOCKED_FOR_MAPPING", 2: "MAPPED", 3: "LOCKED_FOR_VALIDATION",
			4: "VALIDATED", 5: "INVALIDATED", 6: "BADIMAGERY", 7: "SPLIT"},
		Rename: map[string]string{"LOCKED_FOR_MAPPING": "TASK_LOCKED_FOR_MAPPING", "MAPPED": "TASK_STATUS_MAPPED",
			"LOCKED_FOR_VALIDATION": "TASK_LOCKED_FOR_VALIDATION", "VALIDATED": "TASK_VALIDATED",
			"INVALIDATED": "TASK_INVALIDATED", "BADIMAGERY": "BAD"}}
	MappingLevel = Conversion{TM: "MappingLevel", Target: "mappinglevel",
		Names: map[int64]string{1: "BEGINNER", 2: "INTERMEDIATE", 3: "ADVANCED"}}
	ProjectDifficulty = Conversion{TM: "ProjectDifficulty", Target: "projectdifficulty",
		Names: map[int64]string{1: "EASY", 2: "MODERATE", 3: "CHALLENGING"}}
	// DifficultyLevel fills projects.mapping_level, which has no TM source, from the
	// project's difficulty (SPEC §5.7): EASY → BEGINNER, MODERATE → INTERMEDIATE,
	// CHALLENGING → ADVANCED.
	DifficultyLevel = Conversion{TM: "ProjectDifficulty", Target: "mappinglevel",
		Names:  map[int64]string{1: "EASY", 2: "MODERATE", 3: "CHALLENGING"},
		Rename: map[string]string{"EASY": "BEGINNER", "MODERATE": "INTERMEDIATE", "CHALLENGING": "ADVANCED"}}
	MappingTypes = Conversion{TM: "MappingTypes", Target: "mappingtypes",
		Names: map[int64]string{1: "ROADS", 2: "BUILDINGS", 3: "WATERWAYS", 4: "LAND_USE", 5: "OTHER"}}
	// UserRole maps TM's ADMIN (a site-wide administrator) to SUPER_ADMIN, not to
	// PROJECT_MANAGER as the old importer did (SPEC §5.1).
	UserRole = Conversion{TM: "UserRole", Target: "roles",
		Names:  map[int64]string{-1: "READ_ONLY", 0: "MAPPER", 1: "ADMIN"},
		Rename: map[string]string{"ADMIN": "SUPER_ADMIN"}}
	Editors = Conversion{TM: "Editors", Target: "editors",
		Names: map[int64]string{0: "ID", 1: "JOSM", 2: "POTLATCH_2", 3: "FIELD_PAPERS", 4: "CUSTOM", 5: "RAPID"}}
	TeamVisibility = Conversion{TM: "TeamVisibility", Target: "teamvisibility",
		Names: map[int64]string{0: "PUBLIC", 1: "PRIVATE"}}
	TeamRoles = Conversion{TM: "TeamRoles", Target: "teamrole",
		Names:  map[int64]string{-1: "READ_ONLY", 0: "MAPPER", 1: "VALIDATOR", 2: "PROJECT_MANAGER"},
		Rename: map[string]string{"READ_ONLY": "TEAM_READ_ONLY", "MAPPER": "TEAM_MAPPER", "VALIDATOR": "TEAM_VALIDATOR", "PROJECT_MANAGER": "TEAM_MANAGER"}}
	TeamMemberFunctions = Conversion{TM: "TeamMemberFunctions", Target: "teammemberfunctions",
		Names: map[int64]string{1: "MANAGER", 2: "MEMBER"}}
	MappingPermission = Conversion{TM: "MappingPermission", Target: "permissions",
		Names: map[int64]string{0: "ANY", 1: "LEVEL", 2: "TEAMS", 3: "TEAMS_LEVEL"}}
	ValidationPermission = Conversion{TM: "ValidationPermission", Target: "permissions",
		Names: map[int64]string{0: "ANY", 1: "LEVEL", 2: "TEAMS", 3: "TEAMS_LEVEL"}}
	OrganisationType = Conversion{TM: "OrganisationType", Target: "organizationtype",
		Names: map[int64]string{1: "FREE", 2: "DISCOUNTED", 3: "FULL_FEE"}}
)

// TaskActions are TM's TaskAction names, stored by name in task_history.action and kept
// as such in the migrated history (they are the first eight taskaction labels).
var TaskActions = []string{"LOCKED_FOR_MAPPING", "LOCKED_FOR_VALIDATION", "STATE_CHANGE", "COMMENT",
	"AUTO_UNLOCKED_FOR_MAPPING", "AUTO_UNLOCKED_FOR_VALIDATION", "EXTENDED_FOR_MAPPING", "EXTENDED_FOR_VALIDATION"}

// Conversions lists every conversion the migration applies.
var Conversions = []Conversion{ProjectStatus, ProjectPriority, TaskCreationMode, TaskStatus, MappingLevel,
	ProjectDifficulty, DifficultyLevel, MappingTypes, UserRole, Editors, TeamVisibility, TeamRoles,
	TeamMemberFunctions, MappingPermission, ValidationPermission, OrganisationType}
