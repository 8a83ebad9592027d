package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// subNet is a server with the network P → R1 → L1 (Nokia, 536) and
// P → R2 → L2 (Tampere, 837), a chair in P and in R1, and these people:
const (
	pChairPerson    = "00000000-0000-4000-8000-00000000c001" // P's chair
	r1ChairP        = "00000000-0000-4000-8000-00000000c002" // R1's chair
	r1ReprP         = "00000000-0000-4000-8000-00000000c003" // R1's municipality member who represents L1
	l1MuniP         = "00000000-0000-4000-8000-00000000c004" // L1's member for the town of Nokia
	l1NgoP          = "00000000-0000-4000-8000-00000000c005" // L1's member for MLL
	l2MuniP         = "00000000-0000-4000-8000-00000000c006" // L2's member for the city of Tampere
	noSuchID        = "00000000-0000-4000-8000-000000000999"
	subSecretGround = "JulkL 24 § 1 mom. 25 k"
)

type subNet struct {
	c                 clients
	app               *api.App
	meetings          ohjaamov1connect.MeetingServiceClient
	subs              ohjaamov1connect.SubscriptionServiceClient
	p, r1, r2, l1, l2 string
	chairs            map[string]string // group → its chair's membership
}

// startSubNet starts a server of its own and builds the network.
func startSubNet(t *testing.T) *subNet {
	t.Helper()
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), ReadWait: 3 * time.Second, Logger: testenv.Logger(t)})
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
	return buildSubNet(t, app)
}

// on points n's clients at app.
func (n *subNet) on(app *api.App) {
	n.app = app
	n.c = clients{url: app.URL(), http: testHTTP(app), groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin: ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	n.meetings = ohjaamov1connect.NewMeetingServiceClient(testHTTP(app), app.URL())
	n.subs = ohjaamov1connect.NewSubscriptionServiceClient(testHTTP(app), app.URL())
}

func buildSubNet(t *testing.T, app *api.App) *subNet {
	t.Helper()
	n := &subNet{chairs: map[string]string{}}
	n.on(app)
	group := func(name string, level v1.Level, parent string, municipalities ...string) string {
		t.Helper()
		res, err := n.c.groups.CreateGroup(context.Background(), connect.NewRequest(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: name},
			Level: level, ParentId: parent, WellbeingCounty: county, Municipalities: municipalities}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetGroupId()
	}
	n.p = group("P", v1.Level_LEVEL_PROVINCIAL, "")
	n.r1 = group("R1", v1.Level_LEVEL_REGIONAL, n.p)
	n.r2 = group("R2", v1.Level_LEVEL_REGIONAL, n.p)
	n.l1 = group("L1", v1.Level_LEVEL_LOCAL, n.r1, "536")
	n.l2 = group("L2", v1.Level_LEVEL_LOCAL, n.r2, "837")
	seat := func(group, person, org string, actor v1.ActorType, role v1.Role, represents string) string {
		t.Helper()
		res, err := n.c.groups.AddMember(context.Background(), connect.NewRequest(&v1.AddMemberRequest{GroupId: group, PersonId: person,
			PersonName: "Henkilö " + person[len(person)-4:], Organisation: org, ActorType: actor, Role: role, TermStart: "2025-01-01",
			RepresentsGroupId: represents}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetMembershipId()
	}
	const muni, ngo, member = v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER
	n.chairs[n.p] = seat(n.p, pChairPerson, "Pirkanmaan hyvinvointialue", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_CHAIR, "")
	n.chairs[n.r1] = seat(n.r1, r1ChairP, "Järjestö ry", ngo, v1.Role_ROLE_CHAIR, "")
	seat(n.r1, r1ReprP, "Nokian kaupunki", muni, member, n.l1)
	seat(n.l1, l1MuniP, "Nokian kaupunki", muni, member, "")
	seat(n.l1, l1NgoP, "Mannerheimin Lastensuojeluliitto", ngo, member, "")
	seat(n.l2, l2MuniP, "Tampereen kaupunki", muni, member, "")
	return n
}

func plainItem(title string) *v1.AgendaItem {
	return &v1.AgendaItem{Title: title, Proposal: "Ehdotus: " + title, Openness: v1.Openness_OPENNESS_PUBLIC}
}

// hold schedules a meeting of group next year with items, opens it and
// approves its agenda; it answers the item ids by title.
func (n *subNet) hold(t *testing.T, group, monthDay string, items ...*v1.AgendaItem) map[string]string {
	t.Helper()
	ctx := context.Background()
	res, err := n.meetings.ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{GroupId: group, StartsAt: nextYear(monthDay),
		Place: "Tampere-talo, sali 3", AgendaDeadlineDays: 7}))
	if err != nil {
		t.Fatal(err)
	}
	meeting := res.Msg.GetMeetingId()
	out := map[string]string{}
	for _, it := range items {
		res, err := n.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: group, MeetingId: meeting, Item: it}))
		if err != nil {
			t.Fatal(err)
		}
		out[it.GetTitle()] = res.Msg.GetItemId()
	}
	if _, err := n.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: group, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: n.chairs[group], Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := n.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{GroupId: group, MeetingId: meeting})); err != nil {
		t.Fatal(err)
	}
	return out
}

