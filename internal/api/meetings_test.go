package api_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func item(title string) *v1.AgendaItem {
	return &v1.AgendaItem{Title: title, Proposal: "Ehdotus: " + title, Openness: v1.Openness_OPENNESS_PUBLIC,
		Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING}, Municipalities: []string{"837"}}}
}

func decision(text string) *v1.Decision {
	return &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: text}
}

type meetingFixture struct {
	c        clients
	meetings ohjaamov1connect.MeetingServiceClient
	f        fixture
}

func (m meetingFixture) schedule(t *testing.T, rid, startsAt string) string {
	t.Helper()
	res, err := m.meetings.ScheduleMeeting(context.Background(), connect.NewRequest(&v1.ScheduleMeetingRequest{RequestId: rid,
		GroupId: m.f.p, StartsAt: startsAt, Place: "Tampere-talo, sali 3", AgendaDeadlineDays: 7}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetMeetingId()
}

func (m meetingFixture) addItem(t *testing.T, meeting, title string, urgent bool) (string, error) {
	t.Helper()
	res, err := m.meetings.AddItem(context.Background(), connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting, Item: item(title), Urgent: urgent}))
	if err != nil {
		return "", err
	}
	return res.Msg.GetItemId(), nil
}

func (m meetingFixture) open(t *testing.T, meeting string) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := m.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
}

func startMeetings(t testing.TB) meetingFixture {
	c := start(t, false)
	return meetingFixture{c: c, f: setup(t, c), meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
}

// itemView finds an item of a meeting view by id.
func itemView(t *testing.T, m *v1.MeetingView, id string) *v1.ItemView {
	t.Helper()
	for _, it := range m.GetItems() {
		if it.GetId() == id {
			return it
		}
	}
	t.Fatalf("meeting %s has no item %s", m.GetId(), id)
	return nil
}

func TestSectionNumbersAreGapFreeUnderConcurrentSecretaries(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	meeting := m.schedule(t, "spring", "2026-03-12T13:00:00+02:00")
	const n = 24
	var items []string
	for i := range n {
		id, err := m.addItem(t, meeting, fmt.Sprintf("Asia %d", i), false)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, id)
	}
	m.open(t, meeting)

	sections := make([]uint32, n)
	var wg sync.WaitGroup
	for i, id := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{
				RequestId: "decide-" + id, GroupId: m.f.p, ItemId: id, Decision: decision(fmt.Sprintf("Päätös %d", i))}))
			if err != nil {
				t.Errorf("decide %d: %v", i, err)
				return
			}
			sections[i] = res.Msg.GetSection()
		}()
	}
	wg.Wait()
	got := append([]uint32(nil), sections...)
	sort.Slice(got, func(a, b int) bool { return got[a] < got[b] })
	// Opening the meeting and approving its agenda decided the standard
	// items opening, legality and quorum, and agenda approval: § 1-3.
	for i, s := range got {
		if s != uint32(i+4) {
			t.Fatalf("§ numbers %v are not 4..%d without gaps or repeats", got, n+3)
		}
	}
	// A retried decision answers its own § and writes nothing.
	pos := m.c.streamPosition(t)
	again, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{
		RequestId: "decide-" + items[5], GroupId: m.f.p, ItemId: items[5], Decision: decision("Päätös 5")}))
	if err != nil || again.Msg.GetSection() != sections[5] || !again.Msg.GetResult().GetReplayed() {
		t.Fatalf("retried decision: %v %v, want § %d replayed", again, err, sections[5])
	}
	if m.c.streamPosition(t) != pos {
		t.Fatal("the retried decision wrote an event")
	}
	// Deciding the same item again under a new request is refused.
	_, err = m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: items[5], Decision: decision("Uudestaan")}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition || errField(err) != "item_id" {
		t.Fatalf("second decision on one item: %v", err)
	}

	// The read model shows every decision with its §, in agenda order.
	if _, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	view, err := m.meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: m.f.p, MeetingId: meeting, MinPosition: m.c.streamPosition(t)}))
	if err != nil {
		t.Fatal(err)
	}
	mv := view.Msg.GetMeeting()
	// Seven standard items: four open the agenda, three close it.
	if mv.GetState() != v1.MeetingState_MEETING_STATE_CLOSED || len(mv.GetItems()) != n+7 || mv.GetAgendaDeadline() != "2026-03-05" {
		t.Fatalf("meeting view: state %v, %d items, deadline %s", mv.GetState(), len(mv.GetItems()), mv.GetAgendaDeadline())
	}
	for i, it := range mv.GetItems()[4 : 4+n] {
		if it.GetPosition() != uint32(i+5) || it.GetSection() != sections[i] || it.GetDecision().GetText() != fmt.Sprintf("Päätös %d", i) {
			t.Fatalf("item %d: position %d § %d %q; want § %d", i, it.GetPosition(), it.GetSection(), it.GetDecision().GetText(), sections[i])
		}
	}

	// § numbers go on in the next meeting of the same year and start again in the next year.
	autumn := m.schedule(t, "autumn", "2026-10-01T13:00:00+03:00")
	next := m.schedule(t, "next-year", "2027-02-01T13:00:00+02:00")
	for _, tc := range []struct {
		meeting string
		want    uint32
	}{
		// Spring took § 1-3 (opening items), 4..n+3 and three closing items;
		// autumn's own opening items take three more.
		{autumn, n + 3 + 3 + 3 + 1},
		{next, 4},
	} {
		id, err := m.addItem(t, tc.meeting, "Seuraava asia", false)
		if err != nil {
			t.Fatal(err)
		}
		m.open(t, tc.meeting)
		res, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: id, Decision: decision("Päätös")}))
		if err != nil || res.Msg.GetSection() != tc.want {
			t.Fatalf("first decision of meeting %s: %v %v, want § %d", tc.meeting, res, err, tc.want)
		}
	}
}

