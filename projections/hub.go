package projections

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// DecisionHub is the in-memory read model behind WatchDecisions: every
// decision and correction in the stream, in stream order, with the group
// network and the subscriptions they are matched against. It reads the
// whole stream with its own ordered consumer (about 30 000 events a second,
// so a restart replays a year of a county's network in well under a
// second) and fans each new decision out to the watchers it matches.
// Keeping every notice in memory is what makes resuming from any cursor
// exact: the backlog and the live notices are cut at one position under one lock.
type DecisionHub struct {
	store *eventstore.Store
	log   *slog.Logger

	mu       sync.RWMutex
	groups   domain.Network
	meetings map[string]*domain.Meetings
	subs     map[string]*domain.Subscription
	feeds    map[[32]byte]*domain.FeedToken // by the SHA-256 of the secret
	tokens   map[string]*domain.FeedToken   // by id
	// revisions counts each meeting's reschedules and cancellation: its
	// iCalendar SEQUENCE.
	revisions map[string]uint32
	// forgotten people, whose plaintext names from old events are not shown.
	forgotten map[string]bool
	notices   []*Notice
	pos       uint64
	watchers  map[*watcher]struct{}
	closed    bool

	cancel context.CancelFunc
	done   chan struct{}
}

// Notice is one decision or correction as watchers receive it.
type Notice struct {
	Seq      uint64
	Msg      *v1.DecisionNotice
	Facts    domain.DecisionFacts
	Recorded time.Time
	// Openness is the item's: an internal or secret item's decision goes
	// only to watchers whose Viewer sees it.
	Openness v1.Openness
}

// Public tells whether anyone may see the notice.
func (n *Notice) Public() bool { return Viewer{}.Sees(n.Facts.GroupID, n.Openness) }

// WatchSpec is what a watcher wants: a saved subscription, or a filter for a person.
type WatchSpec struct {
	SubscriptionID string
	Filter         *v1.SubscriptionFilter
	PersonID       string
	// Viewer is who watches: they get the decisions they may see (the zero
	// Viewer: public ones only).
	Viewer Viewer
}

type watcher struct {
	spec WatchSpec
	// after is the watcher's cursor when it registered: the hub may still be
	// replaying the stream after a restart, and what it replays up to the
	// cursor the watcher has had already.
	after    uint64
	ch       chan *Notice
	overflow bool
	gone     bool // its subscription was deleted
}

// watcherBuffer bounds how far a watcher may fall behind before it is cut
// off (it then resumes from its cursor).
const watcherBuffer = 4096

// ErrWatcherBehind ends a watch whose client read too slowly; it resumes from its cursor.
var ErrWatcherBehind = errors.New("the watcher fell too far behind; resume from the last cursor")

// ErrSubscriptionGone ends a watch of a subscription that was deleted.
var ErrSubscriptionGone = errors.New("the subscription was deleted")

// ErrHubClosed ends every watch when the server stops.
var ErrHubClosed = errors.New("the server is stopping; resume from the last cursor")

// StartDecisionHub replays the stream into memory and keeps following it until Close.
func StartDecisionHub(ctx context.Context, store *eventstore.Store, log *slog.Logger) (*DecisionHub, error) {
	h := &DecisionHub{store: store, log: log, groups: domain.Network{}, meetings: map[string]*domain.Meetings{},
		subs: map[string]*domain.Subscription{}, feeds: map[[32]byte]*domain.FeedToken{}, tokens: map[string]*domain.FeedToken{},
		revisions: map[string]uint32{}, forgotten: map[string]bool{}, watchers: map[*watcher]struct{}{}, done: make(chan struct{})}
	ctx, h.cancel = context.WithCancel(ctx)
	cons, err := store.OrderedConsumer(ctx, 1)
	if err != nil {
		h.cancel()
		return nil, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(batchSize))
	if err != nil {
		h.cancel()
		return nil, err
	}
	go func() {
		defer close(h.done)
		defer it.Stop()
		go func() { <-ctx.Done(); it.Stop() }()
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() == nil {
					h.log.Error("decision hub stopped reading the stream", "err", err)
				}
				return
			}
			h.apply(m)
		}
	}()
	return h, nil
}

