package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// The agenda tests use the meetings of meetings_test.go; meetings scheduled
// with Schedule carry their standard items.
const (
	meetApril  = "kokous-2026-04"
	aprilStart = "2026-04-16T13:00:00+03:00"
	tampere    = "Tampere-talo, kokoushuone 2" // the place of meetingScheduled
)

// history joins events and lists of events into one past.
func history(parts ...any) []proto.Message {
	var out []proto.Message
	for _, p := range parts {
		switch p := p.(type) {
		case proto.Message:
			out = append(out, p)
		case []proto.Message:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("history: %T", p))
		}
	}
	return out
}

// withStandard is the events of scheduling meeting id at startsAt in
// tampere, closing proposals 7 days before, with its standard items as
// Schedule decides them.
func withStandard(t *testing.T, id, startsAt string) []proto.Message {
	t.Helper()
	got, err := domain.NewMeetings(regID).Schedule(domain.ScheduleMeeting{MeetingID: id, StartsAt: startsAt, Place: tampere, DeadlineDays: 7}, meetingGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// stdIDs are the ids of meeting id's standard items by kind; Schedule
// derives them from the meeting id.
func stdIDs(t *testing.T, meetingID string) map[v1.StandardItem]string {
	t.Helper()
	ids := map[v1.StandardItem]string{}
	for _, ev := range withStandard(t, meetingID, marchStart)[1:] {
		a := ev.(*v1.ItemAdded)
		ids[a.GetItem().GetStandard()] = a.GetItemId()
	}
	return ids
}

// agenda is meeting id's agenda in order: an ordinary item by its id, a
// standard one by its kind without the prefix (OPENING, ..., CLOSING).
func agenda(t *testing.T, s *domain.Meetings, id string) []string {
	t.Helper()
	var out []string
	for _, itemID := range mustMeeting(t, s, id).Items {
		if k := mustItem(t, s, itemID).Standard(); k != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
			out = append(out, strings.TrimPrefix(k.String(), "STANDARD_ITEM_"))
		} else {
			out = append(out, itemID)
		}
	}
	return out
}

// around is the agenda of a formal-minutes meeting with the ordinary items
// ids between its opening and closing standard items.
func around(ids ...string) []string {
	return slices.Concat([]string{"OPENING", "LEGALITY_AND_QUORUM", "MINUTES_CHECKERS", "AGENDA_APPROVAL"}, ids,
		[]string{"OTHER_MATTERS", "NEXT_MEETING", "CLOSING"})
}

func thenAgenda(t *testing.T, s *domain.Meetings, meetingID string, want []string) {
	t.Helper()
	if got := agenda(t, s, meetingID); !slices.Equal(got, want) {
		t.Errorf("agenda of %s:\n got %v\nwant %v", meetingID, got, want)
	}
}

// decided is the decision the service records on a standard item.
func decided(itemID string, section uint32, outcome v1.Outcome, text string) *v1.DecisionRecorded {
	return &v1.DecisionRecorded{ItemId: itemID, Section: section, Decision: &v1.Decision{Outcome: outcome, Text: text}}
}

const (
	noted    = v1.Outcome_OUTCOME_NOTED
	approved = v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED

	openingText  = "Puheenjohtaja avasi kokouksen klo 13.05."
	legalityText = "Kokous todettiin laillisesti koolle kutsutuksi ja päätösvaltaiseksi."
	approvalText = "Esityslista hyväksyttiin kokouksen työjärjestykseksi."
	checkersText = "Pöytäkirjantarkastajiksi valittiin kaksi kokouksessa läsnä olevaa jäsentä."
	noMatters    = "Muita asioita ei ollut."
	closingText  = "Puheenjohtaja päätti kokouksen klo 15.10."
	notYetKnown  = "Seuraavan kokouksen ajankohta ilmoitetaan myöhemmin."

	openedAt = "2026-03-12T13:05:00+02:00"
	closedAt = "2026-03-12T15:10:00+02:00"
)

// lineageFrom is where an item sent from item from came from.
func lineageFrom(from string, d v1.Direction) *v1.Lineage {
	return &v1.Lineage{FromGroupId: localID, FromItemId: from, Direction: d, SentAt: "2026-02-20T10:00:00+02:00",
		Note: "Perheiden palautteessa toistuva asia."}
}

// pendingItem is an item escalated from the local group's item from and not
// yet on any agenda.
func pendingItem(id, from string) *v1.ItemAdded {
	item := agendaItem("Ylös viety asia " + id)
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED
	return &v1.ItemAdded{ItemId: id, Item: item, Lineage: lineageFrom(from, v1.Direction_DIRECTION_UP)}
}

// do folds what a command decided into s.
func do(t *testing.T, s *domain.Meetings) func([]proto.Message, error) {
	return func(got []proto.Message, err error) {
		t.Helper()
		applyDecided(t, s, got, err)
	}
}

// ---- Standard items decided by the procedural commands ----

func TestOpenDecidesOpeningAndQuorum(t *testing.T) {
	// An earlier 2026 meeting took § 1-5, a 2027 meeting § 1.
	s := givenMeetings(t, history(
		meetingScheduled(mClosed, "2026-02-12T13:00:00+02:00"), itemAdded("c1", mClosed), meetingOpened(mClosed), agendaApproved(mClosed),
		decisionRecorded("c1", 5), meetingClosed(mClosed),
		meetingScheduled(meetFeb27, feb27Start), itemAdded("f1", meetFeb27), meetingOpened(meetFeb27), agendaApproved(meetFeb27),
		decisionRecorded("f1", 1),
		withStandard(t, meetMarch, marchStart), itemAdded("a1", meetMarch))...)
	std := stdIDs(t, meetMarch)

	got, err := s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t))
	thenEvents(t, got, err,
		&v1.MeetingOpened{MeetingId: meetMarch, OpenedAt: openedAt, Attendance: attendance(), Lawful: true, Quorate: true},
		decided(std[v1.StandardItem_STANDARD_ITEM_OPENING], 6, noted, openingText),
		decided(std[v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM], 7, noted, legalityText))
	applyDecided(t, s, got, nil)
	if s.LastSection(2026) != 7 || s.LastSection(2027) != 1 {
		t.Errorf("LastSection 2026 %d, 2027 %d; want 7 and 1", s.LastSection(2026), s.LastSection(2027))
	}
	for _, k := range []v1.StandardItem{v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS, v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL,
		v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS, v1.StandardItem_STANDARD_ITEM_NEXT_MEETING, v1.StandardItem_STANDARD_ITEM_CLOSING} {
		if it := mustItem(t, s, std[k]); it.Section != 0 {
			t.Errorf("opening decided %s as § %d", k, it.Section)
		}
	}
	if it := mustItem(t, s, "a1"); it.Section != 0 {
		t.Errorf("opening decided the ordinary item a1 as § %d", it.Section)
	}
}

func TestOpenMeetingWithoutStandardItemsDecidesNothingMore(t *testing.T) {
	// A meeting scheduled before meetings had standard items.
	s := givenMeetings(t, meetingScheduled(meetMarch, marchStart), itemAdded("a1", meetMarch))
	got, err := s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t))
	thenEvents(t, got, err, &v1.MeetingOpened{MeetingId: meetMarch, OpenedAt: openedAt, Attendance: attendance(), Lawful: true, Quorate: true})
}

func TestOpenSkipsWithdrawnStandardItem(t *testing.T) {
	std := stdIDs(t, meetMarch)
	s := givenMeetings(t, history(withStandard(t, meetMarch, marchStart), itemWithdrawn(std[v1.StandardItem_STANDARD_ITEM_OPENING]))...)
	got, err := s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t))
	thenEvents(t, got, err,
		&v1.MeetingOpened{MeetingId: meetMarch, OpenedAt: openedAt, Attendance: attendance(), Lawful: true, Quorate: true},
		decided(std[v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM], 1, noted, legalityText))
}

