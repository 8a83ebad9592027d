package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// commFixture is the meetings fixture with a local group L under the
// regional group R, a member of R who represents L, and clients for the
// communication and voice services.
type commFixture struct {
	meetingFixture
	comm   ohjaamov1connect.CommunicationServiceClient
	voices ohjaamov1connect.VoiceServiceClient
	// readVoices reads voices as an auditor: the admin does not read them.
	readVoices    ohjaamov1connect.VoiceServiceClient
	region, local meetingFixture // acting for R and for L, with their chairs
	localID       string
	repr          string // R's member who represents L
	helsinki      *time.Location
}

const (
	localName = "Nokian perhekeskuksen ohjausryhmä"
	reprName  = "Liisa Edustaja"
	hetu      = "131052-308T" // a valid henkilötunnus
)

func startComm(t *testing.T) commFixture {
	t.Helper()
	m := startMeetings(t)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	region := m.in(m.f.r, m.addChair(t, m.f.r, "Rauni Alue"))
	localID, localChair := m.addGroup(t, localName, v1.Level_LEVEL_LOCAL, m.f.r)
	f := commFixture{meetingFixture: m, region: region, local: m.in(localID, localChair), localID: localID, helsinki: helsinki,
		comm:   ohjaamov1connect.NewCommunicationServiceClient(m.c.http, m.c.url),
		voices: ohjaamov1connect.NewVoiceServiceClient(m.c.http, m.c.url)}
	f.repr = f.addMember(t, m.f.r, reprName, localID)
	auditor, _ := m.c.auditor(t)
	f.readVoices = ohjaamov1connect.NewVoiceServiceClient(auditor, m.c.url)
	return f
}

// addMember seats a member in group, representing represents ("" none).
func (f commFixture) addMember(t *testing.T, group, name, represents string) string {
	t.Helper()
	res, err := f.c.groups.AddMember(context.Background(), connect.NewRequest(&v1.AddMemberRequest{GroupId: group, PersonName: name,
		Organisation: "Nokian kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER,
		TermStart: "2025-01-01", RepresentsGroupId: represents}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetMembershipId()
}

// day is the date in Finland n days from today (negative: ago).
func (f commFixture) day(n int) time.Time {
	d := time.Now().In(f.helsinki).AddDate(0, 0, n)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, f.helsinki)
}

// at is the time hh:mm in Finland on d, RFC 3339.
func (f commFixture) at(d time.Time, hh, mm int) string {
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, f.helsinki).Format(time.RFC3339)
}

func ymd(d time.Time) string { return d.Format("2006-01-02") }

// finnish is a date the way the standing item writes it (1.3.2026).
func finnish(d time.Time) string { return fmt.Sprintf("%d.%d.%d", d.Day(), int(d.Month()), d.Year()) }

// hold records a meeting of mf's group held on day: scheduled at 13:00
// with items, opened at 13:05 with present attending, agenda approved. It
// answers the meeting id and the item ids.
func (f commFixture) hold(t *testing.T, mf meetingFixture, rid string, day time.Time, present []string, items ...*v1.AgendaItem) (string, []string) {
	t.Helper()
	ctx := context.Background()
	meeting := mf.schedule(t, rid, f.at(day, 13, 0))
	var ids []string
	for _, it := range items {
		res, err := f.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: mf.f.p, MeetingId: meeting, Item: it}))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Msg.GetItemId())
	}
	var att []*v1.Attendance
	for _, id := range present {
		att = append(att, &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT})
	}
	if _, err := f.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: mf.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: att, OpenedAt: f.at(day, 13, 5)})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{GroupId: mf.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	return meeting, ids
}

