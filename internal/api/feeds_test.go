package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/emersion/go-ical"
	"github.com/mmcdole/gofeed"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

const feedPerson = "0b6f3a52-6d0c-4c1e-9a55-0a1f7c2d3e41"

// fetch GETs a feed address; it answers the status and the body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func feedToken(t *testing.T, c ohjaamov1connect.SubscriptionServiceClient, req *v1.CreateFeedTokenRequest) *v1.CreateFeedTokenResponse {
	t.Helper()
	res, err := c.CreateFeedToken(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

// TestFeedsParseBack reads a group's Atom and iCalendar feeds with real
// parsers: the Atom entries are the group's public decisions, newest first;
// a meeting rescheduled and then cancelled keeps its UID with a higher
// SEQUENCE; a revoked or unknown address answers 404.
func TestFeedsParseBack(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	subs := ohjaamov1connect.NewSubscriptionServiceClient(m.c.http, m.c.url)
	held := m.schedule(t, "held", "2026-03-10T13:00:00+02:00")
	public, err := m.addItem(t, held, "Perhekeskuksen toimintasuunnitelma", false)
	if err != nil {
		t.Fatal(err)
	}
	secretItem := item("Yksittäisen perheen asia")
	secretItem.Openness, secretItem.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	secretRes, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: held, Item: secretItem}))
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, held)
	m.decide(t, m.f.p, public, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Hyväksyttiin; toimeenpano alkaa, kun alueet ovat valmiita.")
	m.decide(t, m.f.p, secretRes.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Salainen päätös.")
	moved := m.schedule(t, "moved", "2026-12-15T13:00:00+02:00")
	cancelled := m.schedule(t, "cancelled", "2027-02-10T13:00:00+02:00")

	atom := feedToken(t, subs, &v1.CreateFeedTokenRequest{RequestId: "atom-1", PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: m.f.p})
	ics := feedToken(t, subs, &v1.CreateFeedTokenRequest{RequestId: "ics-1", PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ICALENDAR, GroupId: m.f.p})
	if !strings.HasSuffix(atom.GetPath(), ".atom") || !strings.HasSuffix(ics.GetPath(), ".ics") || len(atom.GetPath()) < 50 {
		t.Fatalf("addresses %q and %q", atom.GetPath(), ics.GetPath())
	}
	again := feedToken(t, subs, &v1.CreateFeedTokenRequest{RequestId: "atom-1", PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: m.f.p})
	if again.GetTokenId() != atom.GetTokenId() || again.GetPath() != "" || !again.GetResult().GetReplayed() {
		t.Fatalf("a retried create answered %v; want the same token, no secret, replayed", again)
	}

	var feed *gofeed.Feed
	testenv.Eventually(t, 5*time.Second, func() error {
		status, body := fetch(t, m.c.url+atom.GetPath())
		if status != http.StatusOK {
			return fmt.Errorf("atom status %d", status)
		}
		f, err := gofeed.NewParser().ParseString(body)
		if err != nil {
			t.Fatalf("the Atom feed does not parse: %v\n%s", err, body)
		}
		if len(f.Items) == 0 {
			return fmt.Errorf("no entries yet")
		}
		feed = f
		return nil
	})
	if feed.FeedType != "atom" || feed.Title != "Ohjaamo: Maakunnallinen ohjausryhmä" || len(feed.Items) != 1 {
		t.Fatalf("feed %q %q with %d entries, want the group's one public decision", feed.FeedType, feed.Title, len(feed.Items))
	}
	e := feed.Items[0]
	if !strings.Contains(e.Title, "§ 4/2026: Perhekeskuksen toimintasuunnitelma") || e.Content != "Hyväksyttiin; toimeenpano alkaa, kun alueet ovat valmiita." ||
		!strings.HasPrefix(e.GUID, "urn:ohjaamo:decision:"+public+":") || e.UpdatedParsed == nil {
		t.Fatalf("entry %q %q %q", e.Title, e.Content, e.GUID)
	}

	// Reschedule one meeting, cancel another: same UIDs, higher SEQUENCE.
	if _, err := m.meetings.RescheduleMeeting(ctx, connect.NewRequest(&v1.RescheduleMeetingRequest{GroupId: m.f.p, MeetingId: moved,
		StartsAt: "2026-12-16T09:00:00+02:00", Place: "Verkossa"})); err != nil {
		t.Fatal(err)
	}
	if _, err := m.meetings.CancelMeeting(ctx, connect.NewRequest(&v1.CancelMeetingRequest{GroupId: m.f.p, MeetingId: cancelled, Reason: "Ei käsiteltävää"})); err != nil {
		t.Fatal(err)
	}
	events := map[string]*ical.Event{}
	testenv.Eventually(t, 5*time.Second, func() error {
		status, body := fetch(t, m.c.url+ics.GetPath())
		if status != http.StatusOK {
			return fmt.Errorf("ics status %d", status)
		}
		cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("the iCalendar feed does not parse: %v\n%s", err, body)
		}
		events = map[string]*ical.Event{}
		for _, ev := range cal.Events() {
			uid, err := ev.Props.Text(ical.PropUID)
			if err != nil {
				t.Fatal(err)
			}
			events[uid] = &ev
		}
		if ev, ok := events[cancelled+"@ohjaamo"]; !ok || ev.Props.Get(ical.PropSequence).Value != "1" {
			return fmt.Errorf("cancellation not in the feed yet")
		}
		return nil
	})
	if len(events) != 3 {
		t.Fatalf("%d events, want the three meetings", len(events))
	}
	prop := func(uid, name string) string {
		t.Helper()
		ev, ok := events[uid+"@ohjaamo"]
		if !ok {
			t.Fatalf("no event with UID %s@ohjaamo", uid)
		}
		p := ev.Props.Get(name)
		if p == nil {
			t.Fatalf("%s has no %s", uid, name)
		}
		if p.ValueType() == ical.ValueInt {
			return p.Value // SEQUENCE: an INTEGER
		}
		v, err := p.Text()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	start, err := events[moved+"@ohjaamo"].DateTimeStart(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case prop(held, ical.PropSequence) != "0" || prop(held, ical.PropStatus) != "CONFIRMED":
		t.Errorf("the held meeting: sequence %s, status %s", prop(held, ical.PropSequence), prop(held, ical.PropStatus))
	case prop(moved, ical.PropSequence) != "1" || !start.Equal(time.Date(2026, 12, 16, 7, 0, 0, 0, time.UTC)) || prop(moved, ical.PropLocation) != "Verkossa":
		t.Errorf("the rescheduled meeting: sequence %s, start %v, location %q", prop(moved, ical.PropSequence), start, prop(moved, ical.PropLocation))
	case prop(cancelled, ical.PropStatus) != "CANCELLED" || !strings.Contains(prop(cancelled, ical.PropDescription), "Ei käsiteltävää"):
		t.Errorf("the cancelled meeting: status %s, description %q", prop(cancelled, ical.PropStatus), prop(cancelled, ical.PropDescription))
	case prop(held, ical.PropLocation) != "Tampere-talo, sali 3":
		t.Errorf("a comma in the location came back as %q", prop(held, ical.PropLocation))
	}

	// The wrong kind, an unknown token and a revoked one answer 404 alike.
	if status, _ := fetch(t, m.c.url+strings.TrimSuffix(atom.GetPath(), ".atom")+".ics"); status != http.StatusNotFound {
		t.Errorf("an Atom token as a calendar: %d", status)
	}
	if status, _ := fetch(t, m.c.url+"/feeds/"+strings.Repeat("A", 43)+".atom"); status != http.StatusNotFound {
		t.Errorf("an unknown token: %d", status)
	}
	rev, err := subs.RevokeFeedToken(ctx, connect.NewRequest(&v1.RevokeFeedTokenRequest{TokenId: atom.GetTokenId()}))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if status, _ := fetch(t, m.c.url+atom.GetPath()); status != http.StatusNotFound {
			return fmt.Errorf("revoked token still answers %d (revoked at %d)", status, rev.Msg.GetResult().GetPosition())
		}
		return nil
	})
	if status, _ := fetch(t, m.c.url+ics.GetPath()); status != http.StatusOK {
		t.Errorf("revoking one token ended another: %d", status)
	}
}