// Close stops following the stream and ends every watch.
func (h *DecisionHub) Close() {
	h.cancel()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for w := range h.watchers {
		close(w.ch)
		delete(h.watchers, w)
	}
}

// Position is the last stream sequence the hub has applied.
func (h *DecisionHub) Position() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.pos
}

// WaitFor waits until the hub has applied stream position pos, or ctx
// ends, or timeout passes (then it answers false). After a restart the hub
// replays the stream, so a read of it waits here for the position it must
// reflect, like a read of the SQLite models waits for min_position.
func (h *DecisionHub) WaitFor(ctx context.Context, pos uint64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		if h.Position() >= pos {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

func (h *DecisionHub) apply(m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		h.log.Error("decision hub: message metadata", "err", err)
		return
	}
	seq := meta.Sequence.Stream
	ev, err := eventstore.Decode(seq, m.Subject(), m.Data())
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pos = max(h.pos, seq)
	if err != nil {
		h.log.Warn("decision hub: undecodable event skipped", "seq", seq, "err", err)
		return
	}
	id := ev.Envelope.GetAggregateId()
	switch ev.Envelope.GetAggregateType() {
	case domain.AggregateGroup:
		g, ok := h.groups[id]
		if !ok {
			g = domain.NewGroup(id)
			h.groups[id] = g
		}
		err = g.Apply(ev.Payload)
	case domain.AggregateSubscription:
		s, ok := h.subs[id]
		if !ok {
			s = domain.NewSubscription(id)
			h.subs[id] = s
		}
		if err = s.Apply(ev.Payload); err == nil && s.Deleted {
			for w := range h.watchers {
				if w.spec.SubscriptionID == id {
					w.gone = true
					close(w.ch)
					delete(h.watchers, w)
				}
			}
		}
	case domain.AggregatePerson:
		if _, ok := ev.Payload.(*v1.PersonForgotten); ok {
			h.forgotten[id] = true
		}
	case domain.AggregateFeed:
		t, ok := h.tokens[id]
		if !ok {
			t = domain.NewFeedToken(id)
			h.tokens[id] = t
		}
		if err = t.Apply(ev.Payload); err == nil && t.Issued != nil {
			h.feeds[[32]byte(t.Issued.GetSecretSha256())] = t
		}
	case domain.AggregateMeetings:
		ms, ok := h.meetings[id]
		if !ok {
			ms = domain.NewMeetings(id)
			h.meetings[id] = ms
		}
		if err = ms.Apply(ev.Payload); err == nil {
			h.notice(ev, ms)
		}
		switch e := ev.Payload.(type) {
		case *v1.MeetingRescheduled:
			h.revisions[e.GetMeetingId()]++
		case *v1.MeetingCancelled:
			h.revisions[e.GetMeetingId()]++
		}
	}
	if err != nil {
		h.log.Warn("decision hub: event not applied", "seq", seq, "subject", ev.Subject, "err", err)
	}
}

// notice records a decision or correction and sends it to the watchers it
// matches. The caller holds h.mu.
func (h *DecisionHub) notice(ev *eventstore.Event, ms *domain.Meetings) {
	var itemID, reason string
	correction := false
	switch e := ev.Payload.(type) {
	case *v1.DecisionRecorded:
		itemID = e.GetItemId()
	case *v1.DecisionCorrected:
		itemID, reason, correction = e.GetItemId(), e.GetReason(), true
	default:
		return
	}
	it, ok := ms.Item(itemID)
	if !ok || it.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
		return // the procedural items are no news
	}
	mt, _ := ms.Meeting(it.MeetingID)
	msg := &v1.DecisionNotice{GroupId: ms.GroupID, MeetingId: it.MeetingID, ItemId: it.ID, Title: it.Item.GetTitle(), Section: it.Section,
		Decision: it.Decision, Correction: correction, CorrectionReason: reason,
		RecordedAt: ev.Envelope.GetTime().AsTime().UTC().Format(time.RFC3339)}
	if mt != nil {
		msg.HeldOn, msg.Year = mt.HeldOn(), uint32(mt.Year())
	}
	if g, ok := h.groups[ms.GroupID]; ok {
		msg.GroupName, msg.Level = g.Name.GetFi(), g.Level
	}
	n := &Notice{Seq: ev.Seq, Msg: msg, Recorded: ev.Envelope.GetTime().AsTime(),
		Facts:    domain.DecisionFacts{GroupID: ms.GroupID, Affects: it.Decision.GetAffects(), Tags: it.Item.GetTags()},
		Openness: it.Item.GetOpenness()}
	// Who it affects, once, as the network stands when it is recorded:
	// readers match under a read lock and must not write.
	n.Facts.Affected = domain.Affected(n.Facts.Affects, h.groups)
	h.notices = append(h.notices, n)
	for w := range h.watchers {
		if n.Seq <= w.after || !h.matches(w.spec, n) {
			continue
		}
		select {
		case w.ch <- n:
		default:
			w.overflow = true
			close(w.ch)
			delete(h.watchers, w)
		}
	}
}

