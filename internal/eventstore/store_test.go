package eventstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	h, err := loadHead(s, id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// loadHead is head for goroutines other than the test's, which must not call t.Fatal.
func loadHead(s *eventstore.Store, id string) (eventstore.Head, error) {
	evs, err := s.Load(context.Background(), "group", id, 0)
	if err != nil || len(evs) == 0 {
		return eventstore.Head{}, err
	}
	last := evs[len(evs)-1]
	return eventstore.Head{Seq: last.Seq, Version: last.Envelope.GetAggregateVersion(), Hash: last.Hash}, nil
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
					h, err := loadHead(s, "agg")
					if err != nil {
						t.Errorf("load %s: %v", name, err)
						return
					}
					_, err = s.Append(ctx, "group", "agg", h, []proto.Message{renamed(name)}, eventstore.Meta{RequestID: name})
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
		if len(g.Memberships()) != n || h.Version != n+1 {
			t.Fatalf("after %d concurrent adds through two instances: %d members, version %d", n, len(g.Memberships()), h.Version)
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

// TestConflictMeansTheAggregateMoved checks what a caller relies on when it
// catches up after a conflict: once Append reports one, a read already sees
// an event past the head the append was decided on. A replicated stream
// refuses a write while another write of the subject is still being
// replicated (err_code 10164), before that write can be read.
func TestConflictMeansTheAggregateMoved(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		const writers, tries = 10, 10
		var conflicts atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{}) // let the writers go at once
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range tries {
					h, err := loadHead(s, "agg")
					if err != nil {
						t.Errorf("load: %v", err)
						return
					}
					name := fmt.Sprintf("w%d-%d", w, i)
					_, err = s.Append(ctx, "group", "agg", h, []proto.Message{renamed(name)}, eventstore.Meta{RequestID: name})
					var conflict *eventstore.ConflictError
					switch {
					case err == nil:
					case errors.Is(err, domain.ErrConflict) && errors.As(err, &conflict):
						conflicts.Add(1)
						newer, err := s.Load(ctx, "group", "agg", h.Seq)
						if err != nil {
							t.Errorf("load after conflict: %v", err)
						} else if len(newer) == 0 {
							t.Errorf("%s: conflict at head %d, but no event after it can be read", name, h.Seq)
						}
					default:
						t.Errorf("append %s: %v, want success or a *ConflictError", name, err)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		if conflicts.Load() == 0 {
			t.Fatalf("%d writers never conflicted: the test did not exercise concurrency", writers)
		}
		evs, _ := s.Load(ctx, "group", "agg", 0)
		checkChain(t, evs)
	})
}

// TestJetStreamConflictCodes pins what Append's conflict handling assumes of
// JetStream: a write whose expected last subject sequence is stale is
// refused with err_code 10071, or, on a replicated stream while another
// write of the subject is in flight, 10164.
func TestJetStreamConflictCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		const writers, tries = 10, 10
		var mu sync.Mutex
		codes := map[jetstream.ErrorCode]int{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range tries {
					// Everyone claims the subject is empty: one write lands.
					m := nats.NewMsg(eventstore.Subject("group", "raw"))
					m.Data = fmt.Appendf(nil, "w%d-%d", w, i)
					m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
					_, err := s.JetStream().PublishMsg(ctx, m)
					var apiErr *jetstream.APIError
					switch {
					case err == nil:
						mu.Lock()
						codes[0]++
						mu.Unlock()
					case errors.As(err, &apiErr):
						mu.Lock()
						codes[apiErr.ErrorCode]++
						mu.Unlock()
					default:
						t.Errorf("publish: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("answers by err_code (0 = stored): %v", codes)
		if codes[0] != 1 {
			t.Errorf("%d writes expecting an empty subject were stored, want 1", codes[0])
		}
		for code, n := range codes {
			if code != 0 && code != 10071 && code != 10164 {
				t.Errorf("%d stale writes refused with err_code %d, which Append does not treat as a conflict", n, code)
			}
		}
	})
}

// TestConcurrentBatchesLandWhole has writers race to append batches of
// several events to one aggregate: every batch lands whole, in consecutive
// sequences, or not at all.
func TestConcurrentBatchesLandWhole(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *eventstore.Store) {
		ctx := context.Background()
		const writers, tries, size = 8, 4, 3
		var mu sync.Mutex
		landed := map[string]eventstore.AppendResult{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range tries {
					rid := fmt.Sprintf("w%d-%d", w, i)
					var batch []proto.Message
					for k := range size {
						batch = append(batch, renamed(fmt.Sprintf("%s/%d", rid, k)))
					}
					h, err := loadHead(s, "agg")
					if err != nil {
						t.Errorf("load: %v", err)
						return
					}
					res, err := s.Append(ctx, "group", "agg", h, batch, eventstore.Meta{RequestID: rid})
					switch {
					case err == nil:
						mu.Lock()
						landed[rid] = res
						mu.Unlock()
					case !errors.Is(err, domain.ErrConflict):
						t.Errorf("append %s: %v", rid, err)
					}
				}
			}()
		}
		wg.Wait()
		if len(landed) == 0 || len(landed) == writers*tries {
			t.Fatalf("%d of %d batches landed: the test did not exercise conflicts", len(landed), writers*tries)
		}
		evs, err := s.Load(ctx, "group", "agg", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != size*len(landed) {
			t.Fatalf("stream holds %d events, want %d from %d acknowledged batches", len(evs), size*len(landed), len(landed))
		}
		for i := 0; i < len(evs); i += size {
			rid := evs[i].Envelope.GetRequestId()
			res, ok := landed[rid]
			if !ok || res.FirstSeq != evs[i].Seq || res.LastSeq != evs[i+size-1].Seq {
				t.Fatalf("events from %d: batch %q was not acknowledged at %d..%d (%+v)", evs[i].Seq, rid, evs[i].Seq, evs[i+size-1].Seq, res)
			}
			for k, ev := range evs[i : i+size] {
				want := fmt.Sprintf("%s/%d", rid, k)
				if ev.Envelope.GetRequestId() != rid || ev.Payload.(*v1.GroupRenamed).GetName().GetFi() != want {
					t.Fatalf("event %d is %q of request %q, want %q: batches interleaved or split", ev.Seq, ev.Payload.(*v1.GroupRenamed).GetName().GetFi(), ev.Envelope.GetRequestId(), want)
				}
				if k > 0 && ev.Seq != evs[i+k-1].Seq+1 {
					t.Fatalf("batch %q is not in consecutive sequences", rid)
				}
			}
		}
		checkChain(t, evs)
	})
}

// TestClusterStreamIsReplicated checks the stream Open makes on a cluster:
// three replicas with the same guards as on the embedded server, and kept
// at three by an instance that is started without replicas configured.
func TestClusterStreamIsReplicated(t *testing.T) {
	urls := testenv.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func(replicas int) *eventstore.Store {
		s, err := eventstore.Open(ctx, eventstore.Config{URL: urls, Replicas: replicas, Logger: testenv.Logger(t)})
		if err != nil {
			t.Fatalf("open with %d replicas: %v", replicas, err)
		}
		t.Cleanup(s.Close)
		return s
	}
	check := func(s *eventstore.Store) {
		t.Helper()
		st, err := s.JetStream().Stream(ctx, s.StreamName())
		if err != nil {
			t.Fatal(err)
		}
		info := st.CachedInfo()
		c := info.Config
		if c.Replicas != 3 || info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
			t.Fatalf("stream has %d replicas, cluster %+v; want a leader and two followers", c.Replicas, info.Cluster)
		}
		if !c.DenyDelete || !c.DenyPurge || !c.AllowAtomicPublish || c.AllowDirect || c.Storage != jetstream.FileStorage {
			t.Fatalf("stream config on the cluster: %+v", c)
		}
	}
	s := open(3)
	check(s)
	if _, err := s.Append(ctx, "group", "g", eventstore.Head{}, []proto.Message{renamed("a")}, eventstore.Meta{RequestID: "1"}); err != nil {
		t.Fatal(err)
	}
	s1 := open(0) // an instance started without --replicas
	check(s1)
	if evs, err := s1.Load(ctx, "group", "g", 0); err != nil || len(evs) != 1 {
		t.Fatalf("second instance reads %d events, %v", len(evs), err)
	}
}

