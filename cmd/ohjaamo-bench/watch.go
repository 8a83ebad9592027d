package main

// The watch phase (issue 6): many live WatchDecisions streams with mixed
// filters, and how long a recorded decision takes to reach every watcher it
// matches.
//
//  1. A fresh server (its own data directory) gets a small network: a
//     provincial group, 3 regional and 9 local groups (the locals with one
//     or two municipalities each), five members each with a municipality
//     seat among them, regional seats that represent a local group (the
//     same person as the local's municipality member) and provincial seats
//     for the regional chairs, and in each local group a sixth member whose
//     membership has ended. Each group gets one meeting whose agenda has
//     ceil(-watch-decisions / 13) items with tags (tasks, often a
//     municipality, sometimes a theme; now and then a secret item); the
//     meetings are opened and their agendas approved.
//  2. Saved subscriptions for a tenth of the watchers (a tenth of them
//     paused), then -watchers WatchDecisions streams "from now on" with
//     mixed filters: a group, a group with its children, a municipality, a
//     task, a theme, an organisation, "affects me" for a member's person
//     id, a few combinations, and the saved subscriptions. They run over
//     real Connect clients on -watch-conns HTTP/2 (h2c) connections, half
//     of them speaking gRPC and half the Connect protocol, and each waits
//     for its caught-up marker before anything is recorded.
//  3. -watch-recorders clients record the decisions through RecordDecision,
//     each on its own groups, as fast as the appends are acknowledged; some
//     decisions name affected groups, organisations, municipalities, tasks
//     or themes. A delivery's latency is from the RecordDecision call
//     returning on the client (the append acknowledged) to the decision
//     arriving at the watcher (stream.Receive returning), matched by item
//     id; a delivery that arrives before the response counts as 0.
//  4. Every watcher must have received exactly the decisions its filter
//     matches, each once, as computed here from the filters, the network
//     and the decisions' group, affects and item tags (secret items reach
//     no one, paused subscriptions nothing); anything else fails the bench.
//
// The aim (issue 6) is p99 under 250 ms.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// watchAim is the aim for the p99 of the delivery latency.
const watchAim = 250 * time.Millisecond

// wGroup is one group of the watch network, as the bench knows it.
type wGroup struct {
	id             string
	name           string
	parent         *wGroup
	municipalities []string
	members        []*wMember
	meetingID      string
	decisions      []*wDecision // in agenda order
}

// wMember is one membership.
type wMember struct {
	membershipID, personID string
	org                    string
	actor                  v1.ActorType
	represents             *wGroup
	ended                  bool
}

// wDecision is one agenda item and the decision it gets.
type wDecision struct {
	n       int // index in the bench's list
	group   *wGroup
	item    *v1.AgendaItem
	itemID  string
	affects *v1.Affects
	secret  bool
}

// wWatcher is one WatchDecisions stream.
type wWatcher struct {
	n      int
	kind   string
	filter *v1.SubscriptionFilter
	person string
	sub    string // saved subscription id
	paused bool
	grpc   bool
	// expected decisions by item id, computed before anything is recorded
	expected map[string]bool
	// what arrived, in order; written only by the watcher's goroutine until it ends
	got []wDelivery
	err error
}

type wDelivery struct {
	itemID  string
	groupID string
	text    string
	corr    bool
	at      time.Time
}

type watchBench struct {
	o         options
	groups    ohjaamov1connect.GroupServiceClient
	meetings  ohjaamov1connect.MeetingServiceClient
	subs      ohjaamov1connect.SubscriptionServiceClient
	network   []*wGroup
	byID      map[string]*wGroup
	decisions []*wDecision
	watchers  []*wWatcher
	rng       *rand.Rand
}

var (
	watchThemes = []string{"vanhemmuus", "neuvola", "mielenterveys", "vertaistuki", "kotoutuminen", "nuorisotyö",
		"osallisuus", "eroauttaminen", "lähisuhdeväkivalta", "harrastustoiminta"}
	watchNGOs = []string{"MLL Pirkanmaa", "Pelastakaa Lapset", "Ensi- ja turvakotien liitto"}
	// Organisations decisions may name: the members' and one no member has.
	watchOrgs = []string{"Pirkanmaan hyvinvointialue", "Seurakuntayhtymä", "MLL Pirkanmaa", "Pelastakaa Lapset",
		"Ensi- ja turvakotien liitto", "Nokian kaupunki", "Tampereen kaupunki", "Kela"}
)

