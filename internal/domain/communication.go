package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// This file holds the communication responsibilities (viestintävastuu) of a
// group's decisions and the upward asks before its meetings. They live in
// the group's Meetings aggregate, next to the decisions they carry onward.

// ProposedDueDays is how long after its meeting a proposed responsibility is due.
const ProposedDueDays = 30

// Responsibility is one member's duty to tell an audience about a decision.
type Responsibility struct {
	ID, ItemID, MembershipID, DueOn string
	Audience                        *v1.Audience
	State                           v1.ResponsibilityState
	Done                            *v1.ResponsibilityDone
	WaivedReason                    string
}

// Open reports whether the responsibility is still to do.
func (r *Responsibility) Open() bool {
	return r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED || r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED
}

// Overdue reports whether it is still to do after its due date on day (YYYY-MM-DD).
func (r *Responsibility) Overdue(day string) bool { return r.Open() && r.DueOn < day }

// Responsibility finds a responsibility by id.
func (s *Meetings) Responsibility(id string) (*Responsibility, bool) {
	r, ok := s.resps[id]
	return r, ok
}

// applyCommunication folds the communication events; handled is false for others.
func (s *Meetings) applyCommunication(ev proto.Message) (handled bool, err error) {
	switch e := ev.(type) {
	case *v1.ResponsibilityAssigned:
		st := v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED
		if e.GetProposed() {
			st = v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED
		}
		s.resps[e.GetResponsibilityId()] = &Responsibility{ID: e.GetResponsibilityId(), ItemID: e.GetItemId(),
			MembershipID: e.GetMembershipId(), DueOn: e.GetDueOn(), Audience: e.GetAudience(), State: st}
	case *v1.ResponsibilitiesConfirmed:
		for _, id := range e.GetResponsibilityIds() {
			if err := s.changeResp(id, func(r *Responsibility) { r.State = v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED }); err != nil {
				return true, err
			}
		}
	case *v1.ResponsibilityReassigned:
		return true, s.changeResp(e.GetResponsibilityId(), func(r *Responsibility) {
			r.MembershipID, r.DueOn = e.GetMembershipId(), e.GetDueOn()
		})
	case *v1.ResponsibilityWaived:
		return true, s.changeResp(e.GetResponsibilityId(), func(r *Responsibility) {
			r.State, r.WaivedReason = v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED, e.GetReason()
		})
	case *v1.ResponsibilityDone:
		return true, s.changeResp(e.GetResponsibilityId(), func(r *Responsibility) {
			r.State, r.Done = v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE, e
		})
	case *v1.UpwardAnswered:
		asks := maps.Clone(s.asks[e.GetMeetingId()])
		if asks == nil {
			asks = map[string][]string{}
		}
		if e.GetItemId() != "" {
			asks[e.GetMembershipId()] = append(slices.Clip(asks[e.GetMembershipId()]), e.GetItemId())
		} else if _, ok := asks[e.GetMembershipId()]; !ok {
			asks[e.GetMembershipId()] = []string{}
		}
		s.asks[e.GetMeetingId()] = asks
	default:
		return false, nil
	}
	return true, nil
}

func (s *Meetings) changeResp(id string, change func(*Responsibility)) error {
	r, ok := s.resps[id]
	if !ok {
		return fmt.Errorf("unknown responsibility %s", id)
	}
	c := *r
	change(&c)
	s.resps[id] = &c
	return nil
}

// AssignResponsibility is the secretary giving a member of the group the
// duty to tell an audience about a decided item.
type AssignResponsibility struct {
	ID, ItemID, MembershipID, DueOn string
	Audience                        *v1.Audience
}

// Assign decides a new responsibility.
func (s *Meetings) Assign(cmd AssignResponsibility, group *Group) ([]proto.Message, error) {
	if _, dup := s.resps[cmd.ID]; dup || cmd.ID == "" {
		return nil, &Error{Code: CodeAlreadyExists, Field: "responsibility_id", Message: "responsibility already exists", MessageFI: "viestintävastuu on jo olemassa"}
	}
	it, ok := s.items[cmd.ItemID]
	if !ok {
		return nil, notFound("item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
	}
	if it.Section == 0 {
		return nil, precondition("item_id", "responsibilities are assigned for decided items", "viestintävastuu annetaan päätetystä asiasta")
	}
	if _, err := group.activeMember(cmd.MembershipID); err != nil {
		return nil, err
	}
	if err := checkAudience(cmd.Audience, group); err != nil {
		return nil, err
	}
	if _, err := checkDate("due_on", cmd.DueOn, true); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.ResponsibilityAssigned{ResponsibilityId: cmd.ID, ItemId: it.ID, MembershipId: cmd.MembershipID,
		Audience: proto.CloneOf(cmd.Audience), DueOn: cmd.DueOn}}, nil
}