func (f commFixture) closeOn(t *testing.T, group, meeting string, day time.Time) uint64 {
	t.Helper()
	res, err := f.meetings.CloseMeeting(context.Background(), connect.NewRequest(&v1.CloseMeetingRequest{GroupId: group, MeetingId: meeting,
		ClosedAt: f.at(day, 15, 0)}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetResult().GetPosition()
}

// decideAffecting records a decision on itemID of group that affects the groups named.
func (f commFixture) decideAffecting(t *testing.T, group, itemID string, outcome v1.Outcome, text string, affects ...string) *v1.RecordDecisionResponse {
	t.Helper()
	res, err := f.meetings.RecordDecision(context.Background(), connect.NewRequest(&v1.RecordDecisionRequest{GroupId: group, ItemId: itemID,
		Decision: &v1.Decision{Outcome: outcome, Text: text, Affects: &v1.Affects{GroupIds: affects}}}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

func (f commFixture) responsibilities(t *testing.T, req *v1.ListResponsibilitiesRequest) []*v1.Responsibility {
	t.Helper()
	res, err := f.comm.ListResponsibilities(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetResponsibilities()
}

func (f commFixture) voiceList(t *testing.T, req *v1.ListVoicesRequest) []*v1.Voice {
	t.Helper()
	res, err := f.readVoices.ListVoices(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetVoices()
}

// regionDecided is R's meeting held daysAgo days ago with the chair and
// the representative present: the first item decided, affecting L (so
// proposed to the representative), the second tabled, affecting L too,
// the third decided affecting only P, which nobody in R represents.
func (f commFixture) regionDecided(t *testing.T, daysAgo int) (meeting string, items []string, pos uint64) {
	t.Helper()
	meeting, items = f.hold(t, f.region, "region-past", f.day(-daysAgo), []string{f.region.f.chair, f.repr},
		item("Perhekahviloiden yhteinen aukioloaika"), item("Viestintämalli"), item("Maakunnan raportti"))
	f.decideAffecting(t, f.f.r, items[0], v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Hyväksyttiin yhteinen aukioloaika.", f.localID)
	f.decideAffecting(t, f.f.r, items[1], v1.Outcome_OUTCOME_TABLED, "Jätettiin pöydälle.", f.localID)
	res := f.decideAffecting(t, f.f.r, items[2], v1.Outcome_OUTCOME_NOTED, "Merkittiin tiedoksi.", f.f.p)
	return meeting, items, res.GetResult().GetPosition()
}

// ---- (a) A voice with an identity code is refused and nothing is stored ----

func TestRecordVoiceRefusesAnIdentityCodeAndStoresNothing(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	record := func(mod func(*v1.RecordVoiceRequest)) func() error {
		return func() error {
			req := &v1.RecordVoiceRequest{RequestId: "voice-1", GroupId: f.localID, Municipality: "536", Channel: v1.VoiceChannel_VOICE_CHANNEL_CLIENT_PANEL,
				Summary: "Vanhemmat toivovat perhekahvilalle iltapäiväaukioloa.", RaisedOn: ymd(f.day(-7)),
				Tags: &v1.Tags{Themes: []string{"perhekahvila"}}, RecordedByMembershipId: f.local.f.chair}
			mod(req)
			_, err := f.voices.RecordVoice(ctx, connect.NewRequest(req))
			return err
		}
	}
	f.refused(t, "an identity code in the summary", connect.CodeInvalidArgument, "summary",
		record(func(r *v1.RecordVoiceRequest) { r.Summary = "Äiti (" + hetu + ") toivoo iltapäiväaukioloa." }))
	f.refused(t, "an identity code in a theme", connect.CodeInvalidArgument, "tags.themes[1]",
		record(func(r *v1.RecordVoiceRequest) { r.Tags.Themes = []string{"perhekahvila", hetu} }))
	f.refused(t, "raised tomorrow", connect.CodeInvalidArgument, "raised_on",
		record(func(r *v1.RecordVoiceRequest) { r.RaisedOn = ymd(f.day(1)) }))
	f.refused(t, "a municipality L does not cover", connect.CodeInvalidArgument, "municipality",
		record(func(r *v1.RecordVoiceRequest) { r.Municipality = "837" }))
	f.refused(t, "recorded by a member of another group", connect.CodeNotFound, "recorded_by_membership_id",
		record(func(r *v1.RecordVoiceRequest) { r.RecordedByMembershipId = f.repr }))
	f.refused(t, "no channel", connect.CodeInvalidArgument, "channel",
		record(func(r *v1.RecordVoiceRequest) { r.Channel = v1.VoiceChannel_VOICE_CHANNEL_UNSPECIFIED }))

	// Nothing is listed, in L, in its area or anywhere.
	pos := f.c.streamPosition(t)
	for _, group := range []string{f.localID, f.f.r, ""} {
		if vs := f.voiceList(t, &v1.ListVoicesRequest{GroupId: group, MinPosition: pos}); len(vs) != 0 {
			t.Fatalf("voices in %q after refused requests: %v", group, vs)
		}
	}
	// The refusal is not remembered under the request id: the request put
	// right is recorded, and listed.
	if err := record(func(*v1.RecordVoiceRequest) {})(); err != nil {
		t.Fatalf("the corrected voice: %v", err)
	}
	vs := f.voiceList(t, &v1.ListVoicesRequest{GroupId: f.f.r, MinPosition: f.c.streamPosition(t)})
	if len(vs) != 1 || vs[0].GetSummary() != "Vanhemmat toivovat perhekahvilalle iltapäiväaukioloa." || vs[0].GetGroupName() != localName ||
		vs[0].GetLevel() != v1.Level_LEVEL_LOCAL || vs[0].GetMunicipality() != "536" {
		t.Fatalf("voices after the corrected request: %v", vs)
	}
}

func TestRecordVoiceWithoutTags(t *testing.T) {
	f := startComm(t)
	// Tags are optional: the domain takes a voice without them.
	res, err := f.voices.RecordVoice(context.Background(), connect.NewRequest(&v1.RecordVoiceRequest{GroupId: f.localID,
		Channel: v1.VoiceChannel_VOICE_CHANNEL_FEEDBACK, Summary: "Palautetta neuvolan ajanvarauksesta.", RaisedOn: ymd(f.day(-3)),
		RecordedByMembershipId: f.local.f.chair}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.readVoices.ListVoices(context.Background(), connect.NewRequest(&v1.ListVoicesRequest{GroupId: f.localID, MinPosition: res.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatalf("BUG: a voice recorded without tags stops the read models (projections/voices.go stores proto.Marshal(nil) = nil "+
			"into voices.tags, which is NOT NULL): %v", err)
	}
	vs := f.voiceList(t, &v1.ListVoicesRequest{GroupId: f.localID, MinPosition: res.Msg.GetResult().GetPosition()})
	if len(vs) != 1 || vs[0].GetId() != res.Msg.GetVoiceId() || len(vs[0].GetTags().GetThemes()) != 0 {
		t.Fatalf("voices: %v", vs)
	}
}

// ---- (b) A decision affecting a child group proposes a responsibility, confirmed with the minutes ----

func TestDecisionProposesAResponsibilityConfirmedWithTheMinutes(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	const ago = 10
	meeting, items, pos := f.regionDecided(t, ago)
	if _, err := f.meetings.NameMinutesCheckers(ctx, connect.NewRequest(&v1.NameMinutesCheckersRequest{GroupId: f.f.r, MeetingId: meeting,
		MembershipIds: []string{f.region.f.chair, f.repr}})); err != nil {
		t.Fatal(err)
	}

	rs := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: pos})
	// Only the final decision on the first item affects a represented group.
	if len(rs) != 1 {
		t.Fatalf("responsibilities after the decisions: %v, want the one proposal", rs)
	}
	r := rs[0]
	held := f.day(-ago)
	if r.GetState() != v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED || r.GetItemId() != items[0] || r.GetMembershipId() != f.repr ||
		r.GetPersonName() != reprName || r.GetGroupId() != f.f.r || r.GetGroupName() != "Alueellinen" || r.GetMeetingId() != meeting ||
		r.GetDecidedOn() != ymd(held) || r.GetDueOn() != ymd(held.AddDate(0, 0, 30)) || r.GetOverdue() || r.GetId() == "" ||
		r.GetAudience().GetKind() != v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP || r.GetAudience().GetGroupId() != f.localID ||
		r.GetItemTitle() != "Perhekahviloiden yhteinen aukioloaika" || r.GetSection() == 0 {
		t.Fatalf("proposed responsibility: %v", r)
	}
	// The representative finds it by their membership and by name.
	for _, req := range []*v1.ListResponsibilitiesRequest{{MembershipId: f.repr, MinPosition: pos}, {PersonName: reprName, OpenOnly: true, MinPosition: pos}} {
		if got := f.responsibilities(t, req); len(got) != 1 || got[0].GetId() != r.GetId() {
			t.Fatalf("responsibilities for %v: %v", req, got)
		}
	}
	if got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.localID, MinPosition: pos}); len(got) != 0 {
		t.Fatalf("L's own list shows R's responsibilities: %v", got)
	}

	pos = f.closeOn(t, f.f.r, meeting, held)
	if got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: pos}); len(got) != 1 ||
		got[0].GetState() != v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED {
		t.Fatalf("closing the meeting confirmed the proposal: %v", got)
	}
	for _, checker := range []string{f.region.f.chair, f.repr} {
		if _, err := f.meetings.CheckMinutes(ctx, connect.NewRequest(&v1.CheckMinutesRequest{GroupId: f.f.r, MeetingId: meeting, MembershipId: checker})); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.meetings.ApproveMinutes(ctx, connect.NewRequest(&v1.ApproveMinutesRequest{GroupId: f.f.r, MeetingId: meeting}))
	if err != nil {
		t.Fatal(err)
	}
	got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: res.Msg.GetResult().GetPosition()})
	if len(got) != 1 || got[0].GetId() != r.GetId() || got[0].GetState() != v1.ResponsibilityState_RESPONSIBILITY_STATE_ASSIGNED ||
		got[0].GetMembershipId() != f.repr || got[0].GetDueOn() != r.GetDueOn() {
		t.Fatalf("after the minutes were approved: %v, want %s assigned", got, r.GetId())
	}
}

// ---- (c) Marking a responsibility done ----

func TestMarkResponsibilityDone(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	other := f.addMember(t, f.f.r, "Eero Jäsen", "")
	_, _, pos := f.regionDecided(t, 10)
	rs := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: pos})
	if len(rs) != 1 {
		t.Fatalf("responsibilities: %v", rs)
	}
	id := rs[0].GetId()
	yesterday := ymd(f.day(-1))
	mark := func(mod func(*v1.MarkResponsibilityDoneRequest)) func() error {
		return func() error {
			req := &v1.MarkResponsibilityDoneRequest{GroupId: f.f.r, ResponsibilityId: id, DoneOn: yesterday, Channel: "Nokian ohjausryhmän kokous",
				Note: "Käsiteltiin ohjausryhmässä.", Link: "https://www.nokia.fi/perhekeskus/muistio", ByMembershipId: f.repr}
			mod(req)
			_, err := f.comm.MarkResponsibilityDone(ctx, connect.NewRequest(req))
			return err
		}
	}
	f.refused(t, "without a channel", connect.CodeInvalidArgument, "channel", mark(func(r *v1.MarkResponsibilityDoneRequest) { r.Channel = "" }))
	f.refused(t, "without a date", connect.CodeInvalidArgument, "done_on", mark(func(r *v1.MarkResponsibilityDoneRequest) { r.DoneOn = "" }))
	f.refused(t, "done tomorrow", connect.CodeInvalidArgument, "done_on", mark(func(r *v1.MarkResponsibilityDoneRequest) { r.DoneOn = ymd(f.day(1)) }))
	f.refused(t, "by another member", connect.CodePermissionDenied, "by_membership_id",
		mark(func(r *v1.MarkResponsibilityDoneRequest) { r.ByMembershipId = other }))
	f.refused(t, "by L's chair, not a member of R", connect.CodeNotFound, "by_membership_id",
		mark(func(r *v1.MarkResponsibilityDoneRequest) { r.ByMembershipId = f.local.f.chair }))
	f.refused(t, "a link that is not a web address", connect.CodeInvalidArgument, "link",
		mark(func(r *v1.MarkResponsibilityDoneRequest) { r.Link = "nokia.fi/muistio" }))
	f.refused(t, "a responsibility of another group", connect.CodeNotFound, "responsibility_id",
		mark(func(r *v1.MarkResponsibilityDoneRequest) { r.GroupId = f.localID; r.ByMembershipId = f.local.f.chair }))
	// Nothing was written: still open, in the list of open ones.
	if open := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, OpenOnly: true, MinPosition: f.c.streamPosition(t)}); len(open) != 1 || open[0].GetDone() != nil {
		t.Fatalf("open responsibilities after refused requests: %v", open)
	}

	if err := mark(func(*v1.MarkResponsibilityDoneRequest) {})(); err != nil {
		t.Fatalf("by the member responsible: %v", err)
	}
	pos = f.c.streamPosition(t)
	got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: pos})
	if len(got) != 1 {
		t.Fatalf("responsibilities after it was done: %v", got)
	}
	d := got[0].GetDone()
	if got[0].GetState() != v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE || d.GetDoneOn() != yesterday || d.GetChannel() != "Nokian ohjausryhmän kokous" ||
		d.GetByMembershipId() != f.repr || d.GetLink() != "https://www.nokia.fi/perhekeskus/muistio" || d.GetNote() != "Käsiteltiin ohjausryhmässä." ||
		got[0].GetOverdue() || got[0].GetDaysLate() != 0 {
		t.Fatalf("the responsibility done: %v", got[0])
	}
	if open := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, OpenOnly: true, MinPosition: pos}); len(open) != 0 {
		t.Fatalf("a responsibility done is still open: %v", open)
	}
	f.refused(t, "done twice", connect.CodeFailedPrecondition, "responsibility_id", mark(func(r *v1.MarkResponsibilityDoneRequest) { r.ByMembershipId = f.region.f.chair }))
}

