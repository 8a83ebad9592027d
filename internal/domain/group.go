package domain

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateGroup is the aggregate type of groups; its events go to the
// subject ohjaamo.group.<id>.
const AggregateGroup = "group"

// Group is the state of one group aggregate: the group and its memberships.
type Group struct {
	ID             string
	Created        bool
	Name           *v1.LocalizedName
	Level          v1.Level
	ParentID       string
	County         string
	Municipalities []string
	Mode           v1.GroupMode
	members        memberList
}

// Membership is one person's seat in a group. PersonName and Email are set
// only by old events written in the clear; newer ones carry Sealed, the
// person's name and e-mail sealed outside the domain, which the domain
// never opens.
type Membership struct {
	ID, PersonID, PersonName, Email, Organisation string
	Sealed                                        []byte
	ActorType                                     v1.ActorType
	Role                                          v1.Role
	TermStart, TermEnd                            string
	Represents                                    string
	Ended                                         bool
	EndedOn, EndReason                            string
}

// NewGroup is the empty state of group id, before its first event.
func NewGroup(id string) *Group { return &Group{ID: id} }

// Clone returns a copy that Apply can change without changing g, so a
// snapshot stays valid for readers while the next one is made. It costs a
// copy of one slice of pointers, whatever the size of the group.
func (g *Group) Clone() *Group {
	c := *g
	c.Municipalities = slices.Clone(g.Municipalities)
	c.members = g.members.clone()
	return &c
}

// Apply folds one event into the state.
func (g *Group) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.GroupCreated:
		g.Created = true
		g.Name = e.GetName()
		g.Level = e.GetLevel()
		g.ParentID = e.GetParentId()
		g.County = e.GetWellbeingCounty()
		g.Municipalities = e.GetMunicipalities()
		g.Mode = e.GetMode()
	case *v1.GroupRenamed:
		g.Name = e.GetName()
	case *v1.MemberAdded:
		g.members.add(&Membership{
			ID: e.GetMembershipId(), PersonID: e.GetPersonId(), PersonName: e.GetPersonName(),
			Email: e.GetEmail(), Sealed: e.GetSealedPersonal(), Organisation: e.GetOrganisation(), ActorType: e.GetActorType(),
			Role: e.GetRole(), TermStart: e.GetTermStart(), TermEnd: e.GetTermEnd(),
			Represents: e.GetRepresentsGroupId(),
		})
	case *v1.MemberChanged:
		old, ok := g.Member(e.GetMembershipId())
		if !ok {
			return fmt.Errorf("member changed: unknown membership %s", e.GetMembershipId())
		}
		m := *old // replace, never modify: snapshots share memberships
		m.Organisation, m.ActorType, m.Role = e.GetOrganisation(), e.GetActorType(), e.GetRole()
		m.TermEnd, m.Represents = e.GetTermEnd(), e.GetRepresentsGroupId()
		g.members.replace(&m)
	case *v1.MemberEnded:
		old, ok := g.Member(e.GetMembershipId())
		if !ok {
			return fmt.Errorf("member ended: unknown membership %s", e.GetMembershipId())
		}
		m := *old
		m.Ended, m.EndedOn, m.EndReason = true, e.GetEndedOn(), e.GetReason()
		g.members.replace(&m)
	default:
		return fmt.Errorf("group: unknown event %T", ev)
	}
	return nil
}

// ActiveMembers returns the memberships not ended, in the order added.
func (g *Group) ActiveMembers() []*Membership {
	var out []*Membership
	for _, m := range g.members.list {
		if !m.Ended {
			out = append(out, m)
		}
	}
	return out
}

// Memberships returns every membership, ended ones included, in the order
// added. The slice and its memberships must not be modified.
func (g *Group) Memberships() []*Membership { return g.members.list }

// Member finds a membership by id.
func (g *Group) Member(id string) (*Membership, bool) { return g.members.get(id) }

var municipalityCode = regexp.MustCompile(`^\d{3}$`)

// CreateGroup is the command to found a group.
type CreateGroup struct {
	Name           *v1.LocalizedName
	Level          v1.Level
	ParentID       string
	County         string
	Municipalities []string
	Mode           v1.GroupMode
}

// parentLevel is the level a group's parent must have.
var parentLevel = map[v1.Level]v1.Level{
	v1.Level_LEVEL_LOCAL:    v1.Level_LEVEL_REGIONAL,
	v1.Level_LEVEL_REGIONAL: v1.Level_LEVEL_PROVINCIAL,
}

