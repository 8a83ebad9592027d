package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// This file holds the agenda beyond adding and deciding items: the standard
// items every meeting opens and closes with, editing, moving and reordering
// items, items received from other levels, and the annual cycle.

// standardItem is one generated item: its kind, Finnish title and proposal.
type standardItem struct {
	kind            v1.StandardItem
	title, proposal string
}

var standardAgenda = []standardItem{
	{v1.StandardItem_STANDARD_ITEM_OPENING, "Kokouksen avaus", "Puheenjohtaja avaa kokouksen."},
	{v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM, "Kokouksen laillisuus ja päätösvaltaisuus",
		"Todetaan kokous laillisesti koolle kutsutuksi ja päätösvaltaiseksi."},
	{v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS, "Pöytäkirjantarkastajien valinta", "Valitaan kaksi pöytäkirjantarkastajaa."},
	{v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL, "Työjärjestyksen hyväksyminen", "Hyväksytään esityslista kokouksen työjärjestykseksi."},
	{v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS, "Muut asiat", "Käsitellään muut esille tulevat asiat."},
	{v1.StandardItem_STANDARD_ITEM_NEXT_MEETING, "Seuraava kokous", "Todetaan seuraavan kokouksen ajankohta."},
	{v1.StandardItem_STANDARD_ITEM_CLOSING, "Kokouksen päättäminen", "Puheenjohtaja päättää kokouksen."},
}

// childID derives the id of something created with parent, such as a
// meeting's standard items, so that a replayed command makes the same ids.
func childID(parent, name string) string {
	ns, err := uuid.Parse(parent)
	if err != nil {
		ns = uuid.NameSpaceURL
		name = parent + "/" + name
	}
	return uuid.NewSHA1(ns, []byte(name)).String()
}

// standardItems are the events adding a new meeting's standard items. A
// group keeping a memo (muistio) names no minutes checkers.
func standardItems(meetingID string, mode v1.GroupMode) []proto.Message {
	var out []proto.Message
	for _, si := range standardAgenda {
		if si.kind == v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS && mode == v1.GroupMode_GROUP_MODE_MEMO {
			continue
		}
		out = append(out, &v1.ItemAdded{ItemId: childID(meetingID, "standard/"+si.kind.String()), MeetingId: meetingID,
			Item: &v1.AgendaItem{Title: si.title, Proposal: si.proposal, Openness: v1.Openness_OPENNESS_PUBLIC,
				Origin: v1.ItemOrigin_ITEM_ORIGIN_STANDARD, Standard: si.kind}})
	}
	return out
}

// decideStandard appends to events the decisions, with texts, on meeting
// m's standard items of the given kinds that are still undecided, in agenda
// order, each with the next § number. The procedural command (opening,
// approving the agenda, naming checkers, closing) is the decision on them.
func (s *Meetings) decideStandard(events []proto.Message, m *Meeting, texts map[v1.StandardItem]string) []proto.Message {
	next := s.sections[m.Year()]
	for _, id := range m.Items {
		it := s.items[id]
		text, ok := texts[it.Standard()]
		if !ok || it.Withdrawn || it.Section != 0 {
			continue
		}
		next++
		outcome := v1.Outcome_OUTCOME_NOTED
		if it.Standard() == v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS || it.Standard() == v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL {
			outcome = v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED
		}
		events = append(events, &v1.DecisionRecorded{ItemId: id, Section: next, Decision: &v1.Decision{Outcome: outcome, Text: text}})
	}
	return events
}

// nextMeeting is the group's first scheduled meeting after m.
func (s *Meetings) nextMeeting(m *Meeting) *Meeting {
	var best *Meeting
	for _, o := range s.meetings {
		if o.ID == m.ID || o.State != v1.MeetingState_MEETING_STATE_SCHEDULED || !startsAt(m).Before(startsAt(o)) {
			continue
		}
		if best == nil || startsBefore(o, best) {
			best = o
		}
	}
	return best
}

func startsBefore(a, b *Meeting) bool {
	ta, tb := startsAt(a), startsAt(b)
	return ta.Before(tb) || (ta.Equal(tb) && a.ID < b.ID)
}

// startsAt is the instant meeting m starts; RFC 3339 strings with different
// offsets do not compare as strings.
func startsAt(m *Meeting) time.Time {
	t, _ := time.Parse(time.RFC3339, m.StartsAt)
	return t
}

// clock is the local time of an RFC 3339 time the Finnish way (13.05).
func clock(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return "?"
	}
	return t.Format("15.04")
}