// decide records the decision on item of group, affecting a; it answers the stream position.
func (n *subNet) decide(t *testing.T, group, item string, a *v1.Affects) uint64 {
	t.Helper()
	res, err := n.meetings.RecordDecision(context.Background(), connect.NewRequest(&v1.RecordDecisionRequest{GroupId: group, ItemId: item,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Hyväksyttiin.", Affects: a}}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetResult().GetPosition()
}

func (n *subNet) subscribe(t *testing.T, rid, person string, f *v1.SubscriptionFilter) string {
	t.Helper()
	res, err := n.subs.CreateSubscription(context.Background(), connect.NewRequest(&v1.CreateSubscriptionRequest{RequestId: rid, PersonId: person,
		Name: "Tilaus " + rid, Filter: f}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetSubscriptionId()
}

func (n *subNet) pause(t *testing.T, id string) {
	t.Helper()
	if _, err := n.subs.PauseSubscription(context.Background(), connect.NewRequest(&v1.PauseSubscriptionRequest{SubscriptionId: id})); err != nil {
		t.Fatal(err)
	}
}

func (n *subNet) resume(t *testing.T, id string) {
	t.Helper()
	if _, err := n.subs.ResumeSubscription(context.Background(), connect.NewRequest(&v1.ResumeSubscriptionRequest{SubscriptionId: id})); err != nil {
		t.Fatal(err)
	}
}

// decisionWatch reads one WatchDecisions stream in the background.
type decisionWatch struct {
	mu        sync.Mutex
	msgs      []*v1.WatchDecisionsResponse // in the order received, the caught-up marker included
	stopAfter int                          // > 0: stop reading after this many decisions
	err       error
	done      chan struct{}
	cancel    context.CancelFunc
}

func watchOn(t *testing.T, client ohjaamov1connect.SubscriptionServiceClient, req *v1.WatchDecisionsRequest, stopAfter int) *decisionWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &decisionWatch{stopAfter: stopAfter, done: make(chan struct{}), cancel: cancel}
	t.Cleanup(func() { cancel(); <-w.done })
	go func() {
		defer close(w.done)
		stream, err := client.WatchDecisions(ctx, connect.NewRequest(req))
		if err == nil {
			defer stream.Close()
			decisions := 0
			for stream.Receive() {
				w.mu.Lock()
				w.msgs = append(w.msgs, stream.Msg())
				w.mu.Unlock()
				if stream.Msg().GetDecision() != nil {
					if decisions++; decisions == w.stopAfter {
						cancel() // disconnect mid-stream, dropping whatever is still on the way
						break
					}
				}
			}
			err = stream.Err()
		}
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
	}()
	return w
}

func (n *subNet) watch(t *testing.T, req *v1.WatchDecisionsRequest) *decisionWatch {
	t.Helper()
	return watchOn(t, n.subs, req, 0)
}

func (w *decisionWatch) received() []*v1.WatchDecisionsResponse {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

// items lists the item ids of the decisions received, in order.
func (w *decisionWatch) items() []string {
	var out []string
	for _, m := range w.received() {
		if d := m.GetDecision(); d != nil {
			out = append(out, d.GetItemId())
		}
	}
	return out
}

func (w *decisionWatch) lastCursor() uint64 {
	msgs := w.received()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].GetDecision() != nil {
			return msgs[i].GetCursor()
		}
	}
	return 0
}

func (w *decisionWatch) ended() (bool, error) {
	select {
	case <-w.done:
		w.mu.Lock()
		defer w.mu.Unlock()
		return true, w.err
	default:
		return false, nil
	}
}

func (w *decisionWatch) waitCaughtUp(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		for _, m := range w.received() {
			if m.GetCaughtUp() {
				return nil
			}
		}
		if done, err := w.ended(); done {
			t.Fatalf("the watch ended before it caught up: %v", err)
		}
		return errors.New("no caught-up marker yet")
	})
}

// waitAny waits until the watcher has received one of the items.
func (w *decisionWatch) waitAny(t *testing.T, items ...string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		got := w.items()
		for _, it := range items {
			if slices.Contains(got, it) {
				return nil
			}
		}
		if done, err := w.ended(); done {
			t.Fatalf("the watch ended (%v) with %v before any of %v", err, got, items)
		}
		return fmt.Errorf("has %v, none of %v yet", got, items)
	})
}

// checkOrder fails unless the decisions came with rising cursors and the
// caught-up marker came once, with a cursor not below the backlog's.
func (w *decisionWatch) checkOrder(t *testing.T) {
	t.Helper()
	var last uint64
	ups := 0
	for _, m := range w.received() {
		switch {
		case m.GetCaughtUp():
			ups++
			if m.GetDecision() != nil || m.GetCursor() < last {
				t.Fatalf("caught-up marker %v after cursor %d", m, last)
			}
			last = m.GetCursor()
		case m.GetDecision() == nil:
			t.Fatalf("a message with neither decision nor caught-up: %v", m)
		case m.GetCursor() <= last:
			t.Fatalf("cursor %d after %d: %v", m.GetCursor(), last, w.received())
		default:
			last = m.GetCursor()
		}
	}
	if ups != 1 {
		t.Fatalf("%d caught-up markers", ups)
	}
}

func sortedPeople(people []*v1.AffectedPerson) []string {
	var out []string
	for _, p := range people {
		out = append(out, p.GetPersonId())
	}
	sort.Strings(out)
	return out
}

// ---- (1) Who a provincial decision reaches ----