func TestApproveAgendaDecidesAgendaApproval(t *testing.T) {
	s := givenMeetings(t, history(withStandard(t, meetMarch, marchStart), itemAdded("a1", meetMarch))...)
	std := stdIDs(t, meetMarch)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t)))

	got, err := s.ApproveAgenda(meetMarch)
	thenEvents(t, got, err, &v1.AgendaApproved{MeetingId: meetMarch},
		decided(std[v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL], 3, approved, approvalText))
	applyDecided(t, s, got, nil)

	// Approving again decides nothing, neither the approval nor its item.
	got, err = s.ApproveAgenda(meetMarch)
	thenEvents(t, got, err)
	if s.LastSection(2026) != 3 {
		t.Errorf("LastSection(2026) = %d, want 3", s.LastSection(2026))
	}
}

func TestNameCheckersDecidesCheckersItem(t *testing.T) {
	s := givenMeetings(t, withStandard(t, meetMarch, marchStart)...)
	std := stdIDs(t, meetMarch)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t)))

	got, err := s.NameCheckers(meetMarch, []string{chairM, memberB})
	thenEvents(t, got, err, &v1.MinutesCheckersNamed{MeetingId: meetMarch, MembershipIds: []string{chairM, memberB}},
		decided(std[v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS], 3, approved, checkersText))
	applyDecided(t, s, got, nil)

	// Naming them again in another order changes the checkers, not the decision.
	got, err = s.NameCheckers(meetMarch, []string{memberB, chairM})
	thenEvents(t, got, err, &v1.MinutesCheckersNamed{MeetingId: meetMarch, MembershipIds: []string{memberB, chairM}})
	applyDecided(t, s, got, nil)
	got, err = s.NameCheckers(meetMarch, []string{memberB, chairM})
	thenEvents(t, got, err)
	if s.LastSection(2026) != 3 {
		t.Errorf("LastSection(2026) = %d, want 3", s.LastSection(2026))
	}
}

func TestNameCheckersInMemoGroupDecidesNoItem(t *testing.T) {
	g := meetingGroup(t)
	g.Mode = v1.GroupMode_GROUP_MODE_MEMO
	s := givenMeetings(t)
	do(t, s)(s.Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: tampere}, g))
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, g))
	got, err := s.NameCheckers(meetMarch, []string{chairM, memberB})
	thenEvents(t, got, err, &v1.MinutesCheckersNamed{MeetingId: meetMarch, MembershipIds: []string{chairM, memberB}})
}

func TestCloseDecidesClosingItems(t *testing.T) {
	std := stdIDs(t, meetMarch)
	tests := []struct {
		name   string
		others []proto.Message // the group's other meetings
		next   string
	}{
		{"no other meeting", nil, notYetKnown},
		{"the next scheduled meeting", history(meetingScheduled(meetFeb27, feb27Start), meetingScheduled(meetSept, septStart)),
			"Seuraava kokous pidetään 10.9.2026 klo 13.00, " + tampere + "."},
		{"a cancelled meeting is no next meeting", history(meetingScheduled(mCancelled, aprilStart), meetingCancelled(mCancelled),
			meetingScheduled(meetSept, septStart)),
			"Seuraava kokous pidetään 10.9.2026 klo 13.00, " + tampere + "."},
		{"only earlier, cancelled and closed meetings", history(
			meetingScheduled(mScheduled, "2026-02-12T13:00:00+02:00"),
			meetingScheduled(mCancelled, aprilStart), meetingCancelled(mCancelled),
			meetingScheduled(mClosed, "2026-01-15T13:00:00+02:00"), meetingOpened(mClosed), meetingClosed(mClosed)), notYetKnown},
		{"a video meeting", history(&v1.MeetingScheduled{MeetingId: meetSept, StartsAt: septStart, VideoLink: "https://meet.example.fi/ohjausryhma"}),
			"Seuraava kokous pidetään 10.9.2026 klo 13.00, etäkokous."},
		{"the next meeting in the next year", history(meetingScheduled(meetFeb27, feb27Start)),
			"Seuraava kokous pidetään 11.2.2027 klo 13.00, " + tampere + "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := givenMeetings(t, history(tt.others, withStandard(t, meetMarch, marchStart), itemAdded("a1", meetMarch))...)
			g := meetingGroup(t)
			do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, g))
			do(t, s)(s.ApproveAgenda(meetMarch))
			do(t, s)(s.Decide("a1", basicDecision(), g)) // § 4

			got, err := s.Close(meetMarch, closedAt)
			// The checkers were never named: their item stays undecided.
			thenEvents(t, got, err,
				decided(std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], 5, noted, noMatters),
				decided(std[v1.StandardItem_STANDARD_ITEM_NEXT_MEETING], 6, noted, tt.next),
				decided(std[v1.StandardItem_STANDARD_ITEM_CLOSING], 7, noted, closingText),
				&v1.MeetingClosed{MeetingId: meetMarch, ClosedAt: closedAt})
			applyDecided(t, s, got, nil)
			if m := mustMeeting(t, s, meetMarch); m.State != v1.MeetingState_MEETING_STATE_CLOSED {
				t.Errorf("state after closing: %v", m.State)
			}
		})
	}
}

// A meeting later the same day whose time is written with another offset
// is later, though its time sorts before as a string.
func TestCloseNextMeetingLaterTheSameDay(t *testing.T) {
	s := givenMeetings(t, history(meetingScheduled(meetSept, septStart),
		&v1.MeetingScheduled{MeetingId: "kokous-ilta", StartsAt: "2026-03-12T12:00:00Z", Place: "Kirjasto Metso"},
		withStandard(t, meetMarch, marchStart))...)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t)))
	got, err := s.Close(meetMarch, closedAt)
	if err != nil || len(got) != 4 {
		t.Fatalf("close: %v %v", got, err)
	}
	if next := got[1].(*v1.DecisionRecorded).GetDecision().GetText(); !strings.Contains(next, "12.3.2026") || !strings.Contains(next, "Kirjasto Metso") {
		t.Errorf("next meeting decided as %q, want the evening meeting of 12.3.2026", next)
	}
}

func TestCloseLeavesDecidedAndWithdrawnStandardItems(t *testing.T) {
	std := stdIDs(t, meetMarch)
	s := givenMeetings(t, history(withStandard(t, meetMarch, marchStart), itemAdded("a1", meetMarch))...)
	g := meetingGroup(t)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, g))
	do(t, s)(s.NameCheckers(meetMarch, []string{chairM, memberB}))
	do(t, s)(s.ApproveAgenda(meetMarch)) // § 1-4
	do(t, s)(s.WithdrawItem(std[v1.StandardItem_STANDARD_ITEM_NEXT_MEETING], "ei tiedossa"))
	// The secretary records what came up under "Muut asiat" by hand.
	other := &v1.Decision{Outcome: noted, Text: "Keskusteltiin perheiden palautteesta."}
	got, err := s.Decide(std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], other, g)
	thenEvents(t, got, err, &v1.DecisionRecorded{ItemId: std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], Section: 5, Decision: other})
	applyDecided(t, s, got, nil)
	do(t, s)(s.Decide("a1", basicDecision(), g)) // § 6

	got, err = s.Close(meetMarch, closedAt)
	thenEvents(t, got, err, decided(std[v1.StandardItem_STANDARD_ITEM_CLOSING], 7, noted, closingText),
		&v1.MeetingClosed{MeetingId: meetMarch, ClosedAt: closedAt})
	applyDecided(t, s, got, nil)
	if it := mustItem(t, s, std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS]); it.Section != 5 || !proto.Equal(it.Decision, other) {
		t.Errorf("other matters after closing: § %d %v", it.Section, it.Decision)
	}
	if it := mustItem(t, s, std[v1.StandardItem_STANDARD_ITEM_NEXT_MEETING]); it.Section != 0 || !it.Withdrawn {
		t.Errorf("withdrawn next-meeting item after closing: %+v", it)
	}
}