// Create decides the founding of group g. parent is the state of
// cmd.ParentID (nil when there is none or it was not found). Because a
// parent is always exactly one level up and levels never change, the network
// can have no cycles.
func (g *Group) Create(cmd CreateGroup, parent *Group) ([]proto.Message, error) {
	if g.Created {
		return nil, &Error{Code: CodeAlreadyExists, Field: "group_id", Message: "group already exists", MessageFI: "ryhmä on jo olemassa"}
	}
	if err := checkName("name", cmd.Name); err != nil {
		return nil, err
	}
	if _, ok := v1.Level_name[int32(cmd.Level)]; !ok || cmd.Level == v1.Level_LEVEL_UNSPECIFIED {
		return nil, invalid("level", "must be local, regional or provincial", "pitää olla paikallinen, alueellinen tai maakunnallinen")
	}
	if err := checkID("parent_id", cmd.ParentID, false); err != nil {
		return nil, err
	}
	want, needsParent := parentLevel[cmd.Level]
	county := cmd.County
	switch {
	case !needsParent && cmd.ParentID != "":
		return nil, invalid("parent_id", "a provincial group has no parent", "maakunnallisella ryhmällä ei ole yläryhmää")
	case needsParent && cmd.ParentID == "":
		return nil, invalid("parent_id", "is required: a "+levelWord(cmd.Level)+" group's parent is a "+levelWord(want)+" group",
			"on pakollinen: "+levelGenFI(cmd.Level)+" ryhmän yläryhmä on "+levelNomFI(want)+" ryhmä")
	case needsParent && (parent == nil || !parent.Created):
		return nil, notFound("parent_id", "no such group", "ryhmää ei ole")
	case needsParent && parent.Level != want:
		return nil, precondition("parent_id", "a "+levelWord(cmd.Level)+" group's parent must be a "+levelWord(want)+" group",
			levelGenFI(cmd.Level)+" ryhmän yläryhmän pitää olla "+levelNomFI(want)+" ryhmä")
	}
	if needsParent {
		if county == "" {
			county = parent.County
		} else if county != parent.County {
			return nil, precondition("wellbeing_county", "must be the parent group's wellbeing county ("+parent.County+")",
				"pitää olla yläryhmän hyvinvointialue ("+parent.County+")")
		}
	}
	if err := checkText("wellbeing_county", county, true, 120); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, code := range cmd.Municipalities {
		field := fmt.Sprintf("municipalities[%d]", i)
		if !municipalityCode.MatchString(code) {
			return nil, invalid(field, "must be an official three-digit municipality code, e.g. 837 for Tampere",
				"pitää olla virallinen kolminumeroinen kuntanumero, esim. 837 (Tampere)")
		}
		if seen[code] {
			return nil, invalid(field, "is listed twice", "on listattu kahdesti")
		}
		seen[code] = true
	}
	if cmd.Level == v1.Level_LEVEL_LOCAL && len(cmd.Municipalities) == 0 {
		return nil, invalid("municipalities", "a local group covers at least one municipality", "paikallinen ryhmä kattaa vähintään yhden kunnan")
	}
	mode := cmd.Mode
	switch mode {
	case v1.GroupMode_GROUP_MODE_UNSPECIFIED:
		mode = v1.GroupMode_GROUP_MODE_MINUTES
	case v1.GroupMode_GROUP_MODE_MINUTES, v1.GroupMode_GROUP_MODE_MEMO:
	default:
		return nil, invalid("mode", "must be minutes or memo", "pitää olla pöytäkirja tai muistio")
	}
	return []proto.Message{&v1.GroupCreated{
		GroupId: g.ID, Name: cmd.Name, Level: cmd.Level, ParentId: cmd.ParentID,
		WellbeingCounty: county, Municipalities: cmd.Municipalities, Mode: mode,
	}}, nil
}

// Rename decides a new name for the group.
func (g *Group) Rename(name *v1.LocalizedName) ([]proto.Message, error) {
	if err := g.mustExist(); err != nil {
		return nil, err
	}
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	if proto.Equal(name, g.Name) {
		return nil, nil
	}
	return []proto.Message{&v1.GroupRenamed{Name: name}}, nil
}

// AddMember is the command to seat a person in a group.
type AddMember struct {
	MembershipID, PersonID, PersonName, Email, Organisation string
	ActorType                                               v1.ActorType
	Role                                                    v1.Role
	TermStart, TermEnd                                      string
	Represents                                              string
}