func TestSecretaryAndChairMayMarkDone(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	res, err := f.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: f.f.r, PersonName: "Sanna Sihteeri", Organisation: "Hyvinvointialue",
		ActorType: v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, Role: v1.Role_ROLE_SECRETARY, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	secretary := res.Msg.GetMembershipId()
	_, items, _ := f.regionDecided(t, 10)
	for _, by := range []string{secretary, f.region.f.chair} {
		a, err := f.comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: f.f.r, ItemId: items[2], MembershipId: f.repr,
			DueOn: ymd(f.day(5)), Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC}}))
		if err != nil {
			t.Fatal(err)
		}
		done, err := f.comm.MarkResponsibilityDone(ctx, connect.NewRequest(&v1.MarkResponsibilityDoneRequest{GroupId: f.f.r,
			ResponsibilityId: a.Msg.GetResponsibilityId(), DoneOn: ymd(f.day(-1)), Channel: "verkkosivut", ByMembershipId: by}))
		if err != nil {
			t.Fatalf("marked done by %s: %v", by, err)
		}
		got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: done.Msg.GetResult().GetPosition()})
		found := false
		for _, r := range got {
			if r.GetId() == a.Msg.GetResponsibilityId() {
				found = r.GetState() == v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE && r.GetDone().GetByMembershipId() == by
			}
		}
		if !found {
			t.Fatalf("the responsibility marked done by %s: %v", by, got)
		}
	}
}