func TestMeetingProcedureRules(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	meeting := m.schedule(t, "m", "2026-05-20T09:00:00+03:00")
	early, err := m.addItem(t, meeting, "Ennen kokousta", false)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		call  func() error
		code  connect.Code
		field string
	}{
		{"decision before the meeting is opened", func() error {
			_, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: early, Decision: decision("x")}))
			return err
		}, connect.CodeFailedPrecondition, "item_id"},
		{"an urgent item before the agenda is approved", func() error { _, err := m.addItem(t, meeting, "Kiire", true); return err }, connect.CodeFailedPrecondition, "urgent"},
		{"opening without a quorum", func() error {
			_, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true}))
			return err
		}, connect.CodeFailedPrecondition, "quorate"},
		{"attendance of someone not in the group", func() error {
			_, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
				Attendance: []*v1.Attendance{{MembershipId: "00000000-0000-4000-8000-000000000999", Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}}))
			return err
		}, connect.CodeNotFound, "attendance[0].membership_id"},
		{"a secret item without its legal ground", func() error {
			_, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting,
				Item: &v1.AgendaItem{Title: "Salainen", Openness: v1.Openness_OPENNESS_SECRET}}))
			return err
		}, connect.CodeInvalidArgument, "item.legal_ground"},
		{"an identity code in the grounds", func() error {
			_, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting,
				Item: &v1.AgendaItem{Title: "Asia", Grounds: "Perhe 131052-308T kertoi", Openness: v1.Openness_OPENNESS_PUBLIC}}))
			return err
		}, connect.CodeInvalidArgument, "item.grounds"},
		{"a task that is not T1-T7", func() error {
			_, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting,
				Item: &v1.AgendaItem{Title: "Asia", Openness: v1.Openness_OPENNESS_PUBLIC, Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{9}}}}))
			return err
		}, connect.CodeInvalidArgument, "item.tags.tasks[0]"},
		{"a meeting time without its offset", func() error {
			_, err := m.meetings.ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: m.f.p, StartsAt: "2026-05-20 09:00", Place: "Sali"}))
			return err
		}, connect.CodeInvalidArgument, "starts_at"},
		{"a meeting of a group that does not exist", func() error {
			_, err := m.meetings.ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: "00000000-0000-4000-8000-000000000999", StartsAt: "2026-05-20T09:00:00+03:00", Place: "Sali"}))
			return err
		}, connect.CodeNotFound, "group_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := m.c.streamPosition(t)
			err := tc.call()
			if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %v on %s", err, errField(err), tc.code, tc.field)
			}
			if m.c.streamPosition(t) != before {
				t.Fatal("a refused request wrote an event")
			}
		})
	}

	// After the agenda is approved, a new item is only an urgent one.
	m.open(t, meeting)
	if _, err := m.addItem(t, meeting, "Myöhässä", false); connect.CodeOf(err) != connect.CodeFailedPrecondition || errField(err) != "urgent" {
		t.Fatalf("a late item that is not urgent: %v", err)
	}
	urgent, err := m.addItem(t, meeting, "Kiireellinen asia", true)
	if err != nil {
		t.Fatalf("an urgent item: %v", err)
	}
	if _, err := m.meetings.WithdrawItem(ctx, connect.NewRequest(&v1.WithdrawItemRequest{GroupId: m.f.p, ItemId: early, Reason: "siirretään"})); err != nil {
		t.Fatal(err)
	}
	_, err = m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: early, Decision: decision("x")}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("deciding a withdrawn item: %v", err)
	}
	res, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: urgent, Decision: decision("Hyväksyttiin")}))
	if err != nil || res.Msg.GetSection() != 4 {
		t.Fatalf("the urgent item's decision: %v %v, want § 4 (§ 1-3 are the standard opening items; the withdrawn item took none)", res, err)
	}
	if _, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	_, err = m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: urgent, Decision: decision("x")}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("a decision after closing: %v", err)
	}
}

