package domain_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// The meetings tests use the regional group regID of group_test.go, seated
// with a chair, two members and one member whose seat has ended.
const (
	chairM  = "pj" // chair
	memberB = "j2" // member
	memberC = "j3" // member
	endedM  = "ex" // a member whose seat ended in 2025

	person4 = "00000000-0000-4000-8000-0000000000a4"

	// Meetings of the group. The year of each is in its starts_at.
	meetMarch  = "kokous-2026-03"
	meetSept   = "kokous-2026-09"
	meetFeb27  = "kokous-2027-02"
	meetOther  = "kokous-muu"
	marchStart = "2026-03-12T13:00:00+02:00"
	septStart  = "2026-09-10T13:00:00+03:00"
	feb27Start = "2027-02-11T13:00:00+02:00"

	deputyName = "Ville Varajäsen"
)

// meetingGroup is the regional group with its members, as the Open and
// Decide commands see it.
func meetingGroup(t *testing.T) *domain.Group {
	t.Helper()
	return given(t, regionalCreated(regID),
		memberAdded(chairM, person1, v1.Role_ROLE_CHAIR, "2025-01-01", ""),
		memberAdded(memberB, person2, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded(memberC, person3, v1.Role_ROLE_MEMBER, "2025-01-01", ""),
		memberAdded(endedM, person4, v1.Role_ROLE_MEMBER, "2024-01-01", ""),
		&v1.MemberEnded{MembershipId: endedM, EndedOn: "2025-06-30", Reason: "vaihtoi työpaikkaa"})
}

// givenMeetings builds the meetings state of the group from past events.
func givenMeetings(t *testing.T, events ...proto.Message) *domain.Meetings {
	t.Helper()
	s := domain.NewMeetings(regID)
	for i, ev := range events {
		if err := s.Apply(ev); err != nil {
			t.Fatalf("given event %d (%T): %v", i, ev, err)
		}
	}
	return s
}

// applyDecided folds the events a command decided, failing on its error.
func applyDecided(t *testing.T, s *domain.Meetings, got []proto.Message, err error) []proto.Message {
	t.Helper()
	if err != nil {
		t.Fatalf("command refused: %v", err)
	}
	for _, ev := range got {
		if err := s.Apply(ev); err != nil {
			t.Fatalf("apply %T: %v", ev, err)
		}
	}
	return got
}

func meetingScheduled(id, startsAt string) *v1.MeetingScheduled {
	return &v1.MeetingScheduled{MeetingId: id, StartsAt: startsAt, Place: "Tampere-talo, kokoushuone 2", AgendaDeadlineDays: 7}
}

// agendaItem is a valid public agenda item.
func agendaItem(title string) *v1.AgendaItem {
	return &v1.AgendaItem{
		Title: title, Preparer: "Sari Sihteeri",
		Grounds:  "Perhekeskuksen toimintasuunnitelma päivitetään vuosittain.",
		Proposal: "Ohjausryhmä hyväksyy toimintasuunnitelman.",
		Openness: v1.Openness_OPENNESS_PUBLIC, Origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY,
		Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING},
			Municipalities: []string{"837"}, Themes: []string{"varhainen tuki"}},
		AttachmentUrls: []string{"https://example.fi/liitteet/suunnitelma.pdf"},
	}
}

func itemAdded(itemID, meetingID string) *v1.ItemAdded {
	return &v1.ItemAdded{ItemId: itemID, MeetingId: meetingID, Item: agendaItem("Asia " + itemID)}
}

// attendance: the chair present, a deputy for memberB, memberC absent.
func attendance() []*v1.Attendance {
	return []*v1.Attendance{
		{MembershipId: chairM, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
		{MembershipId: memberB, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: deputyName},
		{MembershipId: memberC, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT},
	}
}

func meetingOpened(id string) *v1.MeetingOpened {
	return &v1.MeetingOpened{MeetingId: id, OpenedAt: "2026-03-12T13:02:00+02:00", Attendance: attendance(), Lawful: true, Quorate: true}
}

func agendaApproved(id string) *v1.AgendaApproved { return &v1.AgendaApproved{MeetingId: id} }

func basicDecision() *v1.Decision {
	return &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Ohjausryhmä hyväksyi toimintasuunnitelman."}
}

func decisionRecorded(itemID string, section uint32) *v1.DecisionRecorded {
	return &v1.DecisionRecorded{ItemId: itemID, Section: section, Decision: basicDecision()}
}

func meetingClosed(id string) *v1.MeetingClosed {
	return &v1.MeetingClosed{MeetingId: id, ClosedAt: "2026-03-12T15:00:00+02:00"}
}

func meetingCancelled(id string) *v1.MeetingCancelled {
	return &v1.MeetingCancelled{MeetingId: id, Reason: "ei päätösvaltaista osallistujamäärää"}
}

func itemWithdrawn(id string) *v1.ItemWithdrawn {
	return &v1.ItemWithdrawn{ItemId: id, Reason: "valmistelu kesken"}
}

// openMarch is the March 2026 meeting, open with its agenda approved: a1 is
// undecided, a2 withdrawn, a3 decided as § 1.
func openMarch(t *testing.T) *domain.Meetings {
	t.Helper()
	return givenMeetings(t, meetingScheduled(meetMarch, marchStart),
		itemAdded("a1", meetMarch), itemAdded("a2", meetMarch), itemAdded("a3", meetMarch),
		itemWithdrawn("a2"),
		meetingOpened(meetMarch), agendaApproved(meetMarch),
		decisionRecorded("a3", 1))
}

// everyState has one meeting in each state, each with one item:
// scheduled (s1), open before agenda approval (o1), open with the agenda
// approved (p1), closed (c1) and cancelled (x1).
const (
	mScheduled = "kokous-suunniteltu"
	mOpen      = "kokous-auki"
	mApproved  = "kokous-hyvaksytty"
	mClosed    = "kokous-paattynyt"
	mCancelled = "kokous-peruttu"
)

func everyState(t *testing.T) *domain.Meetings {
	t.Helper()
	return givenMeetings(t,
		meetingScheduled(mScheduled, "2026-05-14T13:00:00+03:00"), itemAdded("s1", mScheduled),
		meetingScheduled(mOpen, "2026-04-16T13:00:00+03:00"), itemAdded("o1", mOpen), meetingOpened(mOpen),
		meetingScheduled(mApproved, "2026-04-09T13:00:00+03:00"), itemAdded("p1", mApproved),
		meetingOpened(mApproved), agendaApproved(mApproved),
		meetingScheduled(mClosed, "2026-02-12T13:00:00+02:00"), itemAdded("c1", mClosed),
		meetingOpened(mClosed), agendaApproved(mClosed), meetingClosed(mClosed),
		meetingScheduled(mCancelled, "2026-01-15T13:00:00+02:00"), itemAdded("x1", mCancelled), meetingCancelled(mCancelled))
}

func mustMeeting(t *testing.T, s *domain.Meetings, id string) *domain.Meeting {
	t.Helper()
	m, ok := s.Meeting(id)
	if !ok {
		t.Fatalf("no meeting %s", id)
	}
	return m
}

func mustItem(t *testing.T, s *domain.Meetings, id string) *domain.Item {
	t.Helper()
	it, ok := s.Item(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it
}

// ---- Schedule ----

func TestScheduleMeeting(t *testing.T) {
	s := givenMeetings(t)
	got, err := s.Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: "Tampere-talo, kokoushuone 2",
		VideoLink: "https://meet.example.fi/ohjausryhma", DeadlineDays: 7}, meetingGroup(t))
	thenEvents(t, got[:1], err, &v1.MeetingScheduled{MeetingId: meetMarch, StartsAt: marchStart, Place: "Tampere-talo, kokoushuone 2",
		VideoLink: "https://meet.example.fi/ohjausryhma", AgendaDeadlineDays: 7})
	thenStandardItems(t, got[1:], meetMarch, false)
	again, _ := givenMeetings(t).Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: "Tampere-talo, kokoushuone 2"}, meetingGroup(t))
	for i := 1; i < len(again) && i < len(got); i++ {
		if a, b := again[i].(*v1.ItemAdded), got[i].(*v1.ItemAdded); a.GetItemId() != b.GetItemId() {
			t.Errorf("standard item %d has id %s, then %s: a replayed command must make the same ids", i, b.GetItemId(), a.GetItemId())
		}
	}
	if _, ok := s.Meeting(meetMarch); ok {
		t.Fatal("deciding changed the state")
	}

	applyDecided(t, s, got, nil)
	m := mustMeeting(t, s, meetMarch)
	if m.State != v1.MeetingState_MEETING_STATE_SCHEDULED || m.StartsAt != marchStart || m.DeadlineDays != 7 ||
		m.VideoLink != "https://meet.example.fi/ohjausryhma" || m.AgendaApproved || len(m.Items) != 7 || m.Year() != 2026 {
		t.Errorf("state after MeetingScheduled: %+v", m)
	}
}