// ---- (d) Overdue responsibilities before the next meeting ----

func TestOverdueResponsibilityBeforeTheNextMeeting(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	const ago = 45 // due 30 days after the meeting: 15 days ago
	meeting, _, _ := f.regionDecided(t, ago)
	f.closeOn(t, f.f.r, meeting, f.day(-ago))
	due := f.day(-ago).AddDate(0, 0, 30)

	// The next meeting, yesterday, not yet recorded as opened.
	next := f.region.schedule(t, "region-next", f.at(f.day(-1), 13, 0))
	pos := f.c.streamPosition(t)
	view := f.view(t, f.f.r, next, pos)
	od := view.GetOverdueResponsibilities()
	if len(od) != 1 || !od[0].GetOverdue() || od[0].GetDaysLate() != 14 || od[0].GetDueOn() != ymd(due) || od[0].GetMembershipId() != f.repr {
		t.Fatalf("overdue_responsibilities of the next meeting: %v; want the proposal due %s, 14 days late on the meeting's day", od, ymd(due))
	}
	if prev := f.view(t, f.f.r, meeting, pos); len(prev.GetOverdueResponsibilities()) != 0 {
		t.Fatalf("the closed meeting shows overdue responsibilities: %v", prev.GetOverdueResponsibilities())
	}

	for _, tc := range []struct {
		name, asOf string
		want       int32 // days late; -1: not listed
	}{
		{"today (as_of empty)", "", 15},
		{"today", ymd(f.day(0)), 15},
		{"on the due date", ymd(due), -1},
		{"the day after the due date", ymd(due.AddDate(0, 0, 1)), 1},
		{"before the meeting", ymd(f.day(-ago - 1)), -1},
	} {
		got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, OverdueOnly: true, AsOf: tc.asOf, MinPosition: pos})
		switch {
		case tc.want < 0 && len(got) != 0:
			t.Errorf("overdue %s: %v, want none", tc.name, got)
		case tc.want >= 0 && (len(got) != 1 || !got[0].GetOverdue() || got[0].GetDaysLate() != tc.want):
			t.Errorf("overdue %s: %v, want one %d days late", tc.name, got, tc.want)
		}
	}
	// On its due date it is listed, not yet overdue.
	if got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, AsOf: ymd(due), MinPosition: pos}); len(got) != 1 || got[0].GetOverdue() || got[0].GetDaysLate() != 0 {
		t.Errorf("as of the due date: %v, want it listed, not overdue", got)
	}
	f.refused(t, "as_of that is not a date", connect.CodeInvalidArgument, "as_of", func() error {
		_, err := f.comm.ListResponsibilities(ctx, connect.NewRequest(&v1.ListResponsibilitiesRequest{OverdueOnly: true, AsOf: "eilen"}))
		return err
	})

	// Opened: the standing item lists it before "Muut asiat", and the view
	// no longer lists what the item now carries.
	res, err := f.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: f.f.r, MeetingId: next, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: f.region.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}, OpenedAt: f.at(f.day(-1), 13, 5)}))
	if err != nil {
		t.Fatal(err)
	}
	view = f.view(t, f.f.r, next, res.Msg.GetResult().GetPosition())
	items := view.GetItems()
	var standing *v1.ItemView
	for i, it := range items {
		if it.GetItem().GetStandard() == v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES {
			standing = it
			if i+1 >= len(items) || items[i+1].GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS {
				t.Fatalf("the standing item is not just before Muut asiat: %v", ids(t, view))
			}
		}
	}
	if standing == nil {
		t.Fatalf("no standing item on the opened meeting: %v", items)
	}
	p := standing.GetItem().GetProposal()
	if standing.GetItem().GetTitle() != "Viestintävastuiden seuranta" || !strings.Contains(p, "Perhekahviloiden yhteinen aukioloaika: tiedotetaan alaryhmälle") ||
		!strings.Contains(p, "määräpäivä "+finnish(due)+" (14 pv myöhässä)") || strings.Contains(p, reprName) {
		t.Fatalf("standing item %q: %q", standing.GetItem().GetTitle(), p)
	}
	if len(view.GetOverdueResponsibilities()) != 0 {
		t.Fatalf("an opened meeting lists overdue responsibilities: %v", view.GetOverdueResponsibilities())
	}

	// Done late, it is no longer overdue and counts its days late.
	done, err := f.comm.MarkResponsibilityDone(ctx, connect.NewRequest(&v1.MarkResponsibilityDoneRequest{GroupId: f.f.r, ResponsibilityId: od[0].GetId(),
		DoneOn: ymd(f.day(0)), Channel: "sähköposti ohjausryhmälle", ByMembershipId: f.repr}))
	if err != nil {
		t.Fatal(err)
	}
	pos = done.Msg.GetResult().GetPosition()
	if got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, OverdueOnly: true, MinPosition: pos}); len(got) != 0 {
		t.Fatalf("overdue after it was done: %v", got)
	}
	if got := f.responsibilities(t, &v1.ListResponsibilitiesRequest{GroupId: f.f.r, MinPosition: pos}); len(got) != 1 || got[0].GetDaysLate() != 15 || got[0].GetOverdue() {
		t.Fatalf("done 15 days late: %v", got)
	}
}