// TestClusterAppendsAfterLeaderChange moves the stream's leadership to
// another server, as a failing server does, and appends at once. Only the
// leader listens on the stream's subjects, and the server the store is
// connected to learns of the new leader's interest a moment after the
// election; an append sent before must be resent, not refused with "no
// responders". One that reaches the old leader as it steps down goes
// unanswered and times out: a retry with the same request id lands it
// exactly once.
func TestClusterAppendsAfterLeaderChange(t *testing.T) {
	s := testenv.ClusterStore(t)
	var h eventstore.Head
	for i := range 3 {
		reply, err := s.Conn().Request("$JS.API.STREAM.LEADER.STEPDOWN."+s.StreamName(), nil, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			Success bool `json:"success"`
		}
		if err := json.Unmarshal(reply.Data, &resp); err != nil || !resp.Success {
			t.Fatalf("stream leader stepdown: %s, %v", reply.Data, err)
		}
		for _, events := range [][]proto.Message{
			{renamed(fmt.Sprint("a", i)), renamed(fmt.Sprint("b", i))},
			{renamed(fmt.Sprint("c", i))},
		} {
			meta := eventstore.Meta{RequestID: fmt.Sprintf("%d-%d", i, len(events))}
			attempt := 0
			testenv.Eventually(t, 30*time.Second, func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				res, err := s.Append(ctx, "group", "g", h, events, meta)
				if attempt++; attempt == 1 && errors.Is(err, nats.ErrNoResponders) {
					t.Errorf("append of %d events after leader change %d: %v", len(events), i, err)
				}
				if err == nil {
					h = res.Head
				} else {
					t.Logf("attempt %d of request %s: %v", attempt, meta.RequestID, err)
				}
				return err
			})
		}
	}
	evs, err := s.Load(context.Background(), "group", "g", 0)
	if err != nil || len(evs) != 9 {
		t.Fatalf("stream holds %d events, want 9; %v", len(evs), err)
	}
	checkChain(t, evs)
}
