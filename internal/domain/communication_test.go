package domain_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// The communication tests use the regional group regID of meetings_test.go
// with, besides its chair and members, a secretary and members who
// represent its child groups (the local group localID; otherLocalID was
// represented by a member whose seat has ended).
const (
	secretaryM = "sihteeri"
	reprLocal  = "edustaja-nokia"   // represents localID
	reprLocal2 = "edustaja-nokia-2" // a second representative of localID, added later
	reprOther  = "edustaja-muu"     // represents otherLocalID (only when a test seats them)
	reprEnded  = "edustaja-ex"      // represented otherLocalID; the seat ended

	person5 = "00000000-0000-4000-8000-0000000000a5"
	person6 = "00000000-0000-4000-8000-0000000000a6"
	person7 = "00000000-0000-4000-8000-0000000000a7"
	person8 = "00000000-0000-4000-8000-0000000000a8"
	person9 = "00000000-0000-4000-8000-0000000000a9"

	febStart = "2026-02-12T13:00:00+02:00" // the meeting mClosed of everyState

	fbChannel = "Perhekeskuksen Facebook-sivu"
)

func representative(id, person, group string) *v1.MemberAdded {
	m := memberAdded(id, person, v1.Role_ROLE_MEMBER, "2025-01-01", "")
	m.RepresentsGroupId = group
	return m
}

// commGroup is meetingGroup plus a secretary, the representative of
// localID and the ended representative of otherLocalID; extra events
// follow.
func commGroup(t *testing.T, extra ...proto.Message) *domain.Group {
	t.Helper()
	return given(t, history(regionalCreated(regID),
		memberAdded(chairM, person1, v1.Role_ROLE_CHAIR, "2025-01-01", ""),
		memberAdded(memberB, person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded(memberC, person3, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded(endedM, person4, v1.Role_ROLE_MEMBER, "2024-01-01", ""),
		&v1.MemberEnded{MembershipId: endedM, EndedOn: "2025-06-30", Reason: "vaihtoi työpaikkaa"},
		memberAdded(secretaryM, person5, v1.Role_ROLE_SECRETARY, "2025-01-01", ""),
		representative(reprLocal, person6, localID),
		representative(reprEnded, person7, otherLocalID),
		&v1.MemberEnded{MembershipId: reprEnded, EndedOn: "2025-12-31", Reason: "kausi päättyi"},
		extra)...)
}

func toFamilies() *v1.Audience {
	return &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES, Channel: fbChannel}
}

func toChild(group string) *v1.Audience {
	return &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP, GroupId: group}
}

func toOrganisation(org string) *v1.Audience {
	return &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_ORGANISATION, Organisation: org}
}

func respAssigned(id, itemID, member, due string, a *v1.Audience) *v1.ResponsibilityAssigned {
	return &v1.ResponsibilityAssigned{ResponsibilityId: id, ItemId: itemID, MembershipId: member, DueOn: due, Audience: a}
}

func respProposed(id, itemID, member, due string, a *v1.Audience) *v1.ResponsibilityAssigned {
	r := respAssigned(id, itemID, member, due, a)
	r.Proposed = true
	return r
}

func respDone(id, on, by string) *v1.ResponsibilityDone {
	return &v1.ResponsibilityDone{ResponsibilityId: id, DoneOn: on, Channel: fbChannel, ByMembershipId: by,
		Note: "Tiedote julkaistu.", Link: "https://www.facebook.com/perhekeskus/posts/1"}
}

// febDecided is the February 2026 meeting, closed: c1 decided as § 1, c2
// left undecided; r1 is memberB's duty to tell families about c1 by
// 2026-03-01. more follows.
func febDecided(t *testing.T, more ...proto.Message) *domain.Meetings {
	t.Helper()
	return givenMeetings(t, history(meetingScheduled(mClosed, febStart), itemAdded("c1", mClosed), itemAdded("c2", mClosed),
		openedOn(mClosed, febStart), agendaApproved(mClosed), decisionRecorded("c1", 1), meetingClosed(mClosed),
		respAssigned("r1", "c1", memberB, "2026-03-01", toFamilies()), more)...)
}

func mustResp(t *testing.T, s *domain.Meetings, id string) *domain.Responsibility {
	t.Helper()
	r, ok := s.Responsibility(id)
	if !ok {
		t.Fatalf("no responsibility %s", id)
	}
	return r
}

// ---- Proposed at the decision ----

// proposals splits what Decide decided into the decision and the
// proposed responsibilities.
func proposals(t *testing.T) func([]proto.Message, error) (*v1.DecisionRecorded, []*v1.ResponsibilityAssigned) {
	return func(got []proto.Message, err error) (*v1.DecisionRecorded, []*v1.ResponsibilityAssigned) {
		t.Helper()
		return splitProposals(t, got, err)
	}
}

func splitProposals(t *testing.T, got []proto.Message, err error) (*v1.DecisionRecorded, []*v1.ResponsibilityAssigned) {
	t.Helper()
	if err != nil {
		t.Fatalf("decision refused: %v", err)
	}
	if len(got) == 0 {
		t.Fatal("no events decided")
	}
	d, ok := got[0].(*v1.DecisionRecorded)
	if !ok {
		t.Fatalf("first event %T, want the decision", got[0])
	}
	var out []*v1.ResponsibilityAssigned
	for i, ev := range got[1:] {
		r, ok := ev.(*v1.ResponsibilityAssigned)
		if !ok {
			t.Fatalf("event %d is %T, want ResponsibilityAssigned", i+1, ev)
		}
		out = append(out, r)
	}
	return d, out
}