func TestRescheduleMovesTheMeetingAndItsItems(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	meeting := m.schedule(t, "late", "2026-12-30T13:00:00+02:00")
	if _, err := m.addItem(t, meeting, "Vuodenvaihteen asia", false); err != nil {
		t.Fatal(err)
	}
	res, err := m.meetings.RescheduleMeeting(ctx, connect.NewRequest(&v1.RescheduleMeetingRequest{GroupId: m.f.p, MeetingId: meeting,
		StartsAt: "2027-01-08T13:00:00+02:00", VideoLink: "https://meet.example.fi/ohjausryhma"}))
	if err != nil {
		t.Fatal(err)
	}
	pos := res.Msg.GetResult().GetPosition()
	list, err := m.meetings.ListMeetings(ctx, connect.NewRequest(&v1.ListMeetingsRequest{GroupId: m.f.p, Year: 2027, MinPosition: pos}))
	if err != nil || len(list.Msg.GetMeetings()) != 1 || list.Msg.GetMeetings()[0].GetVideoLink() != "https://meet.example.fi/ohjausryhma" {
		t.Fatalf("2027 meetings after the move: %v %v", list, err)
	}
	hits, err := m.meetings.SearchItems(ctx, connect.NewRequest(&v1.SearchItemsRequest{Query: "vuodenvaihteen", Year: 2027, MinPosition: pos}))
	if err != nil || len(hits.Msg.GetHits()) != 1 {
		t.Fatalf("the item did not move to 2027 with its meeting: %v %v", hits, err)
	}
	m.open(t, meeting)
	_, err = m.meetings.RescheduleMeeting(ctx, connect.NewRequest(&v1.RescheduleMeetingRequest{GroupId: m.f.p, MeetingId: meeting,
		StartsAt: "2027-01-09T13:00:00+02:00", Place: "Sali"}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition || errField(err) != "meeting_id" {
		t.Fatalf("rescheduling an open meeting: %v", err)
	}
}

func TestMinutesCheckedApprovedCorrectedAndTabledItemsReturn(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	// A second member present, so two checkers can be named.
	second, err := m.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.p, PersonName: "Eero Tarkastaja",
		Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	spring := m.schedule(t, "spring", "2026-03-12T13:00:00+02:00")
	tabled, err := m.addItem(t, spring, "Viestintämalli", false)
	if err != nil {
		t.Fatal(err)
	}
	approved, err := m.addItem(t, spring, "Vuosikello", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: spring, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
			{MembershipId: second.Msg.GetMembershipId(), Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	checkers := []string{m.f.chair, second.Msg.GetMembershipId()}
	steps := []func() error{
		func() error {
			_, err := m.meetings.NameMinutesCheckers(ctx, connect.NewRequest(&v1.NameMinutesCheckersRequest{GroupId: m.f.p, MeetingId: spring, MembershipIds: checkers}))
			return err
		},
		func() error {
			_, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: tabled,
				Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_TABLED, Text: "Jätettiin pöydälle."}}))
			return err
		},
		func() error {
			_, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: approved, Decision: decision("Hyväksyttiin.")}))
			return err
		},
		func() error {
			_, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: spring}))
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	approve := func() error {
		_, err := m.meetings.ApproveMinutes(ctx, connect.NewRequest(&v1.ApproveMinutesRequest{GroupId: m.f.p, MeetingId: spring}))
		return err
	}
	if err := approve(); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("approving unchecked minutes: %v", err)
	}
	_, err = m.meetings.CheckMinutes(ctx, connect.NewRequest(&v1.CheckMinutesRequest{GroupId: m.f.p, MeetingId: spring, MembershipId: m.f.chair}))
	if err != nil {
		t.Fatal(err)
	}
	if err := approve(); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("approving minutes checked by one of two: %v", err)
	}
	if _, err := m.meetings.CheckMinutes(ctx, connect.NewRequest(&v1.CheckMinutesRequest{GroupId: m.f.p, MeetingId: spring, MembershipId: second.Msg.GetMembershipId()})); err != nil {
		t.Fatal(err)
	}
	if err := approve(); err != nil {
		t.Fatalf("approving checked minutes: %v", err)
	}
	// A correction after the meeting keeps the original visible.
	corr, err := m.meetings.CorrectDecision(ctx, connect.NewRequest(&v1.CorrectDecisionRequest{GroupId: m.f.p, ItemId: approved,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, Text: "Hyväksyttiin muutettuna."}, Reason: "kirjausvirhe"}))
	if err != nil {
		t.Fatal(err)
	}
	// The tabled item comes back in the autumn with its history; only once.
	autumn := m.schedule(t, "autumn", "2026-09-10T13:00:00+03:00")
	back, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: autumn, Item: item("Viestintämalli"), PreviousItemId: tabled}))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{tabled, approved} {
		_, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: autumn, Item: item("Uudelleen"), PreviousItemId: bad}))
		if connect.CodeOf(err) != connect.CodeFailedPrecondition || errField(err) != "previous_item_id" {
			t.Fatalf("bringing back %s again or a decided item: %v", bad, err)
		}
	}
	pos := back.Msg.GetResult().GetPosition()
	view, err := m.meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: m.f.p, MeetingId: spring, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	sv := view.Msg.GetMeeting()
	if !sv.GetMinutesApproved() || len(sv.GetCheckedByMembershipIds()) != 2 {
		t.Fatalf("spring meeting: approved %v, checked by %v", sv.GetMinutesApproved(), sv.GetCheckedByMembershipIds())
	}
	// § 1-2 opening and legality, § 3 minutes checkers, § 4 the tabled item.
	it := itemView(t, sv, approved)
	if it.GetSection() != 5 || it.GetDecision().GetText() != "Hyväksyttiin muutettuna." || len(it.GetCorrections()) != 1 ||
		it.GetCorrections()[0].GetBefore().GetText() != "Hyväksyttiin." || it.GetCorrections()[0].GetReason() != "kirjausvirhe" {
		t.Fatalf("corrected item: %v (correction at %d)", it, corr.Msg.GetResult().GetPosition())
	}
	// Search finds the corrected text ("muutettuna" is only in the correction).
	for word, want := range map[string]int{"muutettuna": 1} {
		hits, err := m.meetings.SearchItems(ctx, connect.NewRequest(&v1.SearchItemsRequest{Query: word, MinPosition: pos}))
		if err != nil || len(hits.Msg.GetHits()) != want {
			t.Fatalf("search %q after the correction: %v %v, want %d hits", word, hits, err, want)
		}
	}
	view, err = m.meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: m.f.p, MeetingId: autumn, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	ai := itemView(t, view.Msg.GetMeeting(), back.Msg.GetItemId())
	if ai.GetPreviousItemId() != tabled || len(ai.GetHistory()) != 1 || ai.GetHistory()[0].GetSection() != 4 ||
		ai.GetHistory()[0].GetDecision().GetOutcome() != v1.Outcome_OUTCOME_TABLED {
		t.Fatalf("returned item's history: %v", ai)
	}
}