func checkAudience(a *v1.Audience, group *Group) *Error {
	if a == nil {
		return invalid("audience", "is required", "on pakollinen")
	}
	switch a.GetKind() {
	case v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP:
		if err := checkID("audience.group_id", a.GetGroupId(), true); err != nil {
			return err
		}
	case v1.AudienceKind_AUDIENCE_KIND_ORGANISATION:
		if err := checkText("audience.organisation", a.GetOrganisation(), true, 200); err != nil {
			return err
		}
	case v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES:
		if !municipalityCode.MatchString(a.GetMunicipality()) {
			return invalid("audience.municipality", "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
		}
	case v1.AudienceKind_AUDIENCE_KIND_FAMILIES:
		if err := checkText("audience.channel", a.GetChannel(), true, 200); err != nil {
			return err
		}
	case v1.AudienceKind_AUDIENCE_KIND_PUBLIC:
	default:
		return invalid("audience.kind", "must be a child group, an organisation, a municipality's services, families or the public",
			"pitää olla alaryhmä, organisaatio, kunnan palvelut, perheet tai yleisö")
	}
	for _, f := range []struct{ field, value string }{{"audience.organisation", a.GetOrganisation()}, {"audience.channel", a.GetChannel()}} {
		if err := checkText(f.field, f.value, false, 200); err != nil {
			return err
		}
	}
	return nil
}

// openResp finds a responsibility that is still to do.
func (s *Meetings) openResp(id string) (*Responsibility, *Error) {
	if id == "" {
		return nil, invalid("responsibility_id", "is required", "on pakollinen")
	}
	r, ok := s.resps[id]
	if !ok {
		return nil, notFound("responsibility_id", "no such responsibility in this group", "ryhmällä ei ole tätä viestintävastuuta")
	}
	if !r.Open() {
		return nil, precondition("responsibility_id", "the responsibility is already "+respStateWord(r.State),
			"viestintävastuu on jo "+respStateWordFI(r.State))
	}
	return r, nil
}

// Reassign hands an open responsibility to another member or moves its due date.
func (s *Meetings) Reassign(id, membershipID, dueOn, reason string, group *Group) ([]proto.Message, error) {
	r, err := s.openResp(id)
	if err != nil {
		return nil, err
	}
	if membershipID == "" && dueOn == "" {
		return nil, invalid("membership_id", "name the new member, the new due date, or both", "anna uusi vastuuhenkilö, uusi määräpäivä tai molemmat")
	}
	if membershipID == "" {
		membershipID = r.MembershipID
	} else if _, err := group.activeMember(membershipID); err != nil {
		return nil, err
	}
	if dueOn == "" {
		dueOn = r.DueOn
	} else if _, err := checkDate("due_on", dueOn, true); err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, false, 1000); err != nil {
		return nil, err
	}
	if membershipID == r.MembershipID && dueOn == r.DueOn {
		return nil, nil
	}
	return []proto.Message{&v1.ResponsibilityReassigned{ResponsibilityId: id, MembershipId: membershipID, DueOn: dueOn, Reason: reason}}, nil
}

// Waive lets an open responsibility go.
func (s *Meetings) Waive(id, reason string) ([]proto.Message, error) {
	if _, err := s.openResp(id); err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, 1000); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.ResponsibilityWaived{ResponsibilityId: id, Reason: reason}}, nil
}