// TestProvincialDecisionReachesExactlyItsSubscribers: P records a decision
// that affects Nokia (536), then one that affects R1 (and so L1 under it).
// Each case is a subscription (or a filter given to WatchDecisions) with
// the decisions it must receive; it must receive no other. Afterwards P and
// R1 record a decision every case matches: once a watcher has that, its
// stream has passed the two decisions, so what it has is all it gets.
func TestProvincialDecisionReachesExactlyItsSubscribers(t *testing.T) {
	n := startSubNet(t)
	ctx := context.Background()
	pItems := n.hold(t, n.p, "03-12", plainItem("Nokian perhekeskus"), plainItem("Alueen toimintamalli"), plainItem("Kaikille P"), plainItem("Ei vielä päätetty"))
	r1Items := n.hold(t, n.r1, "03-19", plainItem("Kaikille R1"))
	toNokia, toR1, everyoneP, everyoneR1 := pItems["Nokian perhekeskus"], pItems["Alueen toimintamalli"], pItems["Kaikille P"], r1Items["Kaikille R1"]

	type pausing int
	const (
		active          pausing = iota
		pausedMeanwhile         // paused before the decisions, resumed after them
		resumedBefore           // paused and resumed before the decisions
	)
	cases := []struct {
		name            string
		person          string
		filter          *v1.SubscriptionFilter
		direct          bool // a filter in the request, not a saved subscription
		pausing         pausing
		nokia, region   bool // gets the decision affecting 536, the one affecting R1
		wantNokiaReason string
	}{
		{name: "P's decisions", person: pChairPerson, filter: &v1.SubscriptionFilter{GroupId: n.p}, nokia: true, region: true},
		{name: "P and the groups under it", person: pChairPerson, filter: &v1.SubscriptionFilter{GroupId: n.p, IncludeChildren: true}, nokia: true, region: true},
		{name: "R1 and the groups under it: a parent's decision is not a child's", person: r1ChairP, filter: &v1.SubscriptionFilter{GroupId: n.r1, IncludeChildren: true}},
		{name: "municipality 536", person: l1MuniP, filter: &v1.SubscriptionFilter{Municipality: "536"}, nokia: true},
		{name: "municipality 837", person: l2MuniP, filter: &v1.SubscriptionFilter{Municipality: "837"}},
		{name: "affects me: L1's member for Nokia (by municipality, and as a member under R1)", person: l1MuniP,
			filter: &v1.SubscriptionFilter{AffectsMe: true}, nokia: true, region: true},
		{name: "affects me: R1's representative of L1 (by municipality, and as R1's member)", person: r1ReprP,
			filter: &v1.SubscriptionFilter{AffectsMe: true}, nokia: true, region: true},
		{name: "affects me: L1's NGO member (not by municipality, but as a member under R1)", person: l1NgoP,
			filter: &v1.SubscriptionFilter{AffectsMe: true}, region: true},
		{name: "affects me: L2's member for Tampere", person: l2MuniP, filter: &v1.SubscriptionFilter{AffectsMe: true}},
		{name: "affects me: P's chair, who took the decisions", person: pChairPerson, filter: &v1.SubscriptionFilter{AffectsMe: true}},
		{name: "affects me within R1 and under it: the decisions are P's", person: l1MuniP,
			filter: &v1.SubscriptionFilter{GroupId: n.r1, IncludeChildren: true, AffectsMe: true}},
		{name: "affects me within P: every criterion matches", person: l1NgoP,
			filter: &v1.SubscriptionFilter{GroupId: n.p, AffectsMe: true}, region: true},
		{name: "municipality 536, paused while the decisions were recorded", person: l1MuniP,
			filter: &v1.SubscriptionFilter{Municipality: "536"}, pausing: pausedMeanwhile},
		{name: "affects me, paused while the decisions were recorded", person: r1ReprP,
			filter: &v1.SubscriptionFilter{AffectsMe: true}, pausing: pausedMeanwhile},
		{name: "municipality 536, paused and resumed before", person: l1MuniP,
			filter: &v1.SubscriptionFilter{Municipality: "536"}, pausing: resumedBefore, nokia: true},
		{name: "a filter in the request: municipality 536", filter: &v1.SubscriptionFilter{Municipality: "536"}, direct: true, nokia: true},
		{name: "a filter in the request: affects me for L1's NGO member", person: l1NgoP,
			filter: &v1.SubscriptionFilter{AffectsMe: true}, direct: true, region: true},
	}
	watchers := make([]*decisionWatch, len(cases))
	var meanwhile []string
	for i, tc := range cases {
		req := &v1.WatchDecisionsRequest{Filter: tc.filter, PersonId: tc.person}
		if !tc.direct {
			id := n.subscribe(t, fmt.Sprintf("case-%d", i), tc.person, tc.filter)
			switch tc.pausing {
			case pausedMeanwhile:
				n.pause(t, id)
				meanwhile = append(meanwhile, id)
			case resumedBefore:
				n.pause(t, id)
				n.resume(t, id)
			}
			req = &v1.WatchDecisionsRequest{SubscriptionId: id}
		}
		watchers[i] = n.watch(t, req)
	}
	for _, w := range watchers {
		w.waitCaughtUp(t)
	}

	n.decide(t, n.p, toNokia, &v1.Affects{Municipalities: []string{"536"}})
	n.decide(t, n.p, toR1, &v1.Affects{GroupIds: []string{n.r1}})
	for _, id := range meanwhile {
		n.resume(t, id)
	}
	everyone := &v1.Affects{GroupIds: []string{n.p}, Municipalities: []string{"536", "837"}}
	n.decide(t, n.p, everyoneP, everyone)
	n.decide(t, n.r1, everyoneR1, everyone)

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := watchers[i]
			w.waitAny(t, everyoneP, everyoneR1)
			w.checkOrder(t)
			got := w.items()
			for _, c := range []struct {
				what, item string
				want       bool
			}{{"the decision affecting 536", toNokia, tc.nokia}, {"the decision affecting R1", toR1, tc.region}} {
				count := 0
				for _, it := range got {
					if it == c.item {
						count++
					}
				}
				switch {
				case c.want && count != 1:
					t.Errorf("got %s %d times, want once (received %v)", c.what, count, got)
				case !c.want && count != 0:
					t.Errorf("got %s, which is not for it", c.what)
				}
			}
			for _, m := range w.received() {
				if d := m.GetDecision(); d != nil && d.GetItemId() == toNokia {
					if d.GetGroupId() != n.p || d.GetGroupName() != "P" || d.GetLevel() != v1.Level_LEVEL_PROVINCIAL || d.GetTitle() != "Nokian perhekeskus" ||
						d.GetSection() == 0 || d.GetDecision().GetText() != "Hyväksyttiin." || d.GetCorrection() ||
						!slices.Equal(d.GetDecision().GetAffects().GetMunicipalities(), []string{"536"}) || d.GetHeldOn() == "" || d.GetRecordedAt() == "" {
						t.Errorf("the notice: %v", d)
					}
				}
			}
		})
	}

	// AffectedBy tells the same story, with the reasons.
	for _, c := range []struct {
		item string
		want []string
	}{
		{toNokia, []string{r1ReprP, l1MuniP}},
		{toR1, []string{r1ChairP, r1ReprP, l1MuniP, l1NgoP}},
	} {
		res, err := n.subs.AffectedBy(ctx, connect.NewRequest(&v1.AffectedByRequest{GroupId: n.p, ItemId: c.item}))
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(c.want)
		sort.Strings(want)
		if got := sortedPeople(res.Msg.GetPeople()); !slices.Equal(got, want) {
			t.Errorf("AffectedBy %s: %v, want %v", c.item, got, want)
		}
		for _, p := range res.Msg.GetPeople() {
			if len(p.GetReasons()) == 0 || !strings.HasPrefix(p.GetPersonName(), "Henkilö ") {
				t.Errorf("affected person without a name or reasons: %v", p)
			}
		}
	}
	res, err := n.subs.AffectedBy(ctx, connect.NewRequest(&v1.AffectedByRequest{GroupId: n.p, ItemId: toNokia}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Msg.GetPeople() {
		if p.GetPersonId() == r1ReprP && !slices.Equal(p.GetReasons(), []string{"represents municipality 536 in R1"}) {
			t.Errorf("R1's representative is affected because %q", p.GetReasons())
		}
	}
	// A decided item of another group, an item not decided, no such item.
	for _, req := range []*v1.AffectedByRequest{{GroupId: n.r1, ItemId: toNokia}, {GroupId: n.p, ItemId: pItems["Ei vielä päätetty"]}, {GroupId: n.p, ItemId: noSuchID}} {
		if _, err := n.subs.AffectedBy(ctx, connect.NewRequest(req)); connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "item_id" {
			t.Errorf("AffectedBy %v: %v, want NotFound on item_id", req, err)
		}
	}
	if _, err := n.subs.AffectedBy(ctx, connect.NewRequest(&v1.AffectedByRequest{GroupId: "p", ItemId: toNokia})); connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != "group_id" {
		t.Errorf("AffectedBy with a malformed group: %v", err)
	}
}

// ---- (2) Resuming from a cursor ----

func TestWatcherResumedFromItsCursorGetsEveryDecisionExactlyOnce(t *testing.T) {
	n := startSubNet(t)
	const before, first, then = 2, 12, 5 // decided before any watch, while the first reads, after it left
	var titles []string
	for i := range before + first + then + 1 {
		titles = append(titles, fmt.Sprintf("Asia %02d", i))
	}
	items := make([]*v1.AgendaItem, len(titles))
	for i, ti := range titles {
		items[i] = plainItem(ti)
	}
	byTitle := n.hold(t, n.p, "05-05", items...)
	ids := make([]string, len(titles))
	for i, ti := range titles {
		ids[i] = byTitle[ti]
	}
	for _, id := range ids[:before] {
		n.decide(t, n.p, id, nil)
	}
	// Wait until the hub has the early decisions, by a watch that starts
	// with them; then note the time.
	all := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}, Since: "2000-01-01T00:00:00Z"})
	all.waitAny(t, ids[before-1])
	since := time.Now().UTC().Format(time.RFC3339Nano)

	// A watch from now on, without cursor or since, starts with the caught-up
	// marker: nothing from before.
	w1 := watchOn(t, n.subs, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}}, 3)
	w1.waitCaughtUp(t)
	if msgs := w1.received(); len(msgs) != 1 || !msgs[0].GetCaughtUp() {
		t.Fatalf("a watch from now on began with %v", msgs)
	}
	for _, id := range ids[before : before+first] {
		n.decide(t, n.p, id, nil)
	}
	// w1 left after its third decision, with more on the way.
	testenv.Eventually(t, 10*time.Second, func() error {
		if done, _ := w1.ended(); !done {
			return errors.New("still reading")
		}
		return nil
	})
	got1 := w1.items()
	if !slices.Equal(got1, ids[before:before+3]) {
		t.Fatalf("the first watch read %v, want the first three new decisions %v", got1, ids[before:before+3])
	}
	for _, id := range ids[before+first : before+first+then] {
		n.decide(t, n.p, id, nil)
	}
	w2 := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}, Cursor: w1.lastCursor()})
	w2.waitAny(t, ids[before+first+then-1])
	// One more, so that anything sent twice would have arrived before it.
	last := ids[len(ids)-1]
	n.decide(t, n.p, last, nil)
	w2.waitAny(t, last)
	w2.checkOrder(t)
	if union := append(got1, w2.items()...); !slices.Equal(union, ids[before:]) {
		t.Fatalf("the two watches together got\n%v\nwant each decision after the first watch began once, in order:\n%v", union, ids[before:])
	}
	if c1, c2 := w1.received()[3].GetCursor(), w2.received()[0].GetCursor(); c2 <= c1 {
		t.Fatalf("the resumed watch's first cursor %d is not past the cursor %d it resumed from", c2, c1)
	}

	// The same from the recorded time: the backlog since then, then the caught-up marker.
	w3 := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}, Since: since})
	w3.waitCaughtUp(t)
	w3.checkOrder(t)
	msgs := w3.received()
	if got := w3.items(); !slices.Equal(got, ids[before:]) || !msgs[len(ids)-before].GetCaughtUp() {
		t.Fatalf("since %s: %v, want %v and then the caught-up marker", since, got, ids[before:])
	}
	all.waitAny(t, last)
	if got := all.items(); !slices.Equal(got, ids) {
		t.Fatalf("the watch from 2000 got %v, want every decision %v", got, ids)
	}
	// A since in the future: nothing until something is decided.
	w4 := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}, Since: time.Now().Add(time.Hour).Format(time.RFC3339)})
	w4.waitCaughtUp(t)
	if got := w4.items(); len(got) != 0 {
		t.Fatalf("since an hour from now: %v", got)
	}
}

