package projections

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// voicesProjection keeps the family voices and which agenda items name them.
type voicesProjection struct{}

func (voicesProjection) Name() string { return "voices" }
func (voicesProjection) Version() int { return 1 }

func (voicesProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	switch e := ev.Payload.(type) {
	case *v1.FamilyVoiceRecorded:
		tags, err := proto.Marshal(e.GetTags())
		if err != nil {
			return err
		}
		if tags == nil { // no tags marshal to nothing; the column holds an empty message
			tags = []byte{}
		}
		return tx.Exec("voice_insert", e.GetVoiceId(), e.GetGroupId(), e.GetMunicipality(), int32(e.GetChannel()), e.GetSummary(),
			e.GetRaisedOn(), tags, e.GetRecordedByMembershipId(), ev.Seq)
	case *v1.ItemAdded:
		return linkVoices(tx, e.GetItemId(), e.GetItem().GetFamilyVoiceIds(), false)
	case *v1.ItemEdited:
		return linkVoices(tx, e.GetItemId(), e.GetItem().GetFamilyVoiceIds(), true)
	}
	return nil
}

func linkVoices(tx *Tx, itemID string, voices []string, replace bool) error {
	if replace {
		if err := tx.Exec("item_voices_delete", itemID); err != nil {
			return err
		}
	}
	for _, v := range voices {
		if err := tx.Exec("item_voice_insert", v, itemID); err != nil {
			return err
		}
	}
	return nil
}

// VoiceFilter selects voices: raised in the area (a group and the groups
// under it), in a municipality, in a period (dates inclusive), or one by id.
type VoiceFilter struct {
	GroupID, Municipality, From, To, VoiceID string
	// Visible, when set, keeps only the voices (of Voices) it answers true
	// for, given the group each was raised in and the groups of the items
	// that carried it.
	Visible func(groups []string) bool
}

// VoiceGroups are the group a voice was raised in and those of the items
// that carried it, as Trace found them.
func VoiceGroups(tr *v1.TraceVoiceResponse) []string {
	groups := []string{tr.GetVoice().GetGroupId()}
	for _, h := range tr.GetHops() {
		if !slices.Contains(groups, h.GetGroupId()) {
			groups = append(groups, h.GetGroupId())
		}
	}
	return groups
}

// Voices lists the voices the filter selects, oldest first, each with the
// highest level it reached and when families were told, as of asOf.
func (rt *Runtime) Voices(ctx context.Context, f VoiceFilter, asOf string) ([]*v1.Voice, error) {
	var out []*v1.Voice
	err := rt.View(ctx, func(db *sql.DB) error {
		var err error
		if out, err = voices(ctx, db, f); err != nil {
			return err
		}
		kept := out[:0]
		for _, v := range out {
			tr, err := trace(ctx, db, v, asOf)
			if err != nil {
				return err
			}
			if f.Visible != nil && !f.Visible(VoiceGroups(tr)) {
				continue
			}
			v.HighestLevel, v.ToldOn = tr.GetHighestLevel(), tr.GetToldOn()
			kept = append(kept, v)
		}
		out = kept
		return nil
	})
	return out, err
}

func voices(ctx context.Context, db *sql.DB, f VoiceFilter) ([]*v1.Voice, error) {
	var out []*v1.Voice
	err := scanRows(ctx, db, q("voice_list"), []any{f.GroupID, f.Municipality, f.From, f.To, f.VoiceID}, func(rows *sql.Rows) error {
		v := &v1.Voice{Tags: &v1.Tags{}}
		var level, channel int32
		var tags []byte
		if err := rows.Scan(&v.Id, &v.GroupId, &v.GroupName, &level, &v.Municipality, &channel, &v.Summary, &v.RaisedOn, &tags,
			&v.RecordedByMembershipId, &v.RecordedByName); err != nil {
			return err
		}
		v.Level, v.Channel = v1.Level(level), v1.VoiceChannel(channel)
		out = append(out, v)
		return proto.Unmarshal(tags, v.Tags)
	})
	return out, err
}