// measureWatch runs the watch phase in dir and answers its figures.
func measureWatch(ctx context.Context, dir string, o options, log *slog.Logger) ([]figure, error) {
	fmt.Printf("\nwatch: %d WatchDecisions streams with mixed filters over %d HTTP/2 connections; %d decisions recorded by %d clients\n",
		o.watchers, o.watchConns, o.watchDecisions, o.watchRecorders)
	tPhase := time.Now()
	app, err := api.Start(ctx, api.Config{Listen: "127.0.0.1:0", DataDir: dir, Demo: false, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := app.Shutdown(sctx); err != nil {
			log.Warn("watch server shutdown", "err", err)
		}
	}()
	// The writes go over HTTP/1.1 with kept-alive connections, as in the other phases.
	wt := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	defer wt.CloseIdleConnections()
	hc := &http.Client{Transport: wt}
	b := &watchBench{o: o,
		groups:   ohjaamov1connect.NewGroupServiceClient(hc, app.URL(), asAdmin(app)),
		meetings: ohjaamov1connect.NewMeetingServiceClient(hc, app.URL(), asAdmin(app)),
		subs:     ohjaamov1connect.NewSubscriptionServiceClient(hc, app.URL(), asAdmin(app)),
		byID:     map[string]*wGroup{},
		rng:      rand.New(rand.NewPCG(6, 1000)),
	}

	t0 := time.Now()
	if err := b.createNetwork(ctx); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	persons := map[string]bool{}
	for _, g := range b.network {
		for _, m := range g.members {
			persons[m.personID] = true
		}
	}
	fmt.Printf("  network: %d groups, %d memberships of %d people in %s\n", len(b.network), b.memberships(), len(persons), time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := b.prepareMeetings(ctx); err != nil {
		return nil, fmt.Errorf("meetings: %w", err)
	}
	secret := 0
	for _, d := range b.decisions {
		if d.secret {
			secret++
		}
	}
	fmt.Printf("  meetings: %d opened with %d items to decide (%d secret) in %s\n", len(b.network), len(b.decisions), secret, time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	if err := b.planWatchers(ctx); err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	expectedTotal := 0
	for _, w := range b.watchers {
		expectedTotal += len(w.expected)
	}
	kinds := map[string]int{}
	var kindOrder []string
	for _, w := range b.watchers {
		if kinds[w.kind] == 0 {
			kindOrder = append(kindOrder, w.kind)
		}
		kinds[w.kind]++
	}
	var kb strings.Builder
	for _, k := range kindOrder {
		fmt.Fprintf(&kb, "%s %d, ", k, kinds[k])
	}
	fmt.Printf("  watchers: %s(subscriptions saved in %s)\n", strings.TrimSuffix(kb.String(), ", "), time.Since(t0).Round(time.Millisecond))
	fmt.Printf("  expected: %d deliveries, %.1f watchers per decision on average\n", expectedTotal, float64(expectedTotal)/float64(len(b.decisions)))

	// The watchers' connections: watchConns HTTP/2 transports without TLS,
	// one connection each (the server allows 250 streams a connection).
	var dials atomic.Int64
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	clients := make([]ohjaamov1connect.SubscriptionServiceClient, o.watchConns)
	var transports []*http.Transport
	for i := range clients {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		t := &http.Transport{Protocols: p, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		}}
		transports = append(transports, t)
		opts := []connect.ClientOption{asAdmin(app)}
		if i%2 == 0 {
			opts = append(opts, connect.WithGRPC())
		}
		clients[i] = ohjaamov1connect.NewSubscriptionServiceClient(&http.Client{Transport: t}, app.URL(), opts...)
	}
	defer func() {
		for _, t := range transports {
			t.CloseIdleConnections()
		}
	}()

	wctx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	var received atomic.Int64
	var wg sync.WaitGroup
	ready := make(chan error, len(b.watchers))
	open := func(w *wWatcher) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.watch(wctx, clients[w.n%len(clients)], w, ready, &received)
		}()
	}
	// First one stream per connection, so each transport dials once; then the rest.
	t0 = time.Now()
	first := min(len(clients), len(b.watchers))
	for _, w := range b.watchers[:first] {
		open(w)
	}
	if err := waitReady(ready, first, time.Minute); err != nil {
		return nil, err
	}
	for _, w := range b.watchers[first:] {
		open(w)
	}
	if err := waitReady(ready, len(b.watchers)-first, time.Minute); err != nil {
		return nil, err
	}
	overGRPC := 0
	for _, w := range b.watchers {
		if w.grpc {
			overGRPC++
		}
	}
	fmt.Printf("  %d streams caught up in %s over %d connections (%d over gRPC, %d over the Connect protocol)\n",
		len(b.watchers), time.Since(t0).Round(time.Millisecond), dials.Load(), overGRPC, len(b.watchers)-overGRPC)

	// Record the decisions, the recorders each on their own groups.
	stopProfile, err := profile(o.cpuProfile, "watch")
	if err != nil {
		return nil, err
	}
	acks := make(map[string]time.Time, len(b.decisions))
	var callLat latencies
	var mu sync.Mutex
	tRec := time.Now()
	err = b.record(ctx, func(d *wDecision, sent, acked time.Time) {
		mu.Lock()
		acks[d.itemID] = acked
		callLat = append(callLat, acked.Sub(sent))
		mu.Unlock()
	})
	recTook := time.Since(tRec)
	if err != nil {
		stopProfile()
		return nil, fmt.Errorf("record decisions: %w", err)
	}
	fmt.Printf("  recorded %d decisions in %s = %.0f decisions/s; RecordDecision %s\n",
		len(b.decisions), recTook.Round(time.Millisecond), float64(len(b.decisions))/recTook.Seconds(), sorted(callLat))

	// Wait for every expected delivery, then a little longer for any that
	// should not come.
	deadline := time.Now().Add(30 * time.Second)
	for received.Load() < int64(expectedTotal) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("  %d of %d expected deliveries %s after the last decision was recorded\n",
		received.Load(), expectedTotal, time.Since(tRec.Add(recTook)).Round(time.Millisecond))
	stopProfile()
	time.Sleep(500 * time.Millisecond)
	stopWatching()
	wg.Wait()

	lat, early, byProto, err := b.verify(acks)
	if err != nil {
		return nil, err
	}
	fmt.Printf("  checked: each of the %d watchers received exactly the %d deliveries its filter matches, each once, and no secret decision\n",
		len(b.watchers), len(lat))
	fmt.Printf("  delivery after the append was acknowledged: %s; %d deliveries (%.1f%%) arrived before the RecordDecision response and count as 0\n",
		lat, early, 100*float64(early)/float64(max(len(lat), 1)))
	for _, p := range []string{"gRPC", "Connect"} {
		if l := byProto[p]; len(l) > 0 {
			fmt.Printf("    over %-7s %6d deliveries: %s\n", p, len(l), l)
		}
	}
	if p99 := lat.quantile(0.99); p99 > watchAim {
		fmt.Printf("  p99 %.2f ms misses the aim of %s\n", ms(p99), watchAim)
	}
	fmt.Printf("  whole watch phase: %s\n", time.Since(tPhase).Round(time.Millisecond))
	return []figure{
		{"watch_delivery_p50", ms(lat.quantile(0.50)), "ms"},
		{"watch_delivery_p99", ms(lat.quantile(0.99)), "ms"},
		{"watch_delivery_max", ms(lat.quantile(1)), "ms"},
		{"watch_deliveries", float64(len(lat)), "deliveries"},
		{"watch_watchers_per_decision", float64(len(lat)) / float64(len(b.decisions)), "watchers"},
	}, nil
}