// AddMember decides a new membership. represented is the state of
// cmd.Represents (nil when none or not found).
func (g *Group) AddMember(cmd AddMember, represented *Group) ([]proto.Message, error) {
	if err := g.mustExist(); err != nil {
		return nil, err
	}
	if cmd.MembershipID == "" { // made by the caller (the API derives it from the request id)
		return nil, invalid("membership_id", "is required", "on pakollinen")
	}
	if _, dup := g.Member(cmd.MembershipID); dup {
		return nil, &Error{Code: CodeAlreadyExists, Field: "membership_id", Message: "membership already exists", MessageFI: "jäsenyys on jo olemassa"}
	}
	if err := checkID("person_id", cmd.PersonID, true); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		field, value string
		required     bool
		max          int
	}{{"person_name", cmd.PersonName, true, 200}, {"organisation", cmd.Organisation, true, 200}} {
		if err := checkText(c.field, c.value, c.required, c.max); err != nil {
			return nil, err
		}
	}
	if err := checkEmail("email", cmd.Email); err != nil {
		return nil, err
	}
	m := &Membership{ID: cmd.MembershipID, PersonID: cmd.PersonID, ActorType: cmd.ActorType, Role: cmd.Role,
		TermStart: cmd.TermStart, TermEnd: cmd.TermEnd, Represents: cmd.Represents}
	if err := g.checkSeat(m, represented, true); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.MemberAdded{
		MembershipId: cmd.MembershipID, PersonId: cmd.PersonID, PersonName: cmd.PersonName, Email: cmd.Email,
		Organisation: cmd.Organisation, ActorType: cmd.ActorType, Role: cmd.Role,
		TermStart: cmd.TermStart, TermEnd: cmd.TermEnd, RepresentsGroupId: cmd.Represents,
	}}, nil
}

// ChangeMember is the command to change a membership; nil fields keep their value.
type ChangeMember struct {
	MembershipID string
	Organisation *string
	ActorType    *v1.ActorType
	Role         *v1.Role
	TermEnd      *string
	Represents   *string
}

// ChangeMember decides a change of an active membership. represented is the
// state of the new represented group, if one is named.
func (g *Group) ChangeMember(cmd ChangeMember, represented *Group) ([]proto.Message, error) {
	cur, err := g.activeMember(cmd.MembershipID)
	if err != nil {
		return nil, err
	}
	next := *cur
	if cmd.Organisation != nil {
		if err := checkText("organisation", *cmd.Organisation, true, 200); err != nil {
			return nil, err
		}
		next.Organisation = *cmd.Organisation
	}
	if cmd.ActorType != nil {
		next.ActorType = *cmd.ActorType
	}
	if cmd.Role != nil {
		next.Role = *cmd.Role
	}
	if cmd.TermEnd != nil {
		next.TermEnd = *cmd.TermEnd
	}
	if cmd.Represents != nil {
		next.Represents = *cmd.Represents
	}
	if err := g.checkSeat(&next, represented, cmd.Represents != nil); err != nil {
		return nil, err
	}
	if next.Organisation == cur.Organisation && next.ActorType == cur.ActorType && next.Role == cur.Role &&
		next.TermEnd == cur.TermEnd && next.Represents == cur.Represents {
		return nil, nil
	}
	return []proto.Message{&v1.MemberChanged{
		MembershipId: cur.ID, Organisation: next.Organisation, ActorType: next.ActorType, Role: next.Role,
		TermEnd: next.TermEnd, RepresentsGroupId: next.Represents,
	}}, nil
}

// EndMember decides the end of a membership.
func (g *Group) EndMember(membershipID, endedOn, reason string) ([]proto.Message, error) {
	m, err := g.activeMember(membershipID)
	if err != nil {
		return nil, err
	}
	end, derr := checkDate("ended_on", endedOn, true)
	if derr != nil {
		return nil, derr
	}
	if start, _ := time.Parse(DateLayout, m.TermStart); end.Before(start) {
		return nil, invalid("ended_on", "is before the term started ("+m.TermStart+")", "on ennen kauden alkua ("+m.TermStart+")")
	}
	if err := checkText("reason", reason, false, 500); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.MemberEnded{MembershipId: membershipID, EndedOn: endedOn, Reason: reason}}, nil
}