func TestCreateFeedTokenRefused(t *testing.T) {
	m := startMeetings(t)
	subs := ohjaamov1connect.NewSubscriptionServiceClient(m.c.http, m.c.url)
	for _, tt := range []struct {
		name  string
		req   *v1.CreateFeedTokenRequest
		code  connect.Code
		field string
	}{
		{"not a person id", &v1.CreateFeedTokenRequest{PersonId: "feed-person", Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: m.f.p}, connect.CodeInvalidArgument, "person_id"},
		{"no kind", &v1.CreateFeedTokenRequest{PersonId: feedPerson, GroupId: m.f.p}, connect.CodeInvalidArgument, "kind"},
		{"neither group nor subscription", &v1.CreateFeedTokenRequest{PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ATOM}, connect.CodeInvalidArgument, "group_id"},
		{"a calendar of a subscription", &v1.CreateFeedTokenRequest{PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ICALENDAR,
			SubscriptionId: feedPerson}, connect.CodeNotFound, "subscription_id"},
		{"an unknown group", &v1.CreateFeedTokenRequest{PersonId: feedPerson, Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: feedPerson}, connect.CodeNotFound, "group_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := m.c.streamPosition(t)
			_, err := subs.CreateFeedToken(context.Background(), connect.NewRequest(tt.req))
			if connect.CodeOf(err) != tt.code || errField(err) != tt.field {
				t.Fatalf("got %v (field %q), want %v on %q", err, errField(err), tt.code, tt.field)
			}
			if after := m.c.streamPosition(t); after != before {
				t.Fatalf("a refused request wrote: position %d -> %d", before, after)
			}
		})
	}
}