// yearOfOtherEvents writes 5 000 events of another group to the stream in
// dir, so that a server starting on it takes a moment to read it all.
func yearOfOtherEvents(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	store, err := eventstore.Open(ctx, eventstore.Config{DataDir: dir, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	other := "00000000-0000-4000-8000-00000000d001"
	res, err := store.Append(ctx, domain.AggregateGroup, other, eventstore.Head{}, []proto.Message{&v1.GroupCreated{GroupId: other,
		Name: &v1.LocalizedName{Fi: "Toinen maakunta"}, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: "Keski-Suomen hyvinvointialue"}}, eventstore.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	for b := range 5 {
		evs := make([]proto.Message, 1000)
		for i := range evs {
			evs[i] = &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: fmt.Sprintf("Toinen maakunta (%d)", b*1000+i)}}
		}
		if res, err = store.Append(ctx, domain.AggregateGroup, other, res.Head, evs, eventstore.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
}

// The server stops (a deploy) while a member watches: the watch ends with
// Unavailable, and resuming from its cursor on the restarted server sends
// nothing it had. The stream begins with a year's worth of other events,
// so the restarted server is still reading them when the watch resumes.
func TestWatcherResumedAfterARestartGetsNothingTwice(t *testing.T) {
	dir := t.TempDir()
	startOn := func() *api.App {
		t.Helper()
		app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: dir, ReadWait: 3 * time.Second, Logger: testenv.Logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	stop := func(app *api.App) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	}
	yearOfOtherEvents(t, dir)
	first := startOn()
	firstStopped := false
	t.Cleanup(func() {
		if !firstStopped {
			stop(first)
		}
	})
	n := buildSubNet(t, first)
	var titles []*v1.AgendaItem
	for i := range 6 {
		titles = append(titles, plainItem(fmt.Sprintf("Asia %d", i)))
	}
	items := n.hold(t, n.p, "08-11", titles...)
	w := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}})
	w.waitCaughtUp(t)
	var before []string
	for i := range 5 {
		id := items[fmt.Sprintf("Asia %d", i)]
		n.decide(t, n.p, id, nil)
		before = append(before, id)
	}
	w.waitAny(t, before[4])
	cursor := w.lastCursor()
	firstStopped = true
	stop(first)
	<-w.done
	if _, err := w.ended(); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("the watch ended with %v at the shutdown, want Unavailable", err)
	}

	second := startOn()
	t.Cleanup(func() { stop(second) })
	n.on(second)
	again := n.watch(t, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}, Cursor: cursor})
	again.waitCaughtUp(t)
	next := items["Asia 5"]
	n.decide(t, n.p, next, nil)
	again.waitAny(t, next)
	if got := again.items(); !slices.Equal(got, []string{next}) {
		t.Fatalf("resumed after %d on the restarted server: %v, want only the new decision %s (had %v)", cursor, got, next, before)
	}
}

