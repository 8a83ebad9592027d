package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// in is the fixture acting for another group: m.schedule, m.addItem and
// m.open then work on group, with chair as the member present.
func (m meetingFixture) in(group, chair string) meetingFixture {
	m.f.p, m.f.chair = group, chair
	return m
}

// addChair adds a chair to group and answers the membership id.
func (m meetingFixture) addChair(t *testing.T, group, name string) string {
	t.Helper()
	res, err := m.c.groups.AddMember(context.Background(), connect.NewRequest(&v1.AddMemberRequest{GroupId: group, PersonName: name,
		Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_CHAIR, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetMembershipId()
}

// addGroup creates a group under parent with a chair; it answers both ids.
func (m meetingFixture) addGroup(t *testing.T, name string, level v1.Level, parent string) (group, chair string) {
	t.Helper()
	req := &v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: name}, Level: level, ParentId: parent}
	if level == v1.Level_LEVEL_LOCAL {
		req.Municipalities = []string{"536"}
	}
	res, err := m.c.groups.CreateGroup(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetGroupId(), m.addChair(t, res.Msg.GetGroupId(), "Puheenjohtaja "+name)
}

// view reads a meeting once the read models have reached pos.
func (m meetingFixture) view(t *testing.T, group, meeting string, pos uint64) *v1.MeetingView {
	t.Helper()
	res, err := m.meetings.GetMeeting(context.Background(), connect.NewRequest(&v1.GetMeetingRequest{GroupId: group, MeetingId: meeting, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetMeeting()
}

// inFlight lists the items in flight from or to group ("" the whole network) at pos.
func (m meetingFixture) inFlight(t *testing.T, group string, pos uint64) []*v1.InFlightItem {
	t.Helper()
	res, err := m.meetings.ListInFlight(context.Background(), connect.NewRequest(&v1.ListInFlightRequest{GroupId: group, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetItems()
}

// decide records a decision on an item of group's open meeting.
func (m meetingFixture) decide(t *testing.T, group, itemID string, outcome v1.Outcome, text string) *v1.RecordDecisionResponse {
	t.Helper()
	res, err := m.meetings.RecordDecision(context.Background(), connect.NewRequest(&v1.RecordDecisionRequest{GroupId: group, ItemId: itemID,
		Decision: &v1.Decision{Outcome: outcome, Text: text}}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

// refused checks that call is refused with code, naming field, and writes nothing.
func (m meetingFixture) refused(t *testing.T, what string, code connect.Code, field string, call func() error) {
	t.Helper()
	before := m.c.streamPosition(t)
	err := call()
	if connect.CodeOf(err) != code || errField(err) != field {
		t.Fatalf("%s: got %v (field %q), want %v on %s", what, err, errField(err), code, field)
	}
	if after := m.c.streamPosition(t); after != before {
		t.Fatalf("%s: a refused request wrote %d events", what, after-before)
	}
}

// nextYear is a time next year: a meeting then still takes items today.
func nextYear(monthDay string) string {
	return fmt.Sprintf("%d-%sT13:00:00+02:00", time.Now().Year()+1, monthDay)
}

// ids lists the ids of a meeting's items in agenda order, checking that
// the positions run 1, 2, 3... without gaps.
func ids(t *testing.T, mv *v1.MeetingView) []string {
	t.Helper()
	var out []string
	for i, it := range mv.GetItems() {
		if it.GetPosition() != uint32(i+1) {
			t.Fatalf("meeting %s: item %d (%s) is at position %d", mv.GetId(), i+1, it.GetItem().GetTitle(), it.GetPosition())
		}
		out = append(out, it.GetId())
	}
	return out
}

func TestEscalateItemUpTheChainAndTheAnswerComesBack(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	region := m.in(m.f.r, m.addChair(t, m.f.r, "Rauni Alue"))
	localID, localChair := m.addGroup(t, "Nokian perhekeskuksen ohjausryhmä", v1.Level_LEVEL_LOCAL, m.f.r)
	local := m.in(localID, localChair)

	lMeeting := local.schedule(t, "l1", nextYear("01-20"))
	voice, err := local.addItem(t, lMeeting, "Asiakasraadin palaute kotipalvelusta", false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := local.addItem(t, lMeeting, "Perhekahvilan tilat", false)
	if err != nil {
		t.Fatal(err)
	}
	local.open(t, lMeeting)
	localDecision := m.decide(t, localID, voice, v1.Outcome_OUTCOME_NOTED, "Palaute viedään alueelliseen koordinaatioryhmään.")
	rMeeting := region.schedule(t, "r1", nextYear("03-10"))

	// Sent three days ago, recorded now by the secretary.
	// Sent in UTC; the server keeps the same instant in Finland's time.
	sentTime := time.Now().UTC().AddDate(0, 0, -3).Truncate(time.Second)
	sentAt := sentTime.Format(time.RFC3339)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	sentAtFI := sentTime.In(helsinki).Format(time.RFC3339)
	escalate := &v1.EscalateItemRequest{RequestId: "escalate-voice", GroupId: localID, ItemId: voice, Note: "Ohjausryhmän päätöksen mukaisesti.", SentAt: sentAt}
	up, err := m.meetings.EscalateItem(ctx, connect.NewRequest(escalate))
	if err != nil {
		t.Fatal(err)
	}
	toItem := up.Msg.GetToItemId()
	if up.Msg.GetToGroupId() != m.f.r || up.Msg.GetToMeetingId() != rMeeting || toItem == "" || up.Msg.GetResult().GetReplayed() {
		t.Fatalf("escalation answered %v; want the regional group's next meeting %s", up.Msg, rMeeting)
	}
	pos := up.Msg.GetResult().GetPosition()

	// The regional meeting has it, escalated, before its closing items, pointing back.
	rv := m.view(t, m.f.r, rMeeting, pos)
	got := itemView(t, rv, toItem)
	if got.GetItem().GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_ESCALATED || got.GetItem().GetTitle() != "Asiakasraadin palaute kotipalvelusta" ||
		got.GetPosition() != 5 || rv.GetItems()[5].GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS {
		t.Fatalf("received item: %v", got)
	}
	cf := got.GetCameFrom()
	if cf.GetGroupId() != localID || cf.GetGroupName() != "Nokian perhekeskuksen ohjausryhmä" || cf.GetLevel() != v1.Level_LEVEL_LOCAL ||
		cf.GetItemId() != voice || cf.GetMeetingId() != lMeeting || cf.GetStartsAt() != nextYear("01-20") || cf.GetDirection() != v1.Direction_DIRECTION_UP ||
		cf.GetSentAt() != sentAtFI || cf.GetSection() != localDecision.GetSection() || cf.GetDecision().GetOutcome() != v1.Outcome_OUTCOME_NOTED {
		t.Fatalf("came_from: %v", cf)
	}
	if len(got.GetSentTo()) != 0 {
		t.Fatalf("the received item was sent nowhere yet: %v", got.GetSentTo())
	}
	// The regional secretary prepares the proposal; the local decision is in the grounds.
	if want := fmt.Sprintf("Nokian perhekeskuksen ohjausryhmä, § %d: Palaute viedään alueelliseen koordinaatioryhmään.", localDecision.GetSection()); got.GetItem().GetProposal() != "" ||
		!strings.Contains(got.GetItem().GetGrounds(), want) {
		t.Fatalf("received item's proposal %q and grounds %q; want no proposal and grounds with %q", got.GetItem().GetProposal(), got.GetItem().GetGrounds(), want)
	}

	// The local item shows where it went, not yet decided.
	lv := m.view(t, localID, lMeeting, pos)
	sent := itemView(t, lv, voice).GetSentTo()
	if len(sent) != 1 {
		t.Fatalf("sent_to: %v", sent)
	}
	if s := sent[0]; s.GetGroupId() != m.f.r || s.GetGroupName() != "Alueellinen" || s.GetLevel() != v1.Level_LEVEL_REGIONAL ||
		s.GetItemId() != toItem || s.GetMeetingId() != rMeeting || s.GetStartsAt() != nextYear("03-10") || s.GetDirection() != v1.Direction_DIRECTION_UP ||
		s.GetSentAt() != sentAtFI || s.GetSection() != 0 || s.GetDecision() != nil {
		t.Fatalf("sent_to before the regional decision: %v", s)
	}
	if itemView(t, lv, other).GetSentTo() != nil || itemView(t, lv, voice).GetCameFrom() != nil {
		t.Fatal("lineage shown on items it does not belong to")
	}

	// In flight from the local group, to the regional group and in the
	// network, three days waited; not the provincial group's.
	for _, tc := range []struct {
		name, group string
		want        int
	}{{"from the local group", localID, 1}, {"to the regional group", m.f.r, 1}, {"the network", "", 1}, {"the provincial group", m.f.p, 0}} {
		items := m.inFlight(t, tc.group, pos)
		if len(items) != tc.want {
			t.Fatalf("in flight %s: %v, want %d", tc.name, items, tc.want)
		}
		if tc.want == 0 {
			continue
		}
		f := items[0]
		if f.GetDirection() != v1.Direction_DIRECTION_UP || f.GetWaitedDays() != 3 || f.GetFrom().GetItemId() != voice ||
			f.GetFrom().GetSection() != localDecision.GetSection() || f.GetFrom().GetGroupId() != localID ||
			f.GetTo().GetItemId() != toItem || f.GetTo().GetMeetingId() != rMeeting || f.GetTo().GetGroupName() != "Alueellinen" || f.GetTo().GetSentAt() != sentAtFI {
			t.Fatalf("in flight %s: %v", tc.name, f)
		}
	}

	// A retry answers the same and writes nothing.
	before := m.c.streamPosition(t)
	again, err := m.meetings.EscalateItem(ctx, connect.NewRequest(escalate))
	if err != nil {
		t.Fatal(err)
	}
	if again.Msg.GetToItemId() != toItem || again.Msg.GetToMeetingId() != rMeeting || !again.Msg.GetResult().GetReplayed() ||
		again.Msg.GetResult().GetPosition() != pos {
		t.Fatalf("retried escalation: %v", again.Msg)
	}
	if m.c.streamPosition(t) != before {
		t.Fatal("the retried escalation wrote an event")
	}

	esc := func(r *v1.EscalateItemRequest) func() error {
		return func() error { _, err := m.meetings.EscalateItem(ctx, connect.NewRequest(r)); return err }
	}
	m.refused(t, "the same item escalated again", connect.CodeFailedPrecondition, "item_id",
		esc(&v1.EscalateItemRequest{RequestId: "escalate-voice-again", GroupId: localID, ItemId: voice}))
	m.refused(t, "a standard item", connect.CodeFailedPrecondition, "item_id",
		esc(&v1.EscalateItemRequest{GroupId: localID, ItemId: lv.GetItems()[0].GetId()}))
	m.refused(t, "onto a meeting the parent does not have", connect.CodeNotFound, "to_meeting_id",
		esc(&v1.EscalateItemRequest{GroupId: localID, ItemId: other, ToMeetingId: lMeeting}))
	m.refused(t, "sent in the future", connect.CodeInvalidArgument, "sent_at",
		esc(&v1.EscalateItemRequest{GroupId: localID, ItemId: other, SentAt: time.Now().Add(time.Hour).Format(time.RFC3339)}))
	m.refused(t, "an item of another group", connect.CodeNotFound, "item_id",
		esc(&v1.EscalateItemRequest{GroupId: m.f.r, ItemId: other}))

	// The regional group decides: the answer shows on the local item, and
	// the item is no longer in flight.
	region.open(t, rMeeting)
	answer := m.decide(t, m.f.r, toItem, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Koordinaatioryhmä vie palautteen maakunnalliseen ohjausryhmään.")
	pos = answer.GetResult().GetPosition()
	s := itemView(t, m.view(t, localID, lMeeting, pos), voice).GetSentTo()
	if len(s) != 1 || s[0].GetSection() != answer.GetSection() || s[0].GetDecision().GetOutcome() != v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED ||
		s[0].GetDecision().GetText() != "Koordinaatioryhmä vie palautteen maakunnalliseen ohjausryhmään." || s[0].GetItemId() != toItem {
		t.Fatalf("sent_to after the regional decision: %v", s)
	}
	for _, group := range []string{localID, m.f.r, ""} {
		if items := m.inFlight(t, group, pos); len(items) != 0 {
			t.Fatalf("in flight for %q after the decision: %v", group, items)
		}
	}

	// On up to the provincial group, which has no meeting: pending.
	onward, err := m.meetings.EscalateItem(ctx, connect.NewRequest(&v1.EscalateItemRequest{RequestId: "escalate-onward", GroupId: m.f.r, ItemId: toItem}))
	if err != nil {
		t.Fatal(err)
	}
	if onward.Msg.GetToGroupId() != m.f.p || onward.Msg.GetToMeetingId() != "" {
		t.Fatalf("escalation to a group without meetings: %v", onward.Msg)
	}
	pos = onward.Msg.GetResult().GetPosition()
	got = itemView(t, m.view(t, m.f.r, rMeeting, pos), toItem)
	if got.GetCameFrom().GetItemId() != voice || len(got.GetSentTo()) != 1 || got.GetSentTo()[0].GetGroupId() != m.f.p ||
		got.GetSentTo()[0].GetMeetingId() != "" || got.GetSentTo()[0].GetLevel() != v1.Level_LEVEL_PROVINCIAL {
		t.Fatalf("the regional item between the levels: %v", got)
	}
	if items := m.inFlight(t, m.f.p, pos); len(items) != 1 || items[0].GetTo().GetMeetingId() != "" || items[0].GetFrom().GetItemId() != toItem ||
		items[0].GetFrom().GetSection() != answer.GetSection() || items[0].GetWaitedDays() != 0 {
		t.Fatalf("in flight to the provincial group: %v", items)
	}
	if items := m.inFlight(t, localID, pos); len(items) != 0 {
		t.Fatalf("the local group sees an item it did not send: %v", items)
	}
	if items := m.inFlight(t, "", pos); len(items) != 1 {
		t.Fatalf("in flight in the network: %v", items)
	}

	// The provincial group puts it on a meeting; it has no parent to escalate to.
	pMeeting := m.schedule(t, "p1", nextYear("04-14"))
	moved, err := m.meetings.MoveItem(ctx, connect.NewRequest(&v1.MoveItemRequest{GroupId: m.f.p, ItemId: onward.Msg.GetToItemId(), MeetingId: pMeeting}))
	if err != nil {
		t.Fatal(err)
	}
	pos = moved.Msg.GetResult().GetPosition()
	if got := itemView(t, m.view(t, m.f.p, pMeeting, pos), onward.Msg.GetToItemId()); got.GetPosition() != 5 || got.GetCameFrom().GetItemId() != toItem ||
		got.GetCameFrom().GetGroupId() != m.f.r {
		t.Fatalf("the pending item placed on the provincial meeting: %v", got)
	}
	if items := m.inFlight(t, m.f.p, pos); len(items) != 1 || items[0].GetTo().GetMeetingId() != pMeeting {
		t.Fatalf("in flight after placing it: %v", items)
	}
	m.refused(t, "escalating from the provincial group", connect.CodeFailedPrecondition, "group_id",
		esc(&v1.EscalateItemRequest{GroupId: m.f.p, ItemId: onward.Msg.GetToItemId()}))

	// An explicit meeting of the parent, not its next one.
	region.schedule(t, "r2", nextYear("04-28"))
	rLater := region.schedule(t, "r3", nextYear("05-12"))
	ex, err := m.meetings.EscalateItem(ctx, connect.NewRequest(&v1.EscalateItemRequest{GroupId: localID, ItemId: other, ToMeetingId: rLater}))
	if err != nil {
		t.Fatal(err)
	}
	if ex.Msg.GetToMeetingId() != rLater {
		t.Fatalf("escalated onto %s, want %s", ex.Msg.GetToMeetingId(), rLater)
	}
	pos = ex.Msg.GetResult().GetPosition()
	if got := itemView(t, m.view(t, m.f.r, rLater, pos), ex.Msg.GetToItemId()); got.GetCameFrom().GetItemId() != other {
		t.Fatalf("explicitly placed item: %v", got)
	}
	if items := m.inFlight(t, localID, pos); len(items) != 1 || items[0].GetFrom().GetItemId() != other {
		t.Fatalf("in flight from the local group: %v", items)
	}
	// Withdrawn by the receiving group: no longer shown as sent, nor in flight.
	wd, err := m.meetings.WithdrawItem(ctx, connect.NewRequest(&v1.WithdrawItemRequest{GroupId: m.f.r, ItemId: ex.Msg.GetToItemId(), Reason: "ei kuulu koordinaatioryhmälle"}))
	if err != nil {
		t.Fatal(err)
	}
	pos = wd.Msg.GetResult().GetPosition()
	if sent := itemView(t, m.view(t, localID, lMeeting, pos), other).GetSentTo(); len(sent) != 0 {
		t.Fatalf("sent_to of an item the receiver withdrew: %v", sent)
	}
	if items := m.inFlight(t, localID, pos); len(items) != 0 {
		t.Fatalf("a withdrawn item is still in flight: %v", items)
	}
}

func TestReferDecisionDownToChildGroups(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	region := m.in(m.f.r, m.addChair(t, m.f.r, "Rauni Alue"))
	region2, _ := m.addGroup(t, "Toinen alueellinen", v1.Level_LEVEL_REGIONAL, m.f.p) // sorts after "Alueellinen"
	localID, _ := m.addGroup(t, "Paikallinen ohjausryhmä", v1.Level_LEVEL_LOCAL, m.f.r)

	pMeeting := m.schedule(t, "p", "2026-09-15T13:00:00+03:00")
	add := func(title string) string {
		id, err := m.addItem(t, pMeeting, title, false)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	model, hours, chain, open := add("Perhekeskusten yhteinen viestintämalli"), add("Kohtaamispaikkojen aukioloajat"),
		add("Eroauttamisen palveluketju"), add("Vanhemmuuden tuen kehittäminen")
	m.open(t, pMeeting)
	modelDecision := m.decide(t, m.f.p, model, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Viestintämalli otetaan käyttöön kaikilla alueilla.")
	m.decide(t, m.f.p, hours, v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, "Aukioloajat yhtenäistetään.")
	m.decide(t, m.f.p, chain, v1.Outcome_OUTCOME_TABLED, "Jätettiin pöydälle.")
	rMeeting := region.schedule(t, "r", nextYear("02-17"))
	opening := m.view(t, m.f.p, pMeeting, m.c.streamPosition(t)).GetItems()[0].GetId()

	refer := func(r *v1.ReferItemRequest) func() error {
		return func() error { _, err := m.meetings.ReferItem(ctx, connect.NewRequest(r)); return err }
	}
	for _, tc := range []struct {
		name  string
		req   *v1.ReferItemRequest
		code  connect.Code
		field string
	}{
		{"an undecided item", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: open}, connect.CodeFailedPrecondition, "item_id"},
		{"a tabled item", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: chain}, connect.CodeFailedPrecondition, "item_id"},
		{"a standard item", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: opening}, connect.CodeFailedPrecondition, "item_id"},
		{"to a grandchild", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: model, ToGroupIds: []string{localID}}, connect.CodeFailedPrecondition, "to_group_ids[0]"},
		{"to the group itself", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: model, ToGroupIds: []string{m.f.r, m.f.p}}, connect.CodeFailedPrecondition, "to_group_ids[1]"},
		{"to a group twice", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: model, ToGroupIds: []string{m.f.r, m.f.r}}, connect.CodeInvalidArgument, "to_group_ids[1]"},
		{"to a malformed id", &v1.ReferItemRequest{GroupId: m.f.p, ItemId: model, ToGroupIds: []string{"alue"}}, connect.CodeInvalidArgument, "to_group_ids[0]"},
	} {
		m.refused(t, tc.name, tc.code, tc.field, refer(tc.req))
	}

	// To every child group: the region with a meeting taking items gets it
	// on that meeting, the one without meetings as pending.
	all := &v1.ReferItemRequest{RequestId: "refer-model", GroupId: m.f.p, ItemId: model, Note: "Alueet käsittelevät asian seuraavassa kokouksessaan."}
	res, err := m.meetings.ReferItem(ctx, connect.NewRequest(all))
	if err != nil {
		t.Fatal(err)
	}
	refs := res.Msg.GetReferrals()
	if len(refs) != 2 || refs[0].GetGroupId() != m.f.r || refs[0].GetMeetingId() != rMeeting || refs[1].GetGroupId() != region2 ||
		refs[1].GetMeetingId() != "" || refs[0].GetItemId() == "" || refs[1].GetItemId() == "" || refs[0].GetItemId() == refs[1].GetItemId() {
		t.Fatalf("referrals: %v", refs)
	}
	pos := max(refs[0].GetResult().GetPosition(), refs[1].GetResult().GetPosition())
	toRegion, toRegion2 := refs[0].GetItemId(), refs[1].GetItemId()

	before := m.c.streamPosition(t)
	again, err := m.meetings.ReferItem(ctx, connect.NewRequest(all))
	if err != nil {
		t.Fatal(err)
	}
	if r := again.Msg.GetReferrals(); len(r) != 2 || r[0].GetItemId() != toRegion || r[1].GetItemId() != toRegion2 ||
		!r[0].GetResult().GetReplayed() || !r[1].GetResult().GetReplayed() || r[0].GetMeetingId() != rMeeting {
		t.Fatalf("retried referral: %v", r)
	}
	if m.c.streamPosition(t) != before {
		t.Fatal("the retried referral wrote an event")
	}

	pv := m.view(t, m.f.p, pMeeting, pos)
	sent := itemView(t, pv, model).GetSentTo()
	if len(sent) != 2 || sent[0].GetGroupId() != m.f.r || sent[0].GetMeetingId() != rMeeting || sent[0].GetItemId() != toRegion ||
		sent[1].GetGroupId() != region2 || sent[1].GetMeetingId() != "" || sent[1].GetStartsAt() != "" || sent[1].GetGroupName() != "Toinen alueellinen" ||
		sent[0].GetDirection() != v1.Direction_DIRECTION_DOWN || sent[0].GetDecision() != nil || sent[1].GetDecision() != nil {
		t.Fatalf("sent_to of the provincial decision: %v", sent)
	}
	got := itemView(t, m.view(t, m.f.r, rMeeting, pos), toRegion)
	if cf := got.GetCameFrom(); got.GetItem().GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_REFERRED || cf.GetGroupId() != m.f.p ||
		cf.GetLevel() != v1.Level_LEVEL_PROVINCIAL || cf.GetItemId() != model || cf.GetSection() != modelDecision.GetSection() ||
		cf.GetDecision().GetText() != "Viestintämalli otetaan käyttöön kaikilla alueilla." || cf.GetDirection() != v1.Direction_DIRECTION_DOWN ||
		!strings.Contains(got.GetItem().GetGrounds(), fmt.Sprintf("§ %d: Viestintämalli otetaan", modelDecision.GetSection())) {
		t.Fatalf("referred item: %v", got)
	}

	// To an explicit list.
	one, err := m.meetings.ReferItem(ctx, connect.NewRequest(&v1.ReferItemRequest{GroupId: m.f.p, ItemId: hours, ToGroupIds: []string{region2}}))
	if err != nil {
		t.Fatal(err)
	}
	if r := one.Msg.GetReferrals(); len(r) != 1 || r[0].GetGroupId() != region2 || r[0].GetMeetingId() != "" {
		t.Fatalf("referral to one group: %v", r)
	}
	pos = one.Msg.GetReferrals()[0].GetResult().GetPosition()
	for _, tc := range []struct {
		name, group string
		want        int
	}{{"from the provincial group", m.f.p, 3}, {"to the region", m.f.r, 1}, {"to the second region", region2, 2}, {"the local group", localID, 0}, {"the network", "", 3}} {
		if items := m.inFlight(t, tc.group, pos); len(items) != tc.want {
			t.Fatalf("in flight %s: %d items, want %d: %v", tc.name, len(items), tc.want, items)
		}
	}

	// The second region places its pending item on a meeting.
	r2Meeting := m.in(region2, "").schedule(t, "r2", nextYear("03-03"))
	moved, err := m.meetings.MoveItem(ctx, connect.NewRequest(&v1.MoveItemRequest{GroupId: region2, ItemId: toRegion2, MeetingId: r2Meeting}))
	if err != nil {
		t.Fatal(err)
	}
	pos = moved.Msg.GetResult().GetPosition()
	if got := itemView(t, m.view(t, region2, r2Meeting, pos), toRegion2); got.GetPosition() != 5 || got.GetCameFrom().GetItemId() != model {
		t.Fatalf("placed referral: %v", got)
	}
	sent = itemView(t, m.view(t, m.f.p, pMeeting, pos), model).GetSentTo()
	if len(sent) != 2 || sent[1].GetMeetingId() != r2Meeting || sent[1].GetStartsAt() != nextYear("03-03") {
		t.Fatalf("sent_to after placing it: %v", sent)
	}
	m.refused(t, "moving a pending item onto another group's meeting", connect.CodeNotFound, "meeting_id", func() error {
		_, err := m.meetings.MoveItem(ctx, connect.NewRequest(&v1.MoveItemRequest{GroupId: region2, ItemId: one.Msg.GetReferrals()[0].GetItemId(), MeetingId: rMeeting}))
		return err
	})

	// The region tables it: still in flight, the tabling shown as the answer so far.
	region.open(t, rMeeting)
	tabled := m.decide(t, m.f.r, toRegion, v1.Outcome_OUTCOME_TABLED, "Jätettiin pöydälle alueen selvitystä varten.")
	pos = tabled.GetResult().GetPosition()
	if items := m.inFlight(t, m.f.r, pos); len(items) != 1 || items[0].GetTo().GetDecision().GetOutcome() != v1.Outcome_OUTCOME_TABLED ||
		items[0].GetTo().GetSection() != tabled.GetSection() || items[0].GetDirection() != v1.Direction_DIRECTION_DOWN {
		t.Fatalf("in flight after tabling: %v", items)
	}
	// It comes back on a later meeting: the continuation is the answer, still undecided.
	rLater := region.schedule(t, "r-later", nextYear("04-21"))
	back, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.r, MeetingId: rLater,
		Item: item("Perhekeskusten yhteinen viestintämalli"), PreviousItemId: toRegion}))
	if err != nil {
		t.Fatal(err)
	}
	pos = back.Msg.GetResult().GetPosition()
	s := itemView(t, m.view(t, m.f.p, pMeeting, pos), model).GetSentTo()[0]
	if s.GetItemId() != back.Msg.GetItemId() || s.GetMeetingId() != rLater || s.GetDecision() != nil || s.GetSection() != 0 ||
		s.GetDirection() != v1.Direction_DIRECTION_DOWN || s.GetSentAt() != sent[0].GetSentAt() || s.GetGroupId() != m.f.r {
		t.Fatalf("sent_to following the continuation: %v", s)
	}
	if items := m.inFlight(t, m.f.r, pos); len(items) != 1 || items[0].GetTo().GetItemId() != back.Msg.GetItemId() || items[0].GetFrom().GetItemId() != model {
		t.Fatalf("in flight after it came back: %v", items)
	}
	region.open(t, rLater)
	final := m.decide(t, m.f.r, back.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Viestintämalli otetaan käyttöön alueella.")
	pos = final.GetResult().GetPosition()
	s = itemView(t, m.view(t, m.f.p, pMeeting, pos), model).GetSentTo()[0]
	if s.GetItemId() != back.Msg.GetItemId() || s.GetSection() != final.GetSection() || s.GetDecision().GetText() != "Viestintämalli otetaan käyttöön alueella." {
		t.Fatalf("sent_to after the continuation was decided: %v", s)
	}
	if items := m.inFlight(t, m.f.r, pos); len(items) != 0 {
		t.Fatalf("decided continuation still in flight: %v", items)
	}
	if items := m.inFlight(t, m.f.p, pos); len(items) != 2 {
		t.Fatalf("in flight from the provincial group: %v, want the two to the second region", items)
	}

	// A child group created just before a referral to every child group
	// gets it too (the read model of the groups catches up first; without
	// that, this failed now and then).
	urgent, err := m.addItem(t, pMeeting, "Kiireellinen tiedote alueille", true)
	if err != nil {
		t.Fatal(err)
	}
	m.decide(t, m.f.p, urgent, v1.Outcome_OUTCOME_NOTED, "Merkittiin tiedoksi ja ohjataan alueille.")
	region3, err := m.c.groups.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: "Kolmas alueellinen"},
		Level: v1.Level_LEVEL_REGIONAL, ParentId: m.f.p}))
	if err != nil {
		t.Fatal(err)
	}
	res, err = m.meetings.ReferItem(ctx, connect.NewRequest(&v1.ReferItemRequest{GroupId: m.f.p, ItemId: urgent}))
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, r := range res.Msg.GetReferrals() {
		to = append(to, r.GetGroupId())
	}
	if want := []string{m.f.r, region3.Msg.GetGroupId(), region2}; !slices.Equal(to, want) {
		t.Fatalf("referred to %v, want every child group %v", to, want)
	}
}

func TestPlanYearAndListCycle(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	localID, _ := m.addGroup(t, "Paikallinen ohjausryhmä", v1.Level_LEVEL_LOCAL, m.f.r)

	plan := &v1.PlanYearRequest{RequestId: "plan-2026", GroupId: m.f.p, Year: 2026, AgendaDeadlineDays: 14,
		// Out of order on purpose: the annual items follow the dates.
		Meetings: []*v1.PlannedMeeting{
			{StartsAt: "2026-06-09T13:00:00+03:00", Place: "Tampere-talo"},
			{StartsAt: "2026-02-10T13:00:00+02:00", Place: "Tampere-talo"},
			{StartsAt: "2026-10-13T13:00:00+03:00", VideoLink: "https://meet.example.fi/maakunta"},
		},
		AnnualItems: []*v1.AnnualItem{
			{Title: "Toimintasuunnitelma", Month: 5},
			{Title: "Talousarvio", Month: 1},
			{Title: "Toimintakertomus", Month: 10},
			{Title: "Vuosikellon arviointi", Month: 6},
		}}
	bad := func(mod func(*v1.PlanYearRequest)) func() error {
		return func() error {
			r := proto.CloneOf(plan)
			r.RequestId = ""
			mod(r)
			_, err := m.meetings.PlanYear(ctx, connect.NewRequest(r))
			return err
		}
	}
	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"a meeting in another year", bad(func(r *v1.PlanYearRequest) { r.Meetings[1].StartsAt = "2027-02-10T13:00:00+02:00" }), "meetings[1].starts_at"},
		{"month 13", bad(func(r *v1.PlanYearRequest) { r.AnnualItems[0].Month = 13 }), "annual_items[0].month"},
		{"no meeting in or after the month", bad(func(r *v1.PlanYearRequest) { r.AnnualItems[3].Month = 11 }), "annual_items[3].month"},
		{"a meeting with no place", bad(func(r *v1.PlanYearRequest) { r.Meetings[2].VideoLink = "" }), "meetings[2].place"},
		{"an annual item without a title", bad(func(r *v1.PlanYearRequest) { r.AnnualItems[2].Title = "" }), "annual_items[2].title"},
		{"no meetings", bad(func(r *v1.PlanYearRequest) { r.Meetings = nil }), "meetings"},
		{"a year out of range", bad(func(r *v1.PlanYearRequest) { r.Year = 1999 }), "year"},
	} {
		m.refused(t, tc.name, connect.CodeInvalidArgument, tc.field, tc.call)
	}

	res, err := m.meetings.PlanYear(ctx, connect.NewRequest(plan))
	if err != nil {
		t.Fatal(err)
	}
	planned := res.Msg.GetMeetingIds()
	if len(planned) != 3 || res.Msg.GetResult().GetReplayed() {
		t.Fatalf("plan: %v", res.Msg)
	}
	june, feb, oct := planned[0], planned[1], planned[2]
	before := m.c.streamPosition(t)
	again, err := m.meetings.PlanYear(ctx, connect.NewRequest(plan))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Msg.GetResult().GetReplayed() || !slices.Equal(again.Msg.GetMeetingIds(), planned) {
		t.Fatalf("retried plan answered %v, first %v", again.Msg, res.Msg)
	}
	if m.c.streamPosition(t) != before {
		t.Fatal("the retried plan wrote events")
	}
	m.refused(t, "the same year planned again", connect.CodeFailedPrecondition, "year", func() error {
		r := proto.CloneOf(plan)
		r.RequestId = "plan-2026-again"
		_, err := m.meetings.PlanYear(ctx, connect.NewRequest(r))
		return err
	})

	// The annual item of May is on the June meeting, before its closing items.
	jv := m.view(t, m.f.p, june, res.Msg.GetResult().GetPosition())
	if jv.GetAgendaDeadline() != "2026-05-26" || len(jv.GetItems()) != 9 || jv.GetItems()[4].GetItem().GetTitle() != "Toimintasuunnitelma" ||
		jv.GetItems()[4].GetItem().GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_ANNUAL_CYCLE || jv.GetItems()[5].GetItem().GetTitle() != "Vuosikellon arviointi" ||
		jv.GetItems()[6].GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS {
		t.Fatalf("June meeting: deadline %s, items %v", jv.GetAgendaDeadline(), jv.GetItems())
	}
	ids(t, jv)

	// The regional and local groups' meetings, and one of the year before.
	region, local := m.in(m.f.r, ""), m.in(localID, "")
	pNov := m.schedule(t, "p-2025-11", "2025-11-18T13:00:00+02:00")
	rDec := region.schedule(t, "r-2025-12", "2025-12-02T13:00:00+02:00")
	rMar := region.schedule(t, "r-03", "2026-03-03T13:00:00+02:00")
	rMay := region.schedule(t, "r-05", "2026-05-20T13:00:00+03:00")
	rOct := region.schedule(t, "r-10", "2026-10-01T13:00:00+03:00")
	lMay := local.schedule(t, "l-05", "2026-05-05T13:00:00+03:00")
	pos := m.c.streamPosition(t)
	name := map[string]string{june: "P-jun", feb: "P-feb", oct: "P-oct", pNov: "P-nov", rDec: "R-dec", rMar: "R-mar", rMay: "R-may", rOct: "R-oct", lMay: "L-may",
		m.f.p: "P", m.f.r: "R", localID: "L", "": "-"}

	cycle := func(group string, year uint32, children bool) (meetings, alignment string) {
		t.Helper()
		res, err := m.meetings.ListCycle(ctx, connect.NewRequest(&v1.ListCycleRequest{GroupId: group, Year: year, IncludeChildGroups: children, MinPosition: pos}))
		if err != nil {
			t.Fatal(err)
		}
		label := func(id string) string {
			if n, ok := name[id]; ok {
				return n
			}
			return "?" + id
		}
		var ms, as []string
		for _, cm := range res.Msg.GetMeetings() {
			s := label(cm.GetMeetingId()) + "/" + cm.GetAgendaDeadline()
			if len(cm.GetAnnualItems()) > 0 {
				s += "[" + strings.Join(cm.GetAnnualItems(), ",") + "]"
			}
			if label(cm.GetGroupId()) != label(cm.GetMeetingId())[:1] || cm.GetState() != v1.MeetingState_MEETING_STATE_SCHEDULED {
				t.Fatalf("cycle meeting %s: %v", s, cm)
			}
			ms = append(ms, s)
		}
		for _, a := range res.Msg.GetAlignment() {
			if label(a.GetGroupId()) != label(a.GetMeetingId())[:1] || (a.GetChildStartsAt() == "") != (a.GetChildMeetingId() == "") {
				t.Fatalf("alignment: %v", a)
			}
			as = append(as, fmt.Sprintf("%s>%s:%v:%s", label(a.GetMeetingId()), label(a.GetChildGroupId()), a.GetAligned(), label(a.GetChildMeetingId())))
		}
		return strings.Join(ms, " "), strings.Join(as, " ")
	}
	for _, tc := range []struct {
		name              string
		group             string
		year              uint32
		children          bool
		meetings, aligned string
	}{
		// Feb: R met after P's November meeting and before the deadline
		// (last year's meeting opens the window); June: R's last meeting in
		// the window is May's; October: R meets after the deadline.
		{"the provincial group", m.f.p, 2026, false,
			"P-feb/2026-01-27[Talousarvio] P-jun/2026-05-26[Toimintasuunnitelma,Vuosikellon arviointi] P-oct/2026-09-29[Toimintakertomus]",
			"P-feb>R:true:R-dec P-jun>R:true:R-may P-oct>R:false:-"},
		{"with its child groups", m.f.p, 2026, true,
			"P-feb/2026-01-27[Talousarvio] R-mar/2026-02-24 R-may/2026-05-13 P-jun/2026-05-26[Toimintasuunnitelma,Vuosikellon arviointi] R-oct/2026-09-24 P-oct/2026-09-29[Toimintakertomus]",
			"P-feb>R:true:R-dec R-mar>L:false:- R-may>L:true:L-may P-jun>R:true:R-may R-oct>L:false:- P-oct>R:false:-"},
		{"the network", "", 2026, false,
			"P-feb/2026-01-27[Talousarvio] R-mar/2026-02-24 L-may/2026-04-28 R-may/2026-05-13 P-jun/2026-05-26[Toimintasuunnitelma,Vuosikellon arviointi] R-oct/2026-09-24 P-oct/2026-09-29[Toimintakertomus]",
			"P-feb>R:true:R-dec R-mar>L:false:- R-may>L:true:L-may P-jun>R:true:R-may R-oct>L:false:- P-oct>R:false:-"},
		{"a group without child groups", localID, 2026, true, "L-may/2026-04-28", ""},
		{"the year before", "", 2025, false, "P-nov/2025-11-11 R-dec/2025-11-25", "P-nov>R:false:- R-dec>L:false:-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, as := cycle(tc.group, tc.year, tc.children)
			if ms != tc.meetings {
				t.Errorf("meetings\n got %s\nwant %s", ms, tc.meetings)
			}
			if as != tc.aligned {
				t.Errorf("alignment\n got %s\nwant %s", as, tc.aligned)
			}
		})
	}
	for _, tc := range []struct {
		name, field string
		req         *v1.ListCycleRequest
	}{
		{"a malformed group id", "group_id", &v1.ListCycleRequest{GroupId: "maakunta", Year: 2026}},
		{"a year out of range", "year", &v1.ListCycleRequest{Year: 1999}},
	} {
		_, err := m.meetings.ListCycle(ctx, connect.NewRequest(tc.req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != tc.field {
			t.Fatalf("ListCycle with %s: %v", tc.name, err)
		}
	}
}

func TestEditMoveAndReorderAgendaItems(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	spring := m.schedule(t, "spring", "2026-04-14T13:00:00+03:00")
	autumn := m.schedule(t, "autumn", "2026-09-08T13:00:00+03:00")
	add := func(meeting, title string) string {
		id, err := m.addItem(t, meeting, title, false)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	x, y, z := add(spring, "Neuvolayhteistyön suunnitelma"), add(spring, "Kohtaamispaikat"), add(spring, "Perheiden osallisuus")
	later := add(autumn, "Syksyn asia")

	edited := &v1.AgendaItem{Title: "Perhevalmennuksen uudistus", Proposal: "Uudistetaan perhevalmennus.", Openness: v1.Openness_OPENNESS_PUBLIC,
		Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING}}}
	edit, err := m.meetings.EditItem(ctx, connect.NewRequest(&v1.EditItemRequest{GroupId: m.f.p, ItemId: x, Item: edited}))
	if err != nil {
		t.Fatal(err)
	}
	pos := edit.Msg.GetResult().GetPosition()
	sv := m.view(t, m.f.p, spring, pos)
	if it := itemView(t, sv, x).GetItem(); it.GetTitle() != "Perhevalmennuksen uudistus" || it.GetProposal() != "Uudistetaan perhevalmennus." ||
		it.GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_SECRETARY || itemView(t, sv, x).GetPosition() != 5 {
		t.Fatalf("edited item: %v", it)
	}
	for _, tc := range []struct {
		name string
		req  *v1.SearchItemsRequest
		want []string
	}{
		{"the new title", &v1.SearchItemsRequest{Query: "perhevalmennuksen"}, []string{x}},
		{"the old title", &v1.SearchItemsRequest{Query: "neuvolayhteistyön"}, nil},
		{"the new task", &v1.SearchItemsRequest{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T1_WELLBEING}, []string{x}},
		{"the old task", &v1.SearchItemsRequest{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T2_PARENTING, Year: 2026}, []string{later, y, z}},
	} {
		tc.req.MinPosition = pos
		res, err := m.meetings.SearchItems(ctx, connect.NewRequest(tc.req))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Msg.GetHits() {
			got = append(got, h.GetItemId())
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("search for %s after the edit: %v, want %v", tc.name, res.Msg.GetHits(), tc.want)
		}
	}

	// Reorder: the three items move among themselves.
	order := ids(t, sv)
	if len(order) != 10 || !slices.Equal(order[4:7], []string{x, y, z}) {
		t.Fatalf("spring agenda: %v", sv.GetItems())
	}
	reorder := func(meeting string, ids []string) func() error {
		return func() error {
			_, err := m.meetings.ReorderAgenda(ctx, connect.NewRequest(&v1.ReorderAgendaRequest{GroupId: m.f.p, MeetingId: meeting, ItemIds: ids}))
			return err
		}
	}
	swap := func(ids []string, i, j int) []string {
		out := slices.Clone(ids)
		out[i], out[j] = out[j], out[i]
		return out
	}
	newOrder := slices.Concat(order[:4], []string{z, x, y}, order[7:])
	res, err := m.meetings.ReorderAgenda(ctx, connect.NewRequest(&v1.ReorderAgendaRequest{GroupId: m.f.p, MeetingId: spring, ItemIds: newOrder}))
	if err != nil {
		t.Fatal(err)
	}
	sv = m.view(t, m.f.p, spring, res.Msg.GetResult().GetPosition())
	if got := ids(t, sv); !slices.Equal(got, newOrder) {
		t.Fatalf("after reordering: %v, want %v", got, newOrder)
	}

	m.refused(t, "a reorder missing an item", connect.CodeInvalidArgument, "item_ids", reorder(spring, newOrder[:9]))
	m.refused(t, "a reorder with another meeting's item", connect.CodeInvalidArgument, "item_ids[5]",
		reorder(spring, slices.Concat(newOrder[:5], []string{later}, newOrder[6:])))
	m.refused(t, "a reorder moving a standard item", connect.CodeFailedPrecondition, "item_ids[0]", reorder(spring, swap(newOrder, 0, 4)))
	m.refused(t, "a reorder moving a closing item", connect.CodeFailedPrecondition, "item_ids[7]", reorder(spring, swap(newOrder, 6, 7)))
	move := func(itemID, meeting string) func() error {
		return func() error {
			_, err := m.meetings.MoveItem(ctx, connect.NewRequest(&v1.MoveItemRequest{GroupId: m.f.p, ItemId: itemID, MeetingId: meeting}))
			return err
		}
	}
	m.refused(t, "moving a standard item", connect.CodeFailedPrecondition, "item_id", move(newOrder[0], autumn))
	m.refused(t, "moving onto a meeting that does not exist", connect.CodeNotFound, "meeting_id", move(y, "00000000-0000-4000-8000-000000000999"))
	m.refused(t, "editing the origin", connect.CodeInvalidArgument, "item.origin", func() error {
		it := proto.CloneOf(edited)
		it.Origin = v1.ItemOrigin_ITEM_ORIGIN_MEMBER
		_, err := m.meetings.EditItem(ctx, connect.NewRequest(&v1.EditItemRequest{GroupId: m.f.p, ItemId: x, Item: it}))
		return err
	})

	// Move: out of the spring agenda, onto the autumn one before its closing items.
	mv, err := m.meetings.MoveItem(ctx, connect.NewRequest(&v1.MoveItemRequest{GroupId: m.f.p, ItemId: y, MeetingId: autumn}))
	if err != nil {
		t.Fatal(err)
	}
	pos = mv.Msg.GetResult().GetPosition()
	sv = m.view(t, m.f.p, spring, pos)
	springOrder := ids(t, sv)
	if want := slices.DeleteFunc(slices.Clone(newOrder), func(id string) bool { return id == y }); !slices.Equal(springOrder, want) {
		t.Fatalf("spring after the move: %v, want %v", springOrder, want)
	}
	av := m.view(t, m.f.p, autumn, pos)
	if got := ids(t, av); len(got) != 9 || got[4] != later || got[5] != y || av.GetItems()[6].GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS {
		t.Fatalf("autumn after the move: %v", av.GetItems())
	}
	// The read model's order is the aggregate's: sending it back changes nothing.
	before := m.c.streamPosition(t)
	if err := reorder(spring, springOrder)(); err != nil {
		t.Fatalf("reorder to the order shown: %v", err)
	}
	if m.c.streamPosition(t) != before {
		t.Fatal("the order shown differs from the aggregate's: reordering to it wrote an event")
	}

	// Once the meeting is open with its agenda approved, nothing moves or
	// changes; a decided item keeps its place.
	m.open(t, spring)
	m.decide(t, m.f.p, z, v1.Outcome_OUTCOME_NOTED, "Merkittiin tiedoksi.")
	m.refused(t, "editing a decided item", connect.CodeFailedPrecondition, "item_id", func() error {
		_, err := m.meetings.EditItem(ctx, connect.NewRequest(&v1.EditItemRequest{GroupId: m.f.p, ItemId: z, Item: item("Uusi otsikko")}))
		if err != nil && !strings.Contains(err.Error(), "decided") {
			return fmt.Errorf("refused for another reason: %v", err) // fails the check: not a Connect error
		}
		return err
	})
	m.refused(t, "editing an item on an approved agenda", connect.CodeFailedPrecondition, "item_id", func() error {
		_, err := m.meetings.EditItem(ctx, connect.NewRequest(&v1.EditItemRequest{GroupId: m.f.p, ItemId: x, Item: item("Uusi otsikko")}))
		return err
	})
	m.refused(t, "moving an item off an approved agenda", connect.CodeFailedPrecondition, "item_id", move(x, autumn))
	m.refused(t, "moving an item onto an approved agenda", connect.CodeFailedPrecondition, "meeting_id", move(later, spring))
	m.refused(t, "a reorder moving a decided item", connect.CodeFailedPrecondition, "item_ids[4]", reorder(spring, swap(springOrder, 4, 5)))
}

func TestOpenedAtAndClosedAtRecordAPastMeeting(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	meeting := m.schedule(t, "past", "2026-03-12T13:00:00+02:00")
	future := time.Now().Add(time.Hour).Format(time.RFC3339)
	openAt := func(at string) func() error {
		return func() error {
			_, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
				Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}, OpenedAt: at}))
			return err
		}
	}
	m.refused(t, "opened in the future", connect.CodeInvalidArgument, "opened_at", openAt(future))
	m.refused(t, "opened at no time", connect.CodeInvalidArgument, "opened_at", openAt("klo 13.02"))
	if err := openAt("2026-03-12T13:02:00+02:00")(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	closeAt := func(at string) func() error {
		return func() error {
			_, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting, ClosedAt: at}))
			return err
		}
	}
	m.refused(t, "closed in the future", connect.CodeInvalidArgument, "closed_at", closeAt(future))
	res, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting, ClosedAt: "2026-03-12T15:47:00+02:00"}))
	if err != nil {
		t.Fatal(err)
	}
	mv := m.view(t, m.f.p, meeting, res.Msg.GetResult().GetPosition())
	items := mv.GetItems()
	first, last := items[0], items[len(items)-1]
	if first.GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OPENING || first.GetSection() != 1 ||
		first.GetDecision().GetText() != "Puheenjohtaja avasi kokouksen klo 13.02." {
		t.Fatalf("opening decision: %v", first)
	}
	if last.GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_CLOSING || last.GetDecision().GetText() != "Puheenjohtaja päätti kokouksen klo 15.47." ||
		mv.GetState() != v1.MeetingState_MEETING_STATE_CLOSED {
		t.Fatalf("closing decision: %v (meeting %v)", last, mv.GetState())
	}
	minutes, err := m.meetings.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, MinPosition: res.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	if text := minutes.Msg.GetText(); !strings.Contains(text, "klo 13.02") || !strings.Contains(text, "klo 15.47") {
		t.Fatalf("the minutes do not show the times recorded:\n%s", text)
	}
}

func TestCycleAndInFlightOfAnUnknownGroup(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	unknown := "00000000-0000-4000-8000-000000000999"
	_, err := m.meetings.ListCycle(ctx, connect.NewRequest(&v1.ListCycleRequest{GroupId: unknown, Year: 2026}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "group_id" {
		t.Fatalf("cycle of an unknown group: %v", err)
	}
	_, err = m.meetings.ListInFlight(ctx, connect.NewRequest(&v1.ListInFlightRequest{GroupId: unknown}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "group_id" {
		t.Fatalf("in-flight of an unknown group: %v", err)
	}
}