func TestScheduleMeetingAccepts(t *testing.T) {
	tests := []struct {
		name string
		cmd  domain.ScheduleMeeting
	}{
		{"place only", domain.ScheduleMeeting{StartsAt: marchStart, Place: "Kirjasto Metso"}},
		{"https video link only", domain.ScheduleMeeting{StartsAt: marchStart, VideoLink: "https://teams.example.fi/l/meetup-join/19%3ameeting"}},
		{"http video link only", domain.ScheduleMeeting{StartsAt: marchStart, VideoLink: "http://meet.example.fi/ohjausryhma"}},
		{"summer time offset", domain.ScheduleMeeting{StartsAt: septStart, Place: "Kirjasto Metso"}},
		{"UTC written as Z", domain.ScheduleMeeting{StartsAt: "2026-03-12T11:00:00Z", Place: "Kirjasto Metso"}},
		{"fractional seconds", domain.ScheduleMeeting{StartsAt: "2026-03-12T13:00:00.5+02:00", Place: "Kirjasto Metso"}},
		{"deadline of 60 days", domain.ScheduleMeeting{StartsAt: marchStart, Place: "Kirjasto Metso", DeadlineDays: 60}},
		{"place of 300 characters", domain.ScheduleMeeting{StartsAt: marchStart, Place: strings.Repeat("ä", 300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cmd.MeetingID = meetMarch
			got, err := givenMeetings(t).Schedule(tt.cmd, meetingGroup(t))
			if len(got) == 0 {
				t.Fatalf("refused: %v", err)
			}
			thenEvents(t, got[:1], err, &v1.MeetingScheduled{MeetingId: meetMarch, StartsAt: tt.cmd.StartsAt, Place: tt.cmd.Place,
				VideoLink: tt.cmd.VideoLink, AgendaDeadlineDays: tt.cmd.DeadlineDays})
		})
	}
}

func TestScheduleMeetingRefused(t *testing.T) {
	ok := domain.ScheduleMeeting{MeetingID: meetSept, StartsAt: septStart, Place: "Kirjasto Metso", DeadlineDays: 7}
	tests := []struct {
		name  string
		edit  func(*domain.ScheduleMeeting)
		group func(*testing.T) *domain.Group
		code  domain.Code
		field string
	}{
		{"no group", nil, func(*testing.T) *domain.Group { return nil }, domain.CodeNotFound, "group_id"},
		{"group never created", nil, func(*testing.T) *domain.Group { return domain.NewGroup(regID) }, domain.CodeNotFound, "group_id"},
		{"meeting id taken", func(c *domain.ScheduleMeeting) { c.MeetingID = meetMarch }, nil, domain.CodeAlreadyExists, "meeting_id"},
		{"no starts_at", func(c *domain.ScheduleMeeting) { c.StartsAt = "" }, nil, domain.CodeInvalid, "starts_at"},
		{"starts_at without offset", func(c *domain.ScheduleMeeting) { c.StartsAt = "2026-09-10T13:00:00" }, nil, domain.CodeInvalid, "starts_at"},
		{"starts_at a date only", func(c *domain.ScheduleMeeting) { c.StartsAt = "2026-09-10" }, nil, domain.CodeInvalid, "starts_at"},
		{"starts_at in Finnish notation", func(c *domain.ScheduleMeeting) { c.StartsAt = "10.9.2026 klo 13" }, nil, domain.CodeInvalid, "starts_at"},
		{"starts_at impossible date", func(c *domain.ScheduleMeeting) { c.StartsAt = "2026-02-30T13:00:00+02:00" }, nil, domain.CodeInvalid, "starts_at"},
		{"starts_at with offset without colon", func(c *domain.ScheduleMeeting) { c.StartsAt = "2026-09-10T13:00:00+0300" }, nil, domain.CodeInvalid, "starts_at"},
		{"neither place nor video link", func(c *domain.ScheduleMeeting) { c.Place = "" }, nil, domain.CodeInvalid, "place"},
		{"place too long", func(c *domain.ScheduleMeeting) { c.Place = strings.Repeat("ä", 301) }, nil, domain.CodeInvalid, "place"},
		{"identity code in place", func(c *domain.ScheduleMeeting) { c.Place = "Kotikäynti, " + validHetu }, nil, domain.CodeInvalid, "place"},
		{"ftp video link", func(c *domain.ScheduleMeeting) { c.VideoLink = "ftp://meet.example.fi/x" }, nil, domain.CodeInvalid, "video_link"},
		{"video link without scheme", func(c *domain.ScheduleMeeting) { c.VideoLink = "meet.example.fi/ohjausryhma" }, nil, domain.CodeInvalid, "video_link"},
		{"video link without host", func(c *domain.ScheduleMeeting) { c.VideoLink = "https://" }, nil, domain.CodeInvalid, "video_link"},
		{"javascript video link", func(c *domain.ScheduleMeeting) { c.VideoLink = "javascript:alert(1)" }, nil, domain.CodeInvalid, "video_link"},
		{"video link only, not http", func(c *domain.ScheduleMeeting) { c.Place, c.VideoLink = "", "mailto:pj@example.fi" }, nil, domain.CodeInvalid, "video_link"},
		{"video link too long", func(c *domain.ScheduleMeeting) { c.VideoLink = "https://meet.example.fi/" + strings.Repeat("a", 1980) }, nil, domain.CodeInvalid, "video_link"},
		{"deadline of 61 days", func(c *domain.ScheduleMeeting) { c.DeadlineDays = 61 }, nil, domain.CodeInvalid, "agenda_deadline_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := ok
			if tt.edit != nil {
				tt.edit(&cmd)
			}
			g := meetingGroup(t)
			if tt.group != nil {
				g = tt.group(t)
			}
			got, err := givenMeetings(t, meetingScheduled(meetMarch, marchStart)).Schedule(cmd, g)
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	// The base command is accepted, so each refusal above is for its edit.
	got, err := givenMeetings(t, meetingScheduled(meetMarch, marchStart)).Schedule(ok, meetingGroup(t))
	if err != nil || len(got) != 8 {
		t.Fatalf("base command refused: %v", err)
	}
}

// thenStandardItems checks the items generated with a meeting: opening,
// legality and quorum, minutes checkers (formal minutes only), agenda
// approval, other matters, next meeting, closing, in that order.
func thenStandardItems(t *testing.T, got []proto.Message, meetingID string, memo bool) {
	t.Helper()
	want := []v1.StandardItem{v1.StandardItem_STANDARD_ITEM_OPENING, v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM,
		v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS, v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL, v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS,
		v1.StandardItem_STANDARD_ITEM_NEXT_MEETING, v1.StandardItem_STANDARD_ITEM_CLOSING}
	if memo {
		want = slices.Delete(want, 2, 3)
	}
	if len(got) != len(want) {
		t.Fatalf("%d standard items, want %d: %v", len(got), len(want), got)
	}
	ids := map[string]bool{}
	for i, ev := range got {
		a, ok := ev.(*v1.ItemAdded)
		if !ok || a.GetMeetingId() != meetingID || a.GetItem().GetStandard() != want[i] || a.GetItem().GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_STANDARD ||
			a.GetItem().GetTitle() == "" || a.GetItem().GetOpenness() != v1.Openness_OPENNESS_PUBLIC || ids[a.GetItemId()] || a.GetItemId() == "" {
			t.Errorf("standard item %d: %v, want a public %s item on %s with its own id", i, ev, want[i], meetingID)
			continue
		}
		ids[a.GetItemId()] = true
	}
}

func TestScheduleMemoMeetingHasNoCheckers(t *testing.T) {
	g := meetingGroup(t)
	g.Mode = v1.GroupMode_GROUP_MODE_MEMO
	got, err := givenMeetings(t).Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: "Kirjasto Metso"}, g)
	if err != nil {
		t.Fatal(err)
	}
	thenStandardItems(t, got[1:], meetMarch, true)
}

func TestScheduleMeetingBlankPlace(t *testing.T) {
	got, err := givenMeetings(t).Schedule(domain.ScheduleMeeting{MeetingID: meetMarch, StartsAt: marchStart, Place: "   "}, meetingGroup(t))
	thenError(t, got, err, domain.CodeInvalid, "place")
}

// ---- Cancel ----

func TestCancelMeeting(t *testing.T) {
	s := everyState(t)
	got, err := s.Cancel(mScheduled, "puheenjohtaja sairastui")
	thenEvents(t, got, err, &v1.MeetingCancelled{MeetingId: mScheduled, Reason: "puheenjohtaja sairastui"})
	applyDecided(t, s, got, nil)
	if m := mustMeeting(t, s, mScheduled); m.State != v1.MeetingState_MEETING_STATE_CANCELLED || m.CancelReason != "puheenjohtaja sairastui" {
		t.Errorf("state after MeetingCancelled: %+v", m)
	}
}

func TestCancelMeetingRefused(t *testing.T) {
	tests := []struct {
		name, meeting, reason string
		code                  domain.Code
		field                 string
	}{
		{"unknown meeting", "kokous-ei-ole", "", domain.CodeNotFound, "meeting_id"},
		{"open meeting", mOpen, "", domain.CodeFailedPrecondition, "meeting_id"},
		{"open meeting with approved agenda", mApproved, "", domain.CodeFailedPrecondition, "meeting_id"},
		{"closed meeting", mClosed, "", domain.CodeFailedPrecondition, "meeting_id"},
		{"cancelled meeting", mCancelled, "", domain.CodeFailedPrecondition, "meeting_id"},
		{"identity code in reason", mScheduled, "sihteerin (" + validHetu + ") poissaolo", domain.CodeInvalid, "reason"},
		{"reason too long", mScheduled, strings.Repeat("x", 501), domain.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := everyState(t).Cancel(tt.meeting, tt.reason)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- AddItem ----

func TestAddItem(t *testing.T) {
	s := everyState(t)
	item := agendaItem("Toimintasuunnitelma 2026")
	got, err := s.AddItem("s2", mScheduled, item, false, "", "")
	thenEvents(t, got, err, &v1.ItemAdded{ItemId: "s2", MeetingId: mScheduled, Item: agendaItem("Toimintasuunnitelma 2026")})
	applyDecided(t, s, got, nil)
	if m := mustMeeting(t, s, mScheduled); !slices.Equal(m.Items, []string{"s1", "s2"}) {
		t.Errorf("agenda after ItemAdded: %v", m.Items)
	}
	if it := mustItem(t, s, "s2"); it.MeetingID != mScheduled || it.Urgent || it.Withdrawn || it.Section != 0 || it.Item.GetTitle() != "Toimintasuunnitelma 2026" {
		t.Errorf("item after ItemAdded: %+v", it)
	}
}

func TestAddItemOriginDefaultsToSecretary(t *testing.T) {
	item := agendaItem("Perheiden kuuleminen")
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED
	got, err := everyState(t).AddItem("s2", mScheduled, item, false, "", "")
	want := agendaItem("Perheiden kuuleminen")
	want.Origin = v1.ItemOrigin_ITEM_ORIGIN_SECRETARY
	thenEvents(t, got, err, &v1.ItemAdded{ItemId: "s2", MeetingId: mScheduled, Item: want})
	if item.GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED {
		t.Errorf("the caller's item was changed: origin %v", item.GetOrigin())
	}
}

func TestAddItemAccepts(t *testing.T) {
	tests := []struct {
		name    string
		meeting string
		urgent  bool
		edit    func(*v1.AgendaItem)
	}{
		{"to a scheduled meeting", mScheduled, false, nil},
		{"to an open meeting before its agenda is approved", mOpen, false, nil},
		{"urgent, to an open meeting with its agenda approved", mApproved, true, nil},
		{"only a title", mScheduled, false, func(it *v1.AgendaItem) {
			it.Title, it.Preparer, it.Grounds, it.Proposal = "Muut asiat", "", "", ""
			it.Tags, it.AttachmentUrls = nil, nil
		}},
		{"internal", mScheduled, false, func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_INTERNAL }},
		{"secret with its legal ground", mScheduled, false, func(it *v1.AgendaItem) {
			it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
		}},
		{"origin kept when given", mScheduled, false, func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE }},
		{"every task T1-T7", mScheduled, false, func(it *v1.AgendaItem) {
			it.Tags.Tasks = nil
			for task := v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING; task <= v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE; task++ {
				it.Tags.Tasks = append(it.Tags.Tasks, task)
			}
		}},
		{"municipality codes with leading zeros", mScheduled, false, func(it *v1.AgendaItem) { it.Tags.Municipalities = []string{"020", "837"} }},
		{"themes with letters, digits, spaces and hyphens", mScheduled, false, func(it *v1.AgendaItem) {
			it.Tags.Themes = []string{"Lapsiperheiden palvelut 2026", "lähisuhdeväkivalta", "T5-monimuotoisuus", strings.Repeat("ö", 60)}
		}},
		{"50 attachments", mScheduled, false, func(it *v1.AgendaItem) {
			it.AttachmentUrls = slices.Repeat([]string{"http://example.fi/liite.pdf"}, 50)
		}},
		{"digits that are no identity code", mScheduled, false, func(it *v1.AgendaItem) { it.Title = "Hankenumero 131052-3081" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := agendaItem("Asia")
			if tt.edit != nil {
				tt.edit(item)
			}
			got, err := everyState(t).AddItem("uusi", tt.meeting, item, tt.urgent, "", "")
			thenEvents(t, got, err, &v1.ItemAdded{ItemId: "uusi", MeetingId: tt.meeting, Item: item, Urgent: tt.urgent})
		})
	}
}

func TestAddItemRefusedByMeeting(t *testing.T) {
	tests := []struct {
		name, item, meeting string
		urgent              bool
		code                domain.Code
		field               string
	}{
		{"unknown meeting", "uusi", "kokous-ei-ole", false, domain.CodeNotFound, "meeting_id"},
		{"item id taken", "s1", mScheduled, false, domain.CodeAlreadyExists, "item_id"},
		{"item id taken by another meeting's item", "p1", mScheduled, false, domain.CodeAlreadyExists, "item_id"},
		{"closed meeting", "uusi", mClosed, false, domain.CodeFailedPrecondition, "meeting_id"},
		{"closed meeting, urgent", "uusi", mClosed, true, domain.CodeFailedPrecondition, "meeting_id"},
		{"cancelled meeting", "uusi", mCancelled, false, domain.CodeFailedPrecondition, "meeting_id"},
		{"agenda approved, not urgent", "uusi", mApproved, false, domain.CodeFailedPrecondition, "urgent"},
		{"urgent to a scheduled meeting", "uusi", mScheduled, true, domain.CodeFailedPrecondition, "urgent"},
		{"urgent before the agenda is approved", "uusi", mOpen, true, domain.CodeFailedPrecondition, "urgent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := everyState(t).AddItem(tt.item, tt.meeting, agendaItem("Kiireellinen asia"), tt.urgent, "", "")
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestAddItemRefusedByContent(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*v1.AgendaItem)
		field string
	}{
		{"no title", func(it *v1.AgendaItem) { it.Title = "" }, "item.title"},
		{"blank title", func(it *v1.AgendaItem) { it.Title = " \t " }, "item.title"},
		{"title too long", func(it *v1.AgendaItem) { it.Title = strings.Repeat("ä", 301) }, "item.title"},
		{"identity code in title", func(it *v1.AgendaItem) { it.Title = "Asiakkaan " + validHetu + " palvelutarve" }, "item.title"},
		{"identity code in preparer", func(it *v1.AgendaItem) { it.Preparer = "Sari Sihteeri " + validHetu }, "item.preparer"},
		{"identity code in grounds", func(it *v1.AgendaItem) { it.Grounds = "Perhe (" + validHetu + ") on hakenut tukea." }, "item.grounds"},
		{"identity code in lower case in grounds", func(it *v1.AgendaItem) { it.Grounds = strings.ToLower(validHetu) }, "item.grounds"},
		{"grounds too long", func(it *v1.AgendaItem) { it.Grounds = strings.Repeat("p", 20001) }, "item.grounds"},
		{"identity code in proposal", func(it *v1.AgendaItem) { it.Proposal = "Myönnetään tuki henkilölle " + validHetu + "." }, "item.proposal"},
		{"identity code in legal ground", func(it *v1.AgendaItem) {
			it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § "+validHetu
		}, "item.legal_ground"},
		{"openness unspecified", func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_UNSPECIFIED }, "item.openness"},
		{"openness unknown", func(it *v1.AgendaItem) { it.Openness = v1.Openness(7) }, "item.openness"},
		{"secret without legal ground", func(it *v1.AgendaItem) { it.Openness = v1.Openness_OPENNESS_SECRET }, "item.legal_ground"},
		{"origin unknown", func(it *v1.AgendaItem) { it.Origin = v1.ItemOrigin(99) }, "item.origin"},
		{"task unspecified", func(it *v1.AgendaItem) {
			it.Tags.Tasks = []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_UNSPECIFIED}
		}, "item.tags.tasks[0]"},
		{"task past T7", func(it *v1.AgendaItem) {
			it.Tags.Tasks = []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE, v1.FamilyCentreTask(8)}
		}, "item.tags.tasks[1]"},
		{"task negative", func(it *v1.AgendaItem) { it.Tags.Tasks = []v1.FamilyCentreTask{-1} }, "item.tags.tasks[0]"},
		{"municipality of two digits", func(it *v1.AgendaItem) { it.Tags.Municipalities = []string{"837", "83"} }, "item.tags.municipalities[1]"},
		{"municipality of four digits", func(it *v1.AgendaItem) { it.Tags.Municipalities = []string{"0837"} }, "item.tags.municipalities[0]"},
		{"municipality by name", func(it *v1.AgendaItem) { it.Tags.Municipalities = []string{"Tampere"} }, "item.tags.municipalities[0]"},
		{"empty theme", func(it *v1.AgendaItem) { it.Tags.Themes = []string{"varhainen tuki", ""} }, "item.tags.themes[1]"},
		{"theme starting with a digit", func(it *v1.AgendaItem) { it.Tags.Themes = []string{"2026 painopisteet"} }, "item.tags.themes[0]"},
		{"hashtag theme", func(it *v1.AgendaItem) { it.Tags.Themes = []string{"#perhekeskus"} }, "item.tags.themes[0]"},
		{"theme of 61 characters", func(it *v1.AgendaItem) { it.Tags.Themes = []string{strings.Repeat("ö", 61)} }, "item.tags.themes[0]"},
		{"attachment by ftp", func(it *v1.AgendaItem) {
			it.AttachmentUrls = []string{"https://example.fi/liite.pdf", "ftp://example.fi/liite.pdf"}
		}, "item.attachment_urls[1]"},
		{"attachment a bare file name", func(it *v1.AgendaItem) { it.AttachmentUrls = []string{"liite.pdf"} }, "item.attachment_urls[0]"},
		{"attachment javascript", func(it *v1.AgendaItem) {
			it.AttachmentUrls = []string{"https://example.fi/a.pdf", "https://example.fi/b.pdf", "javascript:alert(1)"}
		}, "item.attachment_urls[2]"},
		{"51 attachments", func(it *v1.AgendaItem) {
			it.AttachmentUrls = slices.Repeat([]string{"https://example.fi/liite.pdf"}, 51)
		}, "item.attachment_urls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := agendaItem("Asia")
			tt.edit(item)
			got, err := everyState(t).AddItem("uusi", mScheduled, item, false, "", "")
			thenError(t, got, err, domain.CodeInvalid, tt.field)
		})
	}
}