func TestDecideProposesResponsibilityForTheRepresentative(t *testing.T) {
	tests := []struct {
		name    string
		outcome v1.Outcome
		affects []string
		want    []string // the affected groups that get a proposal, in order
	}{
		{"approved as proposed", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []string{localID}, []string{localID}},
		{"approved as amended", v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, []string{localID}, []string{localID}},
		{"noted", v1.Outcome_OUTCOME_NOTED, []string{localID}, []string{localID}},
		{"rejected (the child group hears that too)", v1.Outcome_OUTCOME_REJECTED, []string{localID}, []string{localID}},
		{"tabled: nothing to tell yet", v1.Outcome_OUTCOME_TABLED, []string{localID}, nil},
		{"returned for preparation: nothing to tell yet", v1.Outcome_OUTCOME_RETURNED, []string{localID}, nil},
		{"affecting no group", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, nil, nil},
		{"affecting a group nobody in this group represents", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []string{otherRegID}, nil},
		{"affecting a group whose representative's seat ended", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []string{otherLocalID}, nil},
		{"the represented group among others", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []string{otherRegID, localID, otherLocalID}, []string{localID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMarch(t)
			d := &v1.Decision{Outcome: tt.outcome, Text: "Ohjausryhmä käsitteli asian.", Affects: &v1.Affects{GroupIds: tt.affects}}
			got, err := s.Decide("a1", d, commGroup(t))
			rec, props := proposals(t)(got, err)
			if !proto.Equal(rec, &v1.DecisionRecorded{ItemId: "a1", Section: 2, Decision: d}) {
				t.Errorf("decision %v", rec)
			}
			if len(props) != len(tt.want) {
				t.Fatalf("proposed %v, want one for each of %v", props, tt.want)
			}
			for i, group := range tt.want {
				// March 12 + 30 days = April 11.
				want := respProposed(props[i].GetResponsibilityId(), "a1", reprLocal, "2026-04-11", toChild(group))
				if props[i].GetResponsibilityId() == "" || !proto.Equal(props[i], want) {
					t.Errorf("proposal %d:\n got %v\nwant %v", i, props[i], want)
				}
			}
			applyDecided(t, s, got, nil)
			for _, p := range props {
				r := mustResp(t, s, p.GetResponsibilityId())
				if r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED || r.ItemID != "a1" || r.MembershipID != reprLocal || !r.Open() {
					t.Errorf("state after the proposal: %+v", r)
				}
				if r.Overdue("2026-04-11") || !r.Overdue("2026-04-12") {
					t.Errorf("a proposal due 2026-04-11 is overdue on the 11th (%v) or not on the 12th (%v)", r.Overdue("2026-04-11"), r.Overdue("2026-04-12"))
				}
			}
			if n := len(s.ResponsibilitiesOf("a1")); n != len(tt.want) {
				t.Errorf("ResponsibilitiesOf(a1) has %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestDecideProposesOnePerAffectedGroup(t *testing.T) {
	// Two representatives of localID (the first seated is asked) and one of otherLocalID.
	g := commGroup(t, representative(reprLocal2, person8, localID), representative(reprOther, person9, otherLocalID))
	d := &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.",
		Affects: &v1.Affects{GroupIds: []string{otherLocalID, localID}}}
	_, props := proposals(t)(openMarch(t).Decide("a1", d, g))
	if len(props) != 2 {
		t.Fatalf("proposals %v, want one for each affected group", props)
	}
	for i, want := range []struct{ member, group string }{{reprOther, otherLocalID}, {reprLocal, localID}} {
		if p := props[i]; p.GetMembershipId() != want.member || p.GetAudience().GetGroupId() != want.group {
			t.Errorf("proposal %d goes to %s about %s, want %s about %s", i, p.GetMembershipId(), p.GetAudience().GetGroupId(), want.member, want.group)
		}
	}
	if props[0].GetResponsibilityId() == props[1].GetResponsibilityId() {
		t.Fatalf("two proposals share the id %s", props[0].GetResponsibilityId())
	}
	// The ids come from the item and the group: deciding again makes the same ones.
	_, again := proposals(t)(openMarch(t).Decide("a1", d, g))
	for i := range props {
		if again[i].GetResponsibilityId() != props[i].GetResponsibilityId() {
			t.Errorf("proposal %d has id %s, then %s: a replayed command must make the same ids", i, props[i].GetResponsibilityId(), again[i].GetResponsibilityId())
		}
	}
	// Another item affecting the same group gets its own ids.
	s := openMarch(t)
	applyDecided(t, s, []proto.Message{itemAdded("a4", meetMarch)}, nil)
	_, other := proposals(t)(s.Decide("a4", d, g))
	if len(other) != 2 || other[1].GetResponsibilityId() == props[1].GetResponsibilityId() {
		t.Errorf("another item's proposal reuses the id %s", props[1].GetResponsibilityId())
	}
}

func TestDecideProposesOnceWhenAGroupIsNamedTwice(t *testing.T) {
	d := &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.",
		Affects: &v1.Affects{GroupIds: []string{localID, localID}}}
	s := openMarch(t)
	got, err := s.Decide("a1", d, commGroup(t))
	if err != nil {
		// Refusing the repeated group is as good as proposing once.
		thenError(t, got, err, domain.CodeInvalid, "decision.affects.group_ids[1]")
		return
	}
	_, props := proposals(t)(got, err)
	if len(props) != 1 {
		t.Fatalf("BUG: a group named twice in affects.group_ids gets %d proposals with the ids %s: one responsibility "+
			"would be stored twice under one id", len(props), func() string {
			var ids []string
			for _, p := range props {
				ids = append(ids, p.GetResponsibilityId())
			}
			return strings.Join(ids, ", ")
		}())
	}
}

func TestProposedDueDateIsThirtyDaysAfterTheMeetingInItsOwnTime(t *testing.T) {
	tests := []struct{ startsAt, openedAt, due string }{
		{marchStart, marchStart, "2026-04-11"},
		{septStart, septStart, "2026-10-10"},                                     // summer time
		{"2026-12-15T18:00:00+02:00", "2026-12-15T18:00:00+02:00", "2027-01-14"}, // into the next year
		{marchStart, "2026-03-20T09:00:00+02:00", "2026-04-19"},                  // held later than planned: from the day it was held
		{"2026-01-31T00:30:00+02:00", "2026-01-31T00:30:00+02:00", "2026-03-02"}, // see below
	}
	// The last: half past midnight in Finland is still the previous day in
	// UTC; the due date counts from the Finnish date, 2026-01-31.
	for _, tt := range tests {
		t.Run(tt.openedAt, func(t *testing.T) {
			s := givenMeetings(t, meetingScheduled(meetMarch, tt.startsAt), itemAdded("a1", meetMarch), openedOn(meetMarch, tt.openedAt), agendaApproved(meetMarch))
			d := &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.", Affects: &v1.Affects{GroupIds: []string{localID}}}
			_, props := proposals(t)(s.Decide("a1", d, commGroup(t)))
			if len(props) != 1 || props[0].GetDueOn() != tt.due {
				t.Fatalf("proposals %v, want one due %s", props, tt.due)
			}
			if domain.ProposedDueDays != 30 {
				t.Errorf("ProposedDueDays = %d, the dates above assume 30", domain.ProposedDueDays)
			}
		})
	}
}

// ---- Confirmed at the approval of the minutes ----

func TestApproveMinutesConfirmsTheMeetingsProposedResponsibilities(t *testing.T) {
	march := history(
		meetingScheduled(meetMarch, marchStart), itemAdded("a1", meetMarch), itemAdded("a4", meetMarch),
		meetingOpened(meetMarch), agendaApproved(meetMarch), decisionRecorded("a1", 2), decisionRecorded("a4", 3),
		respProposed("rm-b", "a1", reprLocal, "2026-04-11", toChild(localID)),
		respProposed("rm-a", "a4", reprLocal, "2026-04-11", toChild(localID)),
		respAssigned("rm-assigned", "a1", memberB, "2026-04-30", toFamilies()),
		respProposed("rm-waived", "a1", reprLocal, "2026-04-11", toChild(otherLocalID)),
		&v1.ResponsibilityWaived{ResponsibilityId: "rm-waived", Reason: "ryhmä lakkautettiin"},
		// Reassigned before the minutes were approved: still proposed.
		&v1.ResponsibilityReassigned{ResponsibilityId: "rm-b", MembershipId: memberC, DueOn: "2026-04-20", Reason: "edustaja lomalla"},
		meetingClosed(meetMarch),
		&v1.MinutesCheckersNamed{MeetingId: meetMarch, MembershipIds: []string{chairM, memberB}},
		&v1.MinutesChecked{MeetingId: meetMarch, MembershipId: chairM, CheckedOn: "2026-03-16"},
		&v1.MinutesChecked{MeetingId: meetMarch, MembershipId: memberB, CheckedOn: "2026-03-17"})
	// February's proposal waits for February's minutes.
	s := febDecided(t, history(respProposed("rf", "c1", reprLocal, "2026-03-14", toChild(localID)), march)...)

	got, err := s.ApproveMinutes(meetMarch, "2026-03-18", commGroup(t))
	thenEvents(t, got, err, &v1.MinutesApproved{MeetingId: meetMarch, ApprovedOn: "2026-03-18"},
		&v1.ResponsibilitiesConfirmed{ResponsibilityIds: []string{"rm-a", "rm-b"}})
	applyDecided(t, s, got, nil)
	for id, want := range map[string]v1.ResponsibilityState{
		"rm-a": v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED, "rm-b": v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED,
		"rm-assigned": v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED, "rm-waived": v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED,
		"rf": v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED, "r1": v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED,
	} {
		if r := mustResp(t, s, id); r.State != want {
			t.Errorf("%s is %v after the approval, want %v", id, r.State, want)
		}
	}
	if r := mustResp(t, s, "rm-b"); r.MembershipID != memberC || r.DueOn != "2026-04-20" {
		t.Errorf("confirming undid the reassignment: %+v", r)
	}

	// Approving again decides nothing, not even a second confirmation.
	got, err = s.ApproveMinutes(meetMarch, "2026-03-19", commGroup(t))
	thenEvents(t, got, err)
}

func TestApproveMinutesWithoutProposalsConfirmsNothing(t *testing.T) {
	g := commGroup(t)
	// A memo is approved without checkers; r1 is assigned, not proposed.
	g.Mode = v1.GroupMode_GROUP_MODE_MEMO
	s := febDecided(t)
	got, err := s.ApproveMinutes(mClosed, "2026-02-20", g)
	thenEvents(t, got, err, &v1.MinutesApproved{MeetingId: mClosed, ApprovedOn: "2026-02-20"})
}

// ---- The standing item when a meeting opens ----

// overdueHistory is febDecided with c2 decided as § 2 and responsibilities
// in every state around the March meeting's opening day, 2026-03-12.
// Overdue then: r-child (20 days), r-org (11), r-fam (7), r-muni (2) and
// r-public (1); r1 was done.
func overdueHistory(t *testing.T, overdue bool) []proto.Message {
	t.Helper()
	h := history(decisionRecorded("c2", 2),
		respDone("r1", "2026-02-27", memberB),
		respAssigned("r-today", "c1", memberB, "2026-03-12", toFamilies()), // due on the opening day: not yet late
		respAssigned("r-future", "c2", memberC, "2026-04-30", toOrganisation("Nokian kaupunki")),
		respAssigned("r-waived", "c1", memberC, "2026-02-15", toFamilies()),
		&v1.ResponsibilityWaived{ResponsibilityId: "r-waived", Reason: "tieto kulki jo muuta kautta"},
		respAssigned("r-moved", "c1", memberC, "2026-02-25", toFamilies()),
		&v1.ResponsibilityReassigned{ResponsibilityId: "r-moved", DueOn: "2026-03-31", MembershipId: memberC})
	if overdue {
		h = history(h,
			respAssigned("r-public", "c2", memberB, "2026-03-11", &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC}),
			respAssigned("r-org", "c2", memberC, "2026-03-01", toOrganisation("Tampereen kaupunki")),
			respProposed("r-child", "c1", reprLocal, "2026-02-20", toChild(localID)), // still proposed: open all the same
			respAssigned("r-muni", "c1", chairM, "2026-03-10", &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES, Municipality: "536"}),
			respAssigned("r-fam", "c2", memberB, "2026-03-05", toFamilies()))
	}
	return history(h, withStandard(t, meetMarch, marchStart), itemAdded("a1", meetMarch))
}

func TestOpenAddsTheStandingItemOnOverdueResponsibilities(t *testing.T) {
	s := febDecided(t, overdueHistory(t, true)...)
	std := stdIDs(t, meetMarch)
	got, err := s.Open(meetMarch, openedAt, attendance(), true, true, commGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("want the opening, its two decisions and the standing item, got %v", got)
	}
	added, ok := got[3].(*v1.ItemAdded)
	if !ok {
		t.Fatalf("event 3 is %T, want ItemAdded", got[3])
	}
	// Sorted by due date; days late counted to the opening day. § and year
	// are the February decisions'; the member responsible is not named.
	proposal := "Viestintävastuut, joiden määräpäivä on ohitettu:\n" +
		"- § 1/2026 Asia c1: tiedotetaan alaryhmälle, määräpäivä 20.2.2026 (20 pv myöhässä)\n" +
		"- § 2/2026 Asia c2: tiedotetaan organisaatiolle Tampereen kaupunki, määräpäivä 1.3.2026 (11 pv myöhässä)\n" +
		"- § 2/2026 Asia c2: tiedotetaan perheille (" + fbChannel + "), määräpäivä 5.3.2026 (7 pv myöhässä)\n" +
		"- § 1/2026 Asia c1: tiedotetaan kunnan 536 palveluille, määräpäivä 10.3.2026 (2 pv myöhässä)\n" +
		"- § 2/2026 Asia c2: tiedotetaan julkisesti, määräpäivä 11.3.2026 (1 pv myöhässä)\n" +
		"\nMerkitään tiedoksi ja pyydetään vastuuhenkilöitä hoitamaan viestintä ja kuittaamaan se tehdyksi."
	thenEvents(t, got, nil,
		&v1.MeetingOpened{MeetingId: meetMarch, OpenedAt: openedAt, Attendance: attendance(), Lawful: true, Quorate: true},
		decided(std[v1.StandardItem_STANDARD_ITEM_OPENING], 3, noted, openingText),
		decided(std[v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM], 4, noted, legalityText),
		&v1.ItemAdded{ItemId: added.GetItemId(), MeetingId: meetMarch, Item: &v1.AgendaItem{Title: "Viestintävastuiden seuranta",
			Proposal: proposal, Openness: v1.Openness_OPENNESS_PUBLIC, Origin: v1.ItemOrigin_ITEM_ORIGIN_STANDARD,
			Standard: v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES}})
	for k, id := range std {
		if id == added.GetItemId() || added.GetItemId() == "" {
			t.Fatalf("the standing item has the id %q of %v", added.GetItemId(), k)
		}
	}
	again, _ := febDecided(t, overdueHistory(t, true)...).Open(meetMarch, openedAt, attendance(), true, true, commGroup(t))
	if len(again) != 4 || again[3].(*v1.ItemAdded).GetItemId() != added.GetItemId() {
		t.Errorf("a replayed opening names the standing item differently: %v", again)
	}

	// Not a closing item: it goes before "Muut asiat", and items added
	// later go after it, still before the closing items.
	applyDecided(t, s, got, nil)
	thenAgenda(t, s, meetMarch, around("a1", "RESPONSIBILITIES"))
	do(t, s)(s.AddItem("a5", meetMarch, agendaItem("Lisäasia"), false, "", "2026-03-12"))
	thenAgenda(t, s, meetMarch, around("a1", "RESPONSIBILITIES", "a5"))
	if it := mustItem(t, s, added.GetItemId()); it.Section != 0 {
		t.Errorf("the standing item was decided at the opening as § %d; the meeting decides it", it.Section)
	}
	if n := len(s.Overdue("2026-03-12")); n != 5 {
		t.Errorf("Overdue(2026-03-12) lists %d, want 5", n)
	}
}

func TestOpenWithoutOverdueResponsibilitiesAddsNoStandingItem(t *testing.T) {
	s := febDecided(t, overdueHistory(t, false)...)
	std := stdIDs(t, meetMarch)
	got, err := s.Open(meetMarch, openedAt, attendance(), true, true, commGroup(t))
	thenEvents(t, got, err,
		&v1.MeetingOpened{MeetingId: meetMarch, OpenedAt: openedAt, Attendance: attendance(), Lawful: true, Quorate: true},
		decided(std[v1.StandardItem_STANDARD_ITEM_OPENING], 3, noted, openingText),
		decided(std[v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM], 4, noted, legalityText))
	applyDecided(t, s, got, nil)
	thenAgenda(t, s, meetMarch, around("a1"))
	if o := s.Overdue("2026-03-12"); len(o) != 0 {
		t.Errorf("Overdue(2026-03-12) = %v, want none", o)
	}
	// The day after, r-today is late.
	if o := s.Overdue("2026-03-13"); len(o) != 1 || o[0].ID != "r-today" {
		t.Errorf("Overdue(2026-03-13) = %v, want r-today", o)
	}
}

// ---- Assign ----

func TestAssign(t *testing.T) {
	tests := []struct {
		name     string
		audience *v1.Audience
	}{
		{"families", toFamilies()},
		{"a child group", toChild(localID)},
		{"an organisation", toOrganisation("Tampereen kaupunki")},
		{"a municipality's services", &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES, Municipality: "837"}},
		{"the public", &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t)
			got, err := s.Assign(domain.AssignResponsibility{ID: "r2", ItemID: "c1", MembershipID: memberC, DueOn: "2026-03-31", Audience: tt.audience}, commGroup(t))
			thenEvents(t, got, err, respAssigned("r2", "c1", memberC, "2026-03-31", tt.audience))
			applyDecided(t, s, got, nil)
			r := mustResp(t, s, "r2")
			if r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED || r.MembershipID != memberC || r.DueOn != "2026-03-31" || !proto.Equal(r.Audience, tt.audience) {
				t.Errorf("state after the assignment: %+v", r)
			}
		})
	}
}

