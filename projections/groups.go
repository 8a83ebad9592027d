package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// groupsProjection keeps the network map: groups, municipalities, memberships.
type groupsProjection struct{}

func (groupsProjection) Name() string { return "groups" }
func (groupsProjection) Version() int { return 2 }

func (groupsProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	env := ev.Envelope
	if f, ok := ev.Payload.(*v1.PersonForgotten); ok && env.GetAggregateType() == domain.AggregatePerson {
		return tx.Exec("member_forget", f.GetPersonId())
	}
	if env.GetAggregateType() != domain.AggregateGroup {
		return nil
	}
	id := env.GetAggregateId()
	at := env.GetTime().AsTime().UTC().Format(time.RFC3339Nano)
	exec := tx.Exec
	var err error
	switch e := ev.Payload.(type) {
	case *v1.GroupCreated:
		n := e.GetName()
		err = exec("group_insert", id, int32(e.GetLevel()), e.GetParentId(), n.GetFi(), n.GetSv(), n.GetEn(),
			e.GetWellbeingCounty(), int32(e.GetMode()), env.GetAggregateVersion(), ev.Seq, at, at)
		for i, code := range e.GetMunicipalities() {
			if err == nil {
				err = exec("municipality_insert", id, code, i)
			}
		}
	case *v1.GroupRenamed:
		n := e.GetName()
		err = exec("group_rename", n.GetFi(), n.GetSv(), n.GetEn(), id)
	case *v1.MemberAdded:
		err = exec("member_insert", e.GetMembershipId(), id, env.GetAggregateVersion(), e.GetPersonId(), e.GetPersonName(), e.GetEmail(),
			e.GetOrganisation(), int32(e.GetActorType()), int32(e.GetRole()), e.GetTermStart(), e.GetTermEnd(), e.GetRepresentsGroupId(),
			append([]byte{}, e.GetSealedPersonal()...)) // never NULL
	case *v1.MemberChanged:
		err = exec("member_change", e.GetOrganisation(), int32(e.GetActorType()), int32(e.GetRole()), e.GetTermEnd(),
			e.GetRepresentsGroupId(), e.GetMembershipId(), id)
	case *v1.MemberEnded:
		err = exec("member_end", e.GetEndedOn(), e.GetReason(), e.GetMembershipId(), id)
	default:
		return fmt.Errorf("groups: unhandled event %s", env.GetType())
	}
	if err != nil {
		return err
	}
	return exec("group_touch", env.GetAggregateVersion(), ev.Seq, at, id)
}

// Group reads one group with its members, children and representation balance.
func (rt *Runtime) Group(ctx context.Context, id string, includeEnded bool) (*v1.Group, error) {
	var out *v1.Group
	err := rt.View(ctx, func(db *sql.DB) error {
		groups, err := loadGroups(ctx, db, id, "", includeEnded)
		if err != nil {
			return err
		}
		if len(groups) == 0 {
			return &domain.Error{Code: domain.CodeNotFound, Field: "group_id", Message: "no such group", MessageFI: "ryhmää ei ole"}
		}
		out = groups[0]
		rows, err := db.QueryContext(ctx, q("children_select"), id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			out.ChildIds = append(out.ChildIds, c)
		}
		return rows.Err()
	})
	return out, err
}