// ---- (e) A voice traced through two levels to the families ----

func TestTraceVoiceUpToTheRegionAndBackToFamilies(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	raised, localDay, sent, regionDay, told := f.day(-60), f.day(-50), f.day(-45), f.day(-40), f.day(-30)
	rec, err := f.voices.RecordVoice(ctx, connect.NewRequest(&v1.RecordVoiceRequest{GroupId: f.localID, Municipality: "536",
		Channel: v1.VoiceChannel_VOICE_CHANNEL_CLIENT_PANEL, Summary: "Iltapäiväaukioloa toivotaan perhekahvilaan.", RaisedOn: ymd(raised),
		Tags: &v1.Tags{Themes: []string{"perhekahvila"}}, RecordedByMembershipId: f.local.f.chair}))
	if err != nil {
		t.Fatal(err)
	}
	voice := rec.Msg.GetVoiceId()

	rMeeting := f.region.schedule(t, "region", f.at(regionDay, 13, 0))
	lMeeting := f.local.schedule(t, "local", f.at(localDay, 13, 0))
	add := func(v ...string) func() error {
		return func() error {
			it := item("Perhekahvilan aukioloajat")
			it.Origin, it.FamilyVoiceIds = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, v
			_, err := f.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.localID, MeetingId: lMeeting, Item: it}))
			return err
		}
	}
	f.refused(t, "a voice that was never recorded", connect.CodeNotFound, "item.family_voice_ids[0]", add("00000000-0000-4000-8000-000000000999"))
	f.refused(t, "the second voice was never recorded", connect.CodeNotFound, "item.family_voice_ids[1]", add(voice, "00000000-0000-4000-8000-000000000999"))
	f.refused(t, "a voice id that is no id", connect.CodeInvalidArgument, "item.family_voice_ids[0]", add("asiakasraati"))
	it := item("Perhekahvilan aukioloajat")
	it.Origin, it.FamilyVoiceIds = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, []string{voice}
	added, err := f.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.localID, MeetingId: lMeeting, Item: it}))
	if err != nil {
		t.Fatal(err)
	}
	localItem := added.Msg.GetItemId()

	// On the agenda, not yet held: one hop, waiting.
	tr, err := f.readVoices.TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: voice, MinPosition: added.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	if h := tr.Msg.GetHops(); len(h) != 1 || h[0].GetHandled() || h[0].GetItemId() != localItem || tr.Msg.GetHighestLevel() != v1.Level_LEVEL_UNSPECIFIED {
		t.Fatalf("trace before the local meeting was held: %v", tr.Msg)
	}

	// L holds its meeting, decides and sends it up to R's meeting.
	if _, err := f.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: f.localID, MeetingId: lMeeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: f.local.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}, OpenedAt: f.at(localDay, 13, 5)})); err != nil {
		t.Fatal(err)
	}
	f.decideAffecting(t, f.localID, localItem, v1.Outcome_OUTCOME_NOTED, "Palaute viedään alueelliseen koordinaatioryhmään.")
	f.closeOn(t, f.localID, lMeeting, localDay)
	up, err := f.meetings.EscalateItem(ctx, connect.NewRequest(&v1.EscalateItemRequest{GroupId: f.localID, ItemId: localItem, ToMeetingId: rMeeting,
		SentAt: f.at(sent, 9, 0)}))
	if err != nil {
		t.Fatal(err)
	}
	regionItem := up.Msg.GetToItemId()

	// R decides it and tells the families through its representative.
	if _, err := f.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: f.f.r, MeetingId: rMeeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: f.region.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
			{MembershipId: f.repr, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}, OpenedAt: f.at(regionDay, 13, 5)})); err != nil {
		t.Fatal(err)
	}
	decision := f.decideAffecting(t, f.f.r, regionItem, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Perhekahvilat avataan myös iltapäivisin.")
	f.closeOn(t, f.f.r, rMeeting, regionDay)
	assigned, err := f.comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: f.f.r, ItemId: regionItem, MembershipId: f.repr,
		DueOn: ymd(regionDay.AddDate(0, 0, 14)), Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES, Channel: "perhekahvilan ilmoitustaulu"}}))
	if err != nil {
		t.Fatal(err)
	}
	done, err := f.comm.MarkResponsibilityDone(ctx, connect.NewRequest(&v1.MarkResponsibilityDoneRequest{GroupId: f.f.r, ResponsibilityId: assigned.Msg.GetResponsibilityId(),
		DoneOn: ymd(told), Channel: "perhekahvilan ilmoitustaulu", ByMembershipId: f.repr}))
	if err != nil {
		t.Fatal(err)
	}

	tr, err = f.readVoices.TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: voice, MinPosition: done.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	hops := tr.Msg.GetHops()
	if len(hops) != 2 {
		t.Fatalf("hops: %v, want the local and the regional item", hops)
	}
	l, r := hops[0], hops[1]
	// Raised 60 days ago, on L's agenda 50 days ago: 10 days.
	if l.GetLevel() != v1.Level_LEVEL_LOCAL || l.GetGroupId() != f.localID || l.GetItemId() != localItem || !l.GetHandled() ||
		l.GetAgendaOn() != ymd(localDay) || l.GetDaysToAgenda() != 10 || l.GetOutcome() != v1.Outcome_OUTCOME_NOTED || l.GetDecidedOn() != ymd(localDay) ||
		l.GetDirection() != v1.Direction_DIRECTION_UNSPECIFIED || l.GetReceivedOn() != "" {
		t.Errorf("local hop: %v", l)
	}
	// Decided by L 50 days ago, on R's agenda 40 days ago: 10 days.
	if r.GetLevel() != v1.Level_LEVEL_REGIONAL || r.GetGroupId() != f.f.r || r.GetItemId() != regionItem || !r.GetHandled() ||
		r.GetDirection() != v1.Direction_DIRECTION_UP || r.GetReceivedOn() != ymd(sent) || r.GetAgendaOn() != ymd(regionDay) ||
		r.GetDaysToAgenda() != 10 || r.GetPreviousItemId() != localItem || r.GetSection() != decision.GetSection() ||
		r.GetOutcome() != v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED || r.GetDecisionText() != "Perhekahvilat avataan myös iltapäivisin." {
		t.Errorf("regional hop: %v", r)
	}
	// Raised 60 days ago, families told 30 days ago.
	if tr.Msg.GetHighestLevel() != v1.Level_LEVEL_REGIONAL || !tr.Msg.GetFamiliesTold() || tr.Msg.GetToldOn() != ymd(told) ||
		tr.Msg.GetDaysToTold() != 30 || tr.Msg.GetToldBy().GetId() != assigned.Msg.GetResponsibilityId() ||
		tr.Msg.GetVoice().GetId() != voice || tr.Msg.GetVoice().GetGroupId() != f.localID {
		t.Errorf("trace: highest %v, told %v on %s after %d days by %v",
			tr.Msg.GetHighestLevel(), tr.Msg.GetFamiliesTold(), tr.Msg.GetToldOn(), tr.Msg.GetDaysToTold(), tr.Msg.GetToldBy())
	}

	_, err = f.readVoices.TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: "00000000-0000-4000-8000-000000000999"}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "voice_id" {
		t.Fatalf("trace of a voice never recorded: %v", err)
	}
}