func sorted(l latencies) latencies {
	slices.Sort(l)
	return l
}

func waitReady(ready <-chan error, n int, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var errs []error
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				errs = append(errs, err)
			}
		case <-t.C:
			return fmt.Errorf("watchers not caught up after %s", timeout)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d watchers failed to start, the first: %w", len(errs), errs[0])
	}
	return nil
}

func (b *watchBench) memberships() int {
	n := 0
	for _, g := range b.network {
		n += len(g.members)
	}
	return n
}

// ---------------------------------------------------------------- network

// createNetwork creates the groups and their members; see the top of the file.
func (b *watchBench) createNetwork(ctx context.Context) error {
	k := 0
	add := func(g *wGroup, req *v1.AddMemberRequest, represents *wGroup) (*wMember, error) {
		k++
		req.RequestId, req.GroupId = fmt.Sprintf("watch-bench-member-%d", k), g.id
		if req.PersonName == "" {
			req.PersonName = firstNames[k%len(firstNames)] + " " + lastNames[(k/3)%len(lastNames)]
		}
		req.Email, req.TermStart = fmt.Sprintf("w%d@example.fi", k), "2025-01-01"
		if represents != nil {
			req.RepresentsGroupId = represents.id
		}
		res, err := b.groups.AddMember(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, fmt.Errorf("add member to %s: %w", g.name, err)
		}
		m := &wMember{membershipID: res.Msg.GetMembershipId(), personID: res.Msg.GetPersonId(), org: req.Organisation,
			actor: req.ActorType, represents: represents}
		g.members = append(g.members, m)
		return m, nil
	}
	create := func(req *v1.CreateGroupRequest, parent *wGroup) (*wGroup, error) {
		g := &wGroup{name: req.Name.GetFi(), parent: parent, municipalities: req.Municipalities}
		req.RequestId = fmt.Sprintf("watch-bench-group-%d", len(b.network))
		if parent != nil {
			req.ParentId = parent.id
		}
		res, err := b.groups.CreateGroup(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, fmt.Errorf("create group %s: %w", g.name, err)
		}
		g.id = res.Msg.GetGroupId()
		b.network = append(b.network, g)
		b.byID[g.id] = g
		// Chair, vice chair (a municipality's seat), secretary, an NGO, a parish.
		muniOrg := "Pirkanmaan kunnat"
		if len(g.municipalities) > 0 {
			muniOrg = municipalityName(g.municipalities[0]) + " kunta"
		}
		orgs := []string{"Pirkanmaan hyvinvointialue", muniOrg, "Pirkanmaan hyvinvointialue", watchNGOs[len(b.network)%len(watchNGOs)], "Seurakuntayhtymä"}
		for i, role := range memberRoles {
			if _, err := add(g, &v1.AddMemberRequest{Organisation: orgs[i], ActorType: memberActors[i], Role: role}, nil); err != nil {
				return nil, err
			}
		}
		return g, nil
	}
	prov, err := create(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: "Pirkanmaan perhekeskusten ohjausryhmä"},
		Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: benchCountyFul}, nil)
	if err != nil {
		return err
	}
	local := 0
	for r := range 3 {
		reg, err := create(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: benchRegions[r] + " Pirkanmaa, alueellinen ohjausryhmä"},
			Level: v1.Level_LEVEL_REGIONAL}, prov)
		if err != nil {
			return err
		}
		for range 3 {
			codes := []string{benchMunicipalities[local].code}
			if local < 3 {
				codes = append(codes, benchMunicipalities[9+local].code)
			}
			loc, err := create(&v1.CreateGroupRequest{Name: &v1.LocalizedName{Fi: municipalityName(codes[0]) + ", perhekeskuksen ohjausryhmä"},
				Level: v1.Level_LEVEL_LOCAL, Municipalities: codes}, reg)
			if err != nil {
				return err
			}
			// The local's municipality member also sits in the regional group for it.
			lm := loc.members[1]
			if _, err := add(reg, &v1.AddMemberRequest{PersonId: lm.personID, PersonName: "Edustaja " + loc.name, Organisation: lm.org,
				ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER}, loc); err != nil {
				return err
			}
			// A sixth member who has left: reached by nothing.
			gone, err := add(loc, &v1.AddMemberRequest{Organisation: "MLL Pirkanmaa", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
				Role: v1.Role_ROLE_MEMBER}, nil)
			if err != nil {
				return err
			}
			k++
			if _, err := b.groups.EndMember(ctx, connect.NewRequest(&v1.EndMemberRequest{RequestId: fmt.Sprintf("watch-bench-end-%d", k),
				GroupId: loc.id, MembershipId: gone.membershipID, EndedOn: "2026-06-30", Reason: "muutti pois"})); err != nil {
				return fmt.Errorf("end member: %w", err)
			}
			gone.ended = true
			local++
		}
		// The regional chair sits in the provincial group for the region.
		rc := reg.members[0]
		if _, err := add(prov, &v1.AddMemberRequest{PersonId: rc.personID, PersonName: "Edustaja " + reg.name, Organisation: rc.org,
			ActorType: v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, Role: v1.Role_ROLE_MEMBER}, reg); err != nil {
			return err
		}
	}
	return nil
}

