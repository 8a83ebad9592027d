package eventstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// backends are the stores every contract test runs against: the embedded
// single server a development instance starts, and an R3 stream on a
// three-server cluster set up as deploy/nats recommends for production.
var backends = []struct {
	name string
	open func(t *testing.T) *eventstore.Store
}{
	{"embedded", func(t *testing.T) *eventstore.Store { return testenv.Store(t, "") }},
	{"cluster", func(t *testing.T) *eventstore.Store { return testenv.ClusterStore(t) }},
}

// forEachBackend runs test as a subtest, named after the backend, on a new
// store of each backend.
func forEachBackend(t *testing.T, test func(t *testing.T, s *eventstore.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.open(t)) })
	}
}

func renamed(s string) proto.Message {
	return &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: s}}
}

// head reads where an aggregate stands, from the stream.
func head(t *testing.T, s *eventstore.Store, id string) eventstore.Head {
	t.Helper()
	evs, err := s.Load(context.Background(), "group", id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return eventstore.Head{}
	}
	last := evs[len(evs)-1]
	return eventstore.Head{Seq: last.Seq, Version: last.Envelope.GetAggregateVersion(), Hash: last.Hash}
}

// checkChain verifies versions run 1..n and every prev_hash is the hash of the event before.
func checkChain(t *testing.T, evs []*eventstore.Event) {
	t.Helper()
	var prev []byte
	for i, ev := range evs {
		if got := ev.Envelope.GetAggregateVersion(); got != uint64(i+1) {
			t.Fatalf("event %d has version %d, want %d", i, got, i+1)
		}
		if !bytes.Equal(ev.Envelope.GetPrevHash(), prev) {
			t.Fatalf("event %d (seq %d): prev_hash does not match the previous event", i, ev.Seq)
		}
		prev = ev.Hash
	}
}

func TestConcurrentAppendsOneAggregateLoseNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		const writers, tries = 20, 5
		var landed, conflicts atomic.Int64
		var mu sync.Mutex
		names := map[string]bool{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range tries {
					name := fmt.Sprintf("w%d-%d", w, i)
					h := head(t, s, "agg")
					_, err := s.Append(ctx, "group", "agg", h, []proto.Message{renamed(name)}, eventstore.Meta{RequestID: name})
					switch {
					case err == nil:
						landed.Add(1)
						mu.Lock()
						names[name] = true
						mu.Unlock()
					case errors.Is(err, domain.ErrConflict):
						conflicts.Add(1)
					default:
						t.Errorf("append %s: %v", name, err)
					}
				}
			}()
		}
		wg.Wait()
		evs, err := s.Load(ctx, "group", "agg", 0)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(evs)) != landed.Load() {
			t.Fatalf("stream holds %d events, %d appends were acknowledged", len(evs), landed.Load())
		}
		if landed.Load()+conflicts.Load() != writers*tries {
			t.Fatalf("%d landed + %d conflicts != %d attempts", landed.Load(), conflicts.Load(), writers*tries)
		}
		if conflicts.Load() == 0 {
			t.Fatalf("20 writers never conflicted: the test did not exercise concurrency")
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			n := ev.Payload.(*v1.GroupRenamed).GetName().GetFi()
			if seen[n] || !names[n] {
				t.Fatalf("event %q duplicated or never acknowledged", n)
			}
			seen[n] = true
		}
		checkChain(t, evs)
		t.Logf("%d landed, %d conflicts", landed.Load(), conflicts.Load())
	})
}

func TestTwoInstancesRedecideOnConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		// Two repositories are two server instances with their own caches.
		a, b := testenv.Groups(s), testenv.Groups(s)
		id := "6f0c2a4e-0000-4000-8000-000000000001"
		_, err := a.Execute(ctx, id, eventstore.Meta{RequestID: "create"}, nil, func(g *domain.Group) ([]proto.Message, error) {
			return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: "Maakunta"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Pirkanmaan hyvinvointialue"}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				repo := a
				if i%2 == 1 {
					repo = b
				}
				_, err := repo.Execute(ctx, id, eventstore.Meta{RequestID: fmt.Sprintf("m%d", i)}, nil, func(g *domain.Group) ([]proto.Message, error) {
					return g.AddMember(domain.AddMember{MembershipID: fmt.Sprintf("m%d", i), PersonID: "6f0c2a4e-0000-4000-8000-0000000000aa",
						PersonName: fmt.Sprintf("Jäsen %d", i), Organisation: "Kunta", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
						Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}, nil)
				})
				if err != nil {
					t.Errorf("member %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		// Each instance's cache may lag the other's writes; a third, cold
		// instance folds the aggregate from the stream.
		g, h, err := testenv.Groups(s).Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Members) != n || h.Version != n+1 {
			t.Fatalf("after %d concurrent adds through two instances: %d members, version %d", n, len(g.Members), h.Version)
		}
		evs, _ := s.Load(ctx, "group", id, 0)
		checkChain(t, evs)
	})
}

func TestRetriedRequestIsAppliedOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		meta := eventstore.Meta{RequestID: "req-1", Actor: "test"}
		first, err := s.Append(ctx, "group", "g1", eventstore.Head{}, []proto.Message{renamed("a")}, meta)
		if err != nil {
			t.Fatal(err)
		}
		// The client did not see the ack and retries with the same request id
		// and the same expected version.
		again, err := s.Append(ctx, "group", "g1", eventstore.Head{}, []proto.Message{renamed("a")}, meta)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if !again.Replayed || again.FirstSeq != first.FirstSeq || again.LastSeq != first.LastSeq {
			t.Fatalf("retry answered %+v, want the first result %+v", again, first)
		}
		// A batch of several events, retried after another writer moved the aggregate on.
		h := head(t, s, "g1")
		batchMeta := eventstore.Meta{RequestID: "req-2"}
		batch, err := s.Append(ctx, "group", "g1", h, []proto.Message{renamed("b"), renamed("c"), renamed("d")}, batchMeta)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, "group", "g1", head(t, s, "g1"), []proto.Message{renamed("e")}, eventstore.Meta{RequestID: "other"}); err != nil {
			t.Fatal(err)
		}
		replay, err := s.Append(ctx, "group", "g1", h, []proto.Message{renamed("b"), renamed("c"), renamed("d")}, batchMeta)
		if err != nil {
			t.Fatalf("batch retry: %v", err)
		}
		if !replay.Replayed || replay.FirstSeq != batch.FirstSeq || replay.LastSeq != batch.LastSeq {
			t.Fatalf("batch retry answered %d..%d replayed=%v, want %d..%d", replay.FirstSeq, replay.LastSeq, replay.Replayed, batch.FirstSeq, batch.LastSeq)
		}
		// A retry that is decided anew on the current head (the retry of a
		// command through a repository) is caught by the duplicate window.
		dup, err := s.Append(ctx, "group", "g1", head(t, s, "g1"), []proto.Message{renamed("b"), renamed("c"), renamed("d")}, batchMeta)
		if err != nil || !dup.Replayed || dup.FirstSeq != batch.FirstSeq {
			t.Fatalf("batch re-decided on the new head: %+v, %v", dup, err)
		}
		evs, _ := s.Load(ctx, "group", "g1", 0)
		if len(evs) != 5 {
			t.Fatalf("stream holds %d events, want 5 (a, b, c, d, e)", len(evs))
		}
		checkChain(t, evs)

		// Through the repository: the same request id answers the first result.
		repo := testenv.Groups(s)
		id := "6f0c2a4e-0000-4000-8000-000000000002"
		create := func(g *domain.Group) ([]proto.Message, error) {
			return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: "X"}, Level: v1.Level_LEVEL_PROVINCIAL, County: "Y"}, nil)
		}
		r1, err := repo.Execute(ctx, id, eventstore.Meta{RequestID: "create-x"}, nil, create)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*eventstore.Repo[*domain.Group]{repo, testenv.Groups(s)} { // warm and cold cache
			r2, err := r.Execute(ctx, id, eventstore.Meta{RequestID: "create-x"}, nil, create)
			if err != nil || !r2.Replayed || r2.LastSeq != r1.LastSeq {
				t.Fatalf("repeated create: %+v, %v; want replay of %d", r2, err, r1.LastSeq)
			}
		}
	})
}

func TestStaleBatchWritesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		if _, err := s.Append(ctx, "group", "g", eventstore.Head{}, []proto.Message{renamed("a"), renamed("b")}, eventstore.Meta{RequestID: "1"}); err != nil {
			t.Fatal(err)
		}
		before, _ := s.LastSequence(ctx)
		_, err := s.Append(ctx, "group", "g", eventstore.Head{}, []proto.Message{renamed("x"), renamed("y"), renamed("z")}, eventstore.Meta{RequestID: "2"})
		if !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("stale batch: %v, want a conflict", err)
		}
		after, _ := s.LastSequence(ctx)
		if after != before {
			t.Fatalf("a refused batch wrote %d messages", after-before)
		}
	})
}

// TestAcknowledgedWriteSurvivesRestart runs on the embedded backend only:
// there the store owns its server and data directory, so closing the store
// and opening it again on the same directory restarts the server. On a
// cluster the servers outlive the store, so reopening the store restarts
// nothing; whether the cluster keeps acknowledged writes across restarts is
// nats-server's to test, under the settings deploy/nats gives it.
func TestAcknowledgedWriteSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := eventstore.Open(ctx, eventstore.Config{DataDir: dir, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(ctx, "group", "g", eventstore.Head{}, []proto.Message{renamed("kept")}, eventstore.Meta{RequestID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := testenv.Store(t, dir)
	evs, err := s2.Load(ctx, "group", "g", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq != res.LastSeq || evs[0].Payload.(*v1.GroupRenamed).GetName().GetFi() != "kept" {
		t.Fatalf("after restart: %v", evs)
	}
}

func TestStreamRefusesDeleteAndPurge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		if _, err := s.Append(ctx, "group", "g", eventstore.Head{}, []proto.Message{renamed("a")}, eventstore.Meta{RequestID: "1"}); err != nil {
			t.Fatal(err)
		}
		st, err := s.JetStream().Stream(ctx, s.StreamName())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteMsg(ctx, 1); err == nil {
			t.Fatal("deleting an event succeeded")
		}
		if err := st.Purge(ctx); err == nil {
			t.Fatal("purging the stream succeeded")
		}
		if n, _ := s.LastSequence(ctx); n != 1 {
			t.Fatalf("last sequence %d after refused delete and purge", n)
		}
	})
}