// finnishDate is the date of an RFC 3339 time the Finnish way (12.3.2026).
func finnishDate(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return "?"
	}
	return t.Format("2.1.2006")
}

// editable finds an item whose content or place may still change: not
// withdrawn or decided, and not on an approved agenda. moving also lets
// through the items of a cancelled meeting, which go on another meeting.
func (s *Meetings) editable(itemID string, moving bool) (*Item, *Error) {
	it, ok := s.items[itemID]
	switch {
	case !ok:
		return nil, notFound("item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
	case it.Withdrawn:
		return nil, precondition("item_id", "the item was withdrawn", "asia on poistettu esityslistalta")
	case it.Section != 0:
		return nil, precondition("item_id", fmt.Sprintf("the item is already decided (§ %d); a decision is corrected, not edited", it.Section),
			fmt.Sprintf("asiasta on jo päätetty (§ %d); päätöstä oikaistaan, ei muokata", it.Section))
	}
	if m, ok := s.meetings[it.MeetingID]; ok && (m.AgendaApproved || m.State != v1.MeetingState_MEETING_STATE_SCHEDULED) &&
		!(moving && m.State == v1.MeetingState_MEETING_STATE_CANCELLED) {
		return nil, precondition("item_id", "the agenda is approved or the meeting is no longer scheduled: the item cannot change any more",
			"esityslista on hyväksytty tai kokous ei ole enää tulossa: asiaa ei voi enää muuttaa")
	}
	return it, nil
}

// EditItem decides new content for an item before its agenda is approved.
// The origin and the standard kind stay.
func (s *Meetings) EditItem(itemID string, item *v1.AgendaItem) ([]proto.Message, error) {
	it, err := s.editable(itemID, false)
	if err != nil {
		return nil, err
	}
	if item == nil {
		return nil, invalid("item", "is required", "on pakollinen")
	}
	item = proto.CloneOf(item)
	if item.GetOrigin() == v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED {
		item.Origin = it.Item.GetOrigin()
	}
	if item.GetStandard() == v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
		item.Standard = it.Standard()
	}
	if item.GetOrigin() != it.Item.GetOrigin() {
		return nil, invalid("item.origin", "an item's origin cannot change", "asian alkuperää ei voi muuttaa")
	}
	if item.GetStandard() != it.Standard() {
		return nil, invalid("item.standard", "an item's standard kind cannot change", "vakioasian lajia ei voi muuttaa")
	}
	if err := checkItem(item); err != nil {
		return nil, err
	}
	if proto.Equal(item, it.Item) {
		return nil, nil
	}
	return []proto.Message{&v1.ItemEdited{ItemId: itemID, Item: item}}, nil
}

// MoveItem decides putting an item on another meeting's agenda: an item
// not yet on an approved agenda (or on a cancelled meeting's), or a pending
// item received from another level, onto a scheduled meeting whose agenda is
// not approved.
func (s *Meetings) MoveItem(itemID, meetingID string) ([]proto.Message, error) {
	it, err := s.editable(itemID, true)
	if err != nil {
		return nil, err
	}
	if it.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
		return nil, precondition("item_id", "a standard item belongs to its own meeting", "vakioasia kuuluu omaan kokoukseensa")
	}
	to, ok := s.meetings[meetingID]
	switch {
	case !ok:
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	case to.ID == it.MeetingID:
		return nil, nil
	case to.State != v1.MeetingState_MEETING_STATE_SCHEDULED || to.AgendaApproved:
		return nil, precondition("meeting_id", "items move onto a scheduled meeting whose agenda is not approved; it is "+meetingStateWord(to.State),
			"asian voi siirtää vain tulevaan kokoukseen, jonka esityslistaa ei ole hyväksytty; kokous on "+meetingStateWordFI(to.State))
	}
	return []proto.Message{&v1.ItemMoved{ItemId: itemID, MeetingId: meetingID}}, nil
}