// A whole meeting through the commands: every item, standard or not, gets
// the next § in agenda order, without gaps, and the next meeting goes on.
func TestStandardItemsNumberedWithoutGaps(t *testing.T) {
	g := meetingGroup(t)
	s := givenMeetings(t)
	run := do(t, s)
	run(s.Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: tampere, DeadlineDays: 7}, g))
	run(s.Schedule(domain.ScheduleMeeting{MeetingID: meetSept, StartsAt: septStart, Place: tampere, DeadlineDays: 7}, g))
	run(s.AddItem("a1", meetMarch, agendaItem("Toimintasuunnitelma"), false, "", "2026-03-01"))
	proposal := agendaItem("Jäsenen ehdotus")
	proposal.Origin = v1.ItemOrigin_ITEM_ORIGIN_MEMBER
	run(s.AddItem("m1", meetMarch, proposal, false, "", "2026-03-05"))
	run(s.AddItem("a2", meetMarch, agendaItem("Talousarvio"), false, "", "2026-03-10"))
	run(s.Open(meetMarch, openedAt, attendance(), true, true, g))
	run(s.NameCheckers(meetMarch, []string{chairM, memberB}))
	run(s.ApproveAgenda(meetMarch))
	run(s.AddItem("u1", meetMarch, agendaItem("Kiireellinen asia"), true, "", "2026-03-12"))
	thenAgenda(t, s, meetMarch, around("a1", "m1", "a2", "u1"))
	for _, id := range []string{"a1", "m1", "a2", "u1"} {
		run(s.Decide(id, basicDecision(), g))
	}
	run(s.Close(meetMarch, closedAt))

	m := mustMeeting(t, s, meetMarch)
	for i, id := range m.Items {
		if it := mustItem(t, s, id); it.Section != uint32(i+1) {
			t.Errorf("item %d on the agenda (%s) has § %d, want § %d", i, agenda(t, s, meetMarch)[i], it.Section, i+1)
		}
	}
	if s.LastSection(2026) != uint32(len(m.Items)) || len(m.Items) != 11 {
		t.Errorf("LastSection(2026) = %d for %d items, want 11", s.LastSection(2026), len(m.Items))
	}
	next := mustItem(t, s, m.Items[9]).Decision.GetText()
	if !strings.Contains(next, "10.9.2026") || !strings.Contains(next, "klo 13.00") || !strings.Contains(next, tampere) {
		t.Errorf("next meeting decided as %q, want the date, time and place of the September meeting", next)
	}

	// The September meeting goes on from § 12.
	got, err := s.Open(meetSept, "2026-09-10T13:01:00+03:00", attendance(), true, true, g)
	if err != nil || len(got) != 3 || got[1].(*v1.DecisionRecorded).GetSection() != 12 || got[2].(*v1.DecisionRecorded).GetSection() != 13 {
		t.Errorf("opening the September meeting: %v %v", got, err)
	}
}

// ---- AddItem ----

func TestAddItemGoesBeforeClosingItems(t *testing.T) {
	s := givenMeetings(t, withStandard(t, meetMarch, marchStart)...)
	run := do(t, s)
	run(s.AddItem("a1", meetMarch, agendaItem("Asia 1"), false, "", ""))
	thenAgenda(t, s, meetMarch, around("a1"))
	run(s.AddItem("a2", meetMarch, agendaItem("Asia 2"), false, "", ""))
	thenAgenda(t, s, meetMarch, around("a1", "a2"))

	// So does an urgent item taken up in the meeting.
	run(s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t)))
	run(s.ApproveAgenda(meetMarch))
	run(s.AddItem("u1", meetMarch, agendaItem("Kiireellinen"), true, "", ""))
	thenAgenda(t, s, meetMarch, around("a1", "a2", "u1"))
}

func TestAddItemAgendaDeadline(t *testing.T) {
	const (
		member = v1.ItemOrigin_ITEM_ORIGIN_MEMBER
		family = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE
		indic  = v1.ItemOrigin_ITEM_ORIGIN_INDICATOR
		secr   = v1.ItemOrigin_ITEM_ORIGIN_SECRETARY
		unspec = v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
	)
	tests := []struct {
		name     string
		startsAt string
		days     uint32
		origin   v1.ItemOrigin
		today    string
		refused  bool
	}{
		// The March meeting closes proposals 7 days before, on 2026-03-05.
		{"member proposal a week before the deadline", marchStart, 7, member, "2026-02-26", false},
		{"member proposal on the deadline day", marchStart, 7, member, "2026-03-05", false},
		{"member proposal the day after the deadline", marchStart, 7, member, "2026-03-06", true},
		{"family voice on the deadline day", marchStart, 7, family, "2026-03-05", false},
		{"family voice after the deadline (the preparer brings it)", marchStart, 7, family, "2026-03-06", false},
		{"indicator after the deadline (the preparer brings it)", marchStart, 7, indic, "2026-03-11", false},
		{"indicator on the meeting day (the preparer brings it)", marchStart, 7, indic, "2026-03-12", false},
		{"secretary item after the deadline", marchStart, 7, secr, "2026-03-11", false},
		{"item of no origin (the secretary's) after the deadline", marchStart, 7, unspec, "2026-03-11", false},
		{"member proposal to a meeting without a deadline", marchStart, 0, member, "2026-03-11", false},
		{"deadline in the previous year", "2027-01-05T13:00:00+02:00", 7, member, "2026-12-30", true},
		{"deadline in the previous year, on the day", "2027-01-05T13:00:00+02:00", 7, member, "2026-12-29", false},
		{"deadline of 60 days", marchStart, 60, member, "2026-01-12", true},
		{"deadline of 60 days, on the day", marchStart, 60, member, "2026-01-11", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := givenMeetings(t, &v1.MeetingScheduled{MeetingId: meetMarch, StartsAt: tt.startsAt, Place: tampere, AgendaDeadlineDays: tt.days})
			item := agendaItem("Ehdotus")
			item.Origin = tt.origin
			got, err := s.AddItem("e1", meetMarch, item, false, "", tt.today)
			if tt.refused {
				thenError(t, got, err, domain.CodeFailedPrecondition, "meeting_id")
				return
			}
			want := proto.CloneOf(item)
			if want.Origin == unspec {
				want.Origin = secr
			}
			thenEvents(t, got, err, &v1.ItemAdded{ItemId: "e1", MeetingId: meetMarch, Item: want})
		})
	}
}

func TestAddItemRefusesServiceMadeItems(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*v1.AgendaItem)
		field string
	}{
		{"standard origin", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_STANDARD }, "item.origin"},
		{"annual-cycle origin", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_ANNUAL_CYCLE }, "item.origin"},
		{"escalated origin", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED }, "item.origin"},
		{"referred origin", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_REFERRED }, "item.origin"},
		// A hand-made "Muut asiat" would be decided by Close and pinned in
		// its place like the real one.
		{"a standard kind", func(it *v1.AgendaItem) { it.Standard = v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS }, "item.standard"},
		{"an unknown standard kind", func(it *v1.AgendaItem) { it.Standard = v1.StandardItem(42) }, "item.standard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := agendaItem("Asia")
			tt.edit(item)
			// Well before the deadline: the origin alone is refused.
			got, err := givenMeetings(t, withStandard(t, meetMarch, marchStart)...).AddItem("e1", meetMarch, item, false, "", "2026-02-01")
			thenError(t, got, err, domain.CodeInvalid, tt.field)
		})
	}
}

// ---- EditItem ----

// editState is everyState plus: s2 withdrawn on the scheduled meeting, p1
// decided and p2 undecided on the approved agenda, the pending item r1, and
// the September meeting with its standard items.
func editState(t *testing.T) *domain.Meetings {
	t.Helper()
	s := everyState(t)
	applyDecided(t, s, history(itemAdded("s2", mScheduled), itemWithdrawn("s2"),
		itemAdded("p2", mApproved), decisionRecorded("p1", 1),
		pendingItem("r1", "paikallinen-1"),
		withStandard(t, meetSept, septStart)), nil)
	return s
}