// matches tells whether notice n is for spec. The caller holds h.mu.
func (h *DecisionHub) matches(spec WatchSpec, n *Notice) bool {
	if !spec.Viewer.Sees(n.Facts.GroupID, n.Openness) {
		return false
	}
	f, person := spec.Filter, spec.PersonID
	if spec.SubscriptionID != "" {
		s, ok := h.subs[spec.SubscriptionID]
		if !ok || !s.Exists() || s.Paused {
			return false
		}
		f, person = s.Filter, s.PersonID
	}
	return domain.Matches(f, person, n.Facts, h.groups)
}

// Watch sends spec's notices after stream position after (or, with after
// 0 and since set, those recorded since then), then caughtUp, then every
// new one as it comes, until ctx ends, the hub closes (ErrHubClosed) or
// the watcher falls behind (ErrWatcherBehind). Nothing is sent twice or
// skipped: the backlog and the live notices are cut at one position.
func (h *DecisionHub) Watch(ctx context.Context, spec WatchSpec, after uint64, since time.Time, send func(*Notice) error, caughtUp func(cursor uint64) error) error {
	w := &watcher{spec: spec, ch: make(chan *Notice, watcherBuffer)}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrHubClosed
	}
	start := sort.Search(len(h.notices), func(i int) bool { return h.notices[i].Seq > after })
	var backlog []*Notice
	for _, n := range h.notices[start:] {
		if (after > 0 || !n.Recorded.Before(since)) && h.matches(spec, n) {
			backlog = append(backlog, n)
		}
	}
	cursor := max(after, h.pos)
	w.after = cursor
	h.watchers[w] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.watchers, w)
		h.mu.Unlock()
	}()
	for _, n := range backlog {
		if err := send(n); err != nil {
			return err
		}
	}
	if err := caughtUp(cursor); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case n, ok := <-w.ch:
			if !ok {
				h.mu.RLock()
				behind, gone := w.overflow, w.gone
				h.mu.RUnlock()
				switch {
				case behind:
					return ErrWatcherBehind
				case gone:
					return ErrSubscriptionGone
				}
				return ErrHubClosed
			}
			if err := send(n); err != nil {
				return err
			}
		}
	}
}

// AffectedBy resolves who the decision on itemID of groupID affects, as
// of the hub's position, and the item's openness (for the caller to check);
// ok is false when there is no such decided item. The API opens each
// person's sealed name and sorts them.
func (h *DecisionHub) AffectedBy(groupID, itemID string) (people []Person, reasons map[string][]string, openness v1.Openness, ok bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ms, found := h.meetings[groupID]
	if !found {
		return nil, nil, 0, false
	}
	it, found := ms.Item(itemID)
	if !found || it.Decision == nil {
		return nil, nil, 0, false
	}
	all := h.people(false)
	reasons = domain.Affected(it.Decision.GetAffects(), h.groups)
	for person := range reasons {
		p, ok := all[person]
		if !ok {
			p = &Person{ID: person}
		}
		people = append(people, *p)
	}
	sort.Slice(people, func(i, j int) bool { return people[i].ID < people[j].ID })
	return people, reasons, it.Item.GetOpenness(), true
}

