package eventstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Stored is one message as the stream holds it: the bytes the hash chain is
// computed over.
type Stored struct {
	Seq     uint64
	Subject string
	Data    []byte
}

// BrokenLink is a place where an aggregate's chain does not hold.
type BrokenLink struct {
	Seq      uint64
	Subject  string
	Reason   string
	Expected []byte // hashes, when the link is a hash mismatch
	Found    []byte
}

func (l BrokenLink) String() string {
	s := fmt.Sprintf("%s seq %d: %s", l.Subject, l.Seq, l.Reason)
	if l.Expected != nil || l.Found != nil {
		s += fmt.Sprintf(" (expected %s, found %s)", hexOrNone(l.Expected), hexOrNone(l.Found))
	}
	return s
}

func hexOrNone(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	return hex.EncodeToString(b)
}

// VerifyResult is what a chain check found.
type VerifyResult struct {
	Events, Aggregates, LastSeq uint64
	// Broken lists the first maxBroken broken links in stream order; OK
	// is false when there was any, even past that limit.
	Broken []BrokenLink
	OK     bool
}

const maxBroken = 100

// chains checks messages in stream order against each subject's chain.
type chains struct {
	heads map[string]*chainHead
	res   VerifyResult
}

type chainHead struct {
	version uint64
	hash    []byte
}

func newChains() *chains {
	return &chains{heads: map[string]*chainHead{}, res: VerifyResult{OK: true}}
}

func (c *chains) broken(l BrokenLink) {
	c.res.OK = false
	if len(c.res.Broken) < maxBroken {
		c.res.Broken = append(c.res.Broken, l)
	}
}

// add checks one message against the chain of its subject. After a broken
// link the chain continues from the message that broke it, so one forged
// message is reported once, not again at every later event.
func (c *chains) add(m Stored) {
	c.res.Events++
	c.res.LastSeq = max(c.res.LastSeq, m.Seq)
	h, ok := c.heads[m.Subject]
	if !ok {
		h = &chainHead{}
		c.heads[m.Subject] = h
		c.res.Aggregates++
	}
	c.link(h, m)
	h.hash = Hash(m.Data)
}

func (c *chains) link(h *chainHead, m Stored) {
	env := &v1.Envelope{}
	if err := proto.Unmarshal(m.Data, env); err != nil {
		c.broken(BrokenLink{Seq: m.Seq, Subject: m.Subject, Reason: "envelope does not decode: " + err.Error()})
		return
	}
	if want := Subject(env.GetAggregateType(), env.GetAggregateId()); want != m.Subject {
		c.broken(BrokenLink{Seq: m.Seq, Subject: m.Subject, Reason: fmt.Sprintf("envelope names %s, not its subject", want)})
	}
	if v := env.GetAggregateVersion(); v != h.version+1 {
		c.broken(BrokenLink{Seq: m.Seq, Subject: m.Subject, Reason: fmt.Sprintf("version %d follows version %d", v, h.version)})
	}
	h.version = env.GetAggregateVersion()
	if !bytes.Equal(env.GetPrevHash(), h.hash) {
		c.broken(BrokenLink{Seq: m.Seq, Subject: m.Subject, Reason: "prev_hash does not match the previous event's hash",
			Expected: h.hash, Found: env.GetPrevHash()})
	}
}

// VerifyChain checks one aggregate's whole chain, given in stream order.
func VerifyChain(msgs []Stored) VerifyResult {
	c := newChains()
	for _, m := range msgs {
		c.add(m)
	}
	return c.res
}

// verifyBatch is how many messages a pull asks for at a time.
const verifyBatch = 1000

// Verify reads the whole stream in order, up to the last sequence when it
// starts, and recomputes every aggregate's hash chain.
func (s *Store) Verify(ctx context.Context) (VerifyResult, error) {
	last, err := s.LastSequence(ctx)
	if err != nil {
		return VerifyResult{}, err
	}
	c := newChains()
	if last == 0 {
		return c.res, nil
	}
	// An ordered consumer streams the messages in pipelined pulls (a GetMsg
	// per message would be a round trip each, about 7 times slower); the
	// server drops it once it has been idle for its inactive threshold.
	cons, err := s.js.OrderedConsumer(ctx, s.cfg.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{SubjectPrefix + ".>"}, DeliverPolicy: jetstream.DeliverAllPolicy, InactiveThreshold: 30 * time.Second})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify: ordered consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(verifyBatch))
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify: consume: %w", err)
	}
	defer it.Stop()
	// Next blocks without a context: stop the iterator when ctx ends.
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return VerifyResult{}, fmt.Errorf("verify: %w", ctx.Err())
			}
			return VerifyResult{}, fmt.Errorf("verify after sequence %d: %w", c.res.LastSeq, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return VerifyResult{}, fmt.Errorf("verify after sequence %d: %w", c.res.LastSeq, err)
		}
		c.add(Stored{Seq: md.Sequence.Stream, Subject: m.Subject(), Data: m.Data()})
		if md.Sequence.Stream >= last {
			return c.res, nil
		}
	}
}

// LoadStored reads one aggregate's messages as stored, without decoding
// them, so that a message that no longer decodes can still be shown.
func (s *Store) LoadStored(ctx context.Context, aggType, id string) ([]Stored, error) {
	return s.loadRaw(ctx, Subject(aggType, id), 0)
}

// loadRaw reads a subject's stored messages after stream sequence after.
func (s *Store) loadRaw(ctx context.Context, subject string, after uint64) ([]Stored, error) {
	var out []Stored
	for seq := after + 1; ; {
		raw, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load %s from %d: %w", subject, seq, err)
		}
		out = append(out, Stored{Seq: raw.Sequence, Subject: raw.Subject, Data: raw.Data})
		seq = raw.Sequence + 1
	}
}
