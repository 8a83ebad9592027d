package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// auditService implements ohjaamov1connect.AuditServiceHandler: chain
// verification, aggregate history and evidence packs, read from the stream
// itself rather than the read models, so they show what is stored.
type auditService struct {
	*Server
}

func (s auditService) VerifyChains(ctx context.Context, _ *connect.Request[v1.VerifyChainsRequest]) (*connect.Response[v1.VerifyChainsResponse], error) {
	res, err := s.store.Verify(ctx)
	if err != nil {
		return nil, err
	}
	out := &v1.VerifyChainsResponse{Events: res.Events, Aggregates: res.Aggregates, LastSequence: res.LastSeq, Ok: res.OK}
	for _, l := range res.Broken {
		out.Broken = append(out.Broken, &v1.BrokenLink{Sequence: l.Seq, Subject: l.Subject, Reason: l.Reason,
			ExpectedHex: hex.EncodeToString(l.Expected), FoundHex: hex.EncodeToString(l.Found)})
	}
	if len(out.Broken) > 0 {
		out.FirstBroken = out.Broken[0]
	}
	return connect.NewResponse(out), nil
}

// historyTypes are the aggregate types an auditor may ask the history of.
var historyTypes = []string{domain.AggregateGroup, domain.AggregateMeetings, domain.AggregateVoice, domain.AggregateSubscription,
	domain.AggregateFeed, domain.AggregateWebhook, domain.AggregateDigest, domain.AggregateUser, domain.AggregatePerson}

func (s auditService) GetHistory(ctx context.Context, req *connect.Request[v1.GetHistoryRequest]) (*connect.Response[v1.GetHistoryResponse], error) {
	typ, id := req.Msg.GetAggregateType(), req.Msg.GetAggregateId()
	if !slices.Contains(historyTypes, typ) {
		list := strings.Join(historyTypes, ", ")
		return nil, domain.Invalid("aggregate_type", "must be one of "+list, "pitää olla jokin näistä: "+list)
	}
	msgs, err := s.aggregate(ctx, typ, id, "aggregate_id")
	if err != nil {
		return nil, err
	}
	out := &v1.GetHistoryResponse{ChainOk: eventstore.VerifyChain(msgs).OK}
	for _, m := range msgs {
		e := readStored(m)
		env := e.env
		out.Events = append(out.Events, &v1.HistoryEvent{Sequence: m.Seq, Version: env.GetAggregateVersion(), EventId: env.GetEventId(),
			Type: env.GetType(), Time: eventTime(env), Actor: env.GetActor(), RequestId: env.GetRequestId(),
			CorrelationId: env.GetCorrelationId(), CausationId: env.GetCausationId(), HashHex: hex.EncodeToString(eventstore.Hash(m.Data)),
			PrevHashHex: hex.EncodeToString(env.GetPrevHash()), PayloadJson: string(e.payload)})
	}
	return connect.NewResponse(out), nil
}

// aggregate reads one aggregate's stored messages; NotFound (naming
// idField) when it has none.
func (s auditService) aggregate(ctx context.Context, typ, id, idField string) ([]eventstore.Stored, error) {
	if err := domain.RequireID(idField, id); err != nil {
		return nil, err
	}
	msgs, err := s.store.LoadStored(ctx, typ, id)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: idField, Message: "no events are stored under this id",
			MessageFI: "tällä tunnisteella ei ole tallennettu tapahtumia"}
	}
	return msgs, nil
}

// storedEvent is a stored message read for people, as far as it decodes.
type storedEvent struct {
	env     *v1.Envelope // nil when the bytes are not an envelope
	payload []byte       // protobuf JSON; nil when the payload does not decode
}

func readStored(m eventstore.Stored) storedEvent {
	ev, err := eventstore.Decode(m.Seq, m.Subject, m.Data)
	if err != nil {
		// A forged or unknown event is still shown with what its envelope says.
		env := &v1.Envelope{}
		if proto.Unmarshal(m.Data, env) != nil {
			env = nil
		}
		return storedEvent{env: env}
	}
	payload, err := protojson.Marshal(ev.Payload)
	if err != nil {
		return storedEvent{env: ev.Envelope}
	}
	return storedEvent{env: ev.Envelope, payload: payload}
}