// Feed is what a feed address shows: the token and, for a group, its name.
type Feed struct {
	Token     *v1.FeedTokenIssued
	GroupName string
	// SubscriptionName for a subscription's feed.
	SubscriptionName string
}

// PublicFeed is the feed anyone may read of a group: its public decisions
// (read it with the zero Viewer) or its meetings.
func (h *DecisionHub) PublicFeed(groupID string, kind v1.FeedKind) (Feed, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	g, ok := h.groups[groupID]
	if !ok || !g.Created {
		return Feed{}, false
	}
	return Feed{Token: &v1.FeedTokenIssued{GroupId: groupID, Kind: kind}, GroupName: g.Name.GetFi()}, true
}

// FeedBySecret finds the live feed whose secret hashes to sum.
func (h *DecisionHub) FeedBySecret(sum [32]byte) (Feed, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	t, ok := h.feeds[sum]
	if !ok || t.Revoked {
		return Feed{}, false
	}
	f := Feed{Token: t.Issued}
	if g, ok := h.groups[t.Issued.GetGroupId()]; ok {
		f.GroupName = g.Name.GetFi()
	}
	if s, ok := h.subs[t.Issued.GetSubscriptionId()]; ok {
		if !s.Exists() {
			return Feed{}, false // a deleted subscription's feed ends with it
		}
		f.SubscriptionName = s.Name
	}
	return f, true
}

// Recent lists, newest first, at most limit decisions of a feed that v
// may see: a group's own, or those a subscription matches (none while it
// is paused).
func (h *DecisionHub) Recent(f Feed, v Viewer, limit int) []*Notice {
	h.mu.RLock()
	defer h.mu.RUnlock()
	spec := WatchSpec{SubscriptionID: f.Token.GetSubscriptionId(), Viewer: v}
	if spec.SubscriptionID == "" {
		spec.Filter = &v1.SubscriptionFilter{GroupId: f.Token.GetGroupId()}
	}
	var out []*Notice
	for i := len(h.notices) - 1; i >= 0 && len(out) < limit; i-- {
		if n := h.notices[i]; h.matches(spec, n) {
			out = append(out, n)
		}
	}
	return out
}

// CalendarMeeting is one meeting of a group's calendar feed.
type CalendarMeeting struct {
	*domain.Meeting
	// Sequence is the iCalendar SEQUENCE: how many times it was rescheduled or cancelled.
	Sequence uint32
}

// Meetings lists a group's meetings for its calendar feed.
func (h *DecisionHub) Meetings(groupID string) []CalendarMeeting {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ms, ok := h.meetings[groupID]
	if !ok {
		return nil
	}
	var out []CalendarMeeting
	for _, m := range ms.MeetingList() {
		out = append(out, CalendarMeeting{Meeting: m, Sequence: h.revisions[m.ID]})
	}
	return out
}

// WebhookTarget is a subscription whose webhook a notice goes to.
type WebhookTarget struct {
	SubscriptionID, URL, Secret string
	// PersonID owns the subscription: a notice goes to the webhook only if
	// they may see it when it is delivered.
	PersonID string
}

// NoticeAt finds the notice recorded at stream position seq.
func (h *DecisionHub) NoticeAt(seq uint64) (*Notice, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	i := sort.Search(len(h.notices), func(i int) bool { return h.notices[i].Seq >= seq })
	if i == len(h.notices) || h.notices[i].Seq != seq {
		return nil, false
	}
	return h.notices[i], true
}