func municipalityName(code string) string {
	for _, m := range benchMunicipalities {
		if m.code == code {
			return m.name
		}
	}
	return code
}

// prepareMeetings plans every group's items and decisions, then schedules,
// fills, opens and approves one meeting per group, the groups concurrently.
func (b *watchBench) prepareMeetings(ctx context.Context) error {
	perGroup := (b.o.watchDecisions + len(b.network) - 1) / len(b.network)
	for i := range perGroup {
		for _, g := range b.network {
			d := b.planDecision(g, i)
			g.decisions = append(g.decisions, d)
			b.decisions = append(b.decisions, d)
		}
	}
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		helsinki = time.FixedZone("EET", 2*3600)
	}
	startsAt := time.Now().In(helsinki).Add(-time.Hour).Truncate(time.Hour)
	errs := make([]error, len(b.network))
	var wg sync.WaitGroup
	for gi, g := range b.network {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[gi] = b.prepareMeeting(ctx, gi, g, startsAt)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (b *watchBench) prepareMeeting(ctx context.Context, gi int, g *wGroup, startsAt time.Time) error {
	rid := fmt.Sprintf("watch-bench-meeting-%d", gi)
	res, err := b.meetings.ScheduleMeeting(ctx, connect.NewRequest(&v1.ScheduleMeetingRequest{RequestId: rid, GroupId: g.id,
		StartsAt: startsAt.Format(time.RFC3339), Place: "Tampere, perhekeskus, neuvotteluhuone 2", AgendaDeadlineDays: 7}))
	if err != nil {
		return fmt.Errorf("%s: schedule: %w", g.name, err)
	}
	g.meetingID = res.Msg.GetMeetingId()
	for i, d := range g.decisions {
		res, err := b.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{RequestId: fmt.Sprintf("%s-item-%d", rid, i),
			GroupId: g.id, MeetingId: g.meetingID, Item: d.item}))
		if err != nil {
			return fmt.Errorf("%s: item %d: %w", g.name, i, err)
		}
		d.itemID = res.Msg.GetItemId()
	}
	var attendance []*v1.Attendance
	for _, m := range g.members {
		if !m.ended {
			attendance = append(attendance, &v1.Attendance{MembershipId: m.membershipID, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT})
		}
	}
	if _, err := b.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{RequestId: rid + "-open", GroupId: g.id,
		MeetingId: g.meetingID, Attendance: attendance, Lawful: true, Quorate: true})); err != nil {
		return fmt.Errorf("%s: open: %w", g.name, err)
	}
	if _, err := b.meetings.ApproveAgenda(ctx, connect.NewRequest(&v1.ApproveAgendaRequest{RequestId: rid + "-agenda",
		GroupId: g.id, MeetingId: g.meetingID})); err != nil {
		return fmt.Errorf("%s: approve agenda: %w", g.name, err)
	}
	return nil
}