func eventTime(env *v1.Envelope) string {
	if env.GetTime() == nil {
		return ""
	}
	return env.GetTime().AsTime().In(finland).Format(time.RFC3339)
}

// The evidence pack: one self-contained JSON file an auditor can check
// without the service. Every included aggregate is there whole, from its
// first event, since a chain cannot be checked from the middle.

const packFormat = "ohjaamo-evidence/1"

type evidencePack struct {
	Format             string           `json:"format"`
	GeneratedAt        string           `json:"generated_at"`
	Purpose            string           `json:"purpose"`
	VoiceID            string           `json:"voice_id,omitempty"`
	GroupID            string           `json:"group_id,omitempty"`
	ItemID             string           `json:"item_id,omitempty"`
	HowToCheck         string           `json:"how_to_check"`
	Stream             string           `json:"stream"`
	StreamVerification packVerification `json:"stream_verification"`
	Aggregates         []packAggregate  `json:"aggregates"`
}

type packAggregate struct {
	Type         string           `json:"type"`
	ID           string           `json:"id"`
	Subject      string           `json:"subject"`
	Verification packVerification `json:"verification"`
	Events       []packEvent      `json:"events"`
}

type packEvent struct {
	Sequence      uint64          `json:"sequence"`
	Version       uint64          `json:"version"`
	EventID       string          `json:"event_id"`
	Type          string          `json:"type"`
	Time          string          `json:"time"`
	Actor         string          `json:"actor"`
	RequestID     string          `json:"request_id"`
	CorrelationID string          `json:"correlation_id"`
	Hash          string          `json:"hash"`
	PrevHash      string          `json:"prev_hash"`
	Relevant      bool            `json:"relevant"`
	Stored        []byte          `json:"stored"` // base64
	Payload       json.RawMessage `json:"payload"`
}

type packVerification struct {
	OK           bool       `json:"ok"`
	Events       uint64     `json:"events"`
	Aggregates   uint64     `json:"aggregates"`
	LastSequence uint64     `json:"last_sequence"`
	Broken       []packLink `json:"broken,omitempty"`
}

