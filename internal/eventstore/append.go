package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Head is where an aggregate stands: the stream sequence of its last event
// (0 = no events), its version (number of events) and the hash of its last event.
type Head struct {
	Seq     uint64
	Version uint64
	Hash    []byte
}

// Meta describes who asked for a command and why.
type Meta struct {
	RequestID     string // idempotency key; becomes Nats-Msg-Id
	Actor         string
	CorrelationID string
	CausationID   string
}

// AppendResult says where a command's events landed.
type AppendResult struct {
	FirstSeq, LastSeq uint64
	Head              Head
	// Replayed: the request id had been applied before; nothing new was written.
	Replayed bool
	Events   []*Event
}

// ConflictError is an optimistic-concurrency conflict: the aggregate moved
// past the version the command was decided on. errors.Is(err, domain.ErrConflict) holds.
type ConflictError struct {
	Subject  string
	Expected uint64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflict on %s: expected last sequence %d", e.Subject, e.Expected)
}

func (e *ConflictError) Unwrap() error { return domain.ErrConflict }

// JetStream error codes the store handles.
const (
	errWrongLastSeq      = 10071
	errWrongLastSeqR3    = 10164 // the same, on replicated streams
	errBatchIncomplete   = 10176
	errBatchDuplicateMsg = 10201
	maxEventsPerAppend   = 1000 // JetStream's atomic batch limit
)

// Append writes events to one aggregate, all or nothing, if the aggregate is
// still at head. A retry of the same meta.RequestID answers the first result.
func (s *Store) Append(ctx context.Context, aggType, id string, head Head, events []proto.Message, meta Meta) (AppendResult, error) {
	if len(events) == 0 {
		return AppendResult{}, errors.New("append: no events")
	}
	if len(events) > maxEventsPerAppend {
		return AppendResult{}, fmt.Errorf("append: %d events is more than one atomic batch holds", len(events))
	}
	if meta.RequestID == "" {
		meta.RequestID = uuid.NewString()
	}
	subject := Subject(aggType, id)
	msgs, stored, err := buildMessages(subject, aggType, id, head, events, meta)
	if err != nil {
		return AppendResult{}, err
	}
	var seq uint64
	var dup bool
	var code jetstream.ErrorCode
	if len(msgs) == 1 {
		ack, err := s.js.PublishMsg(ctx, msgs[0])
		var apiErr *jetstream.APIError
		switch {
		case errors.As(err, &apiErr):
			code = apiErr.ErrorCode
		case err != nil:
			return AppendResult{}, fmt.Errorf("publish %s: %w", subject, err)
		default:
			seq, dup = ack.Sequence, ack.Duplicate
		}
	} else {
		seq, code, err = s.publishBatch(ctx, msgs)
		if err != nil {
			return AppendResult{}, err
		}
	}
	switch {
	case code == errWrongLastSeq:
		return s.replayOrConflict(ctx, subject, head.Seq, meta.RequestID)
	case code == errWrongLastSeqR3:
		if err := s.awaitInFlight(ctx, subject, head.Seq); err != nil {
			return AppendResult{}, err
		}
		return s.replayOrConflict(ctx, subject, head.Seq, meta.RequestID)
	case code == errBatchDuplicateMsg:
		return s.replayOrConflict(ctx, subject, 0, meta.RequestID)
	case code != 0:
		return AppendResult{}, fmt.Errorf("publish %s: jetstream error %d", subject, code)
	case dup:
		return s.replayOrConflict(ctx, subject, 0, meta.RequestID)
	}
	first := seq - uint64(len(msgs)) + 1
	for i, ev := range stored {
		ev.Seq = first + uint64(i)
	}
	last := stored[len(stored)-1]
	return AppendResult{
		FirstSeq: first, LastSeq: seq, Events: stored,
		Head: Head{Seq: seq, Version: last.Envelope.GetAggregateVersion(), Hash: last.Hash},
	}, nil
}

func buildMessages(subject, aggType, id string, head Head, events []proto.Message, meta Meta) ([]*nats.Msg, []*Event, error) {
	now := timestamppb.New(time.Now().UTC())
	prev := head.Hash
	msgs := make([]*nats.Msg, 0, len(events))
	stored := make([]*Event, 0, len(events))
	for i, ev := range events {
		payload, err := proto.Marshal(ev)
		if err != nil {
			return nil, nil, fmt.Errorf("marshal %T: %w", ev, err)
		}
		typ := string(proto.MessageName(ev))
		env := &v1.Envelope{
			EventId: uuid.Must(uuid.NewV7()).String(), Type: typ, SchemaVersion: schemaVersion(typ),
			AggregateType: aggType, AggregateId: id, AggregateVersion: head.Version + uint64(i) + 1,
			Time: now, Actor: meta.Actor, CorrelationId: meta.CorrelationID, CausationId: meta.CausationID,
			RequestId: meta.RequestID, PrevHash: prev, Payload: payload,
		}
		data, err := proto.Marshal(env)
		if err != nil {
			return nil, nil, fmt.Errorf("marshal envelope: %w", err)
		}
		m := nats.NewMsg(subject)
		m.Data = data
		m.Header.Set(HeaderEventType, typ)
		m.Header.Set(HeaderRequestID, meta.RequestID)
		if i == 0 {
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(head.Seq, 10))
			m.Header.Set(jetstream.MsgIDHeader, subject+"/"+meta.RequestID)
		}
		prev = Hash(data)
		msgs = append(msgs, m)
		stored = append(stored, &Event{Subject: subject, Envelope: env, Payload: ev, Hash: prev})
	}
	return msgs, stored, nil
}