// planDecision makes item i of g's meeting and the affects of its decision.
func (b *watchBench) planDecision(g *wGroup, i int) *wDecision {
	r := b.rng
	topic, aspect := pick(r, topics), pick(r, aspects)
	it := &v1.AgendaItem{
		Title:    fmt.Sprintf("%s: %s", capitalize(topic), aspect),
		Preparer: pick(r, firstNames) + " " + pick(r, lastNames) + ", perhekeskuskoordinaattori",
		Grounds:  fmt.Sprintf("Tavoitteena on vahvistaa teemaa %s ja parantaa palvelun saatavuutta perheille.", topic),
		Proposal: fmt.Sprintf("Ohjausryhmä %s asian %s (%s).", pick(r, verbs), aspect, topic),
		Openness: v1.Openness_OPENNESS_PUBLIC,
		Origin:   benchOrigins[r.IntN(len(benchOrigins))],
		Tags:     &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask(1 + r.IntN(7))}},
	}
	if r.IntN(3) == 0 {
		it.Tags.Tasks = append(it.Tags.Tasks, v1.FamilyCentreTask(1+(int(it.Tags.Tasks[0])+r.IntN(6))%7))
	}
	if len(g.municipalities) > 0 && r.IntN(2) == 0 {
		it.Tags.Municipalities = []string{pick(r, g.municipalities)}
	}
	if r.IntN(4) == 0 {
		it.Tags.Themes = []string{pick(r, watchThemes)}
	}
	d := &wDecision{n: len(b.decisions), group: g, item: it}
	if r.IntN(40) == 0 {
		it.Openness, it.LegalGround, d.secret = v1.Openness_OPENNESS_SECRET, pick(r, legalGrounds), true
	} else if r.IntN(30) == 0 {
		it.Openness = v1.Openness_OPENNESS_INTERNAL // internal items are news to the members too
	}
	// A third of the decisions name what they affect, one or two kinds of thing each.
	if r.IntN(3) == 0 {
		a := &v1.Affects{}
		for range 1 + r.IntN(2) {
			switch r.IntN(5) {
			case 0:
				gid := b.network[r.IntN(len(b.network))].id
				if !slices.Contains(a.GroupIds, gid) {
					a.GroupIds = append(a.GroupIds, gid)
				}
			case 1:
				o := pick(r, watchOrgs)
				if r.IntN(3) == 0 {
					o = strings.ToUpper(o) // organisations match ignoring case
				}
				a.Organisations = append(a.Organisations, o)
			case 2:
				a.Municipalities = append(a.Municipalities, benchMunicipalities[r.IntN(12)].code)
			case 3:
				a.Tasks = append(a.Tasks, v1.FamilyCentreTask(1+r.IntN(7)))
			default:
				th := pick(r, watchThemes)
				if r.IntN(2) == 0 {
					th = capitalize(th) // so do themes
				}
				a.Themes = append(a.Themes, th)
			}
		}
		d.affects = a
	}
	return d
}

