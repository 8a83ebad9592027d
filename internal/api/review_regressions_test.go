package api_test

// Regression tests from the second security review of issue 7 (openness on
// the read paths; request ids across groups). Each failed while its hole
// was open.

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// TestTraceHidesWhatWasDecidedOnHiddenHops: a member of the group where a
// voice was raised may trace it; the hops in groups they may not read show
// where and when it went, not the title, decision text or outcome.
func TestTraceHidesWhatWasDecidedOnHiddenHops(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	rChair := m.addChair(t, f.r, "R Puheenjohtaja")
	rMs, rPerson := addMember(t, c, f.r, "Reija R-jäsen", v1.Role_ROLE_MEMBER)
	rec, err := ohjaamov1connect.NewVoiceServiceClient(c.http, c.url).RecordVoice(ctx, connect.NewRequest(&v1.RecordVoiceRequest{GroupId: f.r,
		Municipality: "837", Channel: v1.VoiceChannel_VOICE_CHANNEL_FEEDBACK, Summary: "Perheet toivovat iltavastaanottoa", RaisedOn: "2026-01-10",
		RecordedByMembershipId: rMs}))
	if err != nil {
		t.Fatal(err)
	}
	rm := m.in(f.r, rChair)
	rMeeting := rm.schedule(t, "r-meeting", nextYear("01-20"))
	it := item("R:n sisäinen asia")
	it.Openness, it.FamilyVoiceIds = v1.Openness_OPENNESS_INTERNAL, []string{rec.Msg.GetVoiceId()}
	add, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.r, MeetingId: rMeeting, Item: it}))
	if err != nil {
		t.Fatal(err)
	}
	rm.open(t, rMeeting)
	m.decide(t, f.r, add.Msg.GetItemId(), v1.Outcome_OUTCOME_NOTED, "Viedään maakuntaan.")
	pMeeting := m.schedule(t, "p-meeting", nextYear("03-10"))
	up, err := m.meetings.EscalateItem(ctx, connect.NewRequest(&v1.EscalateItemRequest{GroupId: f.r, ItemId: add.Msg.GetItemId()}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Msg.GetToMeetingId() != pMeeting {
		t.Fatalf("escalated to %q, want %q", up.Msg.GetToMeetingId(), pMeeting)
	}
	m.open(t, pMeeting)
	m.decide(t, f.p, up.Msg.GetToItemId(), v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, "P-SISAINEN-PAATOS-77 rahoitetaan kolmesta kunnasta")
	pos := c.streamPosition(t)

	member := c.as(t, rPerson)
	// The R member may not read P's internal item: its meeting shows a stub.
	view, err := ohjaamov1connect.NewMeetingServiceClient(member, c.url).GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: f.p,
		MeetingId: pMeeting, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, view.Msg), "P-SISAINEN-PAATOS-77") {
		t.Fatalf("precondition: GetMeeting already shows P's internal decision to the R member")
	}
	tr, err := ohjaamov1connect.NewVoiceServiceClient(member, c.url).TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: rec.Msg.GetVoiceId(),
		MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tr.Msg.GetHops() {
		if h.GetGroupId() == f.p && h.GetItemTitle() == "" && strings.Contains(h.GetDecisionText(), "P-SISAINEN-PAATOS-77") {
			t.Errorf("LEAK: TraceVoice hop in P (title hidden) still carries P's internal decision text %q (outcome %v) to a member of R",
				h.GetDecisionText(), h.GetOutcome())
		}
	}
}