func TestEditItem(t *testing.T) {
	otherMatters := stdIDs(t, meetSept)[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS]
	tests := []struct {
		name, item string
		edit       func(*v1.AgendaItem)
		want       func(*v1.AgendaItem)
	}{
		{"new content, origin kept", "s1", func(it *v1.AgendaItem) {
			it.Title, it.Grounds, it.Origin = "Toimintasuunnitelma 2026–2027", "Suunnitelma kattaa kaksi vuotta.", v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
		}, func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_SECRETARY }},
		{"same origin given", "s1", func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_INTERNAL }, nil},
		{"made secret with its ground", "s1", func(it *v1.AgendaItem) {
			it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
		}, nil},
		{"pending received item", "r1", func(it *v1.AgendaItem) {
			it.Title, it.Origin = "Tarkennettu otsikko", v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
		},
			func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED }},
		{"standard item's proposal", otherMatters, func(it *v1.AgendaItem) {
			it.Title, it.Proposal, it.Origin = "Muut asiat", "Käsitellään perhekeskuksen tiedotteet.", v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
		}, func(it *v1.AgendaItem) {
			it.Origin, it.Standard = v1.ItemOrigin_ITEM_ORIGIN_STANDARD, v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := editState(t)
			item := agendaItem("Asia")
			tt.edit(item)
			sent := proto.CloneOf(item)
			want := proto.CloneOf(item)
			if tt.want != nil {
				tt.want(want)
			}
			before := mustItem(t, s, tt.item)
			got, err := s.EditItem(tt.item, item)
			thenEvents(t, got, err, &v1.ItemEdited{ItemId: tt.item, Item: want})
			if !proto.Equal(item, sent) {
				t.Errorf("the caller's item was changed: %v", item)
			}
			applyDecided(t, s, got, nil)
			after := mustItem(t, s, tt.item)
			if !proto.Equal(after.Item, want) || after.MeetingID != before.MeetingID || after.Section != 0 || !proto.Equal(after.Lineage, before.Lineage) {
				t.Errorf("item after ItemEdited: %+v", after)
			}
		})
	}
}

func TestEditItemUnchangedDecidesNothing(t *testing.T) {
	s := editState(t)
	got, err := s.EditItem("s1", agendaItem("Asia s1"))
	thenEvents(t, got, err)
	// Nor with the origin left out.
	item := agendaItem("Asia s1")
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
	got, err = s.EditItem("s1", item)
	thenEvents(t, got, err)
}

func TestEditItemRefused(t *testing.T) {
	std := stdIDs(t, meetSept)
	tests := []struct {
		name, item string
		edit       func(*v1.AgendaItem)
		code       domain.Code
		field      string
	}{
		{"unknown item", "ei-ole", nil, domain.CodeNotFound, "item_id"},
		{"withdrawn item", "s2", nil, domain.CodeFailedPrecondition, "item_id"},
		{"decided item", "p1", nil, domain.CodeFailedPrecondition, "item_id"},
		{"item on an approved agenda", "p2", nil, domain.CodeFailedPrecondition, "item_id"},
		{"item of an open meeting", "o1", nil, domain.CodeFailedPrecondition, "item_id"},
		{"item of a closed meeting", "c1", nil, domain.CodeFailedPrecondition, "item_id"},
		{"item of a cancelled meeting", "x1", nil, domain.CodeFailedPrecondition, "item_id"},
		{"origin changed", "s1", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_MEMBER }, domain.CodeInvalid, "item.origin"},
		{"received item made the secretary's", "r1", nil, domain.CodeInvalid, "item.origin"},
		{"ordinary item made standard", "s1", func(it *v1.AgendaItem) { it.Standard = v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS }, domain.CodeInvalid, "item.standard"},
		{"standard kind changed", std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], func(it *v1.AgendaItem) {
			it.Origin, it.Standard = v1.ItemOrigin_ITEM_ORIGIN_STANDARD, v1.StandardItem_STANDARD_ITEM_CLOSING
		}, domain.CodeInvalid, "item.standard"},
		{"standard item's origin changed", std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], nil, domain.CodeInvalid, "item.origin"},
		{"no title", "s1", func(it *v1.AgendaItem) { it.Title = "  " }, domain.CodeInvalid, "item.title"},
		{"title too long", "s1", func(it *v1.AgendaItem) { it.Title = strings.Repeat("ä", 301) }, domain.CodeInvalid, "item.title"},
		{"identity code in grounds", "s1", func(it *v1.AgendaItem) { it.Grounds = "Perhe (" + validHetu + ") on hakenut tukea." }, domain.CodeInvalid, "item.grounds"},
		{"identity code in proposal", "r1", func(it *v1.AgendaItem) {
			it.Origin, it.Proposal = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED, "Tuki henkilölle "+validHetu
		}, domain.CodeInvalid, "item.proposal"},
		{"identity code in preparer", "s1", func(it *v1.AgendaItem) { it.Preparer = validHetu }, domain.CodeInvalid, "item.preparer"},
		{"secret without legal ground", "s1", func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_SECRET }, domain.CodeInvalid, "item.legal_ground"},
		{"openness unspecified", "s1", func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_UNSPECIFIED }, domain.CodeInvalid, "item.openness"},
		{"bad attachment", "s1", func(it *v1.AgendaItem) { it.AttachmentUrls = []string{"liite.pdf"} }, domain.CodeInvalid, "item.attachment_urls[0]"},
		{"bad municipality", "s1", func(it *v1.AgendaItem) { it.Tags.Municipalities = []string{"Tampere"} }, domain.CodeInvalid, "item.tags.municipalities[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := agendaItem("Muokattu asia")
			if tt.edit != nil {
				tt.edit(item)
			}
			got, err := editState(t).EditItem(tt.item, item)
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	got, err := editState(t).EditItem("s1", nil)
	thenError(t, got, err, domain.CodeInvalid, "item")
	// The base edit is accepted, so each refusal above is for its edit.
	got, err = editState(t).EditItem("s1", agendaItem("Muokattu asia"))
	thenEvents(t, got, err, &v1.ItemEdited{ItemId: "s1", Item: agendaItem("Muokattu asia")})
}

// ---- MoveItem ----

// moveState is everyState plus the March and September meetings with their
// standard items, a1 and a2 on the March agenda, p1 decided and p2
// undecided on the approved agenda, s2 withdrawn, and the pending item r1.
func moveState(t *testing.T) *domain.Meetings {
	t.Helper()
	s := everyState(t)
	applyDecided(t, s, history(withStandard(t, meetMarch, marchStart), withStandard(t, meetSept, septStart),
		itemAdded("a1", meetMarch), itemAdded("a2", meetMarch),
		itemAdded("p2", mApproved), decisionRecorded("p1", 1),
		itemAdded("s2", mScheduled), itemWithdrawn("s2"),
		pendingItem("r1", "paikallinen-1")), nil)
	return s
}

func TestMoveItem(t *testing.T) {
	tests := []struct {
		name, item, to   string
		from             string // the meeting it leaves, if any
		wantTo, wantFrom []string
	}{
		{name: "pending item onto a meeting", item: "r1", to: meetMarch, wantTo: around("a1", "a2", "r1")},
		{name: "between two scheduled meetings", item: "a1", to: meetSept, from: meetMarch, wantTo: around("a1"), wantFrom: around("a2")},
		{name: "onto a meeting without standard items", item: "a2", to: mScheduled, from: meetMarch, wantTo: []string{"s1", "s2", "a2"},
			wantFrom: around("a1")},
		{name: "off a cancelled meeting", item: "x1", to: meetSept, from: mCancelled, wantTo: around("x1"), wantFrom: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := moveState(t)
			before := mustItem(t, s, tt.item)
			got, err := s.MoveItem(tt.item, tt.to)
			thenEvents(t, got, err, &v1.ItemMoved{ItemId: tt.item, MeetingId: tt.to})
			applyDecided(t, s, got, nil)
			thenAgenda(t, s, tt.to, tt.wantTo)
			if tt.from != "" {
				if got := agenda(t, s, tt.from); !slices.Equal(got, tt.wantFrom) && !(len(got) == 0 && len(tt.wantFrom) == 0) {
					t.Errorf("agenda left behind: %v, want %v", got, tt.wantFrom)
				}
			}
			after := mustItem(t, s, tt.item)
			if after.MeetingID != tt.to || !proto.Equal(after.Item, before.Item) || !proto.Equal(after.Lineage, before.Lineage) || after.Section != 0 {
				t.Errorf("item after ItemMoved: %+v", after)
			}
		})
	}
}