// WebhookTargets lists the subscriptions with a webhook that the notice at
// seq matches, by subscription id, whoever may see it: the caller checks
// each owner's Viewer (which the hub does not know).
func (h *DecisionHub) WebhookTargets(seq uint64) []WebhookTarget {
	n, ok := h.NoticeAt(seq)
	if !ok {
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []WebhookTarget
	for id, s := range h.subs {
		if s.WebhookURL != "" && h.matches(WatchSpec{SubscriptionID: id, Viewer: everything}, n) {
			out = append(out, WebhookTarget{SubscriptionID: id, URL: s.WebhookURL, Secret: s.WebhookSecret, PersonID: s.PersonID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SubscriptionID < out[j].SubscriptionID })
	return out
}

// Webhook is a subscription's current webhook; ok is false when the
// subscription is gone, paused or has none.
func (h *DecisionHub) Webhook(subscriptionID string) (WebhookTarget, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s, ok := h.subs[subscriptionID]
	if !ok || !s.Exists() || s.Paused || s.WebhookURL == "" {
		return WebhookTarget{}, false
	}
	return WebhookTarget{SubscriptionID: subscriptionID, URL: s.WebhookURL, Secret: s.WebhookSecret, PersonID: s.PersonID}, true
}

// DigestNotices lists the decisions that personID, seeing with v, may see,
// recorded from from (inclusive) to to (exclusive), that affect them or
// match one of their active subscriptions, oldest first.
func (h *DecisionHub) DigestNotices(personID string, v Viewer, from, to time.Time) []*Notice {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var specs []WatchSpec
	for id, s := range h.subs {
		if s.PersonID == personID {
			specs = append(specs, WatchSpec{SubscriptionID: id, Viewer: v})
		}
	}
	specs = append(specs, WatchSpec{Filter: &v1.SubscriptionFilter{AffectsMe: true}, PersonID: personID, Viewer: v})
	var out []*Notice
	for _, n := range h.notices {
		if n.Recorded.Before(from) || !n.Recorded.Before(to) {
			continue
		}
		for _, spec := range specs {
			if h.matches(spec, n) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// Person is someone with a seat in the network, as the digest needs them.
// Sealed is their sealed name and e-mail, for the API to open; Name and
// Email are set only from old events written in the clear. Role and
// Organisation are of the seat the rest came from, shown when the person
// is forgotten.
type Person struct {
	ID, Name, Email, Organisation string
	Sealed                        []byte
	Role                          v1.Role
}

// People lists everyone with an active seat, by id; their personal data is
// that of the first seat with any (groups in id order).
func (h *DecisionHub) People() []Person {
	h.mu.RLock()
	defer h.mu.RUnlock()
	byID := h.people(true)
	out := make([]Person, 0, len(byID))
	for _, p := range byID {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// people collects everyone with a seat (an active one, if activeOnly).
// The caller holds h.mu.
func (h *DecisionHub) people(activeOnly bool) map[string]*Person {
	byID := map[string]*Person{}
	ids := make([]string, 0, len(h.groups))
	for id := range h.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the same address each time for a person with several seats
	for _, id := range ids {
		seats := h.groups[id].Memberships()
		if activeOnly {
			seats = h.groups[id].ActiveMembers()
		}
		for _, m := range seats {
			p, ok := byID[m.PersonID]
			if !ok {
				p = &Person{ID: m.PersonID, Organisation: m.Organisation, Role: m.Role}
				byID[m.PersonID] = p
			}
			if p.Name == "" && len(p.Sealed) == 0 && !h.forgotten[m.PersonID] {
				p.Name, p.Email, p.Sealed, p.Organisation, p.Role = m.PersonName, m.Email, m.Sealed, m.Organisation, m.Role
			}
		}
	}
	return byID
}

// Delivers tells whether the notice at seq matches subscriptionID, whoever
// may see it (the caller checks the owner's Viewer).
func (h *DecisionHub) Delivers(subscriptionID string, seq uint64) bool {
	n, ok := h.NoticeAt(seq)
	if !ok {
		return false
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.matches(WatchSpec{SubscriptionID: subscriptionID, Viewer: everything}, n)
}

// everything sees every item: for matching whose visibility the caller checks.
var everything = Viewer{AllInternal: true, AllSecret: true}