// TestVideoLinkOnlyForThoseInvited: a meeting's video link is for those who
// read the group's internal material: GetMeeting, ListMeetings, ListCycle
// and the public minutes leave it out for anyone else, as the public
// calendar does.
func TestVideoLinkOnlyForThoseInvited(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	const link = "https://video.example.fi/join/SALAINEN-LINKKI-4242"
	starts := nextYear("02-15")
	sched, err := ohjaamov1connect.NewMeetingServiceClient(c.http, c.url).ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{
		GroupId: f.p, StartsAt: starts, Place: "Tampere-talo", VideoLink: link, AgendaDeadlineDays: 7}))
	if err != nil {
		t.Fatal(err)
	}
	pos := sched.Msg.GetResult().GetPosition()
	anon := ohjaamov1connect.NewMeetingServiceClient(bearerClient(""), c.url)

	// The policy, as the public feed applies it.
	res, err := http.Get(c.url + "/feeds/public/" + f.p + ".ics")
	if err != nil {
		t.Fatal(err)
	}
	ics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(string(ics), "SALAINEN-LINKKI") {
		t.Fatalf("precondition: the public calendar (%d) should leave the video link out:\n%s", res.StatusCode, ics)
	}

	got, err := anon.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: f.p, MeetingId: sched.Msg.GetMeetingId(), MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Msg.GetMeeting().GetVideoLink() == link {
		t.Errorf("LEAK: anonymous GetMeeting answers the video link")
	}
	list, err := anon.ListMeetings(ctx, connect.NewRequest(&v1.ListMeetingsRequest{GroupId: f.p, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, list.Msg), "SALAINEN-LINKKI") {
		t.Errorf("LEAK: anonymous ListMeetings answers the video link")
	}
	year, _ := time.Parse(time.RFC3339, starts)
	cycle, err := anon.ListCycle(ctx, connect.NewRequest(&v1.ListCycleRequest{Year: uint32(year.Year()), MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, cycle.Msg), "SALAINEN-LINKKI") {
		t.Errorf("LEAK: anonymous ListCycle answers the video link")
	}
	mins, err := anon.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: f.p, MeetingId: sched.Msg.GetMeetingId(), Public: true, MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mins.Msg.GetText(), "SALAINEN-LINKKI") {
		t.Errorf("LEAK: anonymous public minutes print the video link")
	}
}

// TestRequestIDsAreScopedToTheirGroup: the ids a request creates are
// derived from its group and its request id, so a secretary who reuses the
// request id another group's seat was made with seats a new person (not
// that one, whose digests would go to the e-mail the secretary gives), and
// the read models do not stop on a duplicate membership id.
func TestRequestIDsAreScopedToTheirGroup(t *testing.T) {
	c := start(t, false)
	f := setup(t, c) // P's chair was seated with request id "chair"
	ctx := context.Background()
	chairPerson := personOf(t, c, f.p, f.chair)
	_, secretary := addMember(t, c, f.r, "Sanna Sihteeri", v1.Role_ROLE_SECRETARY)
	sec := ohjaamov1connect.NewGroupServiceClient(c.as(t, secretary), c.url)
	// The first review's rule holds when the person id is named...
	_, err := sec.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: f.r, PersonId: chairPerson, PersonName: "Aino",
		Email: "kaappaaja@example.fi", Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("precondition: naming the person id is refused: %v", err)
	}
	// ...but not when the request id names it.
	res, err := sec.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{RequestId: "chair", GroupId: f.r, PersonName: "Aino Puheenjohtaja",
		Email: "kaappaaja@example.fi", Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER}))
	if err != nil {
		t.Fatalf("secretary's AddMember with a reused request id: %v", err)
	}
	if res.Msg.GetPersonId() == chairPerson {
		t.Errorf("BYPASS: the secretary of R seated P's chair (person %s) under a new e-mail by reusing request id \"chair\"", chairPerson)
	}
	if res.Msg.GetMembershipId() == f.chair {
		t.Errorf("COLLISION: the new membership has the id of P's chair's membership (%s)", f.chair)
	}
	// The read models apply the MemberAdded only if the membership id is free.
	_, err = c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: f.r, MinPosition: res.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Errorf("DOS: the read models never reach the secretary's write: %v", err)
	}
}

// TestSameRequestIDInTwoGroupsMakesTwoItems: a member who proposes an item
// in each of their two groups with the same request id makes two items, and
// the read models go on (with ids from the request id alone they stopped for
// good on the duplicate).
func TestSameRequestIDInTwoGroupsMakesTwoItems(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	rChair := m.addChair(t, f.r, "R Puheenjohtaja")
	pMeeting := m.schedule(t, "p-meeting", nextYear("03-10"))
	rMeeting := m.in(f.r, rChair).schedule(t, "r-meeting", nextYear("03-03"))
	// A representative: a member of R who also sits in P (seated by the admin).
	_, person := addMember(t, c, f.r, "Reino Edustaja", v1.Role_ROLE_MEMBER)
	if _, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: f.p, PersonId: person, PersonName: "Reino Edustaja",
		Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER, RepresentsGroupId: f.r})); err != nil {
		t.Fatal(err)
	}
	as := ohjaamov1connect.NewMeetingServiceClient(c.as(t, person), c.url)
	proposal := func(group, meeting string) *connect.Response[v1.AddItemResponse] {
		it := item("Jäsenen ehdotus")
		it.Origin = v1.ItemOrigin_ITEM_ORIGIN_MEMBER
		res, err := as.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{RequestId: "ehdotus-1", GroupId: group, MeetingId: meeting, Item: it}))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := proposal(f.p, pMeeting), proposal(f.r, rMeeting)
	if a.Msg.GetItemId() == b.Msg.GetItemId() {
		t.Errorf("COLLISION: two items in two groups share id %s", a.Msg.GetItemId())
	}
	// Anything written afterwards never becomes readable.
	g, err := c.groups.CreateGroup(ctx, connect.NewRequest(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: "Myöhempi"}, Level: v1.Level_LEVEL_LOCAL,
		ParentId: f.r, Municipalities: []string{"536"}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: g.Msg.GetGroupId(), MinPosition: g.Msg.GetResult().GetPosition()})); err != nil {
		t.Errorf("DOS: after a member's two proposals the read models never reach a later write: %v", err)
	}
}