func TestMoveItemToItsOwnMeetingDecidesNothing(t *testing.T) {
	s := moveState(t)
	got, err := s.MoveItem("a1", meetMarch)
	thenEvents(t, got, err)
}

func TestMoveItemRefused(t *testing.T) {
	std := stdIDs(t, meetMarch)
	tests := []struct {
		name, item, to string
		code           domain.Code
		field          string
	}{
		{"unknown item", "ei-ole", meetSept, domain.CodeNotFound, "item_id"},
		{"standard item", std[v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS], meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"decided item", "p1", meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"item on an approved agenda", "p2", meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"item of an open meeting", "o1", meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"item of a closed meeting", "c1", meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"withdrawn item", "s2", meetSept, domain.CodeFailedPrecondition, "item_id"},
		{"onto an open meeting", "a1", mOpen, domain.CodeFailedPrecondition, "meeting_id"},
		{"onto an approved agenda", "a1", mApproved, domain.CodeFailedPrecondition, "meeting_id"},
		{"onto a closed meeting", "a1", mClosed, domain.CodeFailedPrecondition, "meeting_id"},
		{"onto a cancelled meeting", "a1", mCancelled, domain.CodeFailedPrecondition, "meeting_id"},
		{"pending item onto a cancelled meeting", "r1", mCancelled, domain.CodeFailedPrecondition, "meeting_id"},
		{"onto an unknown meeting", "a1", "kokous-ei-ole", domain.CodeNotFound, "meeting_id"},
		{"onto no meeting", "r1", "", domain.CodeNotFound, "meeting_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := moveState(t).MoveItem(tt.item, tt.to)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- Reorder ----

// reorderState is the March meeting with its standard items and a1-a3.
func reorderState(t *testing.T) *domain.Meetings {
	t.Helper()
	return givenMeetings(t, history(withStandard(t, meetMarch, marchStart),
		itemAdded("a1", meetMarch), itemAdded("a2", meetMarch), itemAdded("a3", meetMarch))...)
}

// swapped is the meeting's agenda with the items at i and j swapped.
func swapped(t *testing.T, s *domain.Meetings, i, j int) []string {
	ids := slices.Clone(mustMeeting(t, s, meetMarch).Items)
	ids[i], ids[j] = ids[j], ids[i]
	return ids
}

func TestReorder(t *testing.T) {
	s := reorderState(t)
	thenAgenda(t, s, meetMarch, around("a1", "a2", "a3"))
	ids := slices.Clone(mustMeeting(t, s, meetMarch).Items)
	ids[4], ids[5], ids[6] = "a3", "a1", "a2"
	got, err := s.Reorder(meetMarch, ids)
	thenEvents(t, got, err, &v1.AgendaReordered{MeetingId: meetMarch, ItemIds: ids})
	applyDecided(t, s, got, nil)
	thenAgenda(t, s, meetMarch, around("a3", "a1", "a2"))

	// The same order again decides nothing.
	got, err = s.Reorder(meetMarch, slices.Clone(ids))
	thenEvents(t, got, err)

	// An item added later still goes before the closing items.
	do(t, s)(s.AddItem("a4", meetMarch, agendaItem("Asia 4"), false, "", ""))
	thenAgenda(t, s, meetMarch, around("a3", "a1", "a2", "a4"))
}

func TestReorderOpenMeetingAroundDecidedItems(t *testing.T) {
	s := reorderState(t)
	g := meetingGroup(t)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, g))
	do(t, s)(s.ApproveAgenda(meetMarch))
	do(t, s)(s.Decide("a1", basicDecision(), g))

	// a1 is decided and stays; a2 and a3 may still change places.
	got, err := s.Reorder(meetMarch, swapped(t, s, 5, 6))
	thenEvents(t, got, err, &v1.AgendaReordered{MeetingId: meetMarch, ItemIds: swapped(t, s, 5, 6)})
	applyDecided(t, s, got, nil)
	thenAgenda(t, s, meetMarch, around("a1", "a3", "a2"))

	got, err = s.Reorder(meetMarch, swapped(t, s, 4, 5))
	thenError(t, got, err, domain.CodeFailedPrecondition, "item_ids[4]")
}

func TestReorderRefused(t *testing.T) {
	base := func(t *testing.T, s *domain.Meetings) []string {
		return slices.Clone(mustMeeting(t, s, meetMarch).Items)
	}
	tests := []struct {
		name    string
		meeting string
		ids     func(*testing.T, *domain.Meetings) []string
		code    domain.Code
		field   string
	}{
		{"unknown meeting", "kokous-ei-ole", base, domain.CodeNotFound, "meeting_id"},
		{"one item missing", meetMarch, func(t *testing.T, s *domain.Meetings) []string { return base(t, s)[1:] }, domain.CodeInvalid, "item_ids"},
		{"one item too many", meetMarch, func(t *testing.T, s *domain.Meetings) []string { return append(base(t, s), "a1") }, domain.CodeInvalid, "item_ids"},
		{"no items", meetMarch, func(*testing.T, *domain.Meetings) []string { return nil }, domain.CodeInvalid, "item_ids"},
		{"unknown item", meetMarch, func(t *testing.T, s *domain.Meetings) []string {
			ids := base(t, s)
			ids[5] = "ei-ole"
			return ids
		}, domain.CodeInvalid, "item_ids[5]"},
		{"another meeting's item", meetMarch, func(t *testing.T, s *domain.Meetings) []string {
			ids := base(t, s)
			ids[6] = "b1"
			return ids
		}, domain.CodeInvalid, "item_ids[6]"},
		{"item listed twice", meetMarch, func(t *testing.T, s *domain.Meetings) []string {
			ids := base(t, s)
			ids[6] = "a2"
			return ids
		}, domain.CodeInvalid, "item_ids[6]"},
		{"ordinary item after the closing items", meetMarch, func(t *testing.T, s *domain.Meetings) []string { return swapped(t, s, 6, 9) },
			domain.CodeFailedPrecondition, "item_ids[9]"},
		{"ordinary item before the opening", meetMarch, func(t *testing.T, s *domain.Meetings) []string { return swapped(t, s, 0, 4) },
			domain.CodeFailedPrecondition, "item_ids[0]"},
		{"standard items swapped", meetMarch, func(t *testing.T, s *domain.Meetings) []string { return swapped(t, s, 2, 3) },
			domain.CodeFailedPrecondition, "item_ids[2]"},
		{"closed meeting", "kokous-paattynyt", func(*testing.T, *domain.Meetings) []string { return []string{"c1"} }, domain.CodeFailedPrecondition, "meeting_id"},
		{"cancelled meeting", "kokous-peruttu", func(*testing.T, *domain.Meetings) []string { return []string{"x1"} }, domain.CodeFailedPrecondition, "meeting_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := reorderState(t)
			applyDecided(t, s, history(meetingScheduled(meetSept, septStart), itemAdded("b1", meetSept),
				meetingScheduled(mClosed, "2026-02-12T13:00:00+02:00"), itemAdded("c1", mClosed), meetingOpened(mClosed), meetingClosed(mClosed),
				meetingScheduled(mCancelled, aprilStart), itemAdded("x1", mCancelled), meetingCancelled(mCancelled)), nil)
			got, err := s.Reorder(tt.meeting, tt.ids(t, s))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- Receive ----

func TestReceive(t *testing.T) {
	tests := []struct {
		name   string
		dir    v1.Direction
		origin v1.ItemOrigin
	}{
		{"escalated from a child group", v1.Direction_DIRECTION_UP, v1.ItemOrigin_ITEM_ORIGIN_ESCALATED},
		{"referred from the parent group", v1.Direction_DIRECTION_DOWN, v1.ItemOrigin_ITEM_ORIGIN_REFERRED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The group has ordinary items of its own already.
			s := givenMeetings(t, history(withStandard(t, meetMarch, marchStart), withStandard(t, meetSept, septStart), itemAdded("a1", meetMarch))...)
			item := agendaItem("Perhekeskuksen aukioloajat")
			item.Origin = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE
			// The sender's item was its own group's "Muut asiat".
			item.Standard = v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS
			sent := proto.CloneOf(item)
			lin := lineageFrom("lahetetty-1", tt.dir)

			got, err := s.Receive("r1", meetSept, item, lin, "2026-03-10")
			want := proto.CloneOf(item)
			want.Origin, want.Standard = tt.origin, v1.StandardItem_STANDARD_ITEM_UNSPECIFIED
			thenEvents(t, got, err, &v1.ItemAdded{ItemId: "r1", MeetingId: meetSept, Item: want, Lineage: lineageFrom("lahetetty-1", tt.dir)})
			if !proto.Equal(item, sent) {
				t.Errorf("the caller's item was changed: %v", item)
			}
			applyDecided(t, s, got, nil)
			thenAgenda(t, s, meetSept, around("r1"))
			if it := mustItem(t, s, "r1"); it.MeetingID != meetSept || !proto.Equal(it.Lineage, lin) || it.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
				t.Errorf("item after receiving: %+v", it)
			}
		})
	}
}

func TestReceivePlacesOnNextMeetingTakingItems(t *testing.T) {
	// Proposals close 7 days before each meeting: March on 03-05, April on
	// 04-09, September on 09-03. The February meeting is open already and
	// the May one cancelled.
	past := history(
		withStandard(t, meetSept, septStart), withStandard(t, meetMarch, marchStart), withStandard(t, meetApril, aprilStart),
		meetingScheduled(mOpen, "2026-02-19T13:00:00+02:00"), meetingOpened(mOpen),
		meetingScheduled(mCancelled, "2026-05-14T13:00:00+03:00"), meetingCancelled(mCancelled),
		meetingScheduled(mClosed, "2026-01-15T13:00:00+02:00"), meetingOpened(mClosed), meetingClosed(mClosed))
	tests := []struct{ today, want string }{
		{"2026-01-10", meetMarch},
		{"2026-03-05", meetMarch},
		{"2026-03-06", meetApril},
		{"2026-04-09", meetApril},
		{"2026-04-10", meetSept}, // not the cancelled May meeting
		{"2026-09-03", meetSept},
		{"2026-09-04", ""},
		{"2026-12-01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.today, func(t *testing.T) {
			s := givenMeetings(t, past...)
			item := agendaItem("Ylös viety asia")
			got, err := s.Receive("r1", "", item, lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP), tt.today)
			want := proto.CloneOf(item)
			want.Origin = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED
			thenEvents(t, got, err, &v1.ItemAdded{ItemId: "r1", MeetingId: tt.want, Item: want, Lineage: lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP)})
			applyDecided(t, s, got, nil)
			for _, m := range []string{meetMarch, meetApril, meetSept, mOpen, mCancelled, mClosed} {
				if on := slices.Contains(mustMeeting(t, s, m).Items, "r1"); on != (m == tt.want) {
					t.Errorf("received item on %s's agenda: %v", m, on)
				}
			}
			if it := mustItem(t, s, "r1"); it.MeetingID != tt.want {
				t.Errorf("received item on meeting %q, want %q", it.MeetingID, tt.want)
			}
		})
	}
}

