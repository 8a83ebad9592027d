package api_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

const (
	forgettaName  = "Forgetta Unohdettava"
	forgettaEmail = "forgetta@example.fi"
	forgettaOrg   = "Tampereen kaupunki"
)

// forgetEnv is a running server on dir with every client the test reads through.
type forgetEnv struct {
	app      *api.App
	c        clients
	meetings ohjaamov1connect.MeetingServiceClient
	comm     ohjaamov1connect.CommunicationServiceClient
	subs     ohjaamov1connect.SubscriptionServiceClient
}

func startForget(t *testing.T, dir, smtp string) forgetEnv {
	t.Helper()
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: dir, ReadWait: 3 * time.Second,
		SMTPAddr: smtp, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := testHTTP(app)
	return forgetEnv{app: app,
		c: clients{url: app.URL(), http: h, groups: ohjaamov1connect.NewGroupServiceClient(h, app.URL()),
			admin: ohjaamov1connect.NewAdminServiceClient(h, app.URL())},
		meetings: ohjaamov1connect.NewMeetingServiceClient(h, app.URL()),
		comm:     ohjaamov1connect.NewCommunicationServiceClient(h, app.URL()),
		subs:     ohjaamov1connect.NewSubscriptionServiceClient(h, app.URL())}
}

// caughtUp waits until the read models have everything written so far.
func (e forgetEnv) caughtUp(t *testing.T) {
	t.Helper()
	if _, err := e.c.groups.ListGroups(context.Background(), connect.NewRequest(&v1.ListGroupsRequest{MinPosition: e.c.streamPosition(t)})); err != nil {
		t.Fatal(err)
	}
}

// outputs is every answer that can name a member, as text.
func (e forgetEnv) outputs(t *testing.T, group, meeting, item, person string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	js := func(name string, m proto.Message) { out[name] = protojson.Format(m) }
	g, err := e.c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: group, IncludeEnded: true}))
	if err != nil {
		t.Fatal(err)
	}
	js("GetGroup", g.Msg)
	n, err := e.c.groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	js("ListGroups", n.Msg)
	for _, lang := range []string{"fi", "sv", "en"} {
		for _, f := range []v1.MinutesFormat{v1.MinutesFormat_MINUTES_FORMAT_MARKDOWN, v1.MinutesFormat_MINUTES_FORMAT_HTML} {
			res, err := e.meetings.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: group, MeetingId: meeting, Language: lang, Format: f}))
			if err != nil {
				t.Fatal(err)
			}
			out["minutes "+lang+" "+f.String()] = res.Msg.GetText()
		}
	}
	mv, err := e.meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: group, MeetingId: meeting}))
	if err != nil {
		t.Fatal(err)
	}
	js("GetMeeting", mv.Msg)
	rs, err := e.comm.ListResponsibilities(ctx, connect.NewRequest(&v1.ListResponsibilitiesRequest{GroupId: group}))
	if err != nil {
		t.Fatal(err)
	}
	js("ListResponsibilities", rs.Msg)
	af, err := e.subs.AffectedBy(ctx, connect.NewRequest(&v1.AffectedByRequest{GroupId: group, ItemId: item}))
	if err != nil {
		t.Fatal(err)
	}
	js("AffectedBy", af.Msg)
	// A digest is its person's only: read it as her.
	d, err := ohjaamov1connect.NewSubscriptionServiceClient(e.c.as(t, person), e.c.url).GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	js("GetDigest", d.Msg)
	return out
}