// Network reads every group (of one wellbeing county, or all) as a tree,
// with the representation links and the child groups nobody speaks for.
func (rt *Runtime) Network(ctx context.Context, county string) (*v1.ListGroupsResponse, error) {
	var groups []*v1.Group
	err := rt.View(ctx, func(db *sql.DB) error {
		var err error
		groups, err = loadGroups(ctx, db, "", county, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]*v1.GroupNode{}
	for _, g := range groups {
		byID[g.GetId()] = &v1.GroupNode{Group: g}
	}
	out := &v1.ListGroupsResponse{}
	represented := map[string]bool{}
	for _, g := range groups { // ordered provincial first, then by name
		node := byID[g.GetId()]
		if parent, ok := byID[g.GetParentId()]; ok {
			parent.Children = append(parent.Children, node)
			parent.Group.ChildIds = append(parent.Group.ChildIds, g.GetId())
		} else {
			out.Roots = append(out.Roots, node)
		}
		for _, m := range g.GetMembers() {
			if m.GetRepresentsGroupId() != "" {
				represented[m.GetRepresentsGroupId()] = true
				out.Links = append(out.Links, &v1.RepresentationLink{
					MembershipId: m.GetId(), PersonName: m.GetPersonName(), Organisation: m.GetOrganisation(),
					ChildGroupId: m.GetRepresentsGroupId(), ParentGroupId: g.GetId(),
				})
			}
		}
	}
	for _, g := range groups {
		if _, hasParent := byID[g.GetParentId()]; hasParent && !represented[g.GetId()] {
			out.UnrepresentedGroupIds = append(out.UnrepresentedGroupIds, g.GetId())
		}
	}
	return out, nil
}

// loadGroups reads groups (one by id, or all of a county, or all) with their
// municipalities and members, in three queries whatever their number.
func loadGroups(ctx context.Context, db *sql.DB, id, county string, includeEnded bool) ([]*v1.Group, error) {
	var groups []*v1.Group
	byID := map[string]*v1.Group{}
	err := scanRows(ctx, db, q("groups_select"), []any{id, county}, func(rows *sql.Rows) error {
		g := &v1.Group{Name: &v1.LocalizedName{}}
		var level, mode int32
		if err := rows.Scan(&g.Id, &level, &g.ParentId, &g.Name.Fi, &g.Name.Sv, &g.Name.En, &g.WellbeingCounty, &mode, &g.Version); err != nil {
			return err
		}
		g.Level, g.Mode = v1.Level(level), v1.GroupMode(mode)
		groups = append(groups, g)
		byID[g.Id] = g
		return nil
	})
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	err = scanRows(ctx, db, q("municipalities_select"), []any{id, county}, func(rows *sql.Rows) error {
		var gid, code string
		if err := rows.Scan(&gid, &code); err != nil {
			return err
		}
		if g := byID[gid]; g != nil {
			g.Municipalities = append(g.Municipalities, code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	actors := map[string][]v1.ActorType{}
	err = scanRows(ctx, db, q("members_select"), []any{id, county, includeEnded}, func(rows *sql.Rows) error {
		m := &v1.Membership{}
		var gid string
		var actor, role int32
		if err := rows.Scan(&m.Id, &gid, &m.PersonId, &m.PersonName, &m.Email, &m.Organisation, &actor, &role,
			&m.TermStart, &m.TermEnd, &m.RepresentsGroupId, &m.RepresentsGroupName, &m.Active, &m.EndedOn, &m.EndReason); err != nil {
			return err
		}
		m.ActorType, m.Role = v1.ActorType(actor), v1.Role(role)
		if g := byID[gid]; g != nil {
			g.Members = append(g.Members, m)
			if m.Active {
				actors[gid] = append(actors[gid], m.ActorType)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		g.Balance = domain.Balance(actors[g.Id])
	}
	return groups, nil
}

func scanRows(ctx context.Context, db *sql.DB, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ChildGroups lists the ids of groupID's child groups.
func (rt *Runtime) ChildGroups(ctx context.Context, groupID string) ([]string, error) {
	var ids []string
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("group_children"), []any{groupID}, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
	})
	return ids, err
}

// Seat is what showing a member needs: the sealed personal data (Sealed),
// or for a membership from an old event the plaintext Name and Email, with
// the role and organisation shown in their place once the person is
// forgotten. The read models never hold a sealed name opened.
type Seat struct {
	MembershipID, GroupID, PersonID, Name, Email, Organisation string
	Sealed                                                     []byte
	Role                                                       v1.Role
}

// Seats reads the seats of the given memberships, by membership id.
func (rt *Runtime) Seats(ctx context.Context, membershipIDs []string) (map[string]Seat, error) {
	out := map[string]Seat{}
	if len(membershipIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(membershipIDs)
	if err != nil {
		return nil, err
	}
	err = rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("seats_select"), []any{string(ids)}, func(rows *sql.Rows) error {
			var s Seat
			var role int32
			if err := rows.Scan(&s.MembershipID, &s.GroupID, &s.PersonID, &s.Name, &s.Email, &s.Sealed, &s.Organisation, &role); err != nil {
				return err
			}
			s.Role = v1.Role(role)
			out[s.MembershipID] = s
			return nil
		})
	})
	return out, err
}