func TestReceiveRefused(t *testing.T) {
	state := func(t *testing.T) *domain.Meetings {
		s := everyState(t)
		applyDecided(t, s, history(pendingItem("r0", "lahetetty-0")), nil)
		return s
	}
	tests := []struct {
		name, itemID, meeting string
		edit                  func(*v1.AgendaItem, *v1.Lineage)
		code                  domain.Code
		field                 string
	}{
		{"onto an approved agenda", "r1", mApproved, nil, domain.CodeFailedPrecondition, "to_meeting_id"},
		{"onto an open meeting", "r1", mOpen, nil, domain.CodeFailedPrecondition, "to_meeting_id"},
		{"onto a closed meeting", "r1", mClosed, nil, domain.CodeFailedPrecondition, "to_meeting_id"},
		{"onto a cancelled meeting", "r1", mCancelled, nil, domain.CodeFailedPrecondition, "to_meeting_id"},
		{"onto an unknown meeting", "r1", "kokous-ei-ole", nil, domain.CodeNotFound, "to_meeting_id"},
		{"the same item received twice", "r1", "", func(_ *v1.AgendaItem, l *v1.Lineage) { l.FromItemId = "lahetetty-0" }, domain.CodeFailedPrecondition, "item_id"},
		{"the same item back the other way", "r1", mScheduled, func(_ *v1.AgendaItem, l *v1.Lineage) {
			l.FromItemId, l.Direction = "lahetetty-0", v1.Direction_DIRECTION_DOWN
		}, domain.CodeFailedPrecondition, "item_id"},
		{"item id taken", "s1", "", nil, domain.CodeAlreadyExists, "item_id"},
		{"no item id", "", "", nil, domain.CodeAlreadyExists, "item_id"},
		{"identity code in the note", "r1", "", func(_ *v1.AgendaItem, l *v1.Lineage) { l.Note = "Perhe " + validHetu }, domain.CodeInvalid, "note"},
		{"note too long", "r1", "", func(_ *v1.AgendaItem, l *v1.Lineage) { l.Note = strings.Repeat("n", 2001) }, domain.CodeInvalid, "note"},
		{"no title", "r1", "", func(it *v1.AgendaItem, _ *v1.Lineage) { it.Title = "" }, domain.CodeInvalid, "item.title"},
		{"identity code in grounds", "r1", "", func(it *v1.AgendaItem, _ *v1.Lineage) { it.Grounds = validHetu }, domain.CodeInvalid, "item.grounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item, lin := agendaItem("Ylös viety asia"), lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP)
			if tt.edit != nil {
				tt.edit(item, lin)
			}
			got, err := state(t).Receive(tt.itemID, tt.meeting, item, lin, "2026-03-01")
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	got, err := state(t).Receive("r1", mScheduled, nil, lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP), "2026-03-01")
	thenError(t, got, err, domain.CodeInvalid, "item")

	// The base command is accepted, so each refusal above is for its edit.
	got, err = state(t).Receive("r1", mScheduled, agendaItem("Ylös viety asia"), lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP), "2026-03-01")
	if err != nil || len(got) != 1 {
		t.Fatalf("base command refused: %v", err)
	}
}

// The lineage is made by the service, not the user: without it the command
// fails as a fault of the service, without deciding anything.
func TestReceiveWithoutLineage(t *testing.T) {
	for name, lin := range map[string]*v1.Lineage{
		"no lineage":           nil,
		"no item it came from": {FromGroupId: localID, Direction: v1.Direction_DIRECTION_UP},
		"no direction":         {FromGroupId: localID, FromItemId: "lahetetty-1"},
	} {
		t.Run(name, func(t *testing.T) {
			// Items of the group's own have no lineage either.
			got, err := everyState(t).Receive("r1", "", agendaItem("Asia"), lin, "2026-03-01")
			if err == nil || domain.ErrorCode(err) != domain.CodeInternal || len(got) != 0 {
				t.Errorf("got %v, %v; want an internal error and no events", got, err)
			}
		})
	}
}

// ---- Decide on a pending item ----

func TestDecidePendingItemRefused(t *testing.T) {
	s := givenMeetings(t, history(withStandard(t, meetMarch, marchStart), pendingItem("r1", "lahetetty-1"))...)
	do(t, s)(s.Open(meetMarch, openedAt, attendance(), true, true, meetingGroup(t)))
	do(t, s)(s.ApproveAgenda(meetMarch))
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decide on a pending item panicked: %v", r)
		}
	}()
	got, err := s.Decide("r1", basicDecision(), meetingGroup(t))
	thenError(t, got, err, domain.CodeFailedPrecondition, "item_id")

	// Once moved onto a meeting it can be decided there. The open meeting
	// takes no moved items, so it goes on a later one.
	do(t, s)(s.Schedule(domain.ScheduleMeeting{MeetingID: meetSept, StartsAt: septStart, Place: tampere}, meetingGroup(t)))
	do(t, s)(s.MoveItem("r1", meetSept))
	do(t, s)(s.Open(meetSept, "2026-09-10T13:00:00+03:00", attendance(), true, true, meetingGroup(t)))
	got, err = s.Decide("r1", basicDecision(), meetingGroup(t))
	thenEvents(t, got, err, decisionRecorded("r1", s.LastSection(2026)+1))
}