// TestADigestIsItsPersonsOnly: a digest is built with its person's sight,
// secret decisions included, so only that person reads it; an admin asking
// for a member's digest is refused (admins do not read secret items).
func TestADigestIsItsPersonsOnly(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	_, person := addMember(t, c, f.p, "Salla Jäsen", v1.Role_ROLE_MEMBER)
	mine := ohjaamov1connect.NewSubscriptionServiceClient(c.as(t, person), c.url)
	if _, err := mine.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{Name: "Oma ryhmä", Filter: &v1.SubscriptionFilter{GroupId: f.p}})); err != nil {
		t.Fatal(err)
	}
	meeting := m.schedule(t, "p-meeting", time.Now().Add(24*time.Hour).Format(time.RFC3339))
	it := item("SALAINEN-DIGEST-ASIA")
	it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	add, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.p, MeetingId: meeting, Item: it}))
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	m.decide(t, f.p, add.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "SALAINEN-DIGEST-PAATOS")
	pos := c.streamPosition(t)
	admin := ohjaamov1connect.NewSubscriptionServiceClient(c.http, c.url)
	// The admin's own sight leaves it out...
	own, err := admin.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{MinPosition: pos}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, own.Msg), "SALAINEN-DIGEST") {
		t.Fatalf("precondition: the admin's own digest carries the secret decision")
	}
	// ...but not the member's digest, which the admin may ask for.
	_, err = admin.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{PersonId: person, MinPosition: pos}))
	if connect.CodeOf(err) != connect.CodePermissionDenied || errField(err) != "person_id" {
		t.Fatalf("the admin asks for the member's digest: %v, want permission_denied on person_id", err)
	}
	d, err := mine.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{MinPosition: pos}))
	if err != nil || !strings.Contains(d.Msg.GetText(), "SALAINEN-DIGEST-PAATOS") {
		t.Fatalf("the member's own digest lacks the secret decision: %v", err)
	}
}

// TestEarlierSecretHandlingStaysSecret: a secret item tabled and brought
// back without marking the new item secret: its earlier handling keeps its
// own openness, and its decision text is shown to no one who may not see it.
func TestEarlierSecretHandlingStaysSecret(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	ctx := context.Background()
	m := meetingFixture{c: c, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(c.http, c.url)}
	first := m.schedule(t, "p-1", time.Now().Add(24*time.Hour).Format(time.RFC3339))
	it := item("Lastensuojelun sijoitus")
	it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	add, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.p, MeetingId: first, Item: it}))
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, first)
	m.decide(t, f.p, add.Msg.GetItemId(), v1.Outcome_OUTCOME_TABLED, "SALAINEN-POYDALLE perhe X:n tilanne selvitetään")
	second := m.schedule(t, "p-2", nextYear("05-05"))
	back, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: f.p, MeetingId: second, PreviousItemId: add.Msg.GetItemId(),
		Item: item("Lastensuojelun sijoitus, jatko")}))
	if err != nil {
		t.Fatal(err)
	}
	anon := ohjaamov1connect.NewMeetingServiceClient(bearerClient(""), c.url)
	v, err := anon.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: f.p, MeetingId: second, MinPosition: back.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, v.Msg), "SALAINEN-POYDALLE") {
		t.Errorf("LEAK: anonymous GetMeeting shows the secret item's earlier handling (its tabling decision)")
	}
	mins, err := anon.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: f.p, MeetingId: second, Public: true,
		MinPosition: back.Msg.GetResult().GetPosition()}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mins.Msg.GetText(), "SALAINEN-POYDALLE") {
		t.Errorf("LEAK: the public minutes print the secret item's earlier handling")
	}
}