// MarkDone records how and when the audience was told. Only the responsible
// member, the group's secretary or its chair may do it; today bounds done_on.
func (s *Meetings) MarkDone(done *v1.ResponsibilityDone, group *Group, today string) ([]proto.Message, error) {
	r, err := s.openResp(done.GetResponsibilityId())
	if err != nil {
		return nil, err
	}
	by, merr := group.activeMember(done.GetByMembershipId())
	if merr != nil {
		merr.Field = "by_membership_id"
		return nil, merr
	}
	if by.ID != r.MembershipID && by.Role != v1.Role_ROLE_SECRETARY && by.Role != v1.Role_ROLE_CHAIR {
		return nil, &Error{Code: CodePermissionDenied, Field: "by_membership_id",
			Message:   "only the responsible member, the group's secretary or its chair may mark the responsibility done",
			MessageFI: "vain vastuuhenkilö, ryhmän sihteeri tai puheenjohtaja voi kuitata viestintävastuun tehdyksi"}
	}
	if _, err := checkDate("done_on", done.GetDoneOn(), true); err != nil {
		return nil, err
	}
	if done.GetDoneOn() > today {
		return nil, invalid("done_on", "is in the future", "on tulevaisuudessa")
	}
	if m, ok := s.meetings[s.items[r.ItemID].MeetingID]; ok && done.GetDoneOn() < m.HeldOn() {
		return nil, invalid("done_on", "is before the decision was made ("+m.HeldOn()+")",
			"on ennen päätöksen tekemistä ("+finnishDay(m.HeldOn())+")")
	}
	if err := checkText("channel", done.GetChannel(), true, 200); err != nil {
		return nil, err
	}
	if err := checkText("note", done.GetNote(), false, 2000); err != nil {
		return nil, err
	}
	if done.GetLink() != "" {
		if err := checkURL("link", done.GetLink()); err != nil {
			return nil, err
		}
	}
	return []proto.Message{proto.CloneOf(done)}, nil
}

// proposeResponsibilities appends, for a final decision on item it in
// meeting m, a proposed responsibility for each affected child group: for
// the member of this group who represents it.
func proposeResponsibilities(events []proto.Message, it *Item, m *Meeting, d *v1.Decision, group *Group) []proto.Message {
	if !FinalOutcome(d.GetOutcome()) || group == nil {
		return events
	}
	held, _ := time.Parse(DateLayout, m.HeldOn())
	due := held.AddDate(0, 0, ProposedDueDays).Format(DateLayout)
	for _, gid := range d.GetAffects().GetGroupIds() {
		var rep *Membership
		for _, mem := range group.ActiveMembers() {
			// The first seated representative, a deputy only when no one else represents the group.
			if mem.Represents == gid && (rep == nil || rep.Role == v1.Role_ROLE_DEPUTY && mem.Role != v1.Role_ROLE_DEPUTY) {
				rep = mem
			}
		}
		if rep == nil {
			continue
		}
		events = append(events, &v1.ResponsibilityAssigned{ResponsibilityId: childID(it.ID, "responsibility/"+gid), ItemId: it.ID,
			MembershipId: rep.ID, DueOn: due, Proposed: true,
			Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP, GroupId: gid}})
	}
	return events
}

// FinalOutcome tells whether a decision settles the matter (not tabled or returned).
func FinalOutcome(o v1.Outcome) bool {
	return o != v1.Outcome_OUTCOME_TABLED && o != v1.Outcome_OUTCOME_RETURNED && o != v1.Outcome_OUTCOME_UNSPECIFIED
}

// confirmProposed appends the confirmation of the still-proposed
// responsibilities of meeting m's decisions.
func (s *Meetings) confirmProposed(events []proto.Message, m *Meeting) []proto.Message {
	var ids []string
	for _, r := range s.resps {
		if it := s.items[r.ItemID]; r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED && it != nil && it.MeetingID == m.ID {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return events
	}
	slices.Sort(ids)
	return append(events, &v1.ResponsibilitiesConfirmed{ResponsibilityIds: ids})
}

// Overdue lists the group's responsibilities still to do after their due
// date on day, by due date.
func (s *Meetings) Overdue(day string) []*Responsibility {
	var out []*Responsibility
	for _, r := range s.resps {
		if r.Overdue(day) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Responsibility) int {
		return strings.Compare(a.DueOn+a.ID, b.DueOn+b.ID)
	})
	return out
}

// standingResponsibilities appends, when meeting m opens on day, the
// standing item on the group's overdue responsibilities, if there are any.
func (s *Meetings) standingResponsibilities(events []proto.Message, m *Meeting, day string) []proto.Message {
	overdue := s.Overdue(day)
	if len(overdue) == 0 {
		return events
	}
	var b strings.Builder
	b.WriteString("Viestintävastuut, joiden määräpäivä on ohitettu:\n")
	for _, r := range overdue {
		it := s.items[r.ItemID]
		year := 0
		if mt, ok := s.meetings[it.MeetingID]; ok {
			year = mt.Year()
		}
		due, _ := time.Parse(DateLayout, r.DueOn)
		opened, _ := time.Parse(DateLayout, day)
		fmt.Fprintf(&b, "- § %d/%d %s: %s, määräpäivä %s (%d pv myöhässä)\n", it.Section, year, it.Item.GetTitle(),
			audienceFI(r.Audience), finnishDay(r.DueOn), int(opened.Sub(due).Hours()/24))
	}
	b.WriteString("\nMerkitään tiedoksi ja pyydetään vastuuhenkilöitä hoitamaan viestintä ja kuittaamaan se tehdyksi.")
	return append(events, &v1.ItemAdded{ItemId: childID(m.ID, "standard/"+v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES.String()), MeetingId: m.ID,
		Item: &v1.AgendaItem{Title: "Viestintävastuiden seuranta", Proposal: b.String(), Openness: v1.Openness_OPENNESS_PUBLIC,
			Origin: v1.ItemOrigin_ITEM_ORIGIN_STANDARD, Standard: v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES}})
}

