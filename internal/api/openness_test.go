package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// The distinctive words of the openness fixture: found in a response, they
// tell exactly which item leaked.
const (
	openPublicTitle     = "JULKINEN-ASIA-1001"
	openPublicDecision  = "JULKINEN-PAATOS-1001"
	openInternalTitle   = "SISAINEN-ASIA-5512"
	openInternalText    = "SISAINEN-PAATOS-5512"
	openSecretTitle     = "SALAINEN-ASIA-7731"
	openSecretText      = "SALAINEN-PAATOS-7731"
	openSecretGround    = "JulkL 24 § 1 mom. 25 k"
	openMemberEmail     = "sanna.sisapiiri@example.fi"
	openCarriedVoice    = "PERHEAANI-KULKI-4401"
	openStayingVoice    = "PERHEAANI-JAI-4402"
	openStayingVoiceWhy = "raised in R, carried nowhere"
)

// sight is what an onlooker may see of group P.
type sight struct {
	internal, secret bool
}

type onlooker struct {
	name   string
	person string // "" for anonymous
	http   *http.Client
	sight  sight
	// emails: may read P's members' e-mail addresses.
	emails bool
	// voices: which of the two voices they may read.
	carriedVoice, stayingVoice bool
}

// webhookSink collects the bodies posted to each path.
type webhookSink struct {
	mu     sync.Mutex
	bodies map[string][]string
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bodies[r.URL.Path] = append(w.bodies[r.URL.Path], string(body))
}

func (w *webhookSink) all(path string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.bodies[path], "\n")
}