// ---------------------------------------------------------------- watchers

// watcherKinds is the mix of filters, one watcher in twenty each step.
var watcherKinds = []string{
	"group", "affects me", "municipality", "task", "group+children", "saved", "affects me", "theme", "group", "municipality",
	"organisation", "affects me", "task", "group+children", "combined", "municipality", "saved", "affects me", "theme", "group",
}

// planWatchers gives every watcher its filter (saving the subscriptions
// of the saved ones, pausing every tenth) and its expected decisions.
func (b *watchBench) planWatchers(ctx context.Context) error {
	var people []string
	seen := map[string]bool{}
	for _, g := range b.network {
		for _, m := range g.members {
			if !seen[m.personID] {
				seen[m.personID] = true
				people = append(people, m.personID)
			}
		}
	}
	r := b.rng
	saved := 0
	for n := range b.o.watchers {
		kind := watcherKinds[n%len(watcherKinds)]
		w := &wWatcher{n: n, kind: kind, grpc: (n%b.o.watchConns)%2 == 0}
		fk := kind
		if kind == "saved" {
			for fk == "saved" {
				fk = watcherKinds[r.IntN(len(watcherKinds))]
			}
		}
		w.filter, w.person = b.randomFilter(r, fk, people)
		if kind == "saved" {
			if w.person == "" {
				w.person = pick(r, people)
			}
			w.paused = saved%10 == 9
			saved++
		}
		b.watchers = append(b.watchers, w)
	}
	// Save the subscriptions, 8 at a time.
	var toSave []*wWatcher
	for _, w := range b.watchers {
		if w.kind == "saved" {
			toSave = append(toSave, w)
		}
	}
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for c := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < len(toSave); i += len(errs) {
				w := toSave[i]
				res, err := b.subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{
					RequestId: fmt.Sprintf("watch-bench-sub-%d", w.n), PersonId: w.person, Name: fmt.Sprintf("Tilaus %d", w.n), Filter: w.filter}))
				if err != nil {
					errs[c] = fmt.Errorf("create subscription %d (%v): %w", w.n, w.filter, err)
					return
				}
				w.sub = res.Msg.GetSubscriptionId()
				if w.paused {
					if _, err := b.subs.PauseSubscription(ctx, connect.NewRequest(&v1.PauseSubscriptionRequest{
						RequestId: fmt.Sprintf("watch-bench-pause-%d", w.n), SubscriptionId: w.sub})); err != nil {
						errs[c] = fmt.Errorf("pause subscription %d: %w", w.n, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, w := range b.watchers {
		w.expected = map[string]bool{}
		if w.paused {
			continue
		}
		for _, d := range b.decisions {
			if b.wants(w.filter, w.person, d) {
				w.expected[d.itemID] = true
			}
		}
	}
	return nil
}

// randomFilter makes a filter of a kind; person is set for "affects me".
func (b *watchBench) randomFilter(r *rand.Rand, kind string, people []string) (*v1.SubscriptionFilter, string) {
	upper := b.network[:4] // the provincial and the regional groups
	switch kind {
	case "group":
		return &v1.SubscriptionFilter{GroupId: b.network[r.IntN(len(b.network))].id}, ""
	case "group+children":
		g := upper[r.IntN(len(upper))]
		if r.IntN(5) == 0 {
			g = b.network[r.IntN(len(b.network))] // a local group has no children
		}
		return &v1.SubscriptionFilter{GroupId: g.id, IncludeChildren: true}, ""
	case "municipality":
		return &v1.SubscriptionFilter{Municipality: benchMunicipalities[r.IntN(len(benchMunicipalities))].code}, ""
	case "task":
		return &v1.SubscriptionFilter{Task: v1.FamilyCentreTask(1 + r.IntN(7))}, ""
	case "theme":
		return &v1.SubscriptionFilter{Theme: pick(r, watchThemes)}, ""
	case "organisation":
		o := pick(r, watchOrgs)
		if r.IntN(2) == 0 {
			o = strings.ToLower(o)
		}
		return &v1.SubscriptionFilter{Organisation: o}, ""
	case "affects me":
		return &v1.SubscriptionFilter{AffectsMe: true}, pick(r, people)
	default: // combined: every field given must match
		switch r.IntN(3) {
		case 0:
			return &v1.SubscriptionFilter{GroupId: upper[r.IntN(len(upper))].id, IncludeChildren: true, Task: v1.FamilyCentreTask(1 + r.IntN(7))}, ""
		case 1:
			return &v1.SubscriptionFilter{Municipality: benchMunicipalities[r.IntN(12)].code, Task: v1.FamilyCentreTask(1 + r.IntN(7))}, ""
		default:
			return &v1.SubscriptionFilter{AffectsMe: true, Theme: pick(r, watchThemes)}, pick(r, people)
		}
	}
}

// wants is the bench's own reading of issue 6 and the filter's
// documentation: every field given must match; group: the decision's group
// is it or (with children) under it; organisation: the affects name it
// (ignoring case); municipality, task, theme: the affects or the item's
// tags name it (themes ignoring case); affects me: the person is an active
// member of an affected group or of a group under one, or an active member
// of an affected organisation, or an active member with a municipality's
// seat covering an affected municipality (the represented group's
// municipalities, or their own group's when they represent none). Secret
// items reach no one.
func (b *watchBench) wants(f *v1.SubscriptionFilter, person string, d *wDecision) bool {
	if d.secret {
		return false
	}
	a, tags := d.affects, d.item.GetTags()
	if f.GetGroupId() != "" {
		root := b.byID[f.GetGroupId()]
		if d.group != root && !(f.GetIncludeChildren() && under(d.group, root)) {
			return false
		}
	}
	if o := f.GetOrganisation(); o != "" && !slices.ContainsFunc(a.GetOrganisations(), func(x string) bool { return strings.EqualFold(x, o) }) {
		return false
	}
	if m := f.GetMunicipality(); m != "" && !slices.Contains(a.GetMunicipalities(), m) && !slices.Contains(tags.GetMunicipalities(), m) {
		return false
	}
	if t := f.GetTask(); t != 0 && !slices.Contains(a.GetTasks(), t) && !slices.Contains(tags.GetTasks(), t) {
		return false
	}
	if th := f.GetTheme(); th != "" && !slices.ContainsFunc(append(slices.Clone(a.GetThemes()), tags.GetThemes()...), func(x string) bool { return strings.EqualFold(x, th) }) {
		return false
	}
	if f.GetAffectsMe() && !b.affects(a, person) {
		return false
	}
	return true
}

func under(g, root *wGroup) bool {
	for ; g != nil; g = g.parent {
		if g == root {
			return true
		}
	}
	return false
}

// affects tells whether a decision's affects reach person.
func (b *watchBench) affects(a *v1.Affects, person string) bool {
	for _, g := range b.network {
		for _, m := range g.members {
			if m.personID != person || m.ended {
				continue
			}
			for _, gid := range a.GetGroupIds() {
				if under(g, b.byID[gid]) {
					return true
				}
			}
			for _, o := range a.GetOrganisations() {
				if strings.EqualFold(o, m.org) {
					return true
				}
			}
			if m.actor == v1.ActorType_ACTOR_TYPE_MUNICIPALITY {
				covers := g.municipalities
				if m.represents != nil {
					covers = m.represents.municipalities
				}
				for _, c := range a.GetMunicipalities() {
					if slices.Contains(covers, c) {
						return true
					}
				}
			}
		}
	}
	return false
}

// watch runs one stream until ctx ends: it reports on ready once caught up
// (or failed), then keeps what arrives.
func (b *watchBench) watch(ctx context.Context, client ohjaamov1connect.SubscriptionServiceClient, w *wWatcher, ready chan<- error, received *atomic.Int64) {
	req := &v1.WatchDecisionsRequest{}
	if w.sub != "" {
		req.SubscriptionId = w.sub
	} else {
		req.Filter, req.PersonId = w.filter, w.person
	}
	stream, err := client.WatchDecisions(ctx, connect.NewRequest(req))
	if err != nil {
		ready <- fmt.Errorf("watcher %d (%s): %w", w.n, w.kind, err)
		return
	}
	defer stream.Close()
	if !stream.Receive() {
		ready <- fmt.Errorf("watcher %d (%s): stream ended before it caught up: %w", w.n, w.kind, stream.Err())
		return
	}
	if !stream.Msg().GetCaughtUp() || stream.Msg().GetDecision() != nil {
		ready <- fmt.Errorf("watcher %d (%s): first message is not the caught-up marker: %v", w.n, w.kind, stream.Msg())
		return
	}
	ready <- nil
	for stream.Receive() {
		at := time.Now()
		m := stream.Msg()
		d := m.GetDecision()
		w.got = append(w.got, wDelivery{itemID: d.GetItemId(), groupID: d.GetGroupId(), text: d.GetDecision().GetText(), corr: d.GetCorrection(), at: at})
		received.Add(1)
	}
	if ctx.Err() == nil {
		w.err = fmt.Errorf("stream ended: %w", stream.Err())
	}
}

// ---------------------------------------------------------------- recording

// record decides every item, -watch-recorders clients each on their own
// groups, taking their groups' items in turn; done is called after each
// RecordDecision returns.
func (b *watchBench) record(ctx context.Context, done func(d *wDecision, sent, acked time.Time)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	clients := min(b.o.watchRecorders, len(b.network))
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		var list []*wDecision
		for _, d := range b.decisions { // in item order, the groups in turn
			if slices.Index(b.network, d.group)%clients == c {
				list = append(list, d)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, d := range list {
				req := &v1.RecordDecisionRequest{RequestId: fmt.Sprintf("watch-bench-decision-%d", d.n), GroupId: d.group.id, ItemId: d.itemID,
					Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: decisionText(d), Affects: d.affects}}
				sent := time.Now()
				_, err := b.meetings.RecordDecision(ctx, connect.NewRequest(req))
				acked := time.Now()
				if err != nil {
					errs[c] = fmt.Errorf("%s, decision %d: %w", d.group.name, d.n, err)
					cancel()
					return
				}
				done(d, sent, acked)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func decisionText(d *wDecision) string {
	return fmt.Sprintf("Hyväksyttiin päätösehdotuksen mukaisesti (%d).", d.n)
}

// ---------------------------------------------------------------- check

// verify fails unless every watcher got exactly its expected decisions,
// once each, with the right group and text; it answers the sorted delivery
// latencies, how many arrived before the RecordDecision response, and the
// latencies by protocol.
func (b *watchBench) verify(acks map[string]time.Time) (latencies, int, map[string]latencies, error) {
	byItem := map[string]*wDecision{}
	for _, d := range b.decisions {
		byItem[d.itemID] = d
	}
	var lat latencies
	byProto := map[string]latencies{}
	early := 0
	var problems []string
	bad := 0
	for _, w := range b.watchers {
		var wp []string
		if w.err != nil {
			wp = append(wp, w.err.Error())
		}
		seen := map[string]bool{}
		for _, g := range w.got {
			d, ok := byItem[g.itemID]
			switch {
			case !ok:
				wp = append(wp, fmt.Sprintf("received item %q that was not recorded here", g.itemID))
				continue
			case seen[g.itemID]:
				wp = append(wp, fmt.Sprintf("received decision %d twice", d.n))
				continue
			case !w.expected[g.itemID]:
				wp = append(wp, fmt.Sprintf("received decision %d (%s, affects %v, tags %v) that its filter does not match", d.n, d.group.name, d.affects, d.item.GetTags()))
			case g.groupID != d.group.id || g.text != decisionText(d) || g.corr:
				wp = append(wp, fmt.Sprintf("decision %d arrived as group %s, text %q, correction %v", d.n, g.groupID, g.text, g.corr))
			}
			seen[g.itemID] = true
			ack, ok := acks[g.itemID]
			if !ok {
				wp = append(wp, fmt.Sprintf("decision %d has no acknowledgement time", d.n))
				continue
			}
			l := g.at.Sub(ack)
			if l < 0 {
				l, early = 0, early+1
			}
			lat = append(lat, l)
			p := "Connect"
			if w.grpc {
				p = "gRPC"
			}
			byProto[p] = append(byProto[p], l)
		}
		for item := range w.expected {
			if !seen[item] {
				d := byItem[item]
				wp = append(wp, fmt.Sprintf("missed decision %d (%s, affects %v, tags %v)", d.n, d.group.name, d.affects, d.item.GetTags()))
			}
		}
		if len(wp) > 0 {
			bad++
			if len(problems) < 20 {
				desc := fmt.Sprintf("watcher %d (%s, filter %v, person %s, subscription %s, paused %v): %d expected, %d received",
					w.n, w.kind, w.filter, w.person, w.sub, w.paused, len(w.expected), len(w.got))
				if len(wp) > 5 {
					wp = append(wp[:5], fmt.Sprintf("... and %d more", len(wp)-5))
				}
				problems = append(problems, desc+"\n      "+strings.Join(wp, "\n      "))
			}
		}
	}
	if bad > 0 {
		fmt.Printf("\n  !!! WATCH CHECK FAILED: %d of %d watchers did not receive exactly what their filters match:\n    %s\n\n",
			bad, len(b.watchers), strings.Join(problems, "\n    "))
		return nil, 0, nil, fmt.Errorf("watch check failed: %d of %d watchers received the wrong decisions (details above)", bad, len(b.watchers))
	}
	slices.Sort(lat)
	for _, l := range byProto {
		slices.Sort(l)
	}
	return lat, early, byProto, nil
}