func finnishDay(date string) string {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return date
	}
	return fmt.Sprintf("%d.%d.%d", t.Day(), int(t.Month()), t.Year())
}

// audienceFI names an audience in Finnish, without personal names.
func audienceFI(a *v1.Audience) string {
	switch a.GetKind() {
	case v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP:
		return "tiedotetaan alaryhmälle"
	case v1.AudienceKind_AUDIENCE_KIND_ORGANISATION:
		return "tiedotetaan organisaatiolle " + a.GetOrganisation()
	case v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES:
		return "tiedotetaan kunnan " + a.GetMunicipality() + " palveluille"
	case v1.AudienceKind_AUDIENCE_KIND_FAMILIES:
		return "tiedotetaan perheille (" + a.GetChannel() + ")"
	default:
		return "tiedotetaan julkisesti"
	}
}

func respStateWord(s v1.ResponsibilityState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "RESPONSIBILITY_STATE_"))
}

func respStateWordFI(s v1.ResponsibilityState) string {
	switch s {
	case v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE:
		return "hoidettu"
	case v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED:
		return "peruttu"
	default:
		return "avoinna"
	}
}

// Answers are a meeting's upward asks: by the representative's membership
// id, the items they brought (empty: nothing this time). Members missing
// from the map have not answered.
func (s *Meetings) Answers(meetingID string) map[string][]string { return s.asks[meetingID] }

// BringUp is a representative's answer, before the parent group's meeting,
// for the group they represent: an item (itemID, item) or nothing (item nil).
func (s *Meetings) BringUp(meetingID, membershipID, itemID string, item *v1.AgendaItem, group *Group, today string) ([]proto.Message, error) {
	m, err := s.scheduled(meetingID) // an approved agenda belongs to an open meeting
	if err != nil {
		return nil, err
	}
	if d := m.Deadline(); d != "" && today > d {
		return nil, precondition("meeting_id", "the asks for this meeting closed on "+d+"; bring it to a later meeting",
			"tämän kokouksen asioiden määräaika päättyi "+d+"; tuo asia myöhempään kokoukseen")
	}
	mem, err := group.activeMember(membershipID)
	if err != nil {
		return nil, err
	}
	if mem.Represents == "" {
		return nil, precondition("membership_id", "only a member who represents a child group answers for it",
			"vain alaryhmää edustava jäsen vastaa sen puolesta")
	}
	answered := &v1.UpwardAnswered{MeetingId: m.ID, MembershipId: mem.ID, RepresentsGroupId: mem.Represents}
	if item == nil {
		if brought := s.asks[m.ID][mem.ID]; len(brought) > 0 {
			return nil, precondition("item", "this representative has already brought an item to the meeting",
				"edustaja on jo tuonut asian kokoukseen")
		}
		if _, ok := s.asks[m.ID][mem.ID]; ok {
			return nil, nil
		}
		return []proto.Message{answered}, nil
	}
	if _, dup := s.items[itemID]; dup || itemID == "" {
		return nil, &Error{Code: CodeAlreadyExists, Field: "item_id", Message: "item already exists", MessageFI: "asia on jo olemassa"}
	}
	item = proto.CloneOf(item)
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE
	if err := checkItem(item); err != nil {
		return nil, err
	}
	if item.GetStandard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
		return nil, invalid("item.standard", "standard items are created with the meeting, not added by hand",
			"vakioasiat syntyvät kokouksen mukana, niitä ei lisätä käsin")
	}
	answered.ItemId = itemID
	return []proto.Message{&v1.ItemAdded{ItemId: itemID, MeetingId: m.ID, Item: item}, answered}, nil
}

// ResponsibilitiesOf lists the responsibilities for a decided item, by id.
func (s *Meetings) ResponsibilitiesOf(itemID string) []*Responsibility {
	var out []*Responsibility
	for _, r := range s.resps {
		if r.ItemID == itemID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Responsibility) int { return strings.Compare(a.ID, b.ID) })
	return out
}
