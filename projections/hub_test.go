package projections_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
	"github.com/ohjaamo/ohjaamo/projections"
)

// The hub tests write events straight to the store: a provincial group P
// with a regional group R and a local group L (Nokia, 536) under it, and
// decisions on items of one meeting of P.
const (
	hubP       = "00000000-0000-4000-8000-00000000a001"
	hubR       = "00000000-0000-4000-8000-00000000a002"
	hubL       = "00000000-0000-4000-8000-00000000a003"
	hubMeeting = "kokous-p"
	hubLMember = "00000000-0000-4000-8000-00000000b001" // L's member for Nokia
	hubNewcome = "00000000-0000-4000-8000-00000000b002" // joins L after the decisions
)

type hubWriter struct {
	t     *testing.T
	store *eventstore.Store
	heads map[string]eventstore.Head
	items int
}

func (w *hubWriter) append(typ, id string, evs ...proto.Message) uint64 {
	w.t.Helper()
	key := typ + "/" + id
	res, err := w.store.Append(context.Background(), typ, id, w.heads[key], evs, eventstore.Meta{})
	if err != nil {
		w.t.Fatalf("append %d events to %s: %v", len(evs), key, err)
	}
	w.heads[key] = res.Head
	return res.LastSeq
}

// hubNetwork writes P, R and L with L's member, and P's meeting.
func hubNetwork(t *testing.T, store *eventstore.Store) *hubWriter {
	t.Helper()
	w := &hubWriter{t: t, store: store, heads: map[string]eventstore.Head{}}
	w.append(domain.AggregateGroup, hubP, &v1.GroupCreated{GroupId: hubP, Name: &v1.LocalizedName{Fi: "P"}, Level: v1.Level_LEVEL_PROVINCIAL, WellbeingCounty: "Pirkanmaa"})
	w.append(domain.AggregateGroup, hubR, &v1.GroupCreated{GroupId: hubR, Name: &v1.LocalizedName{Fi: "R"}, Level: v1.Level_LEVEL_REGIONAL, ParentId: hubP, WellbeingCounty: "Pirkanmaa"})
	w.append(domain.AggregateGroup, hubL, &v1.GroupCreated{GroupId: hubL, Name: &v1.LocalizedName{Fi: "L"}, Level: v1.Level_LEVEL_LOCAL, ParentId: hubR,
		WellbeingCounty: "Pirkanmaa", Municipalities: []string{"536"}},
		hubMember(hubLMember, "m-l1"))
	w.append(domain.AggregateMeetings, hubP, &v1.MeetingScheduled{MeetingId: hubMeeting, StartsAt: "2026-03-12T13:00:00+02:00", Place: "Tampere-talo", AgendaDeadlineDays: 7})
	return w
}

func hubMember(person, id string) *v1.MemberAdded {
	return &v1.MemberAdded{MembershipId: id, PersonId: person, PersonName: "Henkilö " + id, Organisation: "Nokian kaupunki",
		ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY, Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}
}

// decisions writes n decided items of P's meeting affecting a, in batches
// as large as an append takes, and answers the stream sequence of each decision.
func (w *hubWriter) decisions(n int, a *v1.Affects) []uint64 {
	w.t.Helper()
	var seqs []uint64
	for n > 0 {
		k := min(n, 500) // two events an item
		var evs []proto.Message
		for range k {
			w.items++
			id := fmt.Sprintf("asia-%05d", w.items)
			evs = append(evs, &v1.ItemAdded{ItemId: id, MeetingId: hubMeeting, Item: &v1.AgendaItem{Title: "Asia " + id, Openness: v1.Openness_OPENNESS_PUBLIC}},
				&v1.DecisionRecorded{ItemId: id, Section: uint32(w.items), Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED,
					Text: "Päätös " + id, Affects: a}})
		}
		last := w.append(domain.AggregateMeetings, hubP, evs...)
		for i := range k {
			seqs = append(seqs, last-uint64(2*(k-1-i)))
		}
		n -= k
	}
	return seqs
}

// filler writes n renames of R: events that are no decisions.
func (w *hubWriter) filler(n int) {
	w.t.Helper()
	for n > 0 {
		k := min(n, 1000)
		evs := make([]proto.Message, k)
		for i := range evs {
			evs[i] = &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: fmt.Sprintf("R %d", n-i)}}
		}
		w.append(domain.AggregateGroup, hubR, evs...)
		n -= k
	}
}