// ---- (3) HTTP/1.1, bad requests, secret items ----

// protoRecorder notes the HTTP version of every response.
type protoRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (p *protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := p.base.RoundTrip(r)
	if err == nil {
		p.mu.Lock()
		p.seen = append(p.seen, res.Proto)
		p.mu.Unlock()
	}
	return res, err
}

func TestWatchDecisionsOverEachProtocol(t *testing.T) {
	n := startSubNet(t)
	h1 := new(http.Protocols)
	h1.SetHTTP1(true)
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	protocols := []struct {
		name      string
		protocols *http.Protocols
		opts      []connect.ClientOption
		want      string
	}{
		{"Connect on HTTP/1.1, as a browser", h1, nil, "HTTP/1.1"},
		{"Connect with JSON on HTTP/1.1", h1, []connect.ClientOption{connect.WithProtoJSON()}, "HTTP/1.1"},
		{"gRPC-Web on HTTP/1.1", h1, []connect.ClientOption{connect.WithGRPCWeb()}, "HTTP/1.1"},
		{"gRPC on HTTP/2 without TLS, as grpcurl", h2c, []connect.ClientOption{connect.WithGRPC()}, "HTTP/2.0"},
	}
	var titles []*v1.AgendaItem
	for _, p := range protocols {
		titles = append(titles, plainItem(p.name))
	}
	items := n.hold(t, n.p, "06-09", titles...)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			rec := &protoRecorder{base: &http.Transport{Protocols: p.protocols}}
			client := ohjaamov1connect.NewSubscriptionServiceClient(&http.Client{Transport: rec}, n.app.URL(), p.opts...)
			w := watchOn(t, client, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{Municipality: "536"}}, 0)
			w.waitCaughtUp(t)
			n.decide(t, n.p, items[p.name], &v1.Affects{Municipalities: []string{"536"}})
			w.waitAny(t, items[p.name])
			w.checkOrder(t)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.seen) != 1 || rec.seen[0] != p.want {
				t.Fatalf("responses over %v, want one over %s", rec.seen, p.want)
			}
		})
	}
}