// ---- PlanYear ----

const (
	planSept = "vuosikello-2026-syys"
	planFeb  = "vuosikello-2026-helmi"
	planMay  = "vuosikello-2026-touko"
)

// planCmd plans 2026 with three meetings, given out of time order, and five
// annual items.
func planCmd() domain.PlanYear {
	return domain.PlanYear{Year: 2026, DeadlineDays: 14,
		MeetingIDs: []string{planSept, planFeb, planMay},
		Meetings: []*v1.PlannedMeeting{
			{StartsAt: septStart, Place: "Kirjasto Metso"},
			{StartsAt: "2026-02-12T13:00:00+02:00", Place: "Kirjasto Metso"},
			{StartsAt: "2026-05-14T13:00:00+03:00", VideoLink: "https://meet.example.fi/ohjausryhma"},
		},
		AnnualItems: []*v1.AnnualItem{
			{Title: "Toimintasuunnitelma", Month: 1, Proposal: "Hyväksytään vuoden toimintasuunnitelma.", Preparer: "Sari Sihteeri",
				Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING}, Themes: []string{"toimintasuunnitelma"}}},
			{Title: "Edellisen vuoden toimintakertomus", Month: 2},
			{Title: "Kevään arviointi", Month: 3},
			{Title: "Talousarvioesitys", Month: 6},
			{Title: "Syksyn perhekysely", Month: 9},
		}}
}