// TestSecretItemNeverLeaks: group P decides a public, an internal and a
// secret item and approves the minutes. Then for each of anonymous, a
// member of another group (R), a member of P, an auditor and the admin,
// every read that could carry the items — search, meetings, the annual
// cycle, minutes public and whole, AffectedBy, WatchDecisions' backlog, an
// Atom feed, the digest and a webhook delivery — is searched, as raw bytes,
// for each item's distinctive words: each appears exactly where its
// openness allows. Members' e-mails and family voices likewise.
func TestSecretItemNeverLeaks(t *testing.T) {
	app := startAt(t, t.TempDir())
	t.Cleanup(func() { stopApp(t, app) })
	c := clients{url: app.URL(), http: testHTTP(app), groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin: ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	m := meetingFixture{c: c, f: setup(t, c), meetings: ohjaamov1connect.NewMeetingServiceClient(testHTTP(app), app.URL())}
	ctx := context.Background()

	// People: a member of P (with an e-mail), a member of R (P's child
	// group, so not P's), an auditor, the admin, and anonymous.
	member, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.p, PersonName: "Sanna Sisäpiiri",
		Email: openMemberEmail, Organisation: "Tampereen kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
		Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.r, PersonName: "Olli Ulkopuolinen",
		Organisation: "Nokian kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	auditorHTTP, auditorID := c.auditor(t)
	adminID := c.whoAmI(t, c.http).GetPersonId()
	personas := []onlooker{
		{name: "anonymous", http: bearerClient("")},
		{name: "a member of another group", person: outsider.Msg.GetPersonId(), http: c.as(t, outsider.Msg.GetPersonId()),
			carriedVoice: true, stayingVoice: true},
		{name: "a member of the group", person: member.Msg.GetPersonId(), http: c.as(t, member.Msg.GetPersonId()),
			sight: sight{internal: true, secret: true}, emails: true, carriedVoice: true},
		{name: "an auditor", person: auditorID, http: auditorHTTP, sight: sight{internal: true, secret: true}, emails: true,
			carriedVoice: true, stayingVoice: true},
		{name: "the admin", person: adminID, http: c.http, sight: sight{internal: true}, emails: true},
	}

	// Each person subscribes to P's decisions with a webhook, and has an
	// Atom feed of P.
	sink := &webhookSink{bodies: map[string][]string{}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	subs := ohjaamov1connect.NewSubscriptionServiceClient(c.http, c.url)
	feeds := map[string]string{}
	for i, p := range personas {
		if p.person == "" {
			continue
		}
		sub, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: p.person, Name: "P",
			Filter: &v1.SubscriptionFilter{GroupId: m.f.p}}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := subs.SetWebhook(ctx, connect.NewRequest(&v1.SetWebhookRequest{SubscriptionId: sub.Msg.GetSubscriptionId(),
			Url: fmt.Sprintf("%s/hook/%d", srv.URL, i)})); err != nil {
			t.Fatal(err)
		}
		feed, err := subs.CreateFeedToken(ctx, connect.NewRequest(&v1.CreateFeedTokenRequest{PersonId: p.person, Kind: v1.FeedKind_FEED_KIND_ATOM,
			GroupId: m.f.p}))
		if err != nil {
			t.Fatal(err)
		}
		feeds[p.name] = feed.Msg.GetPath()
	}

	// Family voices: one raised in R and taken up in P, one that stayed in R.
	voices := ohjaamov1connect.NewVoiceServiceClient(c.http, c.url)
	recordVoice := func(summary string) string {
		t.Helper()
		res, err := voices.RecordVoice(ctx, connect.NewRequest(&v1.RecordVoiceRequest{GroupId: m.f.r, Municipality: "837",
			Channel: v1.VoiceChannel_VOICE_CHANNEL_FEEDBACK, Summary: summary, RaisedOn: "2026-10-01",
			RecordedByMembershipId: outsider.Msg.GetMembershipId()}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetVoiceId()
	}
	carried := recordVoice("Perheet toivovat iltavastaanottoa " + openCarriedVoice)
	staying := recordVoice("Perheet toivovat kerhoa " + openStayingVoice)

	// P's meeting: the secret item first, then the internal one, then the
	// public one (carrying the voice), decided in that order, so that the
	// public decision's webhook comes last.
	meeting := m.schedule(t, "openness", "2026-11-10T13:00:00+02:00")
	add := func(title string, o v1.Openness, ground string, voiceIDs ...string) string {
		t.Helper()
		it := item(title)
		it.Grounds, it.Openness, it.LegalGround, it.FamilyVoiceIds = "Perustelut: "+title, o, ground, voiceIDs
		res, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting, Item: it}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetItemId()
	}
	secretItem := add(openSecretTitle, v1.Openness_OPENNESS_SECRET, openSecretGround)
	internalItem := add(openInternalTitle, v1.Openness_OPENNESS_INTERNAL, "")
	publicItem := add(openPublicTitle, v1.Openness_OPENNESS_PUBLIC, "", carried)
	if _, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
			{MembershipId: member.Msg.GetMembershipId(), Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	checkers := []string{m.f.chair, member.Msg.GetMembershipId()}
	if _, err := m.meetings.NameMinutesCheckers(ctx, connect.NewRequest(&v1.NameMinutesCheckersRequest{GroupId: m.f.p, MeetingId: meeting,
		MembershipIds: checkers})); err != nil {
		t.Fatal(err)
	}
	m.decide(t, m.f.p, secretItem, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, openSecretText)
	m.decide(t, m.f.p, internalItem, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, openInternalText)
	m.decide(t, m.f.p, publicItem, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, openPublicDecision)
	// Communication responsibilities: the member tells of the secret
	// decision, the chair of the other two.
	comm := ohjaamov1connect.NewCommunicationServiceClient(c.http, c.url)
	for it, by := range map[string]string{secretItem: member.Msg.GetMembershipId(), internalItem: m.f.chair, publicItem: m.f.chair} {
		if _, err := comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: m.f.p, ItemId: it,
			MembershipId: by, DueOn: "2026-12-31", Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_PUBLIC}})); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	for _, checker := range checkers {
		if _, err := m.meetings.CheckMinutes(ctx, connect.NewRequest(&v1.CheckMinutesRequest{GroupId: m.f.p, MeetingId: meeting,
			MembershipId: checker})); err != nil {
			t.Fatal(err)
		}
	}
	approved, err := m.meetings.ApproveMinutes(ctx, connect.NewRequest(&v1.ApproveMinutesRequest{GroupId: m.f.p, MeetingId: meeting}))
	if err != nil {
		t.Fatal(err)
	}
	pos := approved.Msg.GetResult().GetPosition()
	// Responsibilities are listed to who reads P's internal material (and
	// to each their own), on items they may see.
	responsibilities := map[string]sight{"a member of the group": {internal: true, secret: true}, "an auditor": {internal: true, secret: true},
		"the admin": {internal: true}}

	for i, p := range personas {
		t.Run(p.name, func(t *testing.T) {
			meetings := ohjaamov1connect.NewMeetingServiceClient(p.http, c.url)
			mySubs := ohjaamov1connect.NewSubscriptionServiceClient(p.http, c.url)

			// Search: by each item's words, and by the group alone.
			var found []string
			for _, q := range []string{"7731", "5512", "1001", "PAATOS", ""} {
				res, err := meetings.SearchItems(ctx, connect.NewRequest(&v1.SearchItemsRequest{Query: q, GroupId: m.f.p, MinPosition: pos}))
				if err != nil {
					t.Fatal(err)
				}
				found = append(found, jsonOf(t, res.Msg))
			}
			sees(t, "search", strings.Join(found, "\n"), p.sight, titles)

			// The meeting, alone and in the year's list: an item the caller
			// may not see keeps its § (and a secret one its legal ground).
			got, err := meetings.GetMeeting(ctx, connect.NewRequest(&v1.GetMeetingRequest{GroupId: m.f.p, MeetingId: meeting, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "GetMeeting", jsonOf(t, got.Msg), p.sight, everything)
			for _, it := range got.Msg.GetMeeting().GetItems() {
				if (it.GetId() == secretItem || it.GetId() == internalItem) && it.GetSection() == 0 {
					t.Errorf("GetMeeting: item %s lost its §", it.GetId())
				}
				if it.GetId() == secretItem && it.GetItem().GetLegalGround() != openSecretGround {
					t.Errorf("GetMeeting: the secret item's legal ground is %q", it.GetItem().GetLegalGround())
				}
			}
			list, err := meetings.ListMeetings(ctx, connect.NewRequest(&v1.ListMeetingsRequest{GroupId: m.f.p, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "ListMeetings", jsonOf(t, list.Msg), p.sight, everything)
			cycle, err := meetings.ListCycle(ctx, connect.NewRequest(&v1.ListCycleRequest{GroupId: m.f.p, Year: 2026, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "ListCycle", jsonOf(t, cycle.Msg), p.sight, nothing)
			flight, err := meetings.ListInFlight(ctx, connect.NewRequest(&v1.ListInFlightRequest{MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "ListInFlight", jsonOf(t, flight.Msg), p.sight, nothing)

			// Minutes: the public version for everyone; the whole one only
			// as far as the caller may read.
			public, err := meetings.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, Public: true, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "public minutes", public.Msg.GetText(), sight{}, everything)
			whole, err := meetings.GetMinutes(ctx, connect.NewRequest(&v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "minutes", whole.Msg.GetText(), p.sight, everything)
			for _, minutes := range []string{public.Msg.GetText(), whole.Msg.GetText()} {
				if !strings.Contains(minutes, openSecretGround) {
					t.Errorf("minutes lack the secret item's legal ground")
				}
			}

			// Who a decision affects: as if there were no decision, for one
			// the caller may not see.
			for _, tc := range []struct {
				item    string
				visible bool
			}{{secretItem, p.sight.secret}, {internalItem, p.sight.internal}, {publicItem, true}} {
				_, err := mySubs.AffectedBy(ctx, connect.NewRequest(&v1.AffectedByRequest{GroupId: m.f.p, ItemId: tc.item}))
				if tc.visible && err != nil || !tc.visible && connect.CodeOf(err) != connect.CodeNotFound {
					t.Errorf("AffectedBy %s: %v, want visible %v", tc.item, err, tc.visible)
				}
			}

			// WatchDecisions: the backlog since long ago.
			stream, err := mySubs.WatchDecisions(ctx, connect.NewRequest(&v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: m.f.p},
				Since: "2000-01-01T00:00:00Z"}))
			if err != nil {
				t.Fatal(err)
			}
			var notices []string
			for stream.Receive() && !stream.Msg().GetCaughtUp() {
				notices = append(notices, jsonOf(t, stream.Msg()))
			}
			if err := errors.Join(stream.Err(), stream.Close()); err != nil {
				t.Fatal(err)
			}
			sees(t, "WatchDecisions", strings.Join(notices, "\n"), p.sight, everything)

			// Communication responsibilities: signed-in people only.
			rs, err := ohjaamov1connect.NewCommunicationServiceClient(p.http, c.url).ListResponsibilities(ctx,
				connect.NewRequest(&v1.ListResponsibilitiesRequest{GroupId: m.f.p, MinPosition: pos}))
			switch r, ok := responsibilities[p.name]; {
			case p.person == "":
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("anonymous ListResponsibilities: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case !ok:
				if len(rs.Msg.GetResponsibilities()) != 0 {
					t.Errorf("ListResponsibilities of P: %v, want none", rs.Msg.GetResponsibilities())
				}
			default:
				sees(t, "ListResponsibilities", jsonOf(t, rs.Msg), r, titles)
			}

			// Group e-mails.
			group, err := ohjaamov1connect.NewGroupServiceClient(p.http, c.url).GetGroup(ctx, connect.NewRequest(&v1.GetGroupRequest{GroupId: m.f.p, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			groups, err := ohjaamov1connect.NewGroupServiceClient(p.http, c.url).ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			for what, body := range map[string]string{"GetGroup": jsonOf(t, group.Msg), "ListGroups": jsonOf(t, groups.Msg)} {
				if strings.Contains(body, openMemberEmail) != p.emails || !strings.Contains(body, "Sanna Sisäpiiri") {
					t.Errorf("%s: shows the e-mail %v (want %v), or lacks the member's name", what, !p.emails, p.emails)
				}
			}

			// Family voices: read by signed-in people only.
			myVoices := ohjaamov1connect.NewVoiceServiceClient(p.http, c.url)
			vs, err := myVoices.ListVoices(ctx, connect.NewRequest(&v1.ListVoicesRequest{MinPosition: pos}))
			if p.person == "" {
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("anonymous ListVoices: %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body := jsonOf(t, vs.Msg)
				if strings.Contains(body, openCarriedVoice) != p.carriedVoice || strings.Contains(body, openStayingVoice) != p.stayingVoice {
					t.Errorf("ListVoices: %s\nwant the voice taken up in P %v, the one %s %v", body, p.carriedVoice, openStayingVoiceWhy, p.stayingVoice)
				}
				for _, tc := range []struct {
					id      string
					visible bool
				}{{carried, p.carriedVoice}, {staying, p.stayingVoice}} {
					_, err := myVoices.TraceVoice(ctx, connect.NewRequest(&v1.TraceVoiceRequest{VoiceId: tc.id}))
					if tc.visible && err != nil || !tc.visible && connect.CodeOf(err) != connect.CodeNotFound {
						t.Errorf("TraceVoice %s: %v, want visible %v", tc.id, err, tc.visible)
					}
				}
			}
			report, err := myVoices.VoiceReport(ctx, connect.NewRequest(&v1.VoiceReportRequest{MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			if body := jsonOf(t, report.Msg); strings.Contains(body, "PERHEAANI") || report.Msg.GetVoices() != 2 {
				t.Errorf("the voice report is not figures only, or not of both voices: %s", body)
			}

			if p.person == "" {
				// Anyone's feed: the group's public decisions.
				res, err := http.Get(c.url + "/feeds/public/" + m.f.p + ".atom")
				if err != nil {
					t.Fatal(err)
				}
				feed, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=60" {
					t.Fatalf("public feed: %s %v", res.Status, res.Header)
				}
				sees(t, "public Atom feed", string(feed), p.sight, everything)
				return // other feeds, digests and webhooks belong to a person
			}
			// The person's Atom feed of P.
			res, err := http.Get(c.url + feeds[p.name])
			if err != nil {
				t.Fatal(err)
			}
			feed, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("feed: %s", res.Status)
			}
			sees(t, "Atom feed", string(feed), p.sight, everything)

			// The person's digest of this week.
			digest, err := mySubs.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{PersonId: p.person, MinPosition: pos}))
			if err != nil {
				t.Fatal(err)
			}
			sees(t, "digest", jsonOf(t, digest.Msg), p.sight, everything)

			// The webhook: the public decision comes last; by then the
			// others the person may see have been queued before it.
			hook := fmt.Sprintf("/hook/%d", i)
			testenv.Eventually(t, 15*time.Second, func() error {
				body := sink.all(hook)
				for s, want := range map[string]bool{openPublicDecision: true, openInternalText: p.sight.internal, openSecretText: p.sight.secret} {
					if want && !strings.Contains(body, s) {
						return fmt.Errorf("no webhook with %s yet", s)
					}
				}
				return nil
			})
			sees(t, "webhook", sink.all(hook), p.sight, everything)
		})
	}
}

// What a read must show of the items the caller may see (it may never
// show anything of the others): nothing (it need not carry decided items
// at all), their titles (search: a hit's snippet need not quote the
// decision), or everything.
const (
	nothing = iota
	titles
	everything
)

// sees checks that body shows each of the fixture's items exactly as s
// allows: the public one always, the internal and the secret one only when
// s says so; need says what of a visible item must be there.
func sees(t *testing.T, what, body string, s sight, need int) {
	t.Helper()
	for _, tc := range []struct {
		title, decision string
		want            bool
	}{
		{openPublicTitle, openPublicDecision, true},
		{openInternalTitle, openInternalText, s.internal},
		{openSecretTitle, openSecretText, s.secret},
	} {
		for i, w := range []string{tc.title, tc.decision} {
			required := tc.want && (need == everything || need == titles && i == 0)
			if got := strings.Contains(body, w); got && !tc.want || !got && required {
				t.Errorf("%s: shows %s: %v, want %v", what, w, got, tc.want)
			}
		}
	}
}

func jsonOf(t *testing.T, m proto.Message) string {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