type packLink struct {
	Sequence uint64 `json:"sequence"`
	Subject  string `json:"subject"`
	Reason   string `json:"reason"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
}

const howToCheck = "Every event's stored bytes (base64) are a protobuf ohjaamo.v1.Envelope as kept in the NATS JetStream stream. " +
	"SHA-256 of the stored bytes is the event's hash; the envelope's prev_hash (field 12) is the hash of the previous event of the same " +
	"aggregate (none for version 1), and its aggregate_version (field 6) counts 1, 2, 3... Run `ohjaamo audit check-pack FILE` to check it all."

func packVerify(r eventstore.VerifyResult) packVerification {
	out := packVerification{OK: r.OK, Events: r.Events, Aggregates: r.Aggregates, LastSequence: r.LastSeq}
	for _, l := range r.Broken {
		out.Broken = append(out.Broken, packLink{Sequence: l.Seq, Subject: l.Subject, Reason: l.Reason,
			Expected: hex.EncodeToString(l.Expected), Found: hex.EncodeToString(l.Found)})
	}
	return out
}

// relevance says which events concern the pack's subject: those whose
// payload names one of ids. A responsibility given on such an event joins
// ids, so its reassignment, waiver or completion counts too.
type relevance map[string]bool

func (r relevance) mark(payload []byte) bool {
	hit := false
	for id := range r {
		if id != "" && strings.Contains(string(payload), id) {
			hit = true
			break
		}
	}
	var resp struct {
		ResponsibilityID string `json:"responsibilityId"`
	}
	if hit && json.Unmarshal(payload, &resp) == nil && resp.ResponsibilityID != "" {
		r[resp.ResponsibilityID] = true
	}
	return hit
}

func (s auditService) ExportEvidence(ctx context.Context, req *connect.Request[v1.ExportEvidenceRequest]) (*connect.Response[v1.ExportEvidenceResponse], error) {
	m := req.Msg
	pack := evidencePack{Format: packFormat, GeneratedAt: time.Now().In(finland).Format(time.RFC3339), HowToCheck: howToCheck,
		Stream: s.store.StreamName(), VoiceID: m.GetVoiceId(), GroupID: m.GetGroupId(), ItemID: m.GetItemId()}
	type ref struct{ typ, id string }
	var refs []ref
	ids := relevance{}
	var filename string
	switch {
	case m.GetVoiceId() != "" && (m.GetGroupId() != "" || m.GetItemId() != ""):
		return nil, domain.Invalid("voice_id", "give a family voice, or a group and an item, not both", "anna joko perheiden ääni tai ryhmä ja asia, ei molempia")
	case m.GetVoiceId() != "":
		id := m.GetVoiceId()
		if _, err := s.aggregate(ctx, domain.AggregateVoice, id, "voice_id"); err != nil {
			return nil, err
		}
		// The trace comes from the read model: let it reach the stream's end.
		last, err := s.store.LastSequence(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.waitRead(ctx, last); err != nil {
			return nil, err
		}
		tr, ok, err := s.rt.Trace(ctx, id, today())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &domain.Error{Code: domain.CodeNotFound, Field: "voice_id", Message: "no such family voice", MessageFI: "perheiden ääntä ei ole kirjattu"}
		}
		refs = append(refs, ref{domain.AggregateVoice, id})
		ids[id] = true
		seen := map[string]bool{}
		for _, h := range tr.GetHops() {
			ids[h.GetItemId()] = true
			if !seen[h.GetGroupId()] {
				seen[h.GetGroupId()] = true
				refs = append(refs, ref{domain.AggregateMeetings, h.GetGroupId()})
			}
		}
		pack.Purpose = fmt.Sprintf("Evidence of family voice %s: its record and the meetings of every group whose agenda carried it (%d items).",
			id, len(tr.GetHops()))
		filename = "evidence-voice-" + id + ".json"
	default:
		if err := domain.RequireID("group_id", m.GetGroupId()); err != nil {
			return nil, err
		}
		if err := domain.RequireID("item_id", m.GetItemId()); err != nil {
			return nil, err
		}
		// The item is looked for in the stored events below, not in the
		// aggregate's state: a pack must be possible when an event was forged.
		refs = append(refs, ref{domain.AggregateMeetings, m.GetGroupId()})
		ids[m.GetItemId()] = true
		pack.Purpose = fmt.Sprintf("Evidence of item %s of group %s and its decision: the group's meetings, decisions and responsibilities.",
			m.GetItemId(), m.GetGroupId())
		filename = "evidence-decision-" + m.GetItemId() + ".json"
	}
	relevant := 0
	for _, r := range refs {
		msgs, err := s.store.LoadStored(ctx, r.typ, r.id)
		if err != nil {
			return nil, err
		}
		if len(msgs) == 0 && m.GetVoiceId() == "" {
			return nil, &domain.Error{Code: domain.CodeNotFound, Field: "group_id", Message: "the group has no meetings", MessageFI: "ryhmällä ei ole kokouksia"}
		}
		agg := packAggregate{Type: r.typ, ID: r.id, Subject: eventstore.Subject(r.typ, r.id), Verification: packVerify(eventstore.VerifyChain(msgs))}
		for _, msg := range msgs {
			e := readStored(msg)
			env := e.env
			ev := packEvent{Sequence: msg.Seq, Version: env.GetAggregateVersion(), EventID: env.GetEventId(), Type: env.GetType(),
				Time: eventTime(env), Actor: env.GetActor(), RequestID: env.GetRequestId(), CorrelationID: env.GetCorrelationId(),
				Hash: hex.EncodeToString(eventstore.Hash(msg.Data)), PrevHash: hex.EncodeToString(env.GetPrevHash()),
				Relevant: r.typ == domain.AggregateVoice || ids.mark(e.payload), Stored: msg.Data, Payload: e.payload}
			if ev.Relevant {
				relevant++
			}
			agg.Events = append(agg.Events, ev)
		}
		pack.Aggregates = append(pack.Aggregates, agg)
	}
	if relevant == 0 {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "item_id", Message: "no such item in this group", MessageFI: "ryhmällä ei ole tätä asiaa"}
	}
	all, err := s.store.Verify(ctx)
	if err != nil {
		return nil, err
	}
	pack.StreamVerification = packVerify(all)
	content, err := json.MarshalIndent(pack, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("evidence pack: %w", err)
	}
	return connect.NewResponse(&v1.ExportEvidenceResponse{Filename: filename, Content: append(content, '\n')}), nil
}

// PackCheck is what checking an evidence pack offline found.
type PackCheck struct {
	Aggregates, Events, Relevant int
	// StreamOK is the whole-stream verification the server recorded in the pack.
	StreamOK bool
	// Problems says what does not hold; none when the pack is intact.
	Problems []string
}

// CheckEvidencePack checks an evidence pack without the service: every
// event's listed hash is the SHA-256 of its stored bytes, each chain runs
// from version 1 with every prev_hash the hash of the event before, and
// what the pack lists beside the bytes (event id, version, type, time, actor,
// request, payload) is what the bytes say. An error means the file is not a pack.
func CheckEvidencePack(data []byte) (PackCheck, error) {
	var p evidencePack
	if err := json.Unmarshal(data, &p); err != nil {
		return PackCheck{}, fmt.Errorf("not an evidence pack: %w", err)
	}
	if p.Format != packFormat {
		return PackCheck{}, fmt.Errorf("not an evidence pack: format %q, want %q", p.Format, packFormat)
	}
	c := PackCheck{StreamOK: p.StreamVerification.OK}
	problem := func(format string, a ...any) { c.Problems = append(c.Problems, fmt.Sprintf(format, a...)) }
	if len(p.Aggregates) == 0 {
		problem("the pack holds no events")
	}
	for _, a := range p.Aggregates {
		c.Aggregates++
		if want := eventstore.Subject(a.Type, a.ID); a.Subject != want {
			problem("%s: listed as the subject of %s", a.Subject, want)
		}
		msgs := make([]eventstore.Stored, 0, len(a.Events))
		for _, e := range a.Events {
			c.Events++
			if e.Relevant {
				c.Relevant++
			}
			where := fmt.Sprintf("%s seq %d", a.Subject, e.Sequence)
			if got := hex.EncodeToString(eventstore.Hash(e.Stored)); got != e.Hash {
				problem("%s: the stored bytes hash to %s, the pack lists %s", where, got, e.Hash)
			}
			msgs = append(msgs, eventstore.Stored{Seq: e.Sequence, Subject: a.Subject, Data: e.Stored})
			for _, d := range listedDiffers(e, readStored(eventstore.Stored{Seq: e.Sequence, Subject: a.Subject, Data: e.Stored})) {
				problem("%s: %s", where, d)
			}
		}
		if len(msgs) == 0 {
			problem("%s: no events", a.Subject)
		}
		for _, l := range eventstore.VerifyChain(msgs).Broken {
			problem("%s", l)
		}
	}
	return c, nil
}

// listedDiffers names the fields a pack lists differently from what the
// stored bytes say.
func listedDiffers(e packEvent, st storedEvent) []string {
	env := st.env
	if env == nil {
		return []string{"the stored bytes are not an event envelope"}
	}
	var out []string
	for _, f := range []struct{ name, listed, stored string }{
		{"event_id", e.EventID, env.GetEventId()},
		{"type", e.Type, env.GetType()},
		{"version", fmt.Sprint(e.Version), fmt.Sprint(env.GetAggregateVersion())},
		{"time", e.Time, eventTime(env)},
		{"actor", e.Actor, env.GetActor()},
		{"request_id", e.RequestID, env.GetRequestId()},
		{"correlation_id", e.CorrelationID, env.GetCorrelationId()},
		{"prev_hash", e.PrevHash, hex.EncodeToString(env.GetPrevHash())},
	} {
		if f.listed != f.stored {
			out = append(out, fmt.Sprintf("%s listed as %q, stored as %q", f.name, f.listed, f.stored))
		}
	}
	if st.payload == nil {
		return append(out, "the stored payload cannot be read, so the listed payload cannot be checked")
	}
	if !sameJSON(e.Payload, st.payload) {
		out = append(out, "the listed payload is not the stored payload")
	}
	return out
}

// sameJSON compares two JSON texts by value: protobuf JSON output varies in
// its spacing.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