// Trace follows one voice through every item that carried it, as of the
// date asOf (YYYY-MM-DD). ok is false when there is no such voice.
func (rt *Runtime) Trace(ctx context.Context, voiceID, asOf string) (tr *v1.TraceVoiceResponse, ok bool, err error) {
	err = rt.View(ctx, func(db *sql.DB) error {
		vs, err := voices(ctx, db, VoiceFilter{VoiceID: voiceID})
		if err != nil || len(vs) == 0 {
			return err
		}
		tr, err = trace(ctx, db, vs[0], asOf)
		return err
	})
	return tr, tr != nil, err
}

// trace builds the hops of voice v from its chain of items.
func trace(ctx context.Context, db *sql.DB, v *v1.Voice, asOf string) (*v1.TraceVoiceResponse, error) {
	type hop struct {
		*v1.TraceHop
		depth      int
		fromItemID string
	}
	var hops []*hop
	byID := map[string]*hop{}
	err := scanRows(ctx, db, q("voice_chain"), []any{v.GetId()}, func(rows *sql.Rows) error {
		h := &hop{TraceHop: &v1.TraceHop{}}
		var level, state, dir int32
		var heldAt, sentAt string
		var decision []byte
		var withdrawn bool
		if err := rows.Scan(&h.ItemId, &h.depth, &h.GroupId, &h.GroupName, &level, &h.MeetingId, &heldAt, &state, &h.ItemTitle,
			&h.Section, &decision, &h.fromItemID, &h.PreviousItemId, &dir, &sentAt, &withdrawn); err != nil {
			return err
		}
		if withdrawn {
			return nil
		}
		h.Level, h.Direction = v1.Level(level), v1.Direction(dir)
		h.ReceivedOn = day(sentAt)
		if st := v1.MeetingState(state); h.MeetingId != "" && st != v1.MeetingState_MEETING_STATE_CANCELLED {
			h.AgendaOn = day(heldAt)
			h.Handled = st == v1.MeetingState_MEETING_STATE_OPEN || st == v1.MeetingState_MEETING_STATE_CLOSED
		}
		if decision != nil {
			d := &v1.Decision{}
			if err := proto.Unmarshal(decision, d); err != nil {
				return err
			}
			h.Outcome, h.DecisionText, h.DecidedOn = d.GetOutcome(), d.GetText(), day(heldAt)
		}
		if h.fromItemID != "" {
			h.PreviousItemId = h.fromItemID
		}
		hops = append(hops, h)
		byID[h.ItemId] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Chain order: by the date each hop began, then how far it is from the first item.
	began := func(h *hop) string {
		for _, d := range []string{h.ReceivedOn, h.AgendaOn} {
			if d != "" {
				return d
			}
		}
		return "9999-12-31"
	}
	sort.SliceStable(hops, func(i, j int) bool {
		if a, b := began(hops[i]), began(hops[j]); a != b {
			return a < b
		}
		return hops[i].depth < hops[j].depth
	})
	tr := &v1.TraceVoiceResponse{Voice: v}
	for _, h := range hops {
		since := v.GetRaisedOn()
		if prev, ok := byID[h.PreviousItemId]; ok {
			since = prev.DecidedOn
			if since == "" {
				since = prev.AgendaOn
			}
		}
		until := h.AgendaOn
		if !h.Handled {
			until = asOf // still waiting for a meeting to take it up
			if h.AgendaOn != "" && h.AgendaOn < asOf {
				until = h.AgendaOn
			}
		}
		h.DaysToAgenda = max(0, daysBetween(since, until))
		if h.Handled && h.Level > tr.HighestLevel {
			tr.HighestLevel = h.Level
		}
		tr.Hops = append(tr.Hops, h.TraceHop)
	}
	for _, h := range hops {
		rs, err := responsibilities(ctx, db, ResponsibilityFilter{ItemID: h.ItemId, AsOf: asOf})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			done := r.GetDone().GetDoneOn()
			if r.GetAudience().GetKind() != v1.AudienceKind_AUDIENCE_KIND_FAMILIES || r.GetState() != v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE {
				continue
			}
			if !tr.FamiliesTold || done < tr.ToldOn {
				tr.FamiliesTold, tr.ToldOn, tr.ToldBy = true, done, r
			}
		}
	}
	if tr.FamiliesTold {
		tr.DaysToTold = daysBetween(v.GetRaisedOn(), tr.ToldOn)
	}
	return tr, nil
}

// day is the date part of an RFC 3339 time ("" stays "").
func day(rfc3339 string) string {
	if len(rfc3339) < len(domain.DateLayout) {
		return ""
	}
	return rfc3339[:len(domain.DateLayout)]
}

// Hop names of the report, in order.
const (
	HopRaisedToAgenda       = "raised_to_agenda"
	HopAgendaToDecision     = "agenda_to_decision"
	HopLocalToRegional      = "local_to_regional"
	HopRegionalToProvincial = "regional_to_provincial"
	HopDecisionToTold       = "decision_to_told"
)

// VoiceStages are the dates one traced voice reached each stage ("" = not reached).
type VoiceStages struct {
	Raised, Agenda, Decision     string
	LocalDecision, Regional      string
	RegionalDecision, Provincial string
	ToldDecision, Told           string
}

// Stages reads the stage dates off a trace: the first agenda handled in a
// held meeting, the first final decision, the first final decision at local
// and at regional level, the first agenda handled at regional level or
// above and at provincial level, and families told with the date of the
// decision they were told about.
func Stages(tr *v1.TraceVoiceResponse) VoiceStages {
	s := VoiceStages{Raised: tr.GetVoice().GetRaisedOn(), Told: tr.GetToldOn()}
	first := func(cur *string, d string) {
		if d != "" && (*cur == "" || d < *cur) {
			*cur = d
		}
	}
	for _, h := range tr.GetHops() {
		if !h.GetHandled() {
			continue
		}
		first(&s.Agenda, h.GetAgendaOn())
		final := domain.FinalOutcome(h.GetOutcome())
		if final {
			first(&s.Decision, h.GetDecidedOn())
		}
		// Reaching a level counts the levels above it too: a local group
		// directly under the provincial group reaches regional level when
		// the provincial group takes its voice up.
		if h.GetLevel() >= v1.Level_LEVEL_REGIONAL {
			first(&s.Regional, h.GetAgendaOn())
		}
		switch h.GetLevel() {
		case v1.Level_LEVEL_LOCAL:
			if final {
				first(&s.LocalDecision, h.GetDecidedOn())
			}
		case v1.Level_LEVEL_REGIONAL:
			if final {
				first(&s.RegionalDecision, h.GetDecidedOn())
			}
		case v1.Level_LEVEL_PROVINCIAL:
			first(&s.Provincial, h.GetAgendaOn())
		}
		if tr.GetToldBy().GetItemId() == h.GetItemId() {
			s.ToldDecision = h.GetDecidedOn()
		}
	}
	return s
}

// Report computes the figures for voices raised and responsibilities due
// in a period and an area, as of a date.
func (rt *Runtime) Report(ctx context.Context, f VoiceFilter, asOf string) (*v1.VoiceReportResponse, error) {
	rep := &v1.VoiceReportResponse{From: f.From, To: f.To, GroupId: f.GroupID, Municipality: f.Municipality, AsOf: asOf}
	err := rt.View(ctx, func(db *sql.DB) error {
		vs, err := voices(ctx, db, f)
		if err != nil {
			return err
		}
		durations := map[string][]int32{}
		add := func(hop, from, to string) {
			if from != "" && to != "" {
				durations[hop] = append(durations[hop], max(0, daysBetween(from, to)))
			}
		}
		for _, v := range vs {
			tr, err := trace(ctx, db, v, asOf)
			if err != nil {
				return err
			}
			s := Stages(tr)
			rep.Voices++
			count := func(n *uint32, reached bool) {
				if reached {
					*n++
				}
			}
			count(&rep.ReachedAgenda, s.Agenda != "")
			count(&rep.ReachedDecision, s.Decision != "")
			count(&rep.ReachedRegional, s.Regional != "")
			count(&rep.ReachedProvincial, s.Provincial != "")
			count(&rep.LoopClosed, tr.GetFamiliesTold())
			add(HopRaisedToAgenda, s.Raised, s.Agenda)
			add(HopAgendaToDecision, s.Agenda, s.Decision)
			add(HopLocalToRegional, s.LocalDecision, s.Regional)
			add(HopRegionalToProvincial, s.RegionalDecision, s.Provincial)
			add(HopDecisionToTold, s.ToldDecision, s.Told)
		}
		if rep.Voices > 0 {
			n := float64(rep.Voices)
			rep.ShareAgenda, rep.ShareDecision = ratio(rep.ReachedAgenda, n), ratio(rep.ReachedDecision, n)
			rep.ShareRegional, rep.ShareProvincial = ratio(rep.ReachedRegional, n), ratio(rep.ReachedProvincial, n)
			rep.ShareLoopClosed = ratio(rep.LoopClosed, n)
		}
		for _, hop := range []string{HopRaisedToAgenda, HopAgendaToDecision, HopLocalToRegional, HopRegionalToProvincial, HopDecisionToTold} {
			d := durations[hop]
			rep.Hops = append(rep.Hops, &v1.HopFigures{Hop: hop, Count: uint32(len(d)), MedianDays: Median(d), P90Days: Percentile(d, 90)})
		}
		rep.ByGroup, rep.ByOrganisation, err = responsibilityFigures(ctx, db, f, asOf)
		return err
	})
	return rep, err
}

func ratio(n uint32, of float64) float64 { return math.Round(float64(n)/of*1000) / 1000 }

// Median is the middle value (the mean of the two middle values for an even count); 0 for none.
func Median(d []int32) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d))
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

