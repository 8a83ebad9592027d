package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// auditEnv is a running server whose embedded NATS is also reachable
// directly, so a test can forge events past the service.
type auditEnv struct {
	clients
	audit ohjaamov1connect.AuditServiceClient
	js    jetstream.JetStream
	// auditorHTTP acts as the auditor: family voices are theirs to read, not the admin's.
	auditorHTTP *http.Client
}

func startAudit(t *testing.T, demo bool) auditEnv {
	t.Helper()
	// The embedded server takes port 0 as NATS's default port: find a free one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	natsAddr := ln.Addr().String()
	ln.Close()
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Demo: demo, NATSListen: natsAddr,
		ReadWait: 5 * time.Second, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c := clients{url: app.URL(), http: testHTTP(app),
		groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin:  ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	auditor, _ := c.auditor(t)
	return auditEnv{clients: c, audit: ohjaamov1connect.NewAuditServiceClient(auditor, app.URL()), js: js, auditorHTTP: auditor}
}

// forgeCopy publishes straight to the stream, past the service, a copy of
// the stored event at seq with its payload replaced, and answers the
// forged message's sequence.
func (e auditEnv) forgeCopy(t *testing.T, seq uint64, payload proto.Message) uint64 {
	t.Helper()
	ctx := context.Background()
	stream, err := e.js.Stream(ctx, "OHJAAMO")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := stream.GetMsg(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	env := &v1.Envelope{}
	if err := proto.Unmarshal(raw.Data, env); err != nil {
		t.Fatal(err)
	}
	if env.Payload, err = proto.Marshal(payload); err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.Publish(ctx, raw.Subject, data)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

func (e auditEnv) verify(t *testing.T) *v1.VerifyChainsResponse {
	t.Helper()
	res, err := e.audit.VerifyChains(context.Background(), connect.NewRequest(&v1.VerifyChainsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

func (e auditEnv) history(t *testing.T, typ, id string) *v1.GetHistoryResponse {
	t.Helper()
	res, err := e.audit.GetHistory(context.Background(), connect.NewRequest(&v1.GetHistoryRequest{AggregateType: typ, AggregateId: id}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

func (e auditEnv) rename(t *testing.T, group, requestID, actor, name string) uint64 {
	t.Helper()
	req := connect.NewRequest(&v1.RenameGroupRequest{RequestId: requestID, GroupId: group, Name: &v1.LocalizedName{Fi: name}})
	req.Header().Set("Ohjaamo-Actor", actor)
	res, err := e.groups.RenameGroup(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetResult().GetPosition()
}

func TestVerifyChainsFindsAForgedGroupEvent(t *testing.T) {
	e := startAudit(t, true)
	ctx := context.Background()
	clean := e.verify(t)
	if pos := e.streamPosition(t); !clean.GetOk() || len(clean.GetBroken()) != 0 || clean.GetFirstBroken() != nil ||
		clean.GetEvents() != pos || clean.GetLastSequence() != pos || clean.GetAggregates() < 27 {
		t.Fatalf("the demo stream (at %d) does not verify: %v", pos, clean)
	}
	network, err := e.groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	province := network.Msg.GetRoots()[0].GetGroup().GetId()
	renamed := e.rename(t, province, "audit-rename-1", "tarkastaja", "Pirkanmaan ohjausryhmä")
	before := e.history(t, "group", province)
	real := before.GetEvents()[len(before.GetEvents())-1]
	if real.GetSequence() != renamed {
		t.Fatalf("the rename at %d is not the group's last event: %v", renamed, real)
	}

	// A harmless-looking forgery: the rename again, with another name.
	forged := e.forgeCopy(t, renamed, &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: "Väärennetty nimi"}})
	// The projector trusts the stream: the forged name is what readers see.
	res, err := e.groups.GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: province, MinPosition: forged}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Msg.GetGroup().GetName().GetFi(); got != "Väärennetty nimi" {
		t.Fatalf("read model name after the forgery: %q", got)
	}

	subject := "ohjaamo.group." + province
	check := func(t *testing.T, v *v1.VerifyChainsResponse) {
		t.Helper()
		if v.GetOk() || v.GetFirstBroken().GetSequence() != forged || v.GetFirstBroken().GetSubject() != subject {
			t.Fatalf("the forgery at %d is not the first broken link: %v", forged, v)
		}
		// The copy repeats the version of the event it copies, and its
		// prev_hash is that event's, not the hash of the group's last event.
		b := v.GetBroken()
		if len(b) != 2 || b[0].GetSequence() != forged || b[1].GetSequence() != forged ||
			!strings.Contains(b[0].GetReason(), "version") || !strings.Contains(b[1].GetReason(), "prev_hash") ||
			b[1].GetExpectedHex() != real.GetHashHex() || b[1].GetFoundHex() != real.GetPrevHashHex() {
			t.Fatalf("broken links: %v\nwant version and prev_hash at %d, expected %s, found %s", b, forged, real.GetHashHex(), real.GetPrevHashHex())
		}
	}
	check(t, e.verify(t))
	if e.history(t, "group", province).GetChainOk() {
		t.Fatal("the group's history says its chain holds")
	}

	// The service writes on after it (it catches up on the conflict), and
	// the forgery is still reported once, not at every later event.
	e.rename(t, province, "audit-rename-2", "tarkastaja", "Pirkanmaan perhekeskusten ohjausryhmä")
	after := e.verify(t)
	check(t, after)
	if after.GetEvents() != clean.GetEvents()+3 {
		t.Fatalf("%d events verified, want %d", after.GetEvents(), clean.GetEvents()+3)
	}
}

func TestGetHistory(t *testing.T) {
	e := startAudit(t, false)
	f := setup(t, e.clients)
	// The actor is who authenticated, whatever a header claims.
	e.rename(t, f.p, "rename-p", "Aino Sihteeri", "Uusi nimi")
	who := e.whoAmI(t, e.http)
	admin := "person:" + who.GetPersonId() + "/token:" + who.GetTokenId()
	h := e.history(t, "group", f.p)
	want := []struct{ typ, actor, request string }{
		{"ohjaamo.v1.GroupCreated", admin, "p"},
		{"ohjaamo.v1.MemberAdded", admin, "chair"},
		{"ohjaamo.v1.GroupRenamed", admin, "rename-p"},
	}
	if !h.GetChainOk() || len(h.GetEvents()) != len(want) {
		t.Fatalf("history: %v", h)
	}
	var prevSeq uint64
	prevHash := ""
	for i, ev := range h.GetEvents() {
		w := want[i]
		if ev.GetType() != w.typ || ev.GetActor() != w.actor || ev.GetRequestId() != w.request || ev.GetVersion() != uint64(i+1) ||
			ev.GetSequence() <= prevSeq || ev.GetPrevHashHex() != prevHash || len(ev.GetHashHex()) != 64 || ev.GetEventId() == "" ||
			ev.GetCorrelationId() != w.request {
			t.Errorf("event %d: %v\nwant %+v, after seq %d and hash %q", i, ev, w, prevSeq, prevHash)
		}
		if _, err := time.Parse(time.RFC3339, ev.GetTime()); err != nil {
			t.Errorf("event %d: time %q: %v", i, ev.GetTime(), err)
		}
		prevSeq, prevHash = ev.GetSequence(), ev.GetHashHex()
	}
	if p := h.GetEvents()[2].GetPayloadJson(); !strings.Contains(p, `"Uusi nimi"`) {
		t.Errorf("rename payload: %s", p)
	}

	unknown := "00000000-0000-4000-8000-000000000999"
	for _, tc := range []struct {
		typ, id string
		code    connect.Code
		field   string
	}{
		{"meeting", f.p, connect.CodeInvalidArgument, "aggregate_type"},
		{"", f.p, connect.CodeInvalidArgument, "aggregate_type"},
		{"group", "x", connect.CodeInvalidArgument, "aggregate_id"},
		{"group", "", connect.CodeInvalidArgument, "aggregate_id"},
		{"group", unknown, connect.CodeNotFound, "aggregate_id"},
		{"voice", f.p, connect.CodeNotFound, "aggregate_id"},
	} {
		_, err := e.audit.GetHistory(context.Background(), connect.NewRequest(&v1.GetHistoryRequest{AggregateType: tc.typ, AggregateId: tc.id}))
		if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
			t.Errorf("history %q %q: %v, want %v naming %s", tc.typ, tc.id, err, tc.code, tc.field)
		}
	}
}

// pack is the part of an evidence pack the tests read.
type pack struct {
	Aggregates []struct {
		Type, ID string
		Events   []struct {
			Sequence uint64
			Type     string
			Relevant bool
			Payload  json.RawMessage
		}
	}
}

func TestExportEvidenceForADecision(t *testing.T) {
	e := startAudit(t, false)
	ctx := context.Background()
	f := setup(t, e.clients)
	m := meetingFixture{c: e.clients, f: f, meetings: ohjaamov1connect.NewMeetingServiceClient(e.http, e.url)}
	meeting := m.schedule(t, "spring", "2026-03-12T13:00:00+02:00")
	decided, err := m.addItem(t, meeting, "Toimintasuunnitelma", false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.addItem(t, meeting, "Muu asia", false)
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	if _, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: f.p, ItemId: decided, Decision: decision("Hyväksyttiin.")})); err != nil {
		t.Fatal(err)
	}
	// A responsibility for the decision: marking it done names only the
	// responsibility, yet belongs to the evidence.
	comm := ohjaamov1connect.NewCommunicationServiceClient(e.http, e.url)
	resp, err := comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: f.p, ItemId: decided, MembershipId: f.chair,
		Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC}, DueOn: "2026-04-30"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := comm.MarkResponsibilityDone(ctx, connect.NewRequest(&v1.MarkResponsibilityDoneRequest{GroupId: f.p, ResponsibilityId: resp.Msg.GetResponsibilityId(),
		DoneOn: time.Now().Format(time.DateOnly), Channel: "verkkosivu", ByMembershipId: f.chair})); err != nil {
		t.Fatal(err)
	}

	res, err := e.audit.ExportEvidence(ctx, connect.NewRequest(&v1.ExportEvidenceRequest{GroupId: f.p, ItemId: decided}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Msg.GetFilename(); got != "evidence-decision-"+decided+".json" {
		t.Errorf("filename %q", got)
	}
	content := res.Msg.GetContent()
	check, err := api.CheckEvidencePack(content)
	if err != nil || len(check.Problems) != 0 || !check.StreamOK || check.Aggregates != 1 {
		t.Fatalf("the offline check refuses a fresh pack: %+v %v", check, err)
	}
	var p pack
	if err := json.Unmarshal(content, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Aggregates) != 1 || p.Aggregates[0].Type != "meetings" || p.Aggregates[0].ID != f.p {
		t.Fatalf("aggregates: %+v", p.Aggregates)
	}
	relevant := map[string]bool{}
	for _, ev := range p.Aggregates[0].Events {
		names := func(id string) bool { return strings.Contains(string(ev.Payload), id) }
		switch {
		case ev.Type == "ohjaamo.v1.ItemAdded" && names(other), ev.Type == "ohjaamo.v1.MeetingScheduled":
			if ev.Relevant {
				t.Errorf("%s at %d is marked relevant", ev.Type, ev.Sequence)
			}
		case ev.Relevant:
			relevant[ev.Type] = true
		}
	}
	for _, typ := range []string{"ohjaamo.v1.ItemAdded", "ohjaamo.v1.DecisionRecorded", "ohjaamo.v1.ResponsibilityAssigned", "ohjaamo.v1.ResponsibilityDone"} {
		if !relevant[typ] {
			t.Errorf("no %s marked relevant (relevant: %v)", typ, relevant)
		}
	}

	t.Run("the offline check finds tampering", func(t *testing.T) {
		// tamper changes one thing in a copy of the pack and says what the
		// check must then name.
		tamper := func(t *testing.T, change func(events []any) string) []string {
			var doc map[string]any
			if err := json.Unmarshal(content, &doc); err != nil {
				t.Fatal(err)
			}
			aggs := doc["aggregates"].([]any)
			want := change(aggs[0].(map[string]any)["events"].([]any))
			if want == "" {
				aggs[0].(map[string]any)["events"] = aggs[0].(map[string]any)["events"].([]any)[1:]
				want = "version 2 follows version 0"
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			c, err := api.CheckEvidencePack(b)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(c.Problems, func(p string) bool { return strings.Contains(p, want) }) {
				t.Errorf("problems %q do not say %q", c.Problems, want)
			}
			return c.Problems
		}
		seq := func(ev map[string]any) string { return fmt.Sprintf("seq %.0f", ev["sequence"].(float64)) }
		t.Run("one byte of a stored message", func(t *testing.T) {
			tamper(t, func(events []any) string {
				ev := events[3].(map[string]any)
				b, _ := base64.StdEncoding.DecodeString(ev["stored"].(string))
				b[len(b)/2] ^= 1
				ev["stored"] = base64.StdEncoding.EncodeToString(b)
				return seq(ev) + ": the stored bytes hash to"
			})
		})
		t.Run("a listed hash", func(t *testing.T) {
			tamper(t, func(events []any) string {
				ev := events[2].(map[string]any)
				ev["hash"] = strings.Repeat("0", 64)
				return seq(ev) + ": the stored bytes hash to"
			})
		})
		t.Run("a listed actor", func(t *testing.T) {
			tamper(t, func(events []any) string {
				ev := events[1].(map[string]any)
				ev["actor"] = "someone else"
				return seq(ev) + `: actor listed as "someone else"`
			})
		})
		t.Run("a listed payload", func(t *testing.T) {
			tamper(t, func(events []any) string {
				ev := events[0].(map[string]any)
				ev["payload"] = map[string]any{"name": map[string]any{"fi": "Toinen"}}
				return seq(ev) + ": the listed payload is not the stored payload"
			})
		})
		t.Run("the start of a chain left out", func(t *testing.T) {
			tamper(t, func([]any) string { return "" })
		})
		for _, bad := range []string{"not json", `{"format": "something/1"}`} {
			if _, err := api.CheckEvidencePack([]byte(bad)); err == nil {
				t.Errorf("%q passed as a pack", bad)
			}
		}
	})

	unknown := "00000000-0000-4000-8000-000000000999"
	for _, tc := range []struct {
		name  string
		req   *v1.ExportEvidenceRequest
		code  connect.Code
		field string
	}{
		{"nothing", &v1.ExportEvidenceRequest{}, connect.CodeInvalidArgument, "group_id"},
		{"a voice and a group", &v1.ExportEvidenceRequest{VoiceId: unknown, GroupId: f.p, ItemId: decided}, connect.CodeInvalidArgument, "voice_id"},
		{"a malformed item", &v1.ExportEvidenceRequest{GroupId: f.p, ItemId: "x"}, connect.CodeInvalidArgument, "item_id"},
		{"an item of no group", &v1.ExportEvidenceRequest{GroupId: f.p, ItemId: unknown}, connect.CodeNotFound, "item_id"},
		{"a group without meetings", &v1.ExportEvidenceRequest{GroupId: f.r, ItemId: decided}, connect.CodeNotFound, "group_id"},
		{"an unknown voice", &v1.ExportEvidenceRequest{VoiceId: unknown}, connect.CodeNotFound, "voice_id"},
	} {
		_, err := e.audit.ExportEvidence(ctx, connect.NewRequest(tc.req))
		if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
			t.Errorf("%s: %v, want %v naming %s", tc.name, err, tc.code, tc.field)
		}
	}
}

func TestExportEvidenceForAVoice(t *testing.T) {
	e := startAudit(t, true)
	ctx := context.Background()
	voices := ohjaamov1connect.NewVoiceServiceClient(e.auditorHTTP, e.url)
	list, err := voices.ListVoices(ctx, connect.NewRequest(&v1.ListVoicesRequest{MinPosition: e.streamPosition(t)}))
	if err != nil || len(list.Msg.GetVoices()) == 0 {
		t.Fatalf("demo voices: %v %v", list, err)
	}
	// The demo voice that travels furthest has the most hops.
	var voice string
	var trace *v1.TraceVoiceResponse
	for _, v := range list.Msg.GetVoices() {
		tr, err := voices.TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: v.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Msg.GetHops()) > len(trace.GetHops()) {
			voice, trace = v.GetId(), tr.Msg
		}
	}
	if len(trace.GetHops()) < 2 {
		t.Fatalf("no demo voice travels: %v", trace)
	}
	res, err := e.audit.ExportEvidence(ctx, connect.NewRequest(&v1.ExportEvidenceRequest{VoiceId: voice}))
	if err != nil {
		t.Fatal(err)
	}
	if check, err := api.CheckEvidencePack(res.Msg.GetContent()); err != nil || len(check.Problems) != 0 {
		t.Fatalf("offline check: %+v %v", check, err)
	}
	var p pack
	if err := json.Unmarshal(res.Msg.GetContent(), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Aggregates) == 0 || p.Aggregates[0].Type != "voice" || p.Aggregates[0].ID != voice || !p.Aggregates[0].Events[0].Relevant {
		t.Fatalf("the pack does not start with the voice's own chain: %+v", p.Aggregates)
	}
	groups := map[string]bool{}
	for _, a := range p.Aggregates[1:] {
		if a.Type != "meetings" || groups[a.ID] {
			t.Errorf("aggregate %s %s is not one group's meetings", a.Type, a.ID)
		}
		groups[a.ID] = true
	}
	for _, h := range trace.GetHops() {
		if !groups[h.GetGroupId()] {
			t.Errorf("hop %s: the meetings of group %s are missing", h.GetItemId(), h.GetGroupId())
		}
		found := false
		for _, a := range p.Aggregates {
			for _, ev := range a.Events {
				if ev.Type == "ohjaamo.v1.ItemAdded" && strings.Contains(string(ev.Payload), h.GetItemId()) {
					found = found || ev.Relevant
				}
			}
		}
		if !found {
			t.Errorf("hop %s: its ItemAdded is not marked relevant", h.GetItemId())
		}
	}
}