// Reorder decides a new order of a meeting's items. Standard and decided
// items keep their places; only the others move among themselves.
func (s *Meetings) Reorder(meetingID string, ids []string) ([]proto.Message, error) {
	m, ok := s.meetings[meetingID]
	if !ok {
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	}
	if m.State != v1.MeetingState_MEETING_STATE_SCHEDULED && m.State != v1.MeetingState_MEETING_STATE_OPEN {
		return nil, precondition("meeting_id", "the meeting is "+meetingStateWord(m.State), "kokous on "+meetingStateWordFI(m.State))
	}
	if len(ids) != len(m.Items) {
		return nil, invalid("item_ids", fmt.Sprintf("list every item of the meeting once (%d items)", len(m.Items)),
			fmt.Sprintf("luettele kokouksen kaikki asiat kerran (%d asiaa)", len(m.Items)))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("item_ids[%d]", i)
		if !slices.Contains(m.Items, id) || seen[id] {
			return nil, invalid(field, "is not an item of this meeting, or is listed twice", "ei ole tämän kokouksen asia tai on listattu kahdesti")
		}
		seen[id] = true
		if cur := s.items[m.Items[i]]; (cur.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED || cur.Section != 0) && id != cur.ID {
			return nil, precondition(field, "standard and decided items keep their places", "vakioasiat ja päätetyt asiat pysyvät paikoillaan")
		}
	}
	if slices.Equal(ids, m.Items) {
		return nil, nil
	}
	return []proto.Message{&v1.AgendaReordered{MeetingId: meetingID, ItemIds: slices.Clone(ids)}}, nil
}

// Receive decides taking up an item escalated from a child group or
// referred from the parent group. It goes on meetingID if given, else on the
// group's next scheduled meeting still taking items on today (the date in
// Finland), else among the pending items.
func (s *Meetings) Receive(itemID, meetingID string, item *v1.AgendaItem, lineage *v1.Lineage, today string) ([]proto.Message, error) {
	if _, dup := s.items[itemID]; dup || itemID == "" {
		return nil, &Error{Code: CodeAlreadyExists, Field: "item_id", Message: "item already exists", MessageFI: "asia on jo olemassa"}
	}
	if lineage.GetFromItemId() == "" || (lineage.GetDirection() != v1.Direction_DIRECTION_UP && lineage.GetDirection() != v1.Direction_DIRECTION_DOWN) {
		return nil, fmt.Errorf("receive item %s: lineage needs the item it came from and its direction: %v", itemID, lineage)
	}
	if item == nil {
		return nil, invalid("item", "is required", "on pakollinen")
	}
	for _, it := range s.items {
		// A received item the group withdrew may be sent again.
		if it.Lineage != nil && it.Lineage.GetFromItemId() == lineage.GetFromItemId() && !it.Withdrawn {
			return nil, precondition("item_id", "the item has already been sent to this group", "asia on jo lähetetty tälle ryhmälle")
		}
	}
	if err := checkText("note", lineage.GetNote(), false, 2000); err != nil {
		return nil, err
	}
	if meetingID != "" {
		m, ok := s.meetings[meetingID]
		switch {
		case !ok:
			return nil, notFound("to_meeting_id", "no such meeting in the receiving group", "vastaanottavalla ryhmällä ei ole tätä kokousta")
		case m.State != v1.MeetingState_MEETING_STATE_SCHEDULED || m.AgendaApproved:
			return nil, precondition("to_meeting_id", "the receiving meeting must be scheduled with its agenda not yet approved",
				"vastaanottavan kokouksen pitää olla tulossa eikä sen esityslistaa saa olla hyväksytty")
		}
	} else if m := s.nextTakingItems(today); m != nil {
		meetingID = m.ID
	}
	item = proto.CloneOf(item)
	item.Standard = v1.StandardItem_STANDARD_ITEM_UNSPECIFIED
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_ESCALATED
	if lineage.GetDirection() == v1.Direction_DIRECTION_DOWN {
		item.Origin = v1.ItemOrigin_ITEM_ORIGIN_REFERRED
	}
	if err := checkItem(item); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.ItemAdded{ItemId: itemID, MeetingId: meetingID, Item: item, Lineage: proto.CloneOf(lineage)}}, nil
}

// nextTakingItems is the first scheduled meeting whose agenda is not
// approved and whose deadline has not passed on today.
func (s *Meetings) nextTakingItems(today string) *Meeting {
	var best *Meeting
	for _, m := range s.meetings {
		if m.State != v1.MeetingState_MEETING_STATE_SCHEDULED || m.AgendaApproved || m.StartsAt[:min(len(m.StartsAt), 10)] < today {
			continue
		}
		if d := m.Deadline(); d != "" && today > d {
			continue
		}
		if best == nil || startsBefore(m, best) {
			best = m
		}
	}
	return best
}

// PlanYear is the command to plan a group's annual cycle (vuosikello).
type PlanYear struct {
	Year         uint32
	DeadlineDays uint32
	MeetingIDs   []string // one per meeting, derived by the caller
	Meetings     []*v1.PlannedMeeting
	AnnualItems  []*v1.AnnualItem
}