func TestVotesAndCounterProposals(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	var ids []string
	for i, name := range []string{"Eero Jäsen", "Helmi Jäsen", "Juha Jäsen"} {
		res, err := m.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.p, PersonName: name, Organisation: fmt.Sprint("Järjestö ", i),
			ActorType: v1.ActorType_ACTOR_TYPE_NGO, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Msg.GetMembershipId())
	}
	meeting := m.schedule(t, "vote", "2026-06-04T13:00:00+03:00")
	itemID, err := m.addItem(t, meeting, "Kohtaamispaikan aukioloajat", false)
	if err != nil {
		t.Fatal(err)
	}
	attendance := []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}
	for _, id := range ids {
		attendance = append(attendance, &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT})
	}
	if _, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true, Attendance: attendance})); err != nil {
		t.Fatal(err)
	}
	counter := []*v1.CounterProposal{{MembershipId: ids[0], Text: "Aukiolo myös lauantaisin.", SecondedByMembershipId: ids[1]}}
	vote := func(v ...*v1.Vote) *v1.Decision {
		return &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin äänestyksen jälkeen.",
			CounterProposals: counter, Votes: v, DisqualifiedMembershipIds: []string{ids[2]}}
	}
	p, c := v1.VoteChoice_VOTE_CHOICE_PROPOSAL, v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL
	for _, tc := range []struct {
		name  string
		d     *v1.Decision
		field string
	}{
		{"a disqualified member votes", vote(&v1.Vote{MembershipId: m.f.chair, Choice: p}, &v1.Vote{MembershipId: ids[2], Choice: c}), "decision.votes[1].membership_id"},
		{"votes without a counter-proposal", &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "x", Votes: []*v1.Vote{{MembershipId: m.f.chair, Choice: p}}}, "decision.votes"},
		{"the proposer seconds their own counter-proposal", &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "x",
			CounterProposals: []*v1.CounterProposal{{MembershipId: ids[0], Text: "y", SecondedByMembershipId: ids[0]}}}, "decision.counter_proposals[0].seconded_by_membership_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := m.c.streamPosition(t)
			_, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: itemID, Decision: tc.d}))
			if connect.CodeOf(err) != connect.CodeFailedPrecondition || errField(err) != tc.field {
				t.Fatalf("got %v (field %q), want FailedPrecondition on %s", err, errField(err), tc.field)
			}
			if m.c.streamPosition(t) != before {
				t.Fatal("a refused decision wrote an event")
			}
		})
	}
	res, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: itemID,
		Decision: vote(&v1.Vote{MembershipId: m.f.chair, Choice: p}, &v1.Vote{MembershipId: ids[0], Choice: c}, &v1.Vote{MembershipId: ids[1], Choice: p})}))
	if err != nil {
		t.Fatal(err)
	}
	view, err := m.meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: m.f.p, MeetingId: meeting, MinPosition: res.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	d := itemView(t, view.Msg.GetMeeting(), itemID).GetDecision()
	if len(d.GetVotes()) != 3 || d.GetCounterProposals()[0].GetText() != "Aukiolo myös lauantaisin." {
		t.Fatalf("recorded vote: %v", d)
	}
}