func TestWatchDecisionsRefusesBadRequests(t *testing.T) {
	n := startSubNet(t)
	ctx := context.Background()
	sub := n.subscribe(t, "nokia", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"})
	deleted := n.subscribe(t, "gone", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"})
	if _, err := n.subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: deleted})); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		req   *v1.WatchDecisionsRequest
		code  connect.Code
		field string
	}{
		{"a subscription and a filter", &v1.WatchDecisionsRequest{SubscriptionId: sub, Filter: &v1.SubscriptionFilter{Municipality: "536"}}, connect.CodeInvalidArgument, "filter"},
		{"neither", &v1.WatchDecisionsRequest{}, connect.CodeInvalidArgument, "filter"},
		{"an empty filter", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{}}, connect.CodeInvalidArgument, "filter"},
		{"a malformed filter", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{Municipality: "Nokia"}}, connect.CodeInvalidArgument, "filter.municipality"},
		{"affects me without a person", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{AffectsMe: true}}, connect.CodeInvalidArgument, "person_id"},
		{"affects me with a person that is not an id", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{AffectsMe: true}, PersonId: "liisa"}, connect.CodeInvalidArgument, "person_id"},
		{"a since without its offset", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{Municipality: "536"}, Since: "2026-03-01T00:00:00"}, connect.CodeInvalidArgument, "since"},
		{"a since that is no time", &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{Municipality: "536"}, Since: "eilen"}, connect.CodeInvalidArgument, "since"},
		{"a malformed subscription id", &v1.WatchDecisionsRequest{SubscriptionId: "nokia"}, connect.CodeInvalidArgument, "subscription_id"},
		{"a subscription that does not exist", &v1.WatchDecisionsRequest{SubscriptionId: noSuchID}, connect.CodeNotFound, "subscription_id"},
		{"a deleted subscription", &v1.WatchDecisionsRequest{SubscriptionId: deleted}, connect.CodeNotFound, "subscription_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := n.c.streamPosition(t)
			w := n.watch(t, tc.req)
			testenv.Eventually(t, 10*time.Second, func() error {
				if done, _ := w.ended(); !done {
					return errors.New("the watch is still open")
				}
				return nil
			})
			_, err := w.ended()
			if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %v on %s", err, errField(err), tc.code, tc.field)
			}
			if msgs := w.received(); len(msgs) != 0 {
				t.Fatalf("a refused watch sent %v", msgs)
			}
			if after := n.c.streamPosition(t); after != before {
				t.Fatalf("a refused watch wrote %d events", after-before)
			}
		})
	}
}

func TestSecretDecisionReachesNoWatcher(t *testing.T) {
	n := startSubNet(t)
	secret := plainItem("Lastensuojeluasia")
	secret.Openness, secret.LegalGround = v1.Openness_OPENNESS_SECRET, subSecretGround
	items := n.hold(t, n.p, "07-07", secret, plainItem("Julkinen asia"))
	s, pub := items["Lastensuojeluasia"], items["Julkinen asia"]
	filters := []*v1.WatchDecisionsRequest{
		{Filter: &v1.SubscriptionFilter{GroupId: n.p}},
		{Filter: &v1.SubscriptionFilter{GroupId: n.p, IncludeChildren: true}},
		{Filter: &v1.SubscriptionFilter{Municipality: "536"}},
		{Filter: &v1.SubscriptionFilter{AffectsMe: true}, PersonId: l1MuniP},
		{SubscriptionId: n.subscribe(t, "saved", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"})},
	}
	var live []*decisionWatch
	for _, req := range filters {
		w := n.watch(t, req)
		w.waitCaughtUp(t)
		live = append(live, w)
	}
	a := &v1.Affects{Municipalities: []string{"536"}}
	n.decide(t, n.p, s, a)
	n.decide(t, n.p, pub, a)
	for i, w := range live {
		w.waitAny(t, pub)
		if got := w.items(); !slices.Equal(got, []string{pub}) {
			t.Errorf("watch %v got %v, want only the public decision", filters[i], got)
		}
	}
	// Nor in a backlog.
	for _, req := range filters {
		req.Since = "2000-01-01T00:00:00Z"
		w := n.watch(t, req)
		w.waitCaughtUp(t)
		if got := w.items(); !slices.Equal(got, []string{pub}) {
			t.Errorf("backlog of %v: %v, want only the public decision", req, got)
		}
	}
}

// ---- (4) Shutdown ----

func TestShutdownEndsOpenWatchesPromptly(t *testing.T) {
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), ReadWait: 3 * time.Second, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = app.Shutdown(context.Background())
		}
	})
	n := buildSubNet(t, app)
	h1 := new(http.Protocols)
	h1.SetHTTP1(true)
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	var watches []*decisionWatch
	for _, c := range []struct {
		protocols *http.Protocols
		opts      []connect.ClientOption
	}{{h1, nil}, {h2c, []connect.ClientOption{connect.WithGRPC()}}} {
		client := ohjaamov1connect.NewSubscriptionServiceClient(&http.Client{Transport: &http.Transport{Protocols: c.protocols}}, app.URL(), c.opts...)
		w := watchOn(t, client, &v1.WatchDecisionsRequest{Filter: &v1.SubscriptionFilter{GroupId: n.p}}, 0)
		w.waitCaughtUp(t)
		watches = append(watches, w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	stopped = true
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown with open watches took %s", d)
	}
	for i, w := range watches {
		select {
		case <-w.done:
		case <-time.After(2 * time.Second):
			t.Fatalf("watch %d still open after the shutdown", i)
		}
		if _, err := w.ended(); connect.CodeOf(err) != connect.CodeUnavailable {
			t.Errorf("watch %d ended with %v, want Unavailable (resume from the cursor)", i, err)
		}
	}
}