// publishBatch sends msgs as one JetStream atomic batch: all land or none.
//
// Only the leader of a replicated stream listens on its subjects. Right
// after the stream is made or its leader changes, the server this client is
// connected to may not know the leader's interest yet: the commit then has
// no responders, or reaches the leader after the earlier messages were
// dropped, and the batch is incomplete. Neither stores anything, so the
// batch is sent again under a new id, as jetstream.PublishMsg does with a
// message that had no responders.
func (s *Store) publishBatch(ctx context.Context, msgs []*nats.Msg) (uint64, jetstream.ErrorCode, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	for attempt := 0; ; attempt++ {
		seq, code, err := s.sendBatch(ctx, msgs)
		unheard := errors.Is(err, nats.ErrNoResponders) || code == errBatchIncomplete
		if !unheard || attempt == jetstream.DefaultPubRetryAttempts {
			return seq, code, err
		}
		t := time.NewTimer(jetstream.DefaultPubRetryWait)
		select {
		case <-ctx.Done():
			t.Stop()
			return seq, code, err
		case <-t.C:
		}
	}
}

// sendBatch sends msgs once as an atomic batch. nats.go has no batch
// publisher: every message carries the batch id and its sequence, and the
// last one, sent as a request, commits the batch; its reply is the ack of
// the whole batch.
func (s *Store) sendBatch(ctx context.Context, msgs []*nats.Msg) (uint64, jetstream.ErrorCode, error) {
	batchID := uuid.NewString()
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", batchID)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			if err := s.nc.PublishMsg(m); err != nil {
				return 0, 0, fmt.Errorf("publish batch %s: %w", batchID, err)
			}
			continue
		}
		m.Header.Set("Nats-Batch-Commit", "1")
	}
	reply, err := s.nc.RequestMsgWithContext(ctx, msgs[len(msgs)-1])
	if err != nil {
		return 0, 0, fmt.Errorf("commit batch %s: %w", batchID, err)
	}
	var ack struct {
		Error *jetstream.APIError `json:"error"`
		Seq   uint64              `json:"seq"`
	}
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, 0, fmt.Errorf("commit batch %s: reply: %w", batchID, err)
	}
	if ack.Error != nil {
		return 0, ack.Error.ErrorCode, nil
	}
	return ack.Seq, 0, nil
}

// inFlightWait bounds how long Append waits for the write that made a
// replicated stream refuse it to become readable. That write is normally
// stored within milliseconds; one that never is (its leader lost office)
// leaves a conflict that the caller's retry resolves.
const inFlightWait = 2 * time.Second

// awaitInFlight waits until subject has an event after sequence after, or
// inFlightWait passes. A replicated stream answers errWrongLastSeqR3 while
// another write of the subject is still being replicated, before the leader
// has stored it; reporting the conflict at once would let a caller that
// catches up see no change, decide again on the same head, and be refused
// again until it runs out of attempts.
func (s *Store) awaitInFlight(ctx context.Context, subject string, after uint64) error {
	deadline := time.Now().Add(inFlightWait)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		_, err := s.stream.GetMsg(ctx, after+1, jetstream.WithGetMsgSubject(subject))
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			return fmt.Errorf("await write in flight on %s: %w", subject, err)
		case time.Now().After(deadline):
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("await write in flight on %s: %w", subject, ctx.Err())
		case <-t.C:
		}
	}
}

// replayOrConflict looks, after a refused append, for the events an earlier
// attempt of the same request wrote: JetStream checks the expected sequence
// before its duplicate window, so a retry that lands after the first attempt
// is refused as stale rather than reported as a duplicate.
func (s *Store) replayOrConflict(ctx context.Context, subject string, after uint64, requestID string) (AppendResult, error) {
	evs, err := s.loadSubject(ctx, subject, after)
	if err != nil {
		return AppendResult{}, err
	}
	var res AppendResult
	for _, ev := range evs {
		if ev.Envelope.GetRequestId() != requestID {
			if res.Replayed {
				break
			}
			continue
		}
		if !res.Replayed {
			res.FirstSeq, res.Replayed = ev.Seq, true
		}
		res.LastSeq = ev.Seq
		res.Events = append(res.Events, ev)
	}
	if !res.Replayed {
		return AppendResult{}, &ConflictError{Subject: subject, Expected: after}
	}
	// Head is where the aggregate stands now, not after the original write.
	tail := evs[len(evs)-1]
	res.Head = Head{Seq: tail.Seq, Version: tail.Envelope.GetAggregateVersion(), Hash: tail.Hash}
	return res, nil
}

// Load reads one aggregate's events after stream sequence after (0 = all).
func (s *Store) Load(ctx context.Context, aggType, id string, after uint64) ([]*Event, error) {
	return s.loadSubject(ctx, Subject(aggType, id), after)
}

func (s *Store) loadSubject(ctx context.Context, subject string, after uint64) ([]*Event, error) {
	raw, err := s.loadRaw(ctx, subject, after)
	if err != nil {
		return nil, err
	}
	out := make([]*Event, 0, len(raw))
	for _, m := range raw {
		ev, err := Decode(m.Seq, m.Subject, m.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}
