package tmsrc

import (
	"fmt"
	"strconv"
	"time"
)

// genOrganisations writes the organisations: every OrganisationType, NULL and
// set subscription tiers.
func (p *plan) genOrganisations(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.sizes.orgs {
		r.at(tagOrg, uint64(i))
		w.int(int64(i + 1))
		name := orgNames[i%len(orgNames)]
		if i >= len(orgNames) {
			name += " " + strconv.Itoa(i)
		}
		w.str(name)
		w.str(fmt.Sprintf("org-%d", i+1))
		w.strOrNull(optional(r, 0.7, fmt.Sprintf("https://cdn.example.org/logos/%d.png", i+1)))
		w.strOrNull(optional(r, 0.8, descriptionParts[r.IntN(len(descriptionParts))]))
		w.strOrNull(optional(r, 0.8, "https://www.example.org/?org="+strconv.Itoa(i+1)))
		w.int(r.pick(i, 1, 2, 3, 1, 1))
		if i == 0 || (i > 1 && r.chance(0.6)) {
			w.null()
		} else {
			w.int(int64(1 + r.IntN(4)))
		}
		if !w.end() {
			return
		}
	}
}

// genOrganisationManagers writes one to three distinct managers per organisation.
func (p *plan) genOrganisationManagers(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.sizes.orgs {
		r.at(tagOrg, uint64(i)+1<<32)
		for _, u := range p.distinctUsers(r, 1+r.IntN(3)) {
			w.int(int64(i + 1))
			w.int(u)
			if !w.end() {
				return
			}
		}
	}
}