// filesHolding lists the files under dir that contain needle.
func filesHolding(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestForgetPersonLeavesNoNameInAnyOutputOrStoredByte(t *testing.T) {
	sink := startSMTP(t)
	dir := t.TempDir()
	e := startForget(t, dir, sink.ln.Addr().String())
	ctx := context.Background()
	m := meetingFixture{c: e.c, f: setup(t, e.c), meetings: e.meetings}

	added, err := e.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{RequestId: "forgetta", GroupId: m.f.p,
		PersonName: forgettaName, Email: forgettaEmail, Organisation: forgettaOrg, ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
		Role: v1.Role_ROLE_SECRETARY, TermStart: "2025-01-01", RepresentsGroupId: m.f.r}))
	if err != nil {
		t.Fatal(err)
	}
	person, seat := added.Msg.GetPersonId(), added.Msg.GetMembershipId()

	// A meeting she attended as secretary (so she signs), checked the
	// minutes of, and was given a communication responsibility at.
	meeting := m.schedule(t, "forget-meeting", "2026-03-10T13:00:00+02:00")
	item, err := m.addItem(t, meeting, "Perhekahviloiden aukiolo", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
			{MembershipId: seat, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: item,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Aukiolo laajenee.",
			Affects: &v1.Affects{GroupIds: []string{m.f.p}}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: m.f.p, ItemId: item,
		MembershipId: seat, DueOn: "2030-01-31", Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES, Channel: "asiakasraati"}})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.meetings.NameMinutesCheckers(ctx, connect.NewRequest(&v1.NameMinutesCheckersRequest{GroupId: m.f.p, MeetingId: meeting,
		MembershipIds: []string{m.f.chair, seat}})); err != nil {
		t.Fatal(err)
	}
	// Her digest goes out once, recorded with her address sealed.
	sent, err := e.subs.SendDigests(ctx, connect.NewRequest(&v1.SendDigestsRequest{PersonId: person}))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Msg.GetSent() != 1 || len(sink.sent()) != 1 || sink.sent()[0].to != forgettaEmail {
		t.Fatalf("digest before forgetting: %v, mails %v", sent.Msg, sink.sent())
	}
	e.caughtUp(t)

	// Before: the name shows wherever she appears...
	before := e.outputs(t, m.f.p, meeting, item, person)
	for _, name := range []string{"GetGroup", "ListGroups", "minutes fi MINUTES_FORMAT_MARKDOWN", "minutes sv MINUTES_FORMAT_HTML",
		"minutes en MINUTES_FORMAT_MARKDOWN", "ListResponsibilities", "AffectedBy"} {
		if !strings.Contains(before[name], forgettaName) {
			t.Errorf("before forgetting, %s does not show her name:\n%s", name, before[name])
		}
	}
	if !strings.Contains(before["GetGroup"], forgettaEmail) {
		t.Errorf("before forgetting, GetGroup does not show her e-mail")
	}
	// ...but no stored byte holds it in the clear.
	for _, s := range []string{forgettaName, forgettaEmail} {
		if files := filesHolding(t, dir, []byte(s)); len(files) > 0 {
			t.Fatalf("%q stored in the clear in %v", s, files)
		}
	}
	key := e.app.Keys().KeyForTest(ctx, person)
	if len(key) != 32 || len(filesHolding(t, dir, key)) == 0 {
		t.Fatalf("her key (%x) is not on disk before forgetting: the test looks in the wrong place", key)
	}

	// Forget her; twice answers the first result.
	first, err := e.c.admin.ForgetPerson(ctx, connect.NewRequest(&v1.ForgetPersonRequest{RequestId: "forget-1", PersonId: person,
		Reason: "Valitusaika päättynyt; henkilön pyyntö"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, rid := range []string{"forget-1", "forget-2"} {
		again, err := e.c.admin.ForgetPerson(ctx, connect.NewRequest(&v1.ForgetPersonRequest{RequestId: rid, PersonId: person, Reason: "uudelleen"}))
		if err != nil {
			t.Fatal(err)
		}
		if !again.Msg.GetResult().GetReplayed() || again.Msg.GetResult().GetPosition() != first.Msg.GetResult().GetPosition() {
			t.Fatalf("forgetting again (%s): %v, want the first result %v replayed", rid, again.Msg.GetResult(), first.Msg.GetResult())
		}
	}
	if _, err := e.c.admin.ForgetPerson(ctx, connect.NewRequest(&v1.ForgetPersonRequest{PersonId: "00000000-0000-4000-8000-000000000999", Reason: "x"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("forgetting an unknown person: %v, want not found", err)
	}
	if _, err := e.c.admin.ForgetPerson(ctx, connect.NewRequest(&v1.ForgetPersonRequest{PersonId: person})); connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != "reason" {
		t.Fatalf("forgetting without a reason: %v, want invalid reason", err)
	}
	if _, err := e.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.r, PersonId: person, PersonName: forgettaName,
		Organisation: forgettaOrg, ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER})); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("seating a forgotten person again: %v, want failed precondition", err)
	}

	check := func(when string) {
		t.Helper()
		e.caughtUp(t)
		out := e.outputs(t, m.f.p, meeting, item, person)
		for name, text := range out {
			for _, s := range []string{forgettaName, forgettaEmail, "Forgetta", "forgetta"} {
				if strings.Contains(text, s) {
					t.Errorf("%s: %s still shows %q:\n%s", when, name, s, text)
				}
			}
		}
		g, err := e.c.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: m.f.p}))
		if err != nil {
			t.Fatal(err)
		}
		for _, mem := range g.Msg.GetGroup().GetMembers() {
			if mem.GetId() == seat && (!mem.GetForgotten() || mem.GetPersonName() != "" || mem.GetEmail() != "" || mem.GetOrganisation() != forgettaOrg) {
				t.Errorf("%s: her membership %v, want forgotten with role and organisation only", when, mem)
			}
		}
		for lang, want := range map[string]string{"fi": "Sihteeri, " + forgettaOrg, "sv": "Sekreterare, " + forgettaOrg, "en": "Secretary, " + forgettaOrg} {
			if md := out["minutes "+lang+" MINUTES_FORMAT_MARKDOWN"]; !strings.Contains(md, want) {
				t.Errorf("%s: minutes (%s) do not show %q where her name was:\n%s", when, lang, want, md)
			}
		}
		if !strings.Contains(out["ListResponsibilities"], "Sihteeri") || !strings.Contains(out["AffectedBy"], "Sihteeri, "+forgettaOrg) {
			t.Errorf("%s: histories do not show her role:\n%s\n%s", when, out["ListResponsibilities"], out["AffectedBy"])
		}
		for _, s := range [][]byte{[]byte(forgettaName), []byte(forgettaEmail), key} {
			if files := filesHolding(t, dir, s); len(files) > 0 {
				t.Errorf("%s: %q still stored in %v", when, s, files)
			}
		}
		// No digest goes to a forgotten person: there is no address.
		next := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
		res, err := e.subs.SendDigests(ctx, connect.NewRequest(&v1.SendDigestsRequest{PersonId: person, WeekOf: next}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Msg.GetSent() != 0 || len(sink.sent()) != 1 {
			t.Errorf("%s: a digest went to a forgotten person: %v", when, res.Msg)
		}
	}
	check("after forgetting")

	// A restart on the same files, then a rebuild of the read models.
	stopApp(t, e.app)
	e = startForget(t, dir, sink.ln.Addr().String())
	defer stopApp(t, e.app)
	check("after a restart")
	if _, err := e.c.admin.RebuildProjections(ctx, connect.NewRequest(&v1.RebuildProjectionsRequest{})); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")
}