// PlanYear decides a year's meetings and puts each annual item on the
// first meeting on or after the first day of its month.
func (s *Meetings) PlanYear(cmd PlanYear, group *Group) ([]proto.Message, error) {
	if group == nil || !group.Created {
		return nil, notFound("group_id", "no such group", "ryhmää ei ole")
	}
	switch {
	case cmd.Year < 2000 || cmd.Year > 2100:
		return nil, invalid("year", "must be a year between 2000 and 2100", "pitää olla vuosi väliltä 2000–2100")
	case s.planned[cmd.Year]:
		return nil, precondition("year", fmt.Sprintf("the cycle of %d is already planned; schedule, move or cancel single meetings instead", cmd.Year),
			fmt.Sprintf("vuoden %d vuosikello on jo suunniteltu; lisää, siirrä tai peru yksittäisiä kokouksia", cmd.Year))
	case len(cmd.Meetings) == 0 || len(cmd.Meetings) > 24:
		return nil, invalid("meetings", "plan 1 to 24 meetings", "suunnittele 1–24 kokousta")
	case len(cmd.AnnualItems) > 50:
		return nil, invalid("annual_items", "at most 50 annual items", "enintään 50 vuosikellon asiaa")
	case cmd.DeadlineDays > 60:
		return nil, invalid("agenda_deadline_days", "is at most 60 days", "on enintään 60 päivää")
	case len(cmd.MeetingIDs) != len(cmd.Meetings):
		return nil, fmt.Errorf("plan year: %d meeting ids for %d meetings", len(cmd.MeetingIDs), len(cmd.Meetings))
	}
	events := []proto.Message{&v1.CyclePlanned{Year: cmd.Year, AgendaDeadlineDays: cmd.DeadlineDays, MeetingIds: cmd.MeetingIDs,
		AnnualItems: cmd.AnnualItems}}
	planned := make([]*Meeting, len(cmd.Meetings))
	for i, pm := range cmd.Meetings {
		if slices.Contains(cmd.MeetingIDs[:i], cmd.MeetingIDs[i]) {
			return nil, fmt.Errorf("plan year: meeting id %s given twice", cmd.MeetingIDs[i])
		}
		out, err := s.Schedule(ScheduleMeeting{MeetingID: cmd.MeetingIDs[i], StartsAt: pm.GetStartsAt(), Place: pm.GetPlace(),
			VideoLink: pm.GetVideoLink(), DeadlineDays: cmd.DeadlineDays}, group)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Field = fmt.Sprintf("meetings[%d].%s", i, e.Field)
			}
			return nil, err
		}
		planned[i] = &Meeting{ID: cmd.MeetingIDs[i], StartsAt: pm.GetStartsAt()}
		if planned[i].Year() != int(cmd.Year) {
			return nil, invalid(fmt.Sprintf("meetings[%d].starts_at", i), fmt.Sprintf("is not in %d", cmd.Year), fmt.Sprintf("ei ole vuonna %d", cmd.Year))
		}
		events = append(events, out...)
	}
	byTime := slices.Clone(planned)
	slices.SortFunc(byTime, func(a, b *Meeting) int {
		if startsBefore(a, b) {
			return -1
		}
		return 1
	})
	for i, ai := range cmd.AnnualItems {
		field := fmt.Sprintf("annual_items[%d]", i)
		if ai.GetMonth() < 1 || ai.GetMonth() > 12 {
			return nil, invalid(field+".month", "must be 1-12", "pitää olla 1–12")
		}
		var on *Meeting
		for _, m := range byTime {
			t, _ := time.Parse(time.RFC3339, m.StartsAt)
			if int(t.Month()) >= int(ai.GetMonth()) {
				on = m
				break
			}
		}
		if on == nil {
			return nil, invalid(field+".month", "no planned meeting in or after that month", "kuukaudelle tai sen jälkeen ei ole suunniteltu kokousta")
		}
		item := &v1.AgendaItem{Title: ai.GetTitle(), Proposal: ai.GetProposal(), Preparer: ai.GetPreparer(), Tags: ai.GetTags(),
			Openness: v1.Openness_OPENNESS_PUBLIC, Origin: v1.ItemOrigin_ITEM_ORIGIN_ANNUAL_CYCLE}
		if err := checkItem(item); err != nil {
			err.Field = field + "." + err.Field[len("item."):]
			return nil, err
		}
		events = append(events, &v1.ItemAdded{ItemId: childID(on.ID, fmt.Sprintf("annual/%d", i)), MeetingId: on.ID, Item: item})
	}
	return events, nil
}