// ---- (f) Upward asks ----

func TestBringUpAndListUpwardAsks(t *testing.T) {
	f := startComm(t)
	ctx := context.Background()
	otherLocal, _ := f.addGroup(t, "Ylöjärven perhekeskuksen ohjausryhmä", v1.Level_LEVEL_LOCAL, f.f.r)
	repr2 := f.addMember(t, f.f.r, "Pekka Edustaja", otherLocal)
	meeting := f.region.schedule(t, "region-next", nextYear("02-10")) // proposals close 7 days before

	asks := func(pos uint64) *v1.ListUpwardAsksResponse {
		t.Helper()
		res, err := f.comm.ListUpwardAsks(ctx, connect.NewRequest(&v1.ListUpwardAsksRequest{GroupId: f.f.r, MeetingId: meeting, MinPosition: pos}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	before := asks(f.c.streamPosition(t))
	if before.GetAgendaDeadline() != nextYear("02-03")[:10] || len(before.GetAsks()) != 2 {
		t.Fatalf("asks before any answer: %v", before)
	}
	for i, want := range []struct{ member, group, name string }{{f.repr, f.localID, localName}, {repr2, otherLocal, "Ylöjärven perhekeskuksen ohjausryhmä"}} {
		a := before.GetAsks()[i]
		if a.GetMembershipId() != want.member || a.GetRepresentsGroupId() != want.group || a.GetRepresentsGroupName() != want.name || a.GetAnswered() {
			t.Fatalf("ask %d before any answer: %v", i, a)
		}
	}

	bring := func(meetingID, member string, it *v1.AgendaItem) func() error {
		return func() error {
			_, err := f.comm.BringUp(ctx, connect.NewRequest(&v1.BringUpRequest{GroupId: f.f.r, MeetingId: meetingID, MembershipId: member, Item: it}))
			return err
		}
	}
	unknownVoice := item("Palaute")
	unknownVoice.FamilyVoiceIds = []string{"00000000-0000-4000-8000-000000000999"}
	f.refused(t, "by a member who represents no group", connect.CodeFailedPrecondition, "membership_id", bring(meeting, f.region.f.chair, item("Asia")))
	f.refused(t, "naming a voice never recorded", connect.CodeNotFound, "item.family_voice_ids[0]", bring(meeting, f.repr, unknownVoice))
	f.refused(t, "an item without a title", connect.CodeInvalidArgument, "item.title", bring(meeting, f.repr, &v1.AgendaItem{Openness: v1.Openness_OPENNESS_PUBLIC}))
	soon := f.region.schedule(t, "region-soon", f.at(f.day(3), 13, 0)) // its proposals closed 4 days ago
	f.refused(t, "after the meeting's deadline", connect.CodeFailedPrecondition, "meeting_id", bring(soon, f.repr, item("Myöhässä")))
	f.refused(t, "nothing, after the meeting's deadline", connect.CodeFailedPrecondition, "meeting_id", bring(soon, f.repr, nil))
	approved := f.region.schedule(t, "region-approved", nextYear("03-10"))
	f.region.open(t, approved)
	f.refused(t, "after the agenda is approved", connect.CodeFailedPrecondition, "meeting_id", bring(approved, f.repr, item("Liian myöhään")))

	res, err := f.comm.BringUp(ctx, connect.NewRequest(&v1.BringUpRequest{GroupId: f.f.r, MeetingId: meeting, MembershipId: f.repr,
		Item: item("Nokian kysymys kotipalvelun saatavuudesta")}))
	if err != nil {
		t.Fatal(err)
	}
	brought := res.Msg.GetItemId()
	if brought == "" {
		t.Fatal("no item id for the item brought")
	}
	nothing, err := f.comm.BringUp(ctx, connect.NewRequest(&v1.BringUpRequest{GroupId: f.f.r, MeetingId: meeting, MembershipId: repr2}))
	if err != nil {
		t.Fatal(err)
	}
	if nothing.Msg.GetItemId() != "" {
		t.Fatalf("nothing brought has the item id %s", nothing.Msg.GetItemId())
	}
	pos := nothing.Msg.GetResult().GetPosition()
	after := asks(pos)
	if len(after.GetAsks()) != 2 {
		t.Fatalf("asks after the answers: %v", after)
	}
	if a := after.GetAsks()[0]; a.GetMembershipId() != f.repr || !a.GetAnswered() || a.GetItemId() != brought ||
		a.GetItemTitle() != "Nokian kysymys kotipalvelun saatavuudesta" || a.GetPersonName() != reprName {
		t.Fatalf("the representative of L answered: %v", a)
	}
	if a := after.GetAsks()[1]; a.GetMembershipId() != repr2 || !a.GetAnswered() || a.GetItemId() != "" {
		t.Fatalf("the representative with nothing to bring: %v", a)
	}
	// The item is on the agenda as the representative's, before the closing items.
	view := f.view(t, f.f.r, meeting, pos)
	got := itemView(t, view, brought)
	if got.GetItem().GetOrigin() != v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE || got.GetPosition() != 5 ||
		view.GetItems()[5].GetItem().GetStandard() != v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS {
		t.Fatalf("the item brought up: %v (agenda %v)", got, ids(t, view))
	}
	// The secretary cannot add a representative's item by hand.
	hand := item("Edustajan asia käsin")
	hand.Origin = v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE
	f.refused(t, "a representative's item added by hand", connect.CodeInvalidArgument, "item.origin", func() error {
		_, err := f.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.f.r, MeetingId: meeting, Item: hand}))
		return err
	})

	_, err = f.comm.ListUpwardAsks(ctx, connect.NewRequest(&v1.ListUpwardAsksRequest{GroupId: f.f.r, MeetingId: "00000000-0000-4000-8000-000000000999"}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "meeting_id" {
		t.Fatalf("asks of a meeting R does not have: %v", err)
	}
}

func TestDecisionNamingAnAffectedGroupTwice(t *testing.T) {
	f := startComm(t)
	day := f.day(-10)
	meeting, items := f.hold(t, f.region, "region-twice", day, []string{f.region.f.chair, f.repr}, item("Perhekahviloiden aukioloaika"))
	res, err := f.meetings.RecordDecision(context.Background(), connect.NewRequest(&v1.RecordDecisionRequest{GroupId: f.f.r, ItemId: items[0],
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.", Affects: &v1.Affects{GroupIds: []string{f.localID, f.localID}}}}))
	if connect.CodeOf(err) == connect.CodeInvalidArgument && errField(err) == "decision.affects.group_ids[1]" {
		return // refusing the repeated group is as good as proposing once
	}
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.comm.ListResponsibilities(context.Background(), connect.NewRequest(&v1.ListResponsibilitiesRequest{GroupId: f.f.r,
		MinPosition: res.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatalf("BUG: a decision naming a group twice in affects.group_ids proposes two responsibilities with one id "+
			"(internal/domain/communication.go proposeResponsibilities), and the read models stop on the second: %v", err)
	}
	if rs := list.Msg.GetResponsibilities(); len(rs) != 1 || rs[0].GetMeetingId() != meeting {
		t.Fatalf("responsibilities: %v, want one proposal", rs)
	}
}