// ---- Saved subscriptions ----

func TestSubscriptionsListedPausedAndDeleted(t *testing.T) {
	n := startSubNet(t)
	ctx := context.Background()
	list := func(person string) []*v1.Subscription {
		t.Helper()
		res, err := n.subs.ListSubscriptions(ctx, connect.NewRequest(&v1.ListSubscriptionsRequest{PersonId: person, MinPosition: n.c.streamPosition(t)}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetSubscriptions()
	}
	a := n.subscribe(t, "a", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"})
	b := n.subscribe(t, "b", l1MuniP, &v1.SubscriptionFilter{GroupId: n.p, IncludeChildren: true, Theme: "perhekahvila"})
	c := n.subscribe(t, "c", l1MuniP, &v1.SubscriptionFilter{AffectsMe: true})
	other := n.subscribe(t, "d", l2MuniP, &v1.SubscriptionFilter{Municipality: "837"})

	got := list(l1MuniP)
	if len(got) != 3 {
		t.Fatalf("%d subscriptions listed, want 3: %v", len(got), got)
	}
	byID := map[string]*v1.Subscription{}
	for _, s := range got {
		byID[s.GetId()] = s
	}
	if s := byID[b]; s == nil || s.GetPersonId() != l1MuniP || s.GetName() != "Tilaus b" || s.GetPaused() || s.GetCreatedAt() == "" ||
		s.GetFilter().GetGroupId() != n.p || !s.GetFilter().GetIncludeChildren() || s.GetFilter().GetTheme() != "perhekahvila" {
		t.Fatalf("subscription b listed as %v", s)
	}
	if _, err := time.Parse(time.RFC3339, byID[a].GetCreatedAt()); err != nil {
		t.Fatalf("created_at: %v", err)
	}
	if got := list(l2MuniP); len(got) != 1 || got[0].GetId() != other {
		t.Fatalf("the other person's subscriptions: %v", got)
	}

	// A retried create answers the same subscription and writes nothing.
	pos := n.c.streamPosition(t)
	if again := n.subscribe(t, "a", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"}); again != a {
		t.Fatalf("the retried create answered %s, want %s", again, a)
	}
	if n.c.streamPosition(t) != pos {
		t.Fatal("the retried create wrote")
	}

	n.pause(t, a)
	pos = n.c.streamPosition(t)
	n.pause(t, a) // pausing again writes nothing
	if n.c.streamPosition(t) != pos {
		t.Fatal("pausing a paused subscription wrote an event")
	}
	if _, err := n.subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: c})); err != nil {
		t.Fatal(err)
	}
	got = list(l1MuniP)
	if len(got) != 2 {
		t.Fatalf("after deleting c: %v", got)
	}
	for _, s := range got {
		if s.GetId() == c {
			t.Fatal("a deleted subscription is listed")
		}
		if (s.GetId() == a) != s.GetPaused() {
			t.Fatalf("%s listed paused=%v", s.GetId(), s.GetPaused())
		}
	}
	n.resume(t, a)
	for _, s := range list(l1MuniP) {
		if s.GetPaused() {
			t.Fatalf("%s still paused after resume", s.GetId())
		}
	}
	if got := list(l2MuniP); len(got) != 1 || got[0].GetPaused() {
		t.Fatalf("changes to one person's subscriptions touched another's: %v", got)
	}
}

