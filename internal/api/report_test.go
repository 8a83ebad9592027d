package api_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// TestVoiceReport renders the demo network's voice report (golden CSV and
// JSON), then stops the server, reads every event straight from the stream
// and recomputes the same figures independently of the read models.
func TestVoiceReport(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	app, err := api.Start(ctx, api.Config{Listen: "127.0.0.1:0", DataDir: dir, Demo: true, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	client := ohjaamov1connect.NewVoiceServiceClient(testHTTP(app), app.URL())
	groups := ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL())
	net, err := groups.ListGroups(ctx, connect.NewRequest(&v1.ListGroupsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var western string
	for _, root := range net.Msg.GetRoots() {
		for _, n := range root.GetChildren() {
			if n.GetGroup().GetName().GetFi() == "Läntisen Pirkanmaan perhekeskusten koordinaatioryhmä" {
				western = n.GetGroup().GetId()
			}
		}
	}
	if western == "" {
		t.Fatal("the demo has no western regional group")
	}
	cases := []*v1.VoiceReportRequest{
		{From: "2026-01-01", To: "2026-12-31", AsOf: "2026-11-24"},
		{From: "2026-01-01", To: "2026-06-30", AsOf: "2026-11-24"},
		{GroupId: western, AsOf: "2026-11-24"},
		{Municipality: "536", AsOf: "2026-06-01"},
	}
	var got []*v1.VoiceReportResponse
	for _, c := range cases {
		res, err := client.VoiceReport(ctx, connect.NewRequest(c))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Msg)
	}
	csv, err := api.ReportCSV(got[0])
	if err != nil {
		t.Fatal(err)
	}
	minutesGolden(t, "voice_report_2026.csv", string(csv))
	js, err := api.ReportJSON(got[0])
	if err != nil {
		t.Fatal(err)
	}
	minutesGolden(t, "voice_report_2026.json", string(js))
	if got[0].GetVoices() == 0 || got[0].GetLoopClosed() == 0 || got[0].GetReachedProvincial() == 0 || len(got[0].GetByGroup()) == 0 {
		t.Fatalf("the demo report shows nothing to check: %v", got[0])
	}

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := app.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(ctx, eventstore.Config{DataDir: dir, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w := replay(t, store)
	for i, c := range cases {
		want := w.report(c)
		if !proto.Equal(got[i], want) {
			t.Errorf("case %d: the report differs from the figures recomputed from the events:\n got %v\nwant %v", i, got[i], want)
		}
	}
}

// world is what the recomputation keeps from the events.
type world struct {
	groupLevel  map[string]v1.Level
	groupParent map[string]string
	groupName   map[string]string
	groupMunis  map[string][]string
	memberOrg   map[string]string
	meetingAt   map[string]string
	meetingHeld map[string]bool
	meetingGone map[string]bool // cancelled
	items       map[string]*wItem
	resps       map[string]*wResp
	voices      []*v1.FamilyVoiceRecorded
}

type wItem struct {
	id, group, meeting, from, previous string
	voices                             []string
	withdrawn                          bool
	outcome                            v1.Outcome
}

type wResp struct {
	group, item, member, due, doneOn string
	kind                             v1.AudienceKind
	waived, done                     bool
}

func replay(t *testing.T, store *eventstore.Store) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &world{groupLevel: map[string]v1.Level{}, groupParent: map[string]string{}, groupName: map[string]string{}, groupMunis: map[string][]string{},
		memberOrg: map[string]string{}, meetingAt: map[string]string{}, meetingHeld: map[string]bool{}, meetingGone: map[string]bool{},
		items: map[string]*wItem{}, resps: map[string]*wResp{}}
	last, err := store.LastSequence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := store.OrderedConsumer(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for seen := uint64(0); seen < last; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			seen = meta.Sequence.Stream
			ev, err := eventstore.Decode(seen, msg.Subject(), msg.Data())
			if err != nil {
				t.Fatal(err)
			}
			w.apply(ev)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) apply(ev *eventstore.Event) {
	agg := ev.Envelope.GetAggregateId()
	switch e := ev.Payload.(type) {
	case *v1.GroupCreated:
		w.groupLevel[agg], w.groupParent[agg], w.groupName[agg], w.groupMunis[agg] = e.GetLevel(), e.GetParentId(), e.GetName().GetFi(), e.GetMunicipalities()
	case *v1.GroupRenamed:
		w.groupName[agg] = e.GetName().GetFi()
	case *v1.MemberAdded:
		w.memberOrg[e.GetMembershipId()] = e.GetOrganisation()
	case *v1.MemberChanged:
		w.memberOrg[e.GetMembershipId()] = e.GetOrganisation()
	case *v1.MeetingScheduled:
		w.meetingAt[e.GetMeetingId()] = e.GetStartsAt()
	case *v1.MeetingRescheduled:
		w.meetingAt[e.GetMeetingId()] = e.GetStartsAt()
	case *v1.MeetingOpened:
		w.meetingHeld[e.GetMeetingId()] = true
		w.meetingAt[e.GetMeetingId()] = e.GetOpenedAt() // decisions are made the day it opens
	case *v1.MeetingCancelled:
		w.meetingGone[e.GetMeetingId()] = true
	case *v1.ItemAdded:
		w.items[e.GetItemId()] = &wItem{id: e.GetItemId(), group: agg, meeting: e.GetMeetingId(), from: e.GetLineage().GetFromItemId(),
			previous: e.GetPreviousItemId(), voices: e.GetItem().GetFamilyVoiceIds()}
	case *v1.ItemEdited:
		w.items[e.GetItemId()].voices = e.GetItem().GetFamilyVoiceIds()
	case *v1.ItemMoved:
		w.items[e.GetItemId()].meeting = e.GetMeetingId()
	case *v1.ItemWithdrawn:
		w.items[e.GetItemId()].withdrawn = true
	case *v1.DecisionRecorded:
		w.items[e.GetItemId()].outcome = e.GetDecision().GetOutcome()
	case *v1.DecisionCorrected:
		w.items[e.GetItemId()].outcome = e.GetDecision().GetOutcome()
	case *v1.ResponsibilityAssigned:
		w.resps[e.GetResponsibilityId()] = &wResp{group: agg, item: e.GetItemId(), member: e.GetMembershipId(), due: e.GetDueOn(), kind: e.GetAudience().GetKind()}
	case *v1.ResponsibilityReassigned:
		r := w.resps[e.GetResponsibilityId()]
		r.member, r.due = e.GetMembershipId(), e.GetDueOn()
	case *v1.ResponsibilityWaived:
		w.resps[e.GetResponsibilityId()].waived = true
	case *v1.ResponsibilityDone:
		r := w.resps[e.GetResponsibilityId()]
		r.done, r.doneOn = true, e.GetDoneOn()
	case *v1.FamilyVoiceRecorded:
		w.voices = append(w.voices, e)
	}
}

// inArea tells whether group g is area or under it.
func (w *world) inArea(g, area string) bool {
	for ; g != ""; g = w.groupParent[g] {
		if g == area {
			return true
		}
	}
	return false
}

func (w *world) report(c *v1.VoiceReportRequest) *v1.VoiceReportResponse {
	rep := &v1.VoiceReportResponse{From: c.GetFrom(), To: c.GetTo(), GroupId: c.GetGroupId(), Municipality: c.GetMunicipality(), AsOf: c.GetAsOf()}
	inPeriod := func(d string) bool {
		return (c.GetFrom() == "" || d >= c.GetFrom()) && (c.GetTo() == "" || d <= c.GetTo())
	}
	days := func(a, b string) int32 {
		ta, _ := time.Parse("2006-01-02", a)
		tb, _ := time.Parse("2006-01-02", b)
		return max(0, int32(tb.Sub(ta).Hours()/24))
	}
	earliest := func(cur *string, d string) {
		if d != "" && (*cur == "" || d < *cur) {
			*cur = d
		}
	}
	final := func(o v1.Outcome) bool {
		return o != v1.Outcome_OUTCOME_UNSPECIFIED && o != v1.Outcome_OUTCOME_TABLED && o != v1.Outcome_OUTCOME_RETURNED
	}
	hops := map[string][]int32{}
	for _, v := range w.voices {
		if !inPeriod(v.GetRaisedOn()) || (c.GetGroupId() != "" && !w.inArea(v.GetGroupId(), c.GetGroupId())) ||
			(c.GetMunicipality() != "" && v.GetMunicipality() != c.GetMunicipality()) {
			continue
		}
		rep.Voices++
		chain := map[string]bool{}
		for id, it := range w.items {
			if slices.Contains(it.voices, v.GetVoiceId()) {
				chain[id] = true
			}
		}
		for grew := true; grew; {
			grew = false
			for id, it := range w.items {
				if !chain[id] && (chain[it.from] || chain[it.previous]) {
					chain[id], grew = true, true
				}
			}
		}
		var agenda, decision, localDec, regional, regionalDec, provincial, told, toldDecision string
		for id := range chain {
			it := w.items[id]
			if it.withdrawn || it.meeting == "" || w.meetingGone[it.meeting] || !w.meetingHeld[it.meeting] {
				continue
			}
			on := w.meetingAt[it.meeting][:10]
			earliest(&agenda, on)
			level := w.groupLevel[it.group]
			if final(it.outcome) {
				earliest(&decision, on)
				switch level {
				case v1.Level_LEVEL_LOCAL:
					earliest(&localDec, on)
				case v1.Level_LEVEL_REGIONAL:
					earliest(&regionalDec, on)
				}
			}
			if level >= v1.Level_LEVEL_REGIONAL { // reaching a level counts the levels above it
				earliest(&regional, on)
			}
			if level == v1.Level_LEVEL_PROVINCIAL {
				earliest(&provincial, on)
			}
		}
		for _, r := range w.resps {
			if it := w.items[r.item]; chain[r.item] && !it.withdrawn && r.kind == v1.AudienceKind_AUDIENCE_KIND_FAMILIES && r.done &&
				(told == "" || r.doneOn < told) {
				told, toldDecision = r.doneOn, w.meetingAt[it.meeting][:10]
			}
		}
		for _, s := range []struct {
			n  *uint32
			ok bool
		}{{&rep.ReachedAgenda, agenda != ""}, {&rep.ReachedDecision, decision != ""}, {&rep.ReachedRegional, regional != ""},
			{&rep.ReachedProvincial, provincial != ""}, {&rep.LoopClosed, told != ""}} {
			if s.ok {
				*s.n++
			}
		}
		for _, h := range []struct{ name, from, to string }{{"raised_to_agenda", v.GetRaisedOn(), agenda}, {"agenda_to_decision", agenda, decision},
			{"local_to_regional", localDec, regional}, {"regional_to_provincial", regionalDec, provincial}, {"decision_to_told", toldDecision, told}} {
			if h.from != "" && h.to != "" {
				hops[h.name] = append(hops[h.name], days(h.from, h.to))
			}
		}
	}
	share := func(n uint32) float64 { return math.Round(float64(n)/float64(rep.Voices)*1000) / 1000 }
	if rep.Voices > 0 {
		rep.ShareAgenda, rep.ShareDecision, rep.ShareRegional = share(rep.ReachedAgenda), share(rep.ReachedDecision), share(rep.ReachedRegional)
		rep.ShareProvincial, rep.ShareLoopClosed = share(rep.ReachedProvincial), share(rep.LoopClosed)
	}
	for _, name := range []string{"raised_to_agenda", "agenda_to_decision", "local_to_regional", "regional_to_provincial", "decision_to_told"} {
		d := slices.Sorted(slices.Values(hops[name]))
		h := &v1.HopFigures{Hop: name, Count: uint32(len(d))}
		if n := len(d); n > 0 {
			h.MedianDays = float64(d[(n-1)/2]+d[n/2]) / 2
			h.P90Days = float64(d[int(math.Ceil(0.9*float64(n)))-1])
		}
		rep.Hops = append(rep.Hops, h)
	}
	byGroup, byOrg := map[string]*v1.ResponsibilityFigures{}, map[string]*v1.ResponsibilityFigures{}
	for _, r := range w.resps {
		if !inPeriod(r.due) || (c.GetGroupId() != "" && !w.inArea(r.group, c.GetGroupId())) ||
			(c.GetMunicipality() != "" && !slices.Contains(w.groupMunis[r.group], c.GetMunicipality())) {
			continue
		}
		org := w.memberOrg[r.member]
		for _, f := range []*v1.ResponsibilityFigures{row(byGroup, r.group, w.groupName[r.group]), row(byOrg, org, org)} {
			f.Total++
			switch {
			case r.waived:
				f.Waived++
			case r.done && r.doneOn <= r.due:
				f.DoneOnTime++
			case r.done:
				f.DoneLate++
			case r.due < c.GetAsOf():
				f.OpenOverdue++
			default:
				f.OpenNotDue++
			}
		}
	}
	rep.ByGroup, rep.ByOrganisation = sortedRows(byGroup), sortedRows(byOrg)
	return rep
}

func row(m map[string]*v1.ResponsibilityFigures, key, name string) *v1.ResponsibilityFigures {
	if m[key] == nil {
		m[key] = &v1.ResponsibilityFigures{Key: key, Name: name}
	}
	return m[key]
}

func sortedRows(m map[string]*v1.ResponsibilityFigures) []*v1.ResponsibilityFigures {
	var out []*v1.ResponsibilityFigures
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *v1.ResponsibilityFigures) int {
		if a.GetName() != b.GetName() {
			return map[bool]int{true: -1, false: 1}[a.GetName() < b.GetName()]
		}
		return map[bool]int{true: -1, false: 1}[a.GetKey() < b.GetKey()]
	})
	return out
}
