package eventstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

const (
	aggA = "00000000-0000-4000-8000-00000000000a"
	aggB = "00000000-0000-4000-8000-00000000000b"
)

// appendN appends n renames to group id, one event per command, chained from its head.
func appendN(t testing.TB, s *eventstore.Store, id string, n int) {
	t.Helper()
	for i := range n {
		h, err := loadHead(s, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(context.Background(), "group", id, h, []proto.Message{renamed(fmt.Sprintf("%s-%d", id, i))}, eventstore.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, s *eventstore.Store) eventstore.VerifyResult {
	t.Helper()
	res, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVerifyCleanStream(t *testing.T) {
	forEachBackend(t, testVerifyCleanStream)
}

func testVerifyCleanStream(t *testing.T, s *eventstore.Store) {
	ctx := context.Background()
	if res := verify(t, s); !res.OK || res.Events != 0 || res.Aggregates != 0 {
		t.Fatalf("empty stream: %+v", res)
	}
	appendN(t, s, aggA, 3)
	appendN(t, s, aggB, 2)
	// An atomic batch of three events is chained like single appends.
	if _, err := s.Append(ctx, "group", aggA, head(t, s, aggA), []proto.Message{renamed("x"), renamed("y"), renamed("z")}, eventstore.Meta{}); err != nil {
		t.Fatal(err)
	}
	last, err := s.LastSequence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := verify(t, s)
	if !res.OK || len(res.Broken) != 0 || res.Events != 8 || res.Aggregates != 2 || res.LastSeq != last || last != 8 {
		t.Fatalf("clean stream: %+v (last sequence %d)", res, last)
	}
	stored, err := s.LoadStored(ctx, "group", aggA)
	if err != nil {
		t.Fatal(err)
	}
	if one := eventstore.VerifyChain(stored); !one.OK || one.Events != 6 || one.Aggregates != 1 {
		t.Fatalf("one aggregate: %+v", one)
	}
}

// TestVerifyFindsForgeries publishes forged messages straight to an
// aggregate's subject, past Append, and checks that Verify names the forged
// message and only it: later events chained from it are not reported again.
func TestVerifyFindsForgeries(t *testing.T) {
	envelope := func(t *testing.T, m eventstore.Stored) *v1.Envelope {
		env := &v1.Envelope{}
		if err := proto.Unmarshal(m.Data, env); err != nil {
			t.Fatal(err)
		}
		return env
	}
	marshal := func(t *testing.T, m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type want struct {
		reason          string
		expected, found []byte
	}
	cases := []struct {
		name string
		// forge makes the forged bytes from aggregate A's stored chain (3 events)
		// and says which broken links Verify must report at the forged message.
		forge func(t *testing.T, chain []eventstore.Stored) ([]byte, []want)
	}{
		{"altered copy of an earlier event", func(t *testing.T, chain []eventstore.Stored) ([]byte, []want) {
			env := envelope(t, chain[1])
			env.Payload = marshal(t, renamed("Forged name"))
			return marshal(t, env), []want{
				{reason: "version 2 follows version 3"},
				{reason: "prev_hash does not match", expected: eventstore.Hash(chain[2].Data), found: eventstore.Hash(chain[0].Data)},
			}
		}},
		{"wrong prev_hash", func(t *testing.T, chain []eventstore.Stored) ([]byte, []want) {
			env := envelope(t, chain[2])
			env.AggregateVersion, env.PrevHash = 4, eventstore.Hash([]byte("not the previous event"))
			return marshal(t, env), []want{{reason: "prev_hash does not match", expected: eventstore.Hash(chain[2].Data), found: env.PrevHash}}
		}},
		{"version gap", func(t *testing.T, chain []eventstore.Stored) ([]byte, []want) {
			env := envelope(t, chain[2])
			env.AggregateVersion, env.PrevHash = 5, eventstore.Hash(chain[2].Data)
			return marshal(t, env), []want{{reason: "version 5 follows version 3"}}
		}},
		{"another aggregate's event", func(t *testing.T, chain []eventstore.Stored) ([]byte, []want) {
			env := envelope(t, chain[2])
			env.AggregateId, env.AggregateVersion, env.PrevHash = aggB, 4, eventstore.Hash(chain[2].Data)
			return marshal(t, env), []want{{reason: "envelope names ohjaamo.group." + aggB + ", not its subject"}}
		}},
		{"not an envelope", func(t *testing.T, chain []eventstore.Stored) ([]byte, []want) {
			return []byte{0xff}, []want{{reason: "envelope does not decode"}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testenv.Store(t, "")
			ctx := context.Background()
			appendN(t, s, aggA, 3)
			appendN(t, s, aggB, 1)
			chain, err := s.LoadStored(ctx, "group", aggA)
			if err != nil || len(chain) != 3 {
				t.Fatalf("chain of A: %d events, %v", len(chain), err)
			}
			data, wants := tc.forge(t, chain)
			ack, err := s.JetStream().Publish(ctx, eventstore.Subject("group", aggA), data)
			if err != nil {
				t.Fatal(err)
			}
			forged := ack.Sequence
			// Life goes on after the forgery: B is untouched, and an event
			// written to A after it chains from it as Append would.
			appendN(t, s, aggB, 1)
			if env := (&v1.Envelope{}); proto.Unmarshal(data, env) == nil && env.GetAggregateId() == aggA {
				h := eventstore.Head{Seq: forged, Version: env.GetAggregateVersion(), Hash: eventstore.Hash(data)}
				if _, err := s.Append(ctx, "group", aggA, h, []proto.Message{renamed("after")}, eventstore.Meta{}); err != nil {
					t.Fatal(err)
				}
			}

			res := verify(t, s)
			if res.OK || res.Aggregates != 2 {
				t.Fatalf("forged stream verified: %+v", res)
			}
			if len(res.Broken) != len(wants) {
				t.Fatalf("%d broken links, want %d: %v", len(res.Broken), len(wants), res.Broken)
			}
			for i, w := range wants {
				l := res.Broken[i]
				if l.Seq != forged || l.Subject != eventstore.Subject("group", aggA) || !strings.Contains(l.Reason, w.reason) ||
					!bytes.Equal(l.Expected, w.expected) || !bytes.Equal(l.Found, w.found) {
					t.Errorf("link %d: %s\nwant seq %d: %q (expected %x, found %x)", i, l, forged, w.reason, w.expected, w.found)
				}
			}
			// The one-aggregate check agrees.
			stored, err := s.LoadStored(ctx, "group", aggA)
			if err != nil {
				t.Fatal(err)
			}
			if one := eventstore.VerifyChain(stored); one.OK || len(one.Broken) != len(wants) || one.Broken[0].Seq != forged {
				t.Fatalf("VerifyChain of A: %+v", one)
			}
		})
	}
}

// BenchmarkVerify measures Verify on a stream of 5000 events in 50 aggregates.
func BenchmarkVerify(b *testing.B) {
	s := testenv.Store(b, "")
	ctx := context.Background()
	for a := range 50 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", a)
		evs := make([]proto.Message, 100)
		for i := range evs {
			evs[i] = renamed(fmt.Sprintf("name %d with some length to it, as real events have", i))
		}
		if _, err := s.Append(ctx, "group", id, eventstore.Head{}, evs, eventstore.Meta{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		res, err := s.Verify(ctx)
		if err != nil || !res.OK || res.Events != 5000 {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/5000, "ns/event")
}