func startHub(t *testing.T, store *eventstore.Store) *projections.DecisionHub {
	t.Helper()
	h, err := projections.StartDecisionHub(context.Background(), store, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// watch runs one Watch in the background, collecting what it sends.
type hubWatch struct {
	mu       sync.Mutex
	got      []uint64
	caughtUp uint64
	up       bool
	hubPos   uint64 // the hub's position when the watch caught up
	block    chan struct{}
	done     chan error
	cancel   context.CancelFunc
}

func startWatch(h *projections.DecisionHub, spec projections.WatchSpec, after uint64, since time.Time, block chan struct{}) *hubWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &hubWatch{block: block, done: make(chan error, 1), cancel: cancel}
	go func() {
		w.done <- h.Watch(ctx, spec, after, since, func(n *projections.Notice) error {
			if w.block != nil {
				<-w.block
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			w.got = append(w.got, n.Seq)
			return nil
		}, func(cursor uint64) error {
			pos := h.Position()
			w.mu.Lock()
			defer w.mu.Unlock()
			w.caughtUp, w.up, w.hubPos = cursor, true, pos
			return nil
		})
	}()
	return w
}

func (w *hubWatch) seqs() []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

func (w *hubWatch) waitFor(t *testing.T, seq uint64) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		if got := w.seqs(); !slices.Contains(got, seq) {
			return fmt.Errorf("watch has %d notices, not yet %d", len(got), seq)
		}
		return nil
	})
}

func (w *hubWatch) waitCaughtUp(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.up {
			return errors.New("not caught up")
		}
		return nil
	})
}

func waitPosition(t *testing.T, h *projections.DecisionHub, seq uint64) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		if p := h.Position(); p < seq {
			return fmt.Errorf("hub at %d, want %d", p, seq)
		}
		return nil
	})
}

var everythingInP = projections.WatchSpec{Filter: &v1.SubscriptionFilter{GroupId: hubP, IncludeChildren: true}}

// A watch resuming after cursor c must get nothing at or before c, also
// while the hub is still replaying the stream (just after a restart, or
// when a "from now on" watch takes the stream's last sequence as its
// cursor before the hub has read that far).
func TestWatchAfterACursorTheHubHasNotReachedSendsNothingBeforeIt(t *testing.T) {
	store := testenv.Store(t, "")
	w := hubNetwork(t, store)
	w.filler(5000) // enough that replaying takes longer than starting a watch
	old := w.decisions(20, nil)
	after := old[len(old)-1]

	h := startHub(t, store)
	wt := startWatch(h, everythingInP, after, time.Time{}, nil)
	defer wt.cancel()
	wt.waitCaughtUp(t)
	waitPosition(t, h, after)
	fresh := w.decisions(1, nil)[0]
	wt.waitFor(t, fresh)
	if wt.hubPos >= after {
		t.Logf("the hub had replayed to %d before the watch started; the case was not exercised", wt.hubPos)
	}
	if got := wt.seqs(); !slices.Equal(got, []uint64{fresh}) {
		t.Fatalf("a watch after %d (hub at %d when it started) got %v; want only the new decision %d", after, wt.hubPos, got, fresh)
	}
}

// Whether a past decision affects a person must not depend on whether some
// other affects-me watcher happened to be open when it was recorded.
func TestAffectsMeBacklogDoesNotDependOnOtherWatchers(t *testing.T) {
	store := testenv.Store(t, "")
	w := hubNetwork(t, store)
	h := startHub(t, store)
	affectsL := &v1.Affects{GroupIds: []string{hubL}}

	// L's member watches what affects them while D1 is recorded.
	watcher := startWatch(h, projections.WatchSpec{Filter: &v1.SubscriptionFilter{AffectsMe: true}, PersonID: hubLMember}, 0, time.Time{}, nil)
	watcher.waitCaughtUp(t)
	d1 := w.decisions(1, affectsL)[0]
	watcher.waitFor(t, d1)
	watcher.cancel()
	<-watcher.done
	// D2, the same decision, is recorded while no one watches.
	d2 := w.decisions(1, affectsL)[0]
	// Then a newcomer joins L and asks for everything that affects them.
	joined := w.append(domain.AggregateGroup, hubL, hubMember(hubNewcome, "m-l2"))
	waitPosition(t, h, joined)
	newcomer := startWatch(h, projections.WatchSpec{Filter: &v1.SubscriptionFilter{AffectsMe: true}, PersonID: hubNewcome}, 0, time.Time{}, nil)
	defer newcomer.cancel()
	newcomer.waitCaughtUp(t)
	got := newcomer.seqs()
	if slices.Contains(got, d1) != slices.Contains(got, d2) {
		t.Fatalf("the newcomer's backlog %v holds one of two identical decisions D1 %d and D2 %d: D1 was matched while another watcher was open", got, d1, d2)
	}
}