func TestAddItemSecretWithBlankLegalGround(t *testing.T) {
	item := agendaItem("Lastensuojeluasia")
	item.Openness, item.LegalGround = v1.Openness_OPENNESS_SECRET, "   "
	got, err := everyState(t).AddItem("uusi", mScheduled, item, false, "", "")
	thenError(t, got, err, domain.CodeInvalid, "item.legal_ground")
}

func TestAddItemEmptyAttachmentURL(t *testing.T) {
	item := agendaItem("Asia")
	item.AttachmentUrls = []string{"https://example.fi/a.pdf", ""}
	got, err := everyState(t).AddItem("uusi", mScheduled, item, false, "", "")
	thenError(t, got, err, domain.CodeInvalid, "item.attachment_urls[1]")
}

func TestAddItemWithoutItem(t *testing.T) {
	// The API passes AddItemRequest.item as it came; a request without it
	// must be refused, not crash the command.
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("AddItem with a nil item panicked: %v", r)
		}
	}()
	got, err := everyState(t).AddItem("uusi", mScheduled, nil, false, "", "")
	thenError(t, got, err, domain.CodeInvalid, "item")
}

// ---- WithdrawItem ----

func TestWithdrawItem(t *testing.T) {
	s := openMarch(t)
	got, err := s.WithdrawItem("a1", "siirretään seuraavaan kokoukseen")
	thenEvents(t, got, err, &v1.ItemWithdrawn{ItemId: "a1", Reason: "siirretään seuraavaan kokoukseen"})
	applyDecided(t, s, got, nil)
	if it := mustItem(t, s, "a1"); !it.Withdrawn || it.Section != 0 {
		t.Errorf("item after ItemWithdrawn: %+v", it)
	}
	// A withdrawn item keeps its place on the agenda.
	if m := mustMeeting(t, s, meetMarch); !slices.Equal(m.Items, []string{"a1", "a2", "a3"}) {
		t.Errorf("agenda after ItemWithdrawn: %v", m.Items)
	}
}