// Percentile is the nearest-rank p-th percentile: the smallest value with
// at least p% of the values at or below it; 0 for none.
func Percentile(d []int32, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d))
	rank := (p*len(s) + 99) / 100
	return float64(s[max(rank, 1)-1])
}

func responsibilityFigures(ctx context.Context, db *sql.DB, f VoiceFilter, asOf string) (byGroup, byOrg []*v1.ResponsibilityFigures, err error) {
	groups, orgs := map[string]*v1.ResponsibilityFigures{}, map[string]*v1.ResponsibilityFigures{}
	err = scanRows(ctx, db, q("resp_report"), []any{f.GroupID, f.Municipality, f.From, f.To}, func(rows *sql.Rows) error {
		var groupID, groupName, org, due, doneOn string
		var state int32
		if err := rows.Scan(&groupID, &groupName, &org, &due, &state, &doneOn); err != nil {
			return err
		}
		for _, row := range []*v1.ResponsibilityFigures{figures(groups, groupID, groupName), figures(orgs, org, org)} {
			row.Total++
			switch st := v1.ResponsibilityState(state); {
			case st == v1.ResponsibilityState_RESPONSIBILITY_STATE_WAIVED:
				row.Waived++
			case st == v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE && doneOn <= due:
				row.DoneOnTime++
			case st == v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE:
				row.DoneLate++
			case due < asOf:
				row.OpenOverdue++
			default:
				row.OpenNotDue++
			}
		}
		return nil
	})
	return sortedFigures(groups), sortedFigures(orgs), err
}

func figures(m map[string]*v1.ResponsibilityFigures, key, name string) *v1.ResponsibilityFigures {
	row, ok := m[key]
	if !ok {
		row = &v1.ResponsibilityFigures{Key: key, Name: name}
		m[key] = row
	}
	return row
}

func sortedFigures(m map[string]*v1.ResponsibilityFigures) []*v1.ResponsibilityFigures {
	out := make([]*v1.ResponsibilityFigures, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *v1.ResponsibilityFigures) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
	return out
}