func TestSlowWatcherIsCutOffAndResumesFromItsCursor(t *testing.T) {
	store := testenv.Store(t, "")
	w := hubNetwork(t, store)
	h := startHub(t, store)
	waitPosition(t, h, w.heads[domain.AggregateMeetings+"/"+hubP].Seq)

	release := make(chan struct{})
	slow := startWatch(h, everythingInP, 0, time.Time{}, release)
	slow.waitCaughtUp(t)
	fast := startWatch(h, everythingInP, 0, time.Time{}, nil)
	defer fast.cancel()
	fast.waitCaughtUp(t)
	// More decisions than a watcher may have waiting, while it reads none.
	const n = 4096 + 200
	seqs := w.decisions(n, nil)
	waitPosition(t, h, seqs[n-1])
	close(release)
	select {
	case err := <-slow.done:
		if !errors.Is(err, projections.ErrWatcherBehind) {
			t.Fatalf("the slow watch ended with %v, want ErrWatcherBehind", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the slow watch was not cut off")
	}
	got := slow.seqs()
	if len(got) == 0 || len(got) >= n || !slices.Equal(got, seqs[:len(got)]) {
		t.Fatalf("before the cut-off the slow watch got %d notices, want a gap-free prefix of the %d", len(got), n)
	}
	// Resuming from its last cursor gives exactly the rest.
	again := startWatch(h, everythingInP, got[len(got)-1], time.Time{}, nil)
	defer again.cancel()
	again.waitCaughtUp(t)
	if rest := again.seqs(); !slices.Equal(append(got, rest...), seqs) {
		t.Fatalf("resumed after %d: %d more, want the other %d in order", got[len(got)-1], len(rest), n-len(got))
	}
	// The watcher that kept up was not cut off and got every one.
	fast.waitFor(t, seqs[n-1])
	if got := fast.seqs(); !slices.Equal(got, seqs) {
		t.Fatalf("the watcher that kept up got %d notices, want the %d in order", len(got), n)
	}
	select {
	case err := <-fast.done:
		t.Fatalf("the watcher that kept up ended: %v", err)
	default:
	}
}

func TestCloseEndsWatchesAndRefusesNewOnes(t *testing.T) {
	store := testenv.Store(t, "")
	hubNetwork(t, store)
	h, err := projections.StartDecisionHub(context.Background(), store, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	open := startWatch(h, everythingInP, 0, time.Time{}, nil)
	open.waitCaughtUp(t)
	start := time.Now()
	h.Close()
	select {
	case err := <-open.done:
		if !errors.Is(err, projections.ErrHubClosed) {
			t.Fatalf("the open watch ended with %v, want ErrHubClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close left the watch open")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closing took %s", d)
	}
	late := startWatch(h, everythingInP, 0, time.Time{}, nil)
	if err := <-late.done; !errors.Is(err, projections.ErrHubClosed) {
		t.Fatalf("a watch after Close: %v, want ErrHubClosed", err)
	}
	h.Close() // a second Close is harmless
}

// Each watcher gets, live, the decisions its Viewer may see: a member of P
// its secret and internal ones, the parent's secretary (who reads P's
// internal items) the internal one, anonymous the public one only.
func TestWatchersGetWhatTheirViewerSees(t *testing.T) {
	store := testenv.Store(t, "")
	w := hubNetwork(t, store)
	h := startHub(t, store)
	watch := func(v projections.Viewer) *hubWatch {
		spec := everythingInP
		spec.Viewer = v
		wt := startWatch(h, spec, 0, time.Time{}, nil)
		t.Cleanup(wt.cancel)
		wt.waitCaughtUp(t)
		return wt
	}
	member := watch(projections.Viewer{Internal: []string{hubP}, Secret: []string{hubP}})
	parent := watch(projections.Viewer{Internal: []string{hubP}})
	public := watch(projections.Viewer{})
	decide := func(id string, o v1.Openness) uint64 {
		return w.append(domain.AggregateMeetings, hubP,
			&v1.ItemAdded{ItemId: id, MeetingId: hubMeeting, Item: &v1.AgendaItem{Title: id, Openness: o, LegalGround: "JulkL 24 § 1 mom. 25 k"}},
			&v1.DecisionRecorded{ItemId: id, Section: 1, Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_NOTED, Text: id}})
	}
	secret := decide("salainen", v1.Openness_OPENNESS_SECRET)
	internal := decide("sisainen", v1.Openness_OPENNESS_INTERNAL)
	open := decide("julkinen", v1.Openness_OPENNESS_PUBLIC)
	for _, tc := range []struct {
		name string
		w    *hubWatch
		want []uint64
	}{{"a member", member, []uint64{secret, internal, open}}, {"the parent's secretary", parent, []uint64{internal, open}},
		{"anonymous", public, []uint64{open}}} {
		tc.w.waitFor(t, open) // the last: the others were sent before it, or never
		if got := tc.w.seqs(); !slices.Equal(got, tc.want) {
			t.Errorf("%s got %v, want %v", tc.name, got, tc.want)
		}
	}
}