// checkSeat checks the rules every active membership must satisfy: known
// actor type and role, a valid term, at most one chair and one secretary at
// a time, and representation only of this group's own child groups.
func (g *Group) checkSeat(m *Membership, represented *Group, checkRepresented bool) *Error {
	if _, ok := v1.ActorType_name[int32(m.ActorType)]; !ok || m.ActorType == v1.ActorType_ACTOR_TYPE_UNSPECIFIED {
		return invalid("actor_type", "must be one of wellbeing county, municipality, NGO, parish, Kela, private, family representative, expert by experience",
			"pitää olla hyvinvointialue, kunta, järjestö, seurakunta, Kela, yksityinen, perheiden edustaja tai kokemusasiantuntija")
	}
	if _, ok := v1.Role_name[int32(m.Role)]; !ok || m.Role == v1.Role_ROLE_UNSPECIFIED {
		return invalid("role", "must be one of chair, vice-chair, secretary, member, deputy, expert, family representative",
			"pitää olla puheenjohtaja, varapuheenjohtaja, sihteeri, jäsen, varajäsen, asiantuntija tai perheiden edustaja")
	}
	start, err := checkDate("term_start", m.TermStart, true)
	if err != nil {
		return err
	}
	end, err := checkDate("term_end", m.TermEnd, false)
	if err != nil {
		return err
	}
	if m.TermEnd != "" && end.Before(start) {
		return invalid("term_end", "is before term_start", "on ennen kauden alkua")
	}
	if m.Role == v1.Role_ROLE_CHAIR || m.Role == v1.Role_ROLE_SECRETARY {
		// Ended memberships count too, up to the day they ended: a chair
		// whose end is recorded ahead of time still serves until then.
		for _, o := range g.members.list {
			if o.ID != m.ID && o.Role == m.Role && termsOverlap(o, m) {
				// The organisation, not the name: the domain never sees a sealed name.
				return precondition("role", fmt.Sprintf("the group already has a %s (%s) for an overlapping term", roleWord(m.Role), o.Organisation),
					fmt.Sprintf("ryhmällä on jo %s (%s) päällekkäisellä kaudella", roleWordFI(m.Role), o.Organisation))
			}
		}
	}
	if m.Represents != "" && checkRepresented {
		if err := checkID("represents_group_id", m.Represents, false); err != nil {
			return err
		}
		if represented == nil || !represented.Created {
			return notFound("represents_group_id", "no such group", "ryhmää ei ole")
		}
		if represented.ParentID != g.ID {
			return precondition("represents_group_id", "a member can only represent a child group of this group",
				"jäsen voi edustaa vain tämän ryhmän alaryhmää")
		}
	}
	return nil
}

func termsOverlap(a, b *Membership) bool {
	// ISO dates compare as strings; an empty end is open-ended.
	aEnd, bEnd := a.lastDay(), b.lastDay()
	aEndsBeforeB := aEnd != "" && aEnd < b.TermStart
	bEndsBeforeA := bEnd != "" && bEnd < a.TermStart
	return !aEndsBeforeB && !bEndsBeforeA
}

// lastDay is the last day of the seat: the end of its term, or the day it
// ended if that came first ("" = open-ended).
func (m *Membership) lastDay() string {
	if m.Ended && (m.TermEnd == "" || m.EndedOn < m.TermEnd) {
		return m.EndedOn
	}
	return m.TermEnd
}

func (g *Group) mustExist() *Error {
	if !g.Created {
		return notFound("group_id", "no such group", "ryhmää ei ole")
	}
	return nil
}

func (g *Group) activeMember(id string) (*Membership, *Error) {
	if err := g.mustExist(); err != nil {
		return nil, err
	}
	m, ok := g.Member(id)
	if !ok {
		return nil, notFound("membership_id", "no such membership in this group", "ryhmässä ei ole tätä jäsenyyttä")
	}
	if m.Ended {
		return nil, precondition("membership_id", "the membership has ended", "jäsenyys on päättynyt")
	}
	return m, nil
}

func checkName(field string, n *v1.LocalizedName) *Error {
	if err := checkText(field+".fi", n.GetFi(), true, 200); err != nil {
		return err
	}
	if err := checkText(field+".sv", n.GetSv(), false, 200); err != nil {
		return err
	}
	return checkText(field+".en", n.GetEn(), false, 200)
}

func levelWord(l v1.Level) string {
	return map[v1.Level]string{v1.Level_LEVEL_LOCAL: "local", v1.Level_LEVEL_REGIONAL: "regional", v1.Level_LEVEL_PROVINCIAL: "provincial"}[l]
}

func levelGenFI(l v1.Level) string {
	return map[v1.Level]string{v1.Level_LEVEL_LOCAL: "paikallisen", v1.Level_LEVEL_REGIONAL: "alueellisen", v1.Level_LEVEL_PROVINCIAL: "maakunnallisen"}[l]
}

func levelNomFI(l v1.Level) string {
	return map[v1.Level]string{v1.Level_LEVEL_LOCAL: "paikallinen", v1.Level_LEVEL_REGIONAL: "alueellinen", v1.Level_LEVEL_PROVINCIAL: "maakunnallinen"}[l]
}

func roleWord(r v1.Role) string {
	if r == v1.Role_ROLE_CHAIR {
		return "chair"
	}
	return "secretary"
}

func roleWordFI(r v1.Role) string {
	if r == v1.Role_ROLE_CHAIR {
		return "puheenjohtaja"
	}
	return "sihteeri"
}