func TestSubscriptionsListedOldestFirst(t *testing.T) {
	n := startSubNet(t)
	var want []string
	for i := range 8 {
		want = append(want, n.subscribe(t, fmt.Sprintf("s%d", i), l1MuniP, &v1.SubscriptionFilter{Municipality: "536"}))
	}
	res, err := n.subs.ListSubscriptions(context.Background(), connect.NewRequest(&v1.ListSubscriptionsRequest{PersonId: l1MuniP, MinPosition: n.c.streamPosition(t)}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Msg.GetSubscriptions() {
		got = append(got, s.GetId())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want in the order created %v", got, want)
	}
}

func TestSubscriptionRequestsRefused(t *testing.T) {
	n := startSubNet(t)
	ctx := context.Background()
	sub := n.subscribe(t, "nokia", l1MuniP, &v1.SubscriptionFilter{Municipality: "536"})
	create := func(person string, f *v1.SubscriptionFilter) func() error {
		return func() error {
			_, err := n.subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: person, Filter: f}))
			return err
		}
	}
	cases := []struct {
		name  string
		call  func() error
		code  connect.Code
		field string
	}{
		{"create for no person id", create("l1-muni", &v1.SubscriptionFilter{Municipality: "536"}), connect.CodeInvalidArgument, "person_id"},
		{"create without a filter", create(l1MuniP, nil), connect.CodeInvalidArgument, "filter"},
		{"create with an empty filter", create(l1MuniP, &v1.SubscriptionFilter{}), connect.CodeInvalidArgument, "filter"},
		{"create for a group that does not exist", create(l1MuniP, &v1.SubscriptionFilter{GroupId: noSuchID}), connect.CodeNotFound, "filter.group_id"},
		{"create for a group that is no id", create(l1MuniP, &v1.SubscriptionFilter{GroupId: "nokia"}), connect.CodeInvalidArgument, "filter.group_id"},
		{"create with children but no group", create(l1MuniP, &v1.SubscriptionFilter{IncludeChildren: true, Theme: "neuvola"}), connect.CodeInvalidArgument, "filter.include_children"},
		{"create with a bad municipality", create(l1MuniP, &v1.SubscriptionFilter{Municipality: "53"}), connect.CodeInvalidArgument, "filter.municipality"},
		{"create with a task past T7", create(l1MuniP, &v1.SubscriptionFilter{Task: 9}), connect.CodeInvalidArgument, "filter.task"},
		{"create with an identity code as the theme", create(l1MuniP, &v1.SubscriptionFilter{Theme: "asiakas " + hetu}), connect.CodeInvalidArgument, "filter.theme"},
		{"create with a bad request id", func() error {
			_, err := n.subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{RequestId: "a b", PersonId: l1MuniP, Filter: &v1.SubscriptionFilter{Municipality: "536"}}))
			return err
		}, connect.CodeInvalidArgument, "request_id"},
		{"pause one that does not exist", func() error {
			_, err := n.subs.PauseSubscription(ctx, connect.NewRequest(&v1.PauseSubscriptionRequest{SubscriptionId: noSuchID}))
			return err
		}, connect.CodeNotFound, "subscription_id"},
		{"pause without an id", func() error {
			_, err := n.subs.PauseSubscription(ctx, connect.NewRequest(&v1.PauseSubscriptionRequest{}))
			return err
		}, connect.CodeInvalidArgument, "subscription_id"},
		{"resume a malformed id", func() error {
			_, err := n.subs.ResumeSubscription(ctx, connect.NewRequest(&v1.ResumeSubscriptionRequest{SubscriptionId: "nokia"}))
			return err
		}, connect.CodeInvalidArgument, "subscription_id"},
		{"delete one that does not exist", func() error {
			_, err := n.subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: noSuchID}))
			return err
		}, connect.CodeNotFound, "subscription_id"},
		{"list for no person id", func() error {
			_, err := n.subs.ListSubscriptions(ctx, connect.NewRequest(&v1.ListSubscriptionsRequest{PersonId: "l1-muni"}))
			return err
		}, connect.CodeInvalidArgument, "person_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := n.c.streamPosition(t)
			err := tc.call()
			if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %v on %s", err, errField(err), tc.code, tc.field)
			}
			if after := n.c.streamPosition(t); after != before {
				t.Fatalf("a refused request wrote %d events", after-before)
			}
		})
	}
	// Deleted, it can be neither paused, resumed nor deleted again.
	if _, err := n.subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: sub})); err != nil {
		t.Fatal(err)
	}
	before := n.c.streamPosition(t)
	for _, call := range []func() error{
		func() error {
			_, err := n.subs.PauseSubscription(ctx, connect.NewRequest(&v1.PauseSubscriptionRequest{SubscriptionId: sub}))
			return err
		},
		func() error {
			_, err := n.subs.ResumeSubscription(ctx, connect.NewRequest(&v1.ResumeSubscriptionRequest{SubscriptionId: sub}))
			return err
		},
		func() error {
			_, err := n.subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: sub}))
			return err
		},
	} {
		if err := call(); connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "subscription_id" {
			t.Errorf("on a deleted subscription: %v, want NotFound on subscription_id", err)
		}
	}
	if after := n.c.streamPosition(t); after != before {
		t.Fatalf("refused changes wrote %d events", after-before)
	}
}

// TestWatchEndsWhenItsSubscriptionIsDeleted: a watch of a saved
// subscription ends with NotFound when the subscription is deleted,
// rather than staying open and silent.
func TestWatchEndsWhenItsSubscriptionIsDeleted(t *testing.T) {
	m := startMeetings(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	subs := ohjaamov1connect.NewSubscriptionServiceClient(m.c.http, m.c.url)
	created, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: feedPerson,
		Filter: &v1.SubscriptionFilter{GroupId: m.f.p}}))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := subs.WatchDecisions(ctx, connect.NewRequest(&v1.WatchDecisionsRequest{SubscriptionId: created.Msg.GetSubscriptionId()}))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Receive() || !stream.Msg().GetCaughtUp() {
		t.Fatalf("no caught-up marker: %v", stream.Err())
	}
	if _, err := subs.DeleteSubscription(ctx, connect.NewRequest(&v1.DeleteSubscriptionRequest{SubscriptionId: created.Msg.GetSubscriptionId()})); err != nil {
		t.Fatal(err)
	}
	if stream.Receive() {
		t.Fatalf("a message after the deletion: %v", stream.Msg())
	}
	if err := stream.Err(); connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "subscription_id" {
		t.Fatalf("the watch ended with %v, want NotFound on subscription_id", err)
	}
}