func TestWithdrawItemRefused(t *testing.T) {
	tests := []struct {
		name, item, reason string
		code               domain.Code
		field              string
	}{
		{"unknown item", "ei-ole", "", domain.CodeNotFound, "item_id"},
		{"withdrawn twice", "a2", "", domain.CodeFailedPrecondition, "item_id"},
		{"decided item", "a3", "", domain.CodeFailedPrecondition, "item_id"},
		{"identity code in reason", "a1", "hakija " + validHetu + " perui", domain.CodeInvalid, "reason"},
		{"reason too long", "a1", strings.Repeat("x", 501), domain.CodeInvalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openMarch(t).WithdrawItem(tt.item, tt.reason)
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

// ---- Open and ApproveAgenda ----

func TestOpenMeeting(t *testing.T) {
	s := everyState(t)
	got, err := s.Open(mScheduled, "2026-05-14T13:01:00+03:00", attendance(), true, true, meetingGroup(t))
	thenEvents(t, got, err, &v1.MeetingOpened{MeetingId: mScheduled, OpenedAt: "2026-05-14T13:01:00+03:00",
		Attendance: attendance(), Lawful: true, Quorate: true})
	applyDecided(t, s, got, nil)
	m := mustMeeting(t, s, mScheduled)
	if m.State != v1.MeetingState_MEETING_STATE_OPEN || !m.Lawful || !m.Quorate || m.AgendaApproved || len(m.Attendance) != 3 {
		t.Errorf("state after MeetingOpened: %+v", m)
	}
}

func TestOpenMeetingRefused(t *testing.T) {
	present := func(id string) *v1.Attendance {
		return &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}
	}
	tests := []struct {
		name            string
		meeting         string
		attendance      []*v1.Attendance
		lawful, quorate bool
		code            domain.Code
		field           string
	}{
		{"unknown meeting", "kokous-ei-ole", attendance(), true, true, domain.CodeNotFound, "meeting_id"},
		{"open meeting", mOpen, attendance(), true, true, domain.CodeFailedPrecondition, "meeting_id"},
		{"closed meeting", mClosed, attendance(), true, true, domain.CodeFailedPrecondition, "meeting_id"},
		{"cancelled meeting", mCancelled, attendance(), true, true, domain.CodeFailedPrecondition, "meeting_id"},
		{"not a member", mScheduled, []*v1.Attendance{present(chairM), present("vieras")}, true, true, domain.CodeNotFound, "attendance[1].membership_id"},
		{"no membership id", mScheduled, []*v1.Attendance{present("")}, true, true, domain.CodeNotFound, "attendance[0].membership_id"},
		{"ended member", mScheduled, []*v1.Attendance{present(chairM), present(memberB), present(endedM)}, true, true, domain.CodeNotFound, "attendance[2].membership_id"},
		{"member listed twice", mScheduled, []*v1.Attendance{present(chairM), present(memberB), {MembershipId: chairM, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT}}, true, true, domain.CodeInvalid, "attendance[2].membership_id"},
		{"deputy without a name", mScheduled, []*v1.Attendance{present(chairM), {MembershipId: memberB, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY}}, true, true, domain.CodeInvalid, "attendance[1].deputy_name"},
		{"deputy with a blank name", mScheduled, []*v1.Attendance{{MembershipId: memberB, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: "  "}}, true, true, domain.CodeInvalid, "attendance[0].deputy_name"},
		{"deputy named by identity code", mScheduled, []*v1.Attendance{{MembershipId: memberB, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: validHetu}}, true, true, domain.CodeInvalid, "attendance[0].deputy_name"},
		{"status missing", mScheduled, []*v1.Attendance{{MembershipId: chairM}}, true, true, domain.CodeInvalid, "attendance[0].status"},
		{"status unknown", mScheduled, []*v1.Attendance{present(chairM), {MembershipId: memberB, Status: v1.AttendanceStatus(9)}}, true, true, domain.CodeInvalid, "attendance[1].status"},
		{"not lawfully convened", mScheduled, attendance(), false, true, domain.CodeFailedPrecondition, "quorate"},
		{"no quorum", mScheduled, attendance(), true, false, domain.CodeFailedPrecondition, "quorate"},
		{"neither", mScheduled, attendance(), false, false, domain.CodeFailedPrecondition, "quorate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := everyState(t).Open(tt.meeting, "2026-05-14T13:01:00+03:00", tt.attendance, tt.lawful, tt.quorate, meetingGroup(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}
}

func TestApproveAgenda(t *testing.T) {
	s := everyState(t)
	got, err := s.ApproveAgenda(mOpen)
	thenEvents(t, got, err, &v1.AgendaApproved{MeetingId: mOpen})
	applyDecided(t, s, got, nil)
	if !mustMeeting(t, s, mOpen).AgendaApproved {
		t.Error("agenda not approved after AgendaApproved")
	}

	// Approving again decides nothing.
	got, err = s.ApproveAgenda(mOpen)
	thenEvents(t, got, err)

	for _, id := range []string{mScheduled, mClosed, mCancelled} {
		got, err := s.ApproveAgenda(id)
		thenError(t, got, err, domain.CodeFailedPrecondition, "meeting_id")
	}
	got, err = s.ApproveAgenda("kokous-ei-ole")
	thenError(t, got, err, domain.CodeNotFound, "meeting_id")
}

// ---- Decide ----

func TestDecide(t *testing.T) {
	s := openMarch(t)
	d := &v1.Decision{
		Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED,
		Text:    "Ohjausryhmä hyväksyi suunnitelman muutettuna.",
		// The deputy standing in for memberB is present and may dissent.
		Dissents:                  []*v1.Dissent{{MembershipId: memberB, Text: "Eriävä mielipide: kustannukset."}, {MembershipId: chairM}},
		DisqualifiedMembershipIds: []string{memberC},
		Affects: &v1.Affects{GroupIds: []string{localID, otherLocalID}, Organisations: []string{"Tampereen kaupunki"},
			Municipalities: []string{"837", "536"}, Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T6_VIOLENCE_PREVENTION},
			Themes: []string{"lähisuhdeväkivalta"}},
	}
	if s.LastSection(2026) != 1 {
		t.Fatalf("LastSection(2026) = %d, want 1", s.LastSection(2026))
	}
	got, err := s.Decide("a1", d, meetingGroup(t))
	thenEvents(t, got, err, &v1.DecisionRecorded{ItemId: "a1", Section: s.LastSection(2026) + 1, Decision: proto.CloneOf(d)})
	if got[0].(*v1.DecisionRecorded).GetSection() != 2 {
		t.Errorf("section %d, want 2", got[0].(*v1.DecisionRecorded).GetSection())
	}
	applyDecided(t, s, got, nil)
	if it := mustItem(t, s, "a1"); it.Section != 2 || !proto.Equal(it.Decision, d) {
		t.Errorf("item after DecisionRecorded: %+v", it)
	}
	if s.LastSection(2026) != 2 || s.LastSection(2027) != 0 {
		t.Errorf("LastSection 2026 = %d, 2027 = %d, want 2 and 0", s.LastSection(2026), s.LastSection(2027))
	}
}

func TestDecideRefused(t *testing.T) {
	marchAnd := func(t *testing.T) *domain.Meetings {
		// openMarch plus a meeting in every other state, each with one item.
		s := openMarch(t)
		for _, ev := range []proto.Message{
			meetingScheduled(mScheduled, "2026-05-14T13:00:00+03:00"), itemAdded("s1", mScheduled),
			meetingScheduled(mClosed, "2026-02-12T13:00:00+02:00"), itemAdded("c1", mClosed),
			meetingOpened(mClosed), meetingClosed(mClosed),
			meetingScheduled(mCancelled, "2026-01-15T13:00:00+02:00"), itemAdded("x1", mCancelled), meetingCancelled(mCancelled),
		} {
			if err := s.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	with := func(edit func(*v1.Decision)) *v1.Decision {
		d := basicDecision()
		edit(d)
		return d
	}
	tests := []struct {
		name     string
		item     string
		decision *v1.Decision
		code     domain.Code
		field    string
	}{
		{"unknown item", "ei-ole", basicDecision(), domain.CodeNotFound, "item_id"},
		{"scheduled meeting", "s1", basicDecision(), domain.CodeFailedPrecondition, "item_id"},
		{"closed meeting", "c1", basicDecision(), domain.CodeFailedPrecondition, "item_id"},
		{"cancelled meeting", "x1", basicDecision(), domain.CodeFailedPrecondition, "item_id"},
		{"withdrawn item", "a2", basicDecision(), domain.CodeFailedPrecondition, "item_id"},
		{"item already decided", "a3", basicDecision(), domain.CodeFailedPrecondition, "item_id"},
		{"no decision", "a1", nil, domain.CodeInvalid, "decision.outcome"},
		{"outcome unspecified", "a1", with(func(d *v1.Decision) { d.Outcome = v1.Outcome_OUTCOME_UNSPECIFIED }), domain.CodeInvalid, "decision.outcome"},
		{"outcome unknown", "a1", with(func(d *v1.Decision) { d.Outcome = v1.Outcome(42) }), domain.CodeInvalid, "decision.outcome"},
		{"no text", "a1", with(func(d *v1.Decision) { d.Text = "" }), domain.CodeInvalid, "decision.text"},
		{"blank text", "a1", with(func(d *v1.Decision) { d.Text = "\n  \n" }), domain.CodeInvalid, "decision.text"},
		{"text too long", "a1", with(func(d *v1.Decision) { d.Text = strings.Repeat("t", 20001) }), domain.CodeInvalid, "decision.text"},
		{"identity code in text", "a1", with(func(d *v1.Decision) { d.Text = "Tuki myönnetään: " + validHetu }), domain.CodeInvalid, "decision.text"},
		{"dissent by an absent member", "a1", with(func(d *v1.Decision) {
			d.Dissents = []*v1.Dissent{{MembershipId: memberC, Text: "Vastustan."}}
		}), domain.CodeFailedPrecondition, "decision.dissents[0].membership_id"},
		{"dissent by someone not at the meeting", "a1", with(func(d *v1.Decision) {
			d.Dissents = []*v1.Dissent{{MembershipId: chairM}, {MembershipId: endedM}}
		}), domain.CodeFailedPrecondition, "decision.dissents[1].membership_id"},
		{"identity code in dissent", "a1", with(func(d *v1.Decision) {
			d.Dissents = []*v1.Dissent{{MembershipId: chairM, Text: "Koskee henkilöä " + validHetu}}
		}), domain.CodeInvalid, "decision.dissents[0].text"},
		{"dissent too long", "a1", with(func(d *v1.Decision) {
			d.Dissents = []*v1.Dissent{{MembershipId: chairM, Text: strings.Repeat("e", 5001)}}
		}), domain.CodeInvalid, "decision.dissents[0].text"},
		{"disqualified not a member", "a1", with(func(d *v1.Decision) {
			d.DisqualifiedMembershipIds = []string{memberC, "vieras"}
		}), domain.CodeNotFound, "decision.disqualified_membership_ids[1]"},
		{"affects a group by name", "a1", with(func(d *v1.Decision) {
			d.Affects = &v1.Affects{GroupIds: []string{localID, "Perhekeskus"}}
		}), domain.CodeInvalid, "decision.affects.group_ids[1]"},
		{"affects an empty group id", "a1", with(func(d *v1.Decision) { d.Affects = &v1.Affects{GroupIds: []string{""}} }), domain.CodeInvalid, "decision.affects.group_ids[0]"},
		{"affects a blank organisation", "a1", with(func(d *v1.Decision) { d.Affects = &v1.Affects{Organisations: []string{" "}} }), domain.CodeInvalid, "decision.affects.organisations[0]"},
		{"affects an organisation by identity code", "a1", with(func(d *v1.Decision) {
			d.Affects = &v1.Affects{Organisations: []string{"Järjestö ry", "Toiminimi " + validHetu}}
		}), domain.CodeInvalid, "decision.affects.organisations[1]"},
		{"affects a bad municipality", "a1", with(func(d *v1.Decision) { d.Affects = &v1.Affects{Municipalities: []string{"Tampere"}} }), domain.CodeInvalid, "decision.affects.municipalities[0]"},
		{"affects a task past T7", "a1", with(func(d *v1.Decision) {
			d.Affects = &v1.Affects{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING, 8}}
		}), domain.CodeInvalid, "decision.affects.tasks[1]"},
		{"affects an unspecified task", "a1", with(func(d *v1.Decision) { d.Affects = &v1.Affects{Tasks: []v1.FamilyCentreTask{0}} }), domain.CodeInvalid, "decision.affects.tasks[0]"},
		{"affects a bad theme", "a1", with(func(d *v1.Decision) { d.Affects = &v1.Affects{Themes: []string{"perheet!"}} }), domain.CodeInvalid, "decision.affects.themes[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := marchAnd(t).Decide(tt.item, tt.decision, meetingGroup(t))
			thenError(t, got, err, tt.code, tt.field)
		})
	}

	// The base decision on a1 is accepted, so each refusal above is for its edit.
	got, err := marchAnd(t).Decide("a1", basicDecision(), meetingGroup(t))
	thenEvents(t, got, err, decisionRecorded("a1", 2))
}

// decideAll decides every listed item of an open meeting in turn and checks
// the § number of each.
func decideAll(t *testing.T, s *domain.Meetings, g *domain.Group, items []string, sections []uint32) {
	t.Helper()
	for i, id := range items {
		got, err := s.Decide(id, basicDecision(), g)
		thenEvents(t, got, err, decisionRecorded(id, sections[i]))
		applyDecided(t, s, got, err)
	}
}

func TestSectionsRunPerCalendarYear(t *testing.T) {
	g := meetingGroup(t)
	s := givenMeetings(t)
	do := func(got []proto.Message, err error) {
		t.Helper()
		applyDecided(t, s, got, err)
	}
	for _, m := range []struct{ id, at string }{{meetMarch, marchStart}, {meetSept, septStart}, {meetFeb27, feb27Start}} {
		do(s.Schedule(domain.ScheduleMeeting{MeetingID: m.id, StartsAt: m.at, Place: "Kirjasto Metso"}, g))
	}
	for _, it := range []struct{ id, meeting string }{{"a1", meetMarch}, {"a2", meetMarch}, {"a3", meetMarch}, {"b1", meetSept}, {"b2", meetSept}, {"c1", meetFeb27}, {"c2", meetFeb27}} {
		do(s.AddItem(it.id, it.meeting, agendaItem("Asia "+it.id), false, "", ""))
	}
	open := func(id string) {
		t.Helper()
		do(s.Open(id, "", attendance(), true, true, g))
		do(s.ApproveAgenda(id))
	}

	// March 2026: a withdrawn item takes no number.
	open(meetMarch)
	do(s.WithdrawItem("a2", ""))
	// Opening and approving the agenda decide the standard items opening,
	// legality and quorum, and agenda approval: § 1-3 of a year's first meeting.
	decideAll(t, s, g, []string{"a3", "a1"}, []uint32{4, 5})
	// Closing decides other matters, next meeting and closing: § 6-8.
	do(s.Close(meetMarch, "2026-03-12T15:10:00+02:00"))

	// February 2027, decided while the September 2026 meeting is still to come.
	open(meetFeb27)
	decideAll(t, s, g, []string{"c1"}, []uint32{4})

	// September 2026 continues the numbers of 2026: § 9-11 standard.
	open(meetSept)
	decideAll(t, s, g, []string{"b1", "b2"}, []uint32{12, 13})

	// And 2027 continues its own.
	decideAll(t, s, g, []string{"c2"}, []uint32{5})

	if s.LastSection(2026) != 13 || s.LastSection(2027) != 5 || s.LastSection(2025) != 0 {
		t.Errorf("LastSection 2025 %d, 2026 %d, 2027 %d; want 0, 13, 5", s.LastSection(2025), s.LastSection(2026), s.LastSection(2027))
	}
	want := map[string]uint32{"a1": 5, "a2": 0, "a3": 4, "b1": 12, "b2": 13, "c1": 4, "c2": 5}
	for id, sec := range want {
		if it := mustItem(t, s, id); it.Section != sec {
			t.Errorf("item %s has § %d, want § %d", id, it.Section, sec)
		}
	}
}

func TestSectionsCountInTheMeetingsLocalYear(t *testing.T) {
	const (
		newYear = "kokous-uudenvuodenyo"
		// 2027 in Finland, 2026-12-31T22:30:00Z in UTC.
		newYearStart = "2027-01-01T00:30:00+02:00"
		newYearsEve  = "kokous-uudenvuodenaatto"
		// 2026 where it is held, 2027-01-01T00:30:00Z in UTC.
		newYearsEveStart = "2026-12-31T23:30:00-01:00"
	)
	given2026 := func(t *testing.T) *domain.Meetings {
		return givenMeetings(t,
			meetingScheduled(meetMarch, marchStart), itemAdded("a1", meetMarch), itemAdded("a2", meetMarch), itemAdded("a3", meetMarch),
			meetingOpened(meetMarch), agendaApproved(meetMarch),
			decisionRecorded("a1", 1), decisionRecorded("a2", 2), decisionRecorded("a3", 3), meetingClosed(meetMarch),
			meetingScheduled(newYear, newYearStart), itemAdded("n1", newYear), meetingOpened(newYear), agendaApproved(newYear),
			meetingScheduled(newYearsEve, newYearsEveStart), itemAdded("e1", newYearsEve), meetingOpened(newYearsEve), agendaApproved(newYearsEve))
	}
	g := meetingGroup(t)

	s := given2026(t)
	if y := mustMeeting(t, s, newYear).Year(); y != 2027 {
		t.Errorf("meeting at %s is in year %d, want 2027", newYearStart, y)
	}
	if y := mustMeeting(t, s, newYearsEve).Year(); y != 2026 {
		t.Errorf("meeting at %s is in year %d, want 2026", newYearsEveStart, y)
	}

	decideAll(t, s, g, []string{"n1", "e1"}, []uint32{1, 4})
	if s.LastSection(2026) != 4 || s.LastSection(2027) != 1 {
		t.Errorf("LastSection 2026 %d, 2027 %d; want 4 and 1", s.LastSection(2026), s.LastSection(2027))
	}
}

// ---- Close ----

func TestCloseMeeting(t *testing.T) {
	s := everyState(t)
	got, err := s.Close(mApproved, "2026-04-09T15:10:00+03:00")
	thenEvents(t, got, err, &v1.MeetingClosed{MeetingId: mApproved, ClosedAt: "2026-04-09T15:10:00+03:00"})
	applyDecided(t, s, got, nil)
	if m := mustMeeting(t, s, mApproved); m.State != v1.MeetingState_MEETING_STATE_CLOSED {
		t.Errorf("state after MeetingClosed: %v", m.State)
	}
}

func TestCloseMeetingRefused(t *testing.T) {
	tests := []struct {
		name, meeting string
		code          domain.Code
	}{
		{"unknown meeting", "kokous-ei-ole", domain.CodeNotFound},
		{"scheduled meeting", mScheduled, domain.CodeFailedPrecondition},
		{"closed meeting", mClosed, domain.CodeFailedPrecondition},
		{"cancelled meeting", mCancelled, domain.CodeFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := everyState(t).Close(tt.meeting, "2026-04-09T15:10:00+03:00")
			thenError(t, got, err, tt.code, "meeting_id")
		})
	}
}

// ---- Apply ----

func TestMeetingsApplyRescheduled(t *testing.T) {
	s := givenMeetings(t, meetingScheduled(meetMarch, marchStart), &v1.MeetingRescheduled{MeetingId: meetMarch,
		StartsAt: "2027-01-14T13:00:00+02:00", VideoLink: "https://meet.example.fi/ohjausryhma"})
	m := mustMeeting(t, s, meetMarch)
	if m.StartsAt != "2027-01-14T13:00:00+02:00" || m.Place != "" || m.VideoLink != "https://meet.example.fi/ohjausryhma" ||
		m.Year() != 2027 || m.State != v1.MeetingState_MEETING_STATE_SCHEDULED || m.DeadlineDays != 7 {
		t.Errorf("state after MeetingRescheduled: %+v", m)
	}
}

func TestMeetingsApplyRefusesWhatItCannotFold(t *testing.T) {
	for _, ev := range []proto.Message{
		&v1.ItemAdded{ItemId: "a9", MeetingId: "kokous-ei-ole", Item: agendaItem("Asia")},
		&v1.ItemWithdrawn{ItemId: "ei-ole"},
		&v1.DecisionRecorded{ItemId: "ei-ole", Section: 1, Decision: basicDecision()},
		&v1.MeetingOpened{MeetingId: "kokous-ei-ole", Lawful: true, Quorate: true},
		&v1.MeetingCancelled{MeetingId: "kokous-ei-ole"},
		&v1.AgendaApproved{MeetingId: "kokous-ei-ole"},
		&v1.MeetingClosed{MeetingId: "kokous-ei-ole"},
		&v1.MeetingRescheduled{MeetingId: "kokous-ei-ole"},
		&v1.GroupCreated{GroupId: regID}, // another aggregate's event
	} {
		s := openMarch(t)
		if err := s.Apply(ev); err == nil {
			t.Errorf("Apply(%T %v) folded an event it cannot", ev, ev)
		}
	}
}

// ---- Clone ----

func TestMeetingsCloneIsolatesApply(t *testing.T) {
	orig := openMarch(t)
	if err := orig.Apply(meetingScheduled(meetSept, septStart)); err != nil {
		t.Fatal(err)
	}
	c := orig.Clone()
	if c.GroupID != regID {
		t.Errorf("clone of group %q", c.GroupID)
	}
	for _, ev := range []proto.Message{
		itemAdded("a4", meetMarch),
		itemWithdrawn("a1"),
		decisionRecorded("a4", 2),
		meetingClosed(meetMarch),
		itemAdded("b1", meetSept),
		&v1.MeetingRescheduled{MeetingId: meetSept, StartsAt: feb27Start, Place: "Uusi paikka"},
		meetingOpened(meetSept), agendaApproved(meetSept),
		decisionRecorded("b1", 1),
	} {
		if err := c.Apply(ev); err != nil {
			t.Fatalf("apply %T to the clone: %v", ev, err)
		}
	}

	// The clone took every change.
	if m := mustMeeting(t, c, meetMarch); m.State != v1.MeetingState_MEETING_STATE_CLOSED || !slices.Equal(m.Items, []string{"a1", "a2", "a3", "a4"}) {
		t.Errorf("clone's March meeting: %+v", m)
	}
	if m := mustMeeting(t, c, meetSept); m.State != v1.MeetingState_MEETING_STATE_OPEN || !m.AgendaApproved || m.StartsAt != feb27Start || !slices.Equal(m.Items, []string{"b1"}) {
		t.Errorf("clone's September meeting: %+v", m)
	}
	if !mustItem(t, c, "a1").Withdrawn || mustItem(t, c, "a4").Section != 2 || mustItem(t, c, "b1").Section != 1 {
		t.Error("clone's items did not take the events")
	}
	if c.LastSection(2026) != 2 || c.LastSection(2027) != 1 {
		t.Errorf("clone's LastSection 2026 %d, 2027 %d; want 2 and 1", c.LastSection(2026), c.LastSection(2027))
	}

	// The original did not.
	m := mustMeeting(t, orig, meetMarch)
	if m.State != v1.MeetingState_MEETING_STATE_OPEN || !m.AgendaApproved || !slices.Equal(m.Items, []string{"a1", "a2", "a3"}) {
		t.Errorf("original's March meeting changed: %+v", m)
	}
	m = mustMeeting(t, orig, meetSept)
	if m.State != v1.MeetingState_MEETING_STATE_SCHEDULED || m.AgendaApproved || m.StartsAt != septStart || m.Place != "Tampere-talo, kokoushuone 2" || len(m.Items) != 0 || len(m.Attendance) != 0 {
		t.Errorf("original's September meeting changed: %+v", m)
	}
	if it := mustItem(t, orig, "a1"); it.Withdrawn || it.Section != 0 {
		t.Errorf("original's item a1 changed: %+v", it)
	}
	for _, id := range []string{"a4", "b1"} {
		if _, ok := orig.Item(id); ok {
			t.Errorf("item %s added to the clone shows in the original", id)
		}
	}
	if orig.LastSection(2026) != 1 || orig.LastSection(2027) != 0 {
		t.Errorf("original's LastSection 2026 %d, 2027 %d; want 1 and 0", orig.LastSection(2026), orig.LastSection(2027))
	}

	// Nor does the clone see what the original takes later.
	if err := orig.Apply(itemAdded("a5", meetMarch)); err != nil {
		t.Fatal(err)
	}
	if err := orig.Apply(decisionRecorded("a5", 2)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Item("a5"); ok {
		t.Error("item added to the original shows in the clone")
	}
	if got := mustMeeting(t, c, meetMarch).Items; !slices.Equal(got, []string{"a1", "a2", "a3", "a4"}) {
		t.Errorf("clone's March agenda after the original took a5: %v", got)
	}
	if got := mustMeeting(t, orig, meetMarch).Items; !slices.Equal(got, []string{"a1", "a2", "a3", "a5"}) {
		t.Errorf("original's March agenda: %v", got)
	}
}

func TestMeetingsCloneItemsWithSpareCapacity(t *testing.T) {
	orig := givenMeetings(t, meetingScheduled(meetMarch, marchStart), itemAdded("a1", meetMarch), itemAdded("a2", meetMarch), itemAdded("a3", meetMarch))
	// Make sure the agenda has room to grow in place, whatever append's
	// growth policy did: an Apply that appends in place would then write
	// into the array the original shares.
	m := mustMeeting(t, orig, meetMarch)
	m.Items = slices.Grow(m.Items, 4)
	if cap(m.Items) <= len(m.Items) {
		t.Fatalf("agenda has no spare capacity: len %d cap %d", len(m.Items), cap(m.Items))
	}

	c := orig.Clone()
	if err := c.Apply(itemAdded("clone-4", meetMarch)); err != nil {
		t.Fatal(err)
	}
	if got := mustMeeting(t, orig, meetMarch).Items; !slices.Equal(got, []string{"a1", "a2", "a3"}) {
		t.Errorf("original's agenda after the clone took an item: %v", got)
	}
	if got := mustMeeting(t, orig, meetMarch).Items[:4:4]; got[3] == "clone-4" {
		t.Errorf("the clone's item was written into the original's agenda array: %v", got)
	}

	// Both go on from there without overwriting each other.
	if err := orig.Apply(itemAdded("orig-4", meetMarch)); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(itemAdded("clone-5", meetMarch)); err != nil {
		t.Fatal(err)
	}
	if got := mustMeeting(t, orig, meetMarch).Items; !slices.Equal(got, []string{"a1", "a2", "a3", "orig-4"}) {
		t.Errorf("original's agenda: %v", got)
	}
	if got := mustMeeting(t, c, meetMarch).Items; !slices.Equal(got, []string{"a1", "a2", "a3", "clone-4", "clone-5"}) {
		t.Errorf("clone's agenda: %v", got)
	}
}

// A clone that folds events while the snapshot it came from is read must
// not race with the reader.
func TestMeetingsCloneSnapshotReadWhileCloneApplies(t *testing.T) {
	snap := openMarch(t)
	c := snap.Clone()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			id := "uusi-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
			if err := c.Apply(itemAdded(id, meetMarch)); err != nil {
				t.Error(err)
				return
			}
			if err := c.Apply(decisionRecorded(id, uint32(i+2))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 50 {
		m := mustMeeting(t, snap, meetMarch)
		if len(m.Items) != 3 || snap.LastSection(2026) != 1 || mustItem(t, snap, "a1").Section != 0 {
			t.Errorf("snapshot changed: items %v, LastSection %d", m.Items, snap.LastSection(2026))
			break
		}
	}
	<-done
	if c.LastSection(2026) != 51 || len(mustMeeting(t, c, meetMarch).Items) != 53 {
		t.Errorf("clone: LastSection %d, %d items", c.LastSection(2026), len(mustMeeting(t, c, meetMarch).Items))
	}
}