// distinctUsers returns n different user ids.
func (p *plan) distinctUsers(r *stream, n int) []int64 {
	out := make([]int64, 0, n)
	for len(out) < n {
		if u := p.user(r); !contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// genTeams writes the teams: every TeamJoinMethod × TeamVisibility pair among
// the first six.
func (p *plan) genTeams(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.sizes.teams {
		r.at(tagTeam, uint64(i))
		w.int(int64(i + 1))
		w.int(int64(1 + i%p.sizes.orgs))
		w.str(fmt.Sprintf("%s team %d", []string{"Sri Lanka Mappers", "Validators' \"A\" team", "Équipe locale"}[i%3], i+1))
		w.strOrNull(optional(r, 0.3, fmt.Sprintf("https://cdn.example.org/teams/%d.png", i+1)))
		w.strOrNull(optional(r, 0.7, descriptionParts[r.IntN(len(descriptionParts))]))
		if i < 6 {
			w.int(int64(i % 3))
			w.int(int64(i / 3))
		} else {
			w.int(int64(r.IntN(3)))
			w.int(int64(r.IntN(2)))
		}
		if !w.end() {
			return
		}
	}
}

// genTeamMembers writes two to twelve distinct members per team, with both
// TeamMemberFunctions and NULL active flags.
func (p *plan) genTeamMembers(w *rowWriter) {
	r := newStream(p.seed)
	row := 0
	for i := range p.sizes.teams {
		r.at(tagTeam, uint64(i)+1<<32)
		for _, u := range p.distinctUsers(r, 2+r.IntN(11)) {
			w.int(int64(i + 1))
			w.int(u)
			w.int(r.pick(row, 1, 2, 2, 2, 2))
			w.tristate(pickTri(row, r))
			w.bool(r.chance(0.3))
			if row == 1 || r.chance(0.1) {
				w.null()
			} else {
				w.time(epoch.Add(r.micros(9 * 365 * 24 * time.Hour)))
			}
			row++
			if !w.end() {
				return
			}
		}
	}
}

// genCampaigns writes the campaigns.
func (p *plan) genCampaigns(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.sizes.campaigns {
		r.at(tagJoin, uint64(i)+2<<32)
		w.int(int64(i + 1))
		w.str(fmt.Sprintf("%s %d", []string{"Missing Maps", "Mapathon d'été", "#MapLesotho \"urgent\"", "Cyclone response"}[i%4], i+1))
		w.strOrNull(optional(r, 0.4, fmt.Sprintf("https://cdn.example.org/campaigns/%d.png", i+1)))
		w.strOrNull(optional(r, 0.5, "https://www.missingmaps.org/"))
		w.strOrNull(optional(r, 0.6, descriptionParts[r.IntN(len(descriptionParts))]))
		if !w.end() {
			return
		}
	}
}

// genCampaignOrganisations links each campaign to one or two organisations,
// plus twice (1, NULL), which the UNIQUE constraint allows.
func (p *plan) genCampaignOrganisations(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.sizes.campaigns {
		r.at(tagJoin, uint64(i)+3<<32)
		o := r.IntN(p.sizes.orgs)
		for k := range 1 + r.IntN(2) {
			w.int(int64(i + 1))
			w.int(int64(1 + (o+k)%p.sizes.orgs))
			if !w.end() {
				return
			}
		}
	}
	for range 2 {
		w.int(1)
		w.null()
		w.end()
	}
}

// joinWriter writes the rows of a join table without a key: a 1% chance (and
// the first row) of an exact duplicate row.
type joinWriter struct {
	w    *rowWriter
	r    *stream
	rows int
}

// row writes a, b (null for NULL), maybe twice.
func (j *joinWriter) row(a, b int64) bool {
	for range 1 + b2i(j.rows == 0 || j.r.chance(0.01)) {
		j.w.intOrNull(a)
		j.w.intOrNull(b)
		if !j.w.end() {
			return false
		}
	}
	j.rows++
	return true
}

// nulls writes (NULL, b) and (a, NULL).
func (j *joinWriter) nulls(a, b int64) bool { return j.row(null, b) && j.row(a, null) }

// genUserLicenses writes user_licenses ("user", "license") for about 15% of
// the users.
func (p *plan) genUserLicenses(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i, u := range p.userIDs {
		r.at(tagJoin, uint64(i)+4<<32)
		if i != 0 && !r.chance(0.15) {
			continue
		}
		l := r.IntN(nLicenses)
		for k := range 1 + r.IntN(2) {
			if !j.row(u, int64(1+(l+k)%nLicenses)) {
				return
			}
		}
	}
	j.nulls(p.userIDs[0], 1)
}

// genUserInterests writes zero to three interests per user.
func (p *plan) genUserInterests(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i, u := range p.userIDs {
		r.at(tagJoin, uint64(i)+5<<32)
		first := r.IntN(nInterests)
		for k := range max(r.IntN(4), b2i(i == 0)) {
			if !j.row(int64(1+(first+k)%nInterests), u) {
				return
			}
		}
	}
	j.nulls(1, p.userIDs[0])
}

// genProjectInterests writes one to three interests per project (project_id is bigint).
func (p *plan) genProjectInterests(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i := range p.projects {
		r.at(tagJoin, uint64(i)+6<<32)
		first := r.IntN(nInterests)
		for k := range 1 + r.IntN(3) {
			if !j.row(int64(1+(first+k)%nInterests), p.projects[i].id) {
				return
			}
		}
	}
	j.nulls(1, p.projects[0].id)
}

// genCampaignProjects puts projects in zero to two campaigns.
func (p *plan) genCampaignProjects(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i := range p.projects {
		r.at(tagJoin, uint64(i)+7<<32)
		first := r.IntN(p.sizes.campaigns)
		for k := range max(r.IntN(3), b2i(i == 0)) {
			if !j.row(int64(1+(first+k)%p.sizes.campaigns), p.projects[i].id) {
				return
			}
		}
	}
	j.nulls(1, p.projects[0].id)
}

// genAllowedUsers gives each private project one to five allowed users.
func (p *plan) genAllowedUsers(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i := range p.projects {
		if !p.projects[i].private {
			continue
		}
		r.at(tagJoin, uint64(i)+8<<32)
		for _, u := range p.distinctUsers(r, 1+r.IntN(5)) {
			if !j.row(p.projects[i].id, u) {
				return
			}
		}
	}
	j.nulls(p.projects[0].id, p.userIDs[0])
}

// genFavorites writes about one favorite per two users.
func (p *plan) genFavorites(w *rowWriter) {
	r := newStream(p.seed)
	j := &joinWriter{w: w, r: r}
	for i := range len(p.userIDs) / 2 {
		r.at(tagJoin, uint64(i)+9<<32)
		if !j.row(p.projects[r.IntN(len(p.projects))].id, p.user(r)) {
			return
		}
	}
	j.nulls(p.projects[0].id, p.userIDs[0])
}

// genProjectTeams gives projects zero to three distinct teams with a
// TeamRoles role; project 0 has four teams with the roles -1..2.
func (p *plan) genProjectTeams(w *rowWriter) {
	r := newStream(p.seed)
	for i := range p.projects {
		r.at(tagJoin, uint64(i)+10<<32)
		n, first := r.IntN(4), r.IntN(p.sizes.teams)
		if i == 0 {
			n, first = 4, 0
		}
		for k := range n {
			w.int(int64(1 + (first+k)%p.sizes.teams))
			w.int(p.projects[i].id)
			if i == 0 {
				w.int(int64(k - 1))
			} else {
				w.int(r.pick(4, -1, 0, 1, 1, 2))
			}
			if !w.end() {
				return
			}
		}
	}
}