func TestAssignRefused(t *testing.T) {
	ok := func() domain.AssignResponsibility {
		return domain.AssignResponsibility{ID: "r2", ItemID: "c1", MembershipID: memberC, DueOn: "2026-03-31", Audience: toFamilies()}
	}
	tests := []struct {
		name  string
		edit  func(*domain.AssignResponsibility)
		code  domain.Code
		field string
	}{
		{"an id already used", func(c *domain.AssignResponsibility) { c.ID = "r1" }, domain.CodeAlreadyExists, "responsibility_id"},
		{"no id", func(c *domain.AssignResponsibility) { c.ID = "" }, domain.CodeAlreadyExists, "responsibility_id"},
		{"an item of no meeting of the group", func(c *domain.AssignResponsibility) { c.ItemID = "ei-ole" }, domain.CodeNotFound, "item_id"},
		{"an undecided item", func(c *domain.AssignResponsibility) { c.ItemID = "c2" }, domain.CodeFailedPrecondition, "item_id"},
		{"not a member", func(c *domain.AssignResponsibility) { c.MembershipID = "vieras" }, domain.CodeNotFound, "membership_id"},
		{"a member whose seat ended", func(c *domain.AssignResponsibility) { c.MembershipID = endedM }, domain.CodeFailedPrecondition, "membership_id"},
		{"no audience", func(c *domain.AssignResponsibility) { c.Audience = nil }, domain.CodeInvalid, "audience"},
		{"audience of no kind", func(c *domain.AssignResponsibility) { c.Audience = &v1.Audience{Channel: "x"} }, domain.CodeInvalid, "audience.kind"},
		{"audience of an unknown kind", func(c *domain.AssignResponsibility) { c.Audience = &v1.Audience{Kind: 42} }, domain.CodeInvalid, "audience.kind"},
		{"child group without its id", func(c *domain.AssignResponsibility) { c.Audience = toChild("") }, domain.CodeInvalid, "audience.group_id"},
		{"child group by name", func(c *domain.AssignResponsibility) { c.Audience = toChild("Nokia") }, domain.CodeInvalid, "audience.group_id"},
		{"organisation without a name", func(c *domain.AssignResponsibility) { c.Audience = toOrganisation(" ") }, domain.CodeInvalid, "audience.organisation"},
		{"organisation with an identity code", func(c *domain.AssignResponsibility) { c.Audience = toOrganisation("Perhe " + validHetu) }, domain.CodeInvalid, "audience.organisation"},
		{"municipality by name", func(c *domain.AssignResponsibility) {
			c.Audience = &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES, Municipality: "Tampere"}
		}, domain.CodeInvalid, "audience.municipality"},
		{"families without a channel", func(c *domain.AssignResponsibility) {
			c.Audience = &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES}
		}, domain.CodeInvalid, "audience.channel"},
		{"a channel with an identity code", func(c *domain.AssignResponsibility) {
			c.Audience = &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC, Channel: "tekstiviesti " + validHetu}
		}, domain.CodeInvalid, "audience.channel"},
		{"no due date", func(c *domain.AssignResponsibility) { c.DueOn = "" }, domain.CodeInvalid, "due_on"},
		{"a due date in Finnish", func(c *domain.AssignResponsibility) { c.DueOn = "31.3.2026" }, domain.CodeInvalid, "due_on"},
		{"a due date that does not exist", func(c *domain.AssignResponsibility) { c.DueOn = "2026-02-30" }, domain.CodeInvalid, "due_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := ok()
			tt.edit(&cmd)
			got, err := febDecided(t).Assign(cmd, commGroup(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- Reassign and Waive ----

func TestReassign(t *testing.T) {
	tests := []struct {
		name, member, due string
		want              *v1.ResponsibilityReassigned
	}{
		{"to another member", memberC, "", &v1.ResponsibilityReassigned{ResponsibilityId: "r1", MembershipId: memberC, DueOn: "2026-03-01", Reason: "lomalla"}},
		{"a later due date", "", "2026-03-15", &v1.ResponsibilityReassigned{ResponsibilityId: "r1", MembershipId: memberB, DueOn: "2026-03-15", Reason: "lomalla"}},
		{"both", secretaryM, "2026-03-15", &v1.ResponsibilityReassigned{ResponsibilityId: "r1", MembershipId: secretaryM, DueOn: "2026-03-15", Reason: "lomalla"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t)
			got, err := s.Reassign("r1", tt.member, tt.due, "lomalla", commGroup(t))
			thenEvents(t, got, err, tt.want)
			applyDecided(t, s, got, nil)
			r := mustResp(t, s, "r1")
			if r.MembershipID != tt.want.GetMembershipId() || r.DueOn != tt.want.GetDueOn() || r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED {
				t.Errorf("state after the reassignment: %+v", r)
			}
		})
	}
}

func TestReassignMovesItOffTheOverdueList(t *testing.T) {
	s := febDecided(t)
	if o := s.Overdue("2026-03-10"); len(o) != 1 || o[0].ID != "r1" {
		t.Fatalf("Overdue(2026-03-10) = %v, want r1", o)
	}
	do(t, s)(s.Reassign("r1", "", "2026-03-31", "", commGroup(t)))
	if o := s.Overdue("2026-03-10"); len(o) != 0 {
		t.Errorf("Overdue(2026-03-10) after moving the due date to 2026-03-31 = %v", o)
	}
}

func TestReassignToTheSameDecidesNothing(t *testing.T) {
	for _, c := range [][2]string{{memberB, ""}, {"", "2026-03-01"}, {memberB, "2026-03-01"}} {
		got, err := febDecided(t).Reassign("r1", c[0], c[1], "", commGroup(t))
		thenEvents(t, got, err)
	}
}

func TestReassignRefused(t *testing.T) {
	tests := []struct {
		name, id, member, due, reason string
		code                          domain.Code
		field                         string
	}{
		{"unknown responsibility", "ei-ole", memberC, "", "", domain.CodeNotFound, "responsibility_id"},
		{"done", "r-done", memberC, "", "", domain.CodeFailedPrecondition, "responsibility_id"},
		{"waived", "r-waived", memberC, "", "", domain.CodeFailedPrecondition, "responsibility_id"},
		{"neither a member nor a date", "r1", "", "", "syy", domain.CodeInvalid, "membership_id"},
		{"not a member", "r1", "vieras", "", "", domain.CodeNotFound, "membership_id"},
		{"a member whose seat ended", "r1", endedM, "", "", domain.CodeFailedPrecondition, "membership_id"},
		{"a date that is not a date", "r1", "", "ensi kuussa", "", domain.CodeInvalid, "due_on"},
		{"an identity code in the reason", "r1", memberC, "", "sairausloma, " + validHetu, domain.CodeInvalid, "reason"},
		{"a reason too long", "r1", memberC, "", strings.Repeat("x", 1001), domain.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t, respAssigned("r-done", "c1", memberB, "2026-03-01", toFamilies()), respDone("r-done", "2026-02-20", memberB),
				respAssigned("r-waived", "c1", memberB, "2026-03-01", toFamilies()), &v1.ResponsibilityWaived{ResponsibilityId: "r-waived", Reason: "ei tarpeen"})
			got, err := s.Reassign(tt.id, tt.member, tt.due, tt.reason, commGroup(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestWaive(t *testing.T) {
	s := febDecided(t, respProposed("rp", "c1", reprLocal, "2026-03-14", toChild(localID)))
	for _, id := range []string{"r1", "rp"} { // assigned and proposed ones alike
		got, err := s.Waive(id, "asia tiedotettiin jo toista kautta")
		thenEvents(t, got, err, &v1.ResponsibilityWaived{ResponsibilityId: id, Reason: "asia tiedotettiin jo toista kautta"})
		applyDecided(t, s, got, nil)
		r := mustResp(t, s, id)
		if r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED || r.WaivedReason != "asia tiedotettiin jo toista kautta" || r.Open() {
			t.Errorf("state after waiving %s: %+v", id, r)
		}
	}
	if o := s.Overdue("2026-12-31"); len(o) != 0 {
		t.Errorf("waived responsibilities are overdue: %v", o)
	}
}

func TestWaiveRefused(t *testing.T) {
	tests := []struct {
		name, id, reason string
		code             domain.Code
		field            string
	}{
		{"unknown responsibility", "ei-ole", "syy", domain.CodeNotFound, "responsibility_id"},
		{"done", "r-done", "syy", domain.CodeFailedPrecondition, "responsibility_id"},
		{"waived twice", "r-waived", "syy", domain.CodeFailedPrecondition, "responsibility_id"},
		{"no reason", "r1", "", domain.CodeInvalid, "reason"},
		{"a blank reason", "r1", "  ", domain.CodeInvalid, "reason"},
		{"an identity code in the reason", "r1", "perhe " + validHetu + " muutti", domain.CodeInvalid, "reason"},
		{"a reason too long", "r1", strings.Repeat("x", 1001), domain.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t, respAssigned("r-done", "c1", memberB, "2026-03-01", toFamilies()), respDone("r-done", "2026-02-20", memberB),
				respAssigned("r-waived", "c1", memberB, "2026-03-01", toFamilies()), &v1.ResponsibilityWaived{ResponsibilityId: "r-waived", Reason: "ei tarpeen"})
			got, err := s.Waive(tt.id, tt.reason)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- MarkDone ----

func TestMarkDone(t *testing.T) {
	tests := []struct{ name, by, on string }{
		{"by the member responsible", memberB, "2026-02-27"},
		{"by the group's secretary", secretaryM, "2026-02-27"},
		{"by the group's chair", chairM, "2026-02-27"},
		{"late, today", memberB, "2026-03-20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t)
			done := respDone("r1", tt.on, tt.by)
			got, err := s.MarkDone(done, commGroup(t), "2026-03-20")
			thenEvents(t, got, err, done)
			if len(got) == 1 && got[0] == done {
				t.Error("the event is the command's message itself; a caller changing it would change the event")
			}
			applyDecided(t, s, got, nil)
			r := mustResp(t, s, "r1")
			if r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE || !proto.Equal(r.Done, done) || r.Open() || r.Overdue("2026-12-31") {
				t.Errorf("state after marking it done: %+v", r)
			}
		})
	}
}

func TestMarkDoneWithoutNoteOrLink(t *testing.T) {
	done := &v1.ResponsibilityDone{ResponsibilityId: "r1", DoneOn: "2026-02-27", Channel: "vanhempainilta", ByMembershipId: memberB}
	got, err := febDecided(t).MarkDone(done, commGroup(t), "2026-03-20")
	thenEvents(t, got, err, done)
}

func TestMarkDoneRefused(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*v1.ResponsibilityDone)
		code  domain.Code
		field string
	}{
		{"by another member", func(d *v1.ResponsibilityDone) { d.ByMembershipId = memberC }, domain.CodePermissionDenied, "by_membership_id"},
		{"by a representative who is not responsible", func(d *v1.ResponsibilityDone) { d.ByMembershipId = reprLocal }, domain.CodePermissionDenied, "by_membership_id"},
		{"by nobody", func(d *v1.ResponsibilityDone) { d.ByMembershipId = "" }, domain.CodeNotFound, "by_membership_id"},
		{"by someone not in the group", func(d *v1.ResponsibilityDone) { d.ByMembershipId = "vieras" }, domain.CodeNotFound, "by_membership_id"},
		{"by a member whose seat ended", func(d *v1.ResponsibilityDone) { d.ByMembershipId = endedM }, domain.CodeFailedPrecondition, "by_membership_id"},
		{"no date", func(d *v1.ResponsibilityDone) { d.DoneOn = "" }, domain.CodeInvalid, "done_on"},
		{"a date in Finnish", func(d *v1.ResponsibilityDone) { d.DoneOn = "27.2.2026" }, domain.CodeInvalid, "done_on"},
		{"tomorrow", func(d *v1.ResponsibilityDone) { d.DoneOn = "2026-03-21" }, domain.CodeInvalid, "done_on"},
		{"no channel", func(d *v1.ResponsibilityDone) { d.Channel = "" }, domain.CodeInvalid, "channel"},
		{"a blank channel", func(d *v1.ResponsibilityDone) { d.Channel = "   " }, domain.CodeInvalid, "channel"},
		{"an identity code in the note", func(d *v1.ResponsibilityDone) { d.Note = "Soitettu perheelle " + validHetu }, domain.CodeInvalid, "note"},
		{"a link that is no web address", func(d *v1.ResponsibilityDone) { d.Link = "perhekeskus.fi/tiedote" }, domain.CodeInvalid, "link"},
		{"an ftp link", func(d *v1.ResponsibilityDone) { d.Link = "ftp://perhekeskus.fi/tiedote" }, domain.CodeInvalid, "link"},
		{"unknown responsibility", func(d *v1.ResponsibilityDone) { d.ResponsibilityId = "ei-ole" }, domain.CodeNotFound, "responsibility_id"},
		{"before the meeting that decided it", func(d *v1.ResponsibilityDone) { d.DoneOn = "2026-02-01" }, domain.CodeInvalid, "done_on"},
		{"done twice", func(d *v1.ResponsibilityDone) { d.ResponsibilityId = "r-done" }, domain.CodeFailedPrecondition, "responsibility_id"},
		{"waived", func(d *v1.ResponsibilityDone) { d.ResponsibilityId = "r-waived" }, domain.CodeFailedPrecondition, "responsibility_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := febDecided(t, respAssigned("r-done", "c1", memberB, "2026-03-01", toFamilies()), respDone("r-done", "2026-02-20", memberB),
				respAssigned("r-waived", "c1", memberB, "2026-03-01", toFamilies()), &v1.ResponsibilityWaived{ResponsibilityId: "r-waived", Reason: "ei tarpeen"})
			done := respDone("r1", "2026-02-27", memberB)
			tt.edit(done)
			got, err := s.MarkDone(done, commGroup(t), "2026-03-20")
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestMarkDoneTwiceInARow(t *testing.T) {
	s := febDecided(t)
	do(t, s)(s.MarkDone(respDone("r1", "2026-02-27", memberB), commGroup(t), "2026-03-20"))
	got, err := s.MarkDone(respDone("r1", "2026-02-28", chairM), commGroup(t), "2026-03-20")
	thenError(t, got, err, domain.CodeFailedPrecondition, "responsibility_id")
	if r := mustResp(t, s, "r1"); r.Done.GetDoneOn() != "2026-02-27" || r.Done.GetByMembershipId() != memberB {
		t.Errorf("the first record changed: %v", r.Done)
	}
}

// ---- Upward asks: BringUp ----

const (
	meetDec  = "kokous-2026-12"
	decStart = "2026-12-10T13:00:00+02:00" // proposals close 7 days before: 2026-12-03
)

func bringUpState(t *testing.T, more ...proto.Message) *domain.Meetings {
	t.Helper()
	return givenMeetings(t, history(withStandard(t, meetDec, decStart), more)...)
}

func broughtItem() *v1.AgendaItem {
	it := agendaItem("Nokian perhekeskuksen kysymys kotipalvelusta")
	it.Origin = v1.ItemOrigin_ITEM_ORIGIN_MEMBER // the service sets its own origin
	return it
}

func TestBringUpNothing(t *testing.T) {
	s := bringUpState(t)
	got, err := s.BringUp(meetDec, reprLocal, "", nil, commGroup(t), "2026-11-24")
	thenEvents(t, got, err, &v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID})
	applyDecided(t, s, got, nil)
	if a, ok := s.Answers(meetDec)[reprLocal]; !ok || len(a) != 0 {
		t.Errorf("answers after nothing: %v", s.Answers(meetDec))
	}
	// Saying nothing again decides nothing.
	got, err = s.BringUp(meetDec, reprLocal, "", nil, commGroup(t), "2026-11-25")
	thenEvents(t, got, err)

	// Something after all: the item replaces the "nothing".
	do(t, s)(s.BringUp(meetDec, reprLocal, "u1", broughtItem(), commGroup(t), "2026-11-26"))
	if a := s.Answers(meetDec)[reprLocal]; !slices.Equal(a, []string{"u1"}) {
		t.Errorf("answers after the item: %v", s.Answers(meetDec))
	}
}

func TestBringUpItem(t *testing.T) {
	s := bringUpState(t, itemAdded("d1", meetDec))
	got, err := s.BringUp(meetDec, reprLocal, "u1", broughtItem(), commGroup(t), "2026-12-03") // on the deadline day
	want := broughtItem()
	want.Origin = v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE
	thenEvents(t, got, err, &v1.ItemAdded{ItemId: "u1", MeetingId: meetDec, Item: want},
		&v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID, ItemId: "u1"})
	applyDecided(t, s, got, nil)
	thenAgenda(t, s, meetDec, around("d1", "u1"))
	if o := mustItem(t, s, "u1").Item.GetOrigin(); o != v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE {
		t.Errorf("origin %v", o)
	}

	// A second item is welcome; "nothing" after an item is not.
	do(t, s)(s.BringUp(meetDec, reprLocal, "u2", broughtItem(), commGroup(t), "2026-12-03"))
	if a := s.Answers(meetDec)[reprLocal]; !slices.Equal(a, []string{"u1", "u2"}) {
		t.Errorf("answers after two items: %v", a)
	}
	got, err = s.BringUp(meetDec, reprLocal, "", nil, commGroup(t), "2026-12-03")
	thenError(t, got, err, domain.CodeFailedPrecondition, "item")
}

func TestBringUpWithoutDeadline(t *testing.T) {
	s := givenMeetings(t, &v1.MeetingScheduled{MeetingId: meetDec, StartsAt: decStart, Place: tampere})
	got, err := s.BringUp(meetDec, reprLocal, "u1", broughtItem(), commGroup(t), "2026-12-09")
	if err != nil || len(got) != 2 {
		t.Fatalf("a meeting without a deadline takes asks until it opens: %v %v", got, err)
	}
}

func TestBringUpRefused(t *testing.T) {
	withTitle := func(title string) *v1.AgendaItem { it := broughtItem(); it.Title = title; return it }
	standard := broughtItem()
	standard.Standard = v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS
	badVoice := broughtItem()
	badVoice.FamilyVoiceIds = []string{"palaute-1"}
	const (
		onTime = "2026-11-24"
		late   = "2026-12-04"
	)
	tests := []struct {
		name, meeting, member, itemID string
		item                          *v1.AgendaItem
		today                         string
		code                          domain.Code
		field                         string
	}{
		{"after the deadline", meetDec, reprLocal, "u1", broughtItem(), late, domain.CodeFailedPrecondition, "meeting_id"},
		{"nothing, after the deadline", meetDec, reprLocal, "", nil, late, domain.CodeFailedPrecondition, "meeting_id"},
		{"a member who represents no group", meetDec, memberB, "u1", broughtItem(), onTime, domain.CodeFailedPrecondition, "membership_id"},
		{"the chair", meetDec, chairM, "", nil, onTime, domain.CodeFailedPrecondition, "membership_id"},
		{"a representative whose seat ended", meetDec, reprEnded, "", nil, onTime, domain.CodeFailedPrecondition, "membership_id"},
		{"not a member", meetDec, "vieras", "", nil, onTime, domain.CodeNotFound, "membership_id"},
		{"unknown meeting", "kokous-ei-ole", reprLocal, "u1", broughtItem(), onTime, domain.CodeNotFound, "meeting_id"},
		{"an open meeting", mOpen, reprLocal, "u1", broughtItem(), "2026-04-01", domain.CodeFailedPrecondition, "meeting_id"},
		{"an approved agenda", mApproved, reprLocal, "u1", broughtItem(), "2026-04-01", domain.CodeFailedPrecondition, "meeting_id"},
		{"a closed meeting", mClosed, reprLocal, "", nil, "2026-02-01", domain.CodeFailedPrecondition, "meeting_id"},
		{"a cancelled meeting", mCancelled, reprLocal, "", nil, "2026-01-01", domain.CodeFailedPrecondition, "meeting_id"},
		{"an item id already used", meetDec, reprLocal, "d1", broughtItem(), onTime, domain.CodeAlreadyExists, "item_id"},
		{"an item without an id", meetDec, reprLocal, "", broughtItem(), onTime, domain.CodeAlreadyExists, "item_id"},
		{"an item without a title", meetDec, reprLocal, "u1", withTitle(" "), onTime, domain.CodeInvalid, "item.title"},
		{"an identity code in the title", meetDec, reprLocal, "u1", withTitle("Perhe " + validHetu), onTime, domain.CodeInvalid, "item.title"},
		{"a standard item", meetDec, reprLocal, "u1", standard, onTime, domain.CodeInvalid, "item.standard"},
		{"a voice that is not an id", meetDec, reprLocal, "u1", badVoice, onTime, domain.CodeInvalid, "item.family_voice_ids[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := everyState(t)
			for _, ev := range history(withStandard(t, meetDec, decStart), itemAdded("d1", meetDec)) {
				if err := s.Apply(ev); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.BringUp(tt.meeting, tt.member, tt.itemID, tt.item, commGroup(t), tt.today)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- AddItem: representatives' items are the service's ----

func TestAddItemRefusesRepresentativeOrigin(t *testing.T) {
	item := agendaItem("Edustajan asia")
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE
	got, err := bringUpState(t).AddItem("e1", meetDec, item, false, "", "2026-11-24")
	thenError(t, got, err, domain.CodeInvalid, "item.origin")
}

// ---- Apply and Clone ----

func TestCommunicationApplyRefusesUnknownResponsibilities(t *testing.T) {
	for _, ev := range []proto.Message{
		&v1.ResponsibilitiesConfirmed{ResponsibilityIds: []string{"r1", "ei-ole"}},
		&v1.ResponsibilityReassigned{ResponsibilityId: "ei-ole", MembershipId: memberC},
		&v1.ResponsibilityWaived{ResponsibilityId: "ei-ole", Reason: "x"},
		respDone("ei-ole", "2026-02-27", memberB),
	} {
		if err := febDecided(t).Apply(ev); err == nil {
			t.Errorf("Apply(%T %v) folded an event about a responsibility that does not exist", ev, ev)
		}
	}
}

func TestCommunicationCloneIsolatesApply(t *testing.T) {
	s := bringUpState(t, respAssigned("r1", "x", memberB, "2026-03-01", toFamilies()),
		&v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID, ItemId: "u1"})
	c := s.Clone()
	for _, ev := range []proto.Message{
		&v1.ResponsibilityReassigned{ResponsibilityId: "r1", MembershipId: memberC, DueOn: "2026-03-31"},
		respDone("r1", "2026-02-27", memberC),
		respAssigned("r2", "x", memberB, "2026-03-01", toFamilies()),
		&v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID, ItemId: "u2"},
		&v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal2, RepresentsGroupId: localID},
	} {
		if err := c.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	if r := mustResp(t, s, "r1"); r.MembershipID != memberB || r.DueOn != "2026-03-01" || r.State != v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED || r.Done != nil {
		t.Errorf("the original's r1 changed: %+v", r)
	}
	if _, ok := s.Responsibility("r2"); ok {
		t.Error("the original sees r2")
	}
	if a := s.Answers(meetDec); len(a) != 1 || !slices.Equal(a[reprLocal], []string{"u1"}) {
		t.Errorf("the original's answers changed: %v", a)
	}
	if a := c.Answers(meetDec); len(a) != 2 || !slices.Equal(a[reprLocal], []string{"u1", "u2"}) {
		t.Errorf("the clone's answers: %v", a)
	}
}

func TestCommunicationCloneAnswersWithSpareCapacity(t *testing.T) {
	// Three items make a slice with room for a fourth: two clones each
	// adding one must not write into the same spare slot.
	var answers []proto.Message
	for _, id := range []string{"u1", "u2", "u3"} {
		answers = append(answers, &v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID, ItemId: id})
	}
	s := bringUpState(t, answers...)
	a, b := s.Clone(), s.Clone()
	for c, id := range map[*domain.Meetings]string{a: "u4", b: "u5"} {
		if err := c.Apply(&v1.UpwardAnswered{MeetingId: meetDec, MembershipId: reprLocal, RepresentsGroupId: localID, ItemId: id}); err != nil {
			t.Fatal(err)
		}
	}
	if got := a.Answers(meetDec)[reprLocal]; !slices.Equal(got, []string{"u1", "u2", "u3", "u4"}) {
		t.Errorf("first clone's answers %v", got)
	}
	if got := b.Answers(meetDec)[reprLocal]; !slices.Equal(got, []string{"u1", "u2", "u3", "u5"}) {
		t.Errorf("second clone's answers %v", got)
	}
	if got := s.Answers(meetDec)[reprLocal]; !slices.Equal(got, []string{"u1", "u2", "u3"}) {
		t.Errorf("the original's answers %v", got)
	}
}

func TestCorrectDecisionProposesWhatTheDecisionWouldHave(t *testing.T) {
	s := febDecided(t)
	d := &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.", Affects: &v1.Affects{GroupIds: []string{localID}}}
	got, err := s.CorrectDecision("c1", d, "Päätös koskee myös paikallista ryhmää.", commGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("decided %d events, want the correction and one proposal: %v", len(got), got)
	}
	p, ok := got[1].(*v1.ResponsibilityAssigned)
	if !ok || !p.GetProposed() || p.GetMembershipId() != reprLocal || p.GetAudience().GetGroupId() != localID || p.GetDueOn() != "2026-03-14" {
		t.Fatalf("proposal %v, want the local group's representative, due 30 days after the meeting", got[1])
	}
	// Corrected again, the proposal already made is not made twice.
	s = febDecided(t, got...)
	again, err := s.CorrectDecision("c1", d, "Tarkennus.", commGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 {
		t.Fatalf("a second correction decided %d events, want only the correction: %v", len(again), again)
	}
}

// openedOn opens meeting id at the time it was scheduled for.
func openedOn(id, at string) *v1.MeetingOpened {
	e := meetingOpened(id)
	e.OpenedAt = at
	return e
}