func TestPlanYear(t *testing.T) {
	s := givenMeetings(t)
	cmd := planCmd()
	got, err := s.PlanYear(cmd, meetingGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1+3*8+5 {
		t.Fatalf("%d events, want the cycle, 3 meetings with 7 standard items each and 5 annual items: %v", len(got), got)
	}
	thenEvents(t, got[:1], nil, &v1.CyclePlanned{Year: 2026, AgendaDeadlineDays: 14, MeetingIds: cmd.MeetingIDs, AnnualItems: planCmd().AnnualItems})
	for i, pm := range cmd.Meetings {
		thenEvents(t, got[1+8*i:2+8*i], nil, &v1.MeetingScheduled{MeetingId: cmd.MeetingIDs[i], StartsAt: pm.GetStartsAt(), Place: pm.GetPlace(),
			VideoLink: pm.GetVideoLink(), AgendaDeadlineDays: 14})
		thenStandardItems(t, got[2+8*i:9+8*i], cmd.MeetingIDs[i], false)
	}
	onMeeting := []string{planFeb, planFeb, planMay, planSept, planSept}
	annual := make([]string, 5)
	for j, ev := range got[25:] {
		ai := cmd.AnnualItems[j]
		a, ok := ev.(*v1.ItemAdded)
		want := &v1.AgendaItem{Title: ai.GetTitle(), Proposal: ai.GetProposal(), Preparer: ai.GetPreparer(), Tags: ai.GetTags(),
			Openness: v1.Openness_OPENNESS_PUBLIC, Origin: v1.ItemOrigin_ITEM_ORIGIN_ANNUAL_CYCLE}
		if !ok || a.GetMeetingId() != onMeeting[j] || !proto.Equal(a.GetItem(), want) || a.GetItemId() == "" || slices.Contains(annual, a.GetItemId()) {
			t.Errorf("annual item %d: %v, want %v on %s", j, ev, want, onMeeting[j])
			continue
		}
		annual[j] = a.GetItemId()
	}

	applyDecided(t, s, got, nil)
	thenAgenda(t, s, planFeb, around(annual[0], annual[1]))
	thenAgenda(t, s, planMay, around(annual[2]))
	thenAgenda(t, s, planSept, around(annual[3], annual[4]))
	if d := mustMeeting(t, s, planMay).Deadline(); d != "2026-04-30" {
		t.Errorf("May meeting's deadline %s, want 2026-04-30", d)
	}

	// The same plan again is refused; the next year is not.
	got, err = s.PlanYear(planCmd(), meetingGroup(t))
	thenError(t, got, err, domain.CodeFailedPrecondition, "year")
	next := domain.PlanYear{Year: 2027, MeetingIDs: []string{"vuosikello-2027-helmi"},
		Meetings: []*v1.PlannedMeeting{{StartsAt: feb27Start, Place: "Kirjasto Metso"}}}
	got, err = s.PlanYear(next, meetingGroup(t))
	if err != nil || len(got) != 1+8 {
		t.Errorf("planning 2027 after 2026: %v, %v", got, err)
	}

	// A replayed command decides the same ids.
	again, err := givenMeetings(t).PlanYear(planCmd(), meetingGroup(t))
	if err != nil {
		t.Fatal(err)
	}
	for j := range annual {
		if id := again[25+j].(*v1.ItemAdded).GetItemId(); id != annual[j] {
			t.Errorf("annual item %d has id %s, then %s", j, annual[j], id)
		}
	}
}

func TestPlanYearRefused(t *testing.T) {
	tests := []struct {
		name  string
		past  []proto.Message
		edit  func(*domain.PlanYear)
		code  domain.Code
		field string
	}{
		{"year 1999", nil, func(c *domain.PlanYear) { c.Year = 1999 }, domain.CodeInvalid, "year"},
		{"year 2101", nil, func(c *domain.PlanYear) { c.Year = 2101 }, domain.CodeInvalid, "year"},
		{"no year", nil, func(c *domain.PlanYear) { c.Year = 0 }, domain.CodeInvalid, "year"},
		{"year already planned", history(&v1.CyclePlanned{Year: 2026}), nil, domain.CodeFailedPrecondition, "year"},
		{"no meetings", nil, func(c *domain.PlanYear) { c.Meetings, c.MeetingIDs = nil, nil }, domain.CodeInvalid, "meetings"},
		{"25 meetings", nil, func(c *domain.PlanYear) {
			c.Meetings, c.MeetingIDs = nil, nil
			for i := range 25 {
				c.Meetings = append(c.Meetings, &v1.PlannedMeeting{StartsAt: fmt.Sprintf("2026-%02d-%02dT13:00:00+02:00", i%12+1, 1+i/12*10), Place: "Kirjasto Metso"})
				c.MeetingIDs = append(c.MeetingIDs, fmt.Sprintf("vuosikello-%d", i))
			}
		}, domain.CodeInvalid, "meetings"},
		{"a meeting in the next year", nil, func(c *domain.PlanYear) { c.Meetings[1].StartsAt = feb27Start }, domain.CodeInvalid, "meetings[1].starts_at"},
		{"a meeting in the previous year", nil, func(c *domain.PlanYear) { c.Meetings[2].StartsAt = "2025-12-11T13:00:00+02:00" }, domain.CodeInvalid, "meetings[2].starts_at"},
		{"a meeting without its offset", nil, func(c *domain.PlanYear) { c.Meetings[2].StartsAt = "2026-05-14T13:00:00" }, domain.CodeInvalid, "meetings[2].starts_at"},
		{"a meeting without place or link", nil, func(c *domain.PlanYear) { c.Meetings[0].Place = "" }, domain.CodeInvalid, "meetings[0].place"},
		{"a bad video link", nil, func(c *domain.PlanYear) { c.Meetings[2].VideoLink = "javascript:alert(1)" }, domain.CodeInvalid, "meetings[2].video_link"},
		{"a meeting id taken", history(meetingScheduled(planFeb, marchStart)), nil, domain.CodeAlreadyExists, "meetings[1].meeting_id"},
		{"deadline of 61 days", nil, func(c *domain.PlanYear) { c.DeadlineDays = 61 }, domain.CodeInvalid, "agenda_deadline_days"},
		{"51 annual items", nil, func(c *domain.PlanYear) {
			c.AnnualItems = slices.Repeat([]*v1.AnnualItem{{Title: "Asia", Month: 2}}, 51)
		}, domain.CodeInvalid, "annual_items"},
		{"month 0", nil, func(c *domain.PlanYear) { c.AnnualItems[0].Month = 0 }, domain.CodeInvalid, "annual_items[0].month"},
		{"month 13", nil, func(c *domain.PlanYear) { c.AnnualItems[2].Month = 13 }, domain.CodeInvalid, "annual_items[2].month"},
		{"no meeting in or after the month", nil, func(c *domain.PlanYear) { c.AnnualItems[4].Month = 10 }, domain.CodeInvalid, "annual_items[4].month"},
		{"annual item without title", nil, func(c *domain.PlanYear) { c.AnnualItems[1].Title = " " }, domain.CodeInvalid, "annual_items[1].title"},
		{"annual item title too long", nil, func(c *domain.PlanYear) { c.AnnualItems[1].Title = strings.Repeat("ä", 301) }, domain.CodeInvalid, "annual_items[1].title"},
		{"identity code in an annual item's proposal", nil, func(c *domain.PlanYear) {
			c.AnnualItems[0].Proposal = "Valmistelija " + validHetu
		}, domain.CodeInvalid, "annual_items[0].proposal"},
		{"bad theme on an annual item", nil, func(c *domain.PlanYear) { c.AnnualItems[0].Tags.Themes = []string{"#vuosikello"} }, domain.CodeInvalid, "annual_items[0].tags.themes[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := planCmd()
			if tt.edit != nil {
				tt.edit(&cmd)
			}
			got, err := givenMeetings(t, tt.past...).PlanYear(cmd, meetingGroup(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	for name, g := range map[string]*domain.Group{"no group": nil, "group never created": domain.NewGroup(regID)} {
		t.Run(name, func(t *testing.T) {
			got, err := givenMeetings(t).PlanYear(planCmd(), g)
			thenError(t, got, err, domain.CodeNotFound, "group_id")
		})
	}

	// Meeting ids come from the service: a mismatch is its fault, not a panic.
	for name, edit := range map[string]func(*domain.PlanYear){
		"fewer ids than meetings": func(c *domain.PlanYear) { c.MeetingIDs = c.MeetingIDs[:2] },
		"more ids than meetings":  func(c *domain.PlanYear) { c.MeetingIDs = append(c.MeetingIDs, "ylimääräinen") },
		"an id twice":             func(c *domain.PlanYear) { c.MeetingIDs[2] = c.MeetingIDs[0] },
	} {
		t.Run(name, func(t *testing.T) {
			cmd := planCmd()
			edit(&cmd)
			got, err := givenMeetings(t).PlanYear(cmd, meetingGroup(t))
			if err == nil || domain.ErrorCode(err) != domain.CodeInternal || len(got) != 0 {
				t.Errorf("got %v, %v; want an internal error and no events", got, err)
			}
		})
	}

	// The base command is accepted, so each refusal above is for its edit.
	if got, err := givenMeetings(t).PlanYear(planCmd(), meetingGroup(t)); err != nil || len(got) != 30 {
		t.Fatalf("base command refused: %v", err)
	}
}

// ---- Apply and Clone ----

func TestAgendaApplyRefusesWhatItCannotFold(t *testing.T) {
	for _, ev := range []proto.Message{
		&v1.ItemEdited{ItemId: "ei-ole", Item: agendaItem("Asia")},
		&v1.ItemMoved{ItemId: "ei-ole", MeetingId: meetMarch},
		&v1.ItemMoved{ItemId: "a1", MeetingId: "kokous-ei-ole"},
		&v1.AgendaReordered{MeetingId: "kokous-ei-ole"},
	} {
		s := openMarch(t)
		if err := s.Apply(ev); err == nil {
			t.Errorf("Apply(%T %v) folded an event it cannot", ev, ev)
		}
	}
}

func TestAgendaCloneIsolatesApply(t *testing.T) {
	orig := reorderState(t)
	applyDecided(t, orig, history(withStandard(t, meetSept, septStart), pendingItem("r1", "lahetetty-1")), nil)
	c := orig.Clone()
	ids := swapped(t, c, 4, 6)
	for _, ev := range []proto.Message{
		&v1.AgendaReordered{MeetingId: meetMarch, ItemIds: ids},
		&v1.ItemMoved{ItemId: "a2", MeetingId: meetSept},
		&v1.ItemMoved{ItemId: "r1", MeetingId: meetSept},
		&v1.ItemEdited{ItemId: "a1", Item: agendaItem("Uusi otsikko")},
		&v1.CyclePlanned{Year: 2026},
	} {
		if err := c.Apply(ev); err != nil {
			t.Fatalf("apply %T to the clone: %v", ev, err)
		}
	}
	thenAgenda(t, c, meetMarch, around("a3", "a1"))
	thenAgenda(t, c, meetSept, around("a2", "r1"))
	thenAgenda(t, orig, meetMarch, around("a1", "a2", "a3"))
	thenAgenda(t, orig, meetSept, around())
	if it := mustItem(t, orig, "r1"); it.MeetingID != "" {
		t.Errorf("original's pending item moved to %q", it.MeetingID)
	}
	if it := mustItem(t, orig, "a1"); it.Item.GetTitle() != "Asia a1" {
		t.Errorf("original's item edited: %v", it.Item)
	}
	cmd := domain.PlanYear{Year: 2026, MeetingIDs: []string{"v"}, Meetings: []*v1.PlannedMeeting{{StartsAt: marchStart, Place: "Kirjasto Metso"}}}
	if _, err := orig.PlanYear(cmd, meetingGroup(t)); err != nil {
		t.Errorf("the clone's planned year shows in the original: %v", err)
	}
	if _, err := c.PlanYear(cmd, meetingGroup(t)); domain.ErrorCode(err) != domain.CodeFailedPrecondition {
		t.Errorf("the clone planned 2026 twice: %v", err)
	}
}

func TestNameCheckersForgottenUntilSomeoneChecks(t *testing.T) {
	// Closed without checkers: they may still be named, without a decision.
	s := everyState(t)
	got, err := s.NameCheckers(mClosed, []string{chairM, memberB})
	thenEvents(t, got, err, &v1.MinutesCheckersNamed{MeetingId: mClosed, MembershipIds: []string{chairM, memberB}})
	applyDecided(t, s, got, err)

	// Not someone absent from the meeting.
	got, err = everyState(t).NameCheckers(mClosed, []string{chairM, memberC})
	thenError(t, got, err, domain.CodeFailedPrecondition, "membership_ids[1]")

	// Once a checker has checked, the checkers stay.
	got, err = s.CheckMinutes(mClosed, chairM, "2026-02-13")
	applyDecided(t, s, got, err)
	got, err = s.NameCheckers(mClosed, []string{memberB, chairM})
	thenError(t, got, err, domain.CodeFailedPrecondition, "meeting_id")

	// A meeting not yet opened has no checkers to name.
	got, err = everyState(t).NameCheckers(mScheduled, []string{chairM, memberB})
	thenError(t, got, err, domain.CodeFailedPrecondition, "meeting_id")
}

func TestReceiveAgainAfterTheReceiverWithdrewIt(t *testing.T) {
	s := givenMeetings(t, pendingItem("r1", "lahetetty-1"))
	item := agendaItem("Ylös viety asia")
	lin := lineageFrom("lahetetty-1", v1.Direction_DIRECTION_UP)
	got, err := s.Receive("r2", "", item, lin, "2026-03-01")
	thenError(t, got, err, domain.CodeFailedPrecondition, "item_id")

	do(t, s)(s.WithdrawItem("r1", "ei kuulu tälle ryhmälle"))
	got, err = s.Receive("r2", "", item, lin, "2026-03-01")
	if err != nil || len(got) != 1 {
		t.Fatalf("sending again after the withdrawal: %v %v", got, err)
	}
}
