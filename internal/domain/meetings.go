package domain

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateMeetings is the aggregate type of one group's meetings; its events
// go to ohjaamo.meetings.<group id>.
const AggregateMeetings = "meetings"

// Meetings is the state of one group's meetings with their agenda items and
// decisions. Meetings and items are replaced, never modified, when an event
// changes them, so Clone copies maps of pointers only.
type Meetings struct {
	GroupID  string
	meetings map[string]*Meeting
	items    map[string]*Item
	// sections is the last § number used per calendar year.
	sections map[int]uint32
	// planned are the years whose annual cycle is planned.
	planned map[uint32]bool
	// resps are the communication responsibilities of the group's decisions.
	resps map[string]*Responsibility
	// asks are the upward asks answered, by meeting (see Answers).
	asks map[string]map[string][]string
}

// Meeting is one meeting of the group.
type Meeting struct {
	ID, StartsAt, Place, VideoLink string
	DeadlineDays                   uint32
	State                          v1.MeetingState
	AgendaApproved                 bool
	Lawful, Quorate                bool
	Attendance                     []*v1.Attendance
	Items                          []string // item ids in agenda order
	CancelReason                   string
	Checkers, CheckedBy            []string // membership ids
	MinutesApproved                bool
	// OpenedAt is when the meeting was opened (RFC 3339; empty before).
	OpenedAt string
}

// HeldOn is the date (YYYY-MM-DD) the meeting was held: the day it was
// opened, or, before that, the day it is scheduled for.
func (m *Meeting) HeldOn() string {
	if t, err := time.Parse(time.RFC3339, m.OpenedAt); err == nil {
		return t.Format(DateLayout)
	}
	return startsAt(m).Format(DateLayout)
}

// Deadline is the date (YYYY-MM-DD) proposals for the meeting close; empty
// when the meeting has no deadline.
func (m *Meeting) Deadline() string {
	t, err := time.Parse(time.RFC3339, m.StartsAt)
	if err != nil || m.DeadlineDays == 0 {
		return ""
	}
	return t.AddDate(0, 0, -int(m.DeadlineDays)).Format(DateLayout)
}

// Year is the calendar year of the meeting, which its § numbers run in.
func (m *Meeting) Year() int {
	t, _ := time.Parse(time.RFC3339, m.StartsAt)
	return t.Year()
}

// Item is an agenda item and, once decided, its decision.
type Item struct {
	ID, MeetingID string
	Item          *v1.AgendaItem
	Urgent        bool
	Withdrawn     bool
	Section       uint32
	Decision      *v1.Decision
	// PreviousItemID is the tabled or returned item this one continues;
	// ContinuedBy the item that continues this one.
	PreviousItemID, ContinuedBy string
	Corrections                 int
	// Lineage is where an escalated or referred item came from.
	Lineage *v1.Lineage
}

// Standard is the item's standard kind (unspecified for ordinary items).
func (it *Item) Standard() v1.StandardItem { return it.Item.GetStandard() }

// closing tells whether a standard kind belongs to the end of the agenda.
func closing(k v1.StandardItem) bool {
	return k >= v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS && k <= v1.StandardItem_STANDARD_ITEM_CLOSING
}

// NewMeetings is the empty state of group id's meetings.
func NewMeetings(groupID string) *Meetings {
	return &Meetings{GroupID: groupID, meetings: map[string]*Meeting{}, items: map[string]*Item{}, sections: map[int]uint32{}, planned: map[uint32]bool{},
		resps: map[string]*Responsibility{}, asks: map[string]map[string][]string{}}
}

// Clone copies the state for the next snapshot.
func (s *Meetings) Clone() *Meetings {
	return &Meetings{GroupID: s.GroupID, meetings: maps.Clone(s.meetings), items: maps.Clone(s.items), sections: maps.Clone(s.sections),
		planned: maps.Clone(s.planned), resps: maps.Clone(s.resps), asks: maps.Clone(s.asks)}
}

// Meeting finds a meeting by id.
func (s *Meetings) Meeting(id string) (*Meeting, bool) { m, ok := s.meetings[id]; return m, ok }

// MeetingList lists the group's meetings by starting time.
func (s *Meetings) MeetingList() []*Meeting {
	out := make([]*Meeting, 0, len(s.meetings))
	for _, m := range s.meetings {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *Meeting) int {
		if startsBefore(a, b) {
			return -1
		}
		if startsBefore(b, a) {
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Item finds an agenda item by id.
func (s *Meetings) Item(id string) (*Item, bool) { it, ok := s.items[id]; return it, ok }

// LastSection is the last § number used in year (0 = none yet).
func (s *Meetings) LastSection(year int) uint32 { return s.sections[year] }

// Apply folds one event into the state.
func (s *Meetings) Apply(ev proto.Message) error {
	if handled, err := s.applyCommunication(ev); handled {
		return err
	}
	switch e := ev.(type) {
	case *v1.MeetingScheduled:
		s.meetings[e.GetMeetingId()] = &Meeting{ID: e.GetMeetingId(), StartsAt: e.GetStartsAt(), Place: e.GetPlace(),
			VideoLink: e.GetVideoLink(), DeadlineDays: e.GetAgendaDeadlineDays(), State: v1.MeetingState_MEETING_STATE_SCHEDULED}
		return nil
	case *v1.ItemAdded:
		it := &Item{ID: e.GetItemId(), MeetingID: e.GetMeetingId(), Item: e.GetItem(), Urgent: e.GetUrgent(),
			PreviousItemID: e.GetPreviousItemId(), Lineage: e.GetLineage()}
		if it.MeetingID != "" { // else pending: escalated or referred, not yet on an agenda
			m, err := s.meetingFor(e.GetMeetingId())
			if err != nil {
				return err
			}
			s.place(m, it)
		}
		s.items[e.GetItemId()] = it
		if prev, ok := s.items[e.GetPreviousItemId()]; ok {
			c := *prev
			c.ContinuedBy = e.GetItemId()
			s.items[c.ID] = &c
		}
		return nil
	case *v1.DecisionCorrected:
		it, ok := s.items[e.GetItemId()]
		if !ok {
			return fmt.Errorf("correction: unknown item %s", e.GetItemId())
		}
		c := *it
		c.Decision = e.GetDecision()
		c.Corrections++
		s.items[c.ID] = &c
		return nil
	case *v1.ItemEdited:
		it, ok := s.items[e.GetItemId()]
		if !ok {
			return fmt.Errorf("item edited: unknown item %s", e.GetItemId())
		}
		c := *it
		c.Item = e.GetItem()
		s.items[c.ID] = &c
		return nil
	case *v1.ItemMoved:
		it, ok := s.items[e.GetItemId()]
		if !ok {
			return fmt.Errorf("item moved: unknown item %s", e.GetItemId())
		}
		to, err := s.meetingFor(e.GetMeetingId())
		if err != nil {
			return err
		}
		if from, ok := s.meetings[it.MeetingID]; ok {
			from, _ = s.meetingFor(from.ID)
			from.Items = slices.DeleteFunc(slices.Clone(from.Items), func(id string) bool { return id == it.ID })
		}
		c := *it
		c.MeetingID = to.ID
		s.items[c.ID] = &c
		s.place(to, &c)
		return nil
	case *v1.AgendaReordered:
		m, err := s.meetingFor(e.GetMeetingId())
		if err != nil {
			return err
		}
		m.Items = slices.Clone(e.GetItemIds())
		return nil
	case *v1.CyclePlanned:
		s.planned[e.GetYear()] = true
		return nil
	case *v1.ItemWithdrawn:
		it, ok := s.items[e.GetItemId()]
		if !ok {
			return fmt.Errorf("item withdrawn: unknown item %s", e.GetItemId())
		}
		c := *it
		c.Withdrawn = true
		s.items[c.ID] = &c
		return nil
	case *v1.DecisionRecorded:
		it, ok := s.items[e.GetItemId()]
		if !ok {
			return fmt.Errorf("decision: unknown item %s", e.GetItemId())
		}
		c := *it
		c.Section, c.Decision = e.GetSection(), e.GetDecision()
		s.items[c.ID] = &c
		year := s.meetings[c.MeetingID].Year()
		s.sections[year] = max(s.sections[year], e.GetSection())
		return nil
	}
	var id string
	switch e := ev.(type) {
	case *v1.MeetingRescheduled:
		id = e.GetMeetingId()
	case *v1.MeetingCancelled:
		id = e.GetMeetingId()
	case *v1.MeetingOpened:
		id = e.GetMeetingId()
	case *v1.AgendaApproved:
		id = e.GetMeetingId()
	case *v1.MeetingClosed:
		id = e.GetMeetingId()
	case *v1.MinutesCheckersNamed:
		id = e.GetMeetingId()
	case *v1.MinutesChecked:
		id = e.GetMeetingId()
	case *v1.MinutesApproved:
		id = e.GetMeetingId()
	default:
		return fmt.Errorf("meetings: unknown event %T", ev)
	}
	m, err := s.meetingFor(id)
	if err != nil {
		return err
	}
	switch e := ev.(type) {
	case *v1.MeetingRescheduled:
		m.StartsAt, m.Place, m.VideoLink = e.GetStartsAt(), e.GetPlace(), e.GetVideoLink()
	case *v1.MeetingCancelled:
		m.State, m.CancelReason = v1.MeetingState_MEETING_STATE_CANCELLED, e.GetReason()
	case *v1.MeetingOpened:
		m.State, m.Attendance, m.Lawful, m.Quorate = v1.MeetingState_MEETING_STATE_OPEN, e.GetAttendance(), e.GetLawful(), e.GetQuorate()
		m.OpenedAt = e.GetOpenedAt()
	case *v1.AgendaApproved:
		m.AgendaApproved = true
	case *v1.MeetingClosed:
		m.State = v1.MeetingState_MEETING_STATE_CLOSED
	case *v1.MinutesCheckersNamed:
		m.Checkers = e.GetMembershipIds()
	case *v1.MinutesChecked:
		m.CheckedBy = append(slices.Clip(m.CheckedBy), e.GetMembershipId())
	case *v1.MinutesApproved:
		m.MinutesApproved = true
	}
	return nil
}

// place puts item it on meeting m's agenda: last, but before the standard
// closing items unless it is one of them.
func (s *Meetings) place(m *Meeting, it *Item) {
	at := len(m.Items)
	if !closing(it.Standard()) {
		for i, id := range m.Items {
			if other, ok := s.items[id]; ok && closing(other.Standard()) {
				at = i
				break
			}
		}
	}
	m.Items = slices.Insert(slices.Clone(m.Items), at, it.ID)
}

// meetingFor replaces meeting id with a copy the caller may change.
func (s *Meetings) meetingFor(id string) (*Meeting, error) {
	m, ok := s.meetings[id]
	if !ok {
		return nil, fmt.Errorf("unknown meeting %s", id)
	}
	c := *m
	s.meetings[id] = &c
	return &c, nil
}

// ScheduleMeeting is the command to put a meeting on the group's cycle.
type ScheduleMeeting struct {
	MeetingID, StartsAt, Place, VideoLink string
	DeadlineDays                          uint32
}

// Schedule decides a new meeting. group is the group's state.
func (s *Meetings) Schedule(cmd ScheduleMeeting, group *Group) ([]proto.Message, error) {
	if group == nil || !group.Created {
		return nil, notFound("group_id", "no such group", "ryhmää ei ole")
	}
	if _, dup := s.meetings[cmd.MeetingID]; dup || cmd.MeetingID == "" {
		return nil, &Error{Code: CodeAlreadyExists, Field: "meeting_id", Message: "meeting already exists", MessageFI: "kokous on jo olemassa"}
	}
	if err := checkMeetingPlace(cmd.StartsAt, cmd.Place, cmd.VideoLink); err != nil {
		return nil, err
	}
	if cmd.DeadlineDays > 60 {
		return nil, invalid("agenda_deadline_days", "is at most 60 days", "on enintään 60 päivää")
	}
	events := []proto.Message{&v1.MeetingScheduled{MeetingId: cmd.MeetingID, StartsAt: cmd.StartsAt, Place: cmd.Place,
		VideoLink: cmd.VideoLink, AgendaDeadlineDays: cmd.DeadlineDays}}
	return append(events, standardItems(cmd.MeetingID, group.Mode)...), nil
}

func checkMeetingPlace(startsAt, place, link string) *Error {
	if startsAt == "" {
		return invalid("starts_at", "is required (e.g. 2026-03-12T13:00:00+02:00)", "on pakollinen (esim. 2026-03-12T13:00:00+02:00)")
	}
	if _, err := time.Parse(time.RFC3339, startsAt); err != nil {
		return invalid("starts_at", "must be a time with its offset, e.g. 2026-03-12T13:00:00+02:00", "pitää olla aika ja aikavyöhyke, esim. 2026-03-12T13:00:00+02:00")
	}
	if strings.TrimSpace(place) == "" && link == "" {
		return invalid("place", "a place or a video link is required", "kokouspaikka tai videolinkki on pakollinen")
	}
	if err := checkText("place", place, false, 300); err != nil {
		return err
	}
	return checkURL("video_link", link)
}

func checkURL(field, value string) *Error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(value) > 2000 {
		return invalid(field, "must be an http(s) address", "pitää olla http(s)-osoite")
	}
	if ContainsIdentityCode(value) {
		return invalid(field, "contains a Finnish personal identity code; Ohjaamo never stores one",
			"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
	}
	return nil
}

// Reschedule decides a new time or place for a meeting not yet opened. A
// meeting not yet opened has no decisions, so a move into another calendar
// year changes no § number.
func (s *Meetings) Reschedule(meetingID, startsAt, place, link string) ([]proto.Message, error) {
	m, err := s.scheduled(meetingID)
	if err != nil {
		return nil, err
	}
	if err := checkMeetingPlace(startsAt, place, link); err != nil {
		return nil, err
	}
	if startsAt == m.StartsAt && place == m.Place && link == m.VideoLink {
		return nil, nil
	}
	return []proto.Message{&v1.MeetingRescheduled{MeetingId: m.ID, StartsAt: startsAt, Place: place, VideoLink: link}}, nil
}

// Cancel decides the cancellation of a meeting that has not been opened.
func (s *Meetings) Cancel(meetingID, reason string) ([]proto.Message, error) {
	m, err := s.scheduled(meetingID)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, false, 500); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.MeetingCancelled{MeetingId: m.ID, Reason: reason}}, nil
}

// AddItem decides a new agenda item. Before the agenda is approved any item
// may be added; after it, only an urgent one the open meeting decided to take up.
//
// Members' proposals close at the meeting's agenda deadline (today is the
// date in Finland); after it they go on a later meeting. The secretary
// preparing the agenda can still add items of other origins (a family voice
// or an indicator is brought by the preparer), also when recording a past
// meeting afterwards.
func (s *Meetings) AddItem(itemID, meetingID string, item *v1.AgendaItem, urgent bool, previousItemID, today string) ([]proto.Message, error) {
	m, ok := s.meetings[meetingID]
	if !ok {
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	}
	if _, dup := s.items[itemID]; dup || itemID == "" {
		return nil, &Error{Code: CodeAlreadyExists, Field: "item_id", Message: "item already exists", MessageFI: "asia on jo olemassa"}
	}
	switch {
	case m.State == v1.MeetingState_MEETING_STATE_CLOSED || m.State == v1.MeetingState_MEETING_STATE_CANCELLED:
		return nil, precondition("meeting_id", "the meeting is "+meetingStateWord(m.State)+"; items go on another meeting's agenda",
			"kokous on "+meetingStateWordFI(m.State)+"; asia kuuluu toisen kokouksen esityslistalle")
	case m.AgendaApproved && !urgent:
		return nil, precondition("urgent", "the agenda is approved: a new item needs the meeting's decision to take it up as urgent",
			"esityslista on hyväksytty: uusi asia voidaan käsitellä vain kiireellisenä kokouksen päätöksellä")
	case urgent && !(m.State == v1.MeetingState_MEETING_STATE_OPEN && m.AgendaApproved):
		return nil, precondition("urgent", "an urgent item is added in an open meeting after its agenda is approved",
			"kiireellinen asia lisätään avattuun kokoukseen esityslistan hyväksymisen jälkeen")
	}
	if item == nil {
		return nil, invalid("item", "is required", "on pakollinen")
	}
	item = proto.CloneOf(item)
	if item.GetOrigin() == v1.ItemOrigin_ITEM_ORIGIN_UNSPECIFIED {
		item.Origin = v1.ItemOrigin_ITEM_ORIGIN_SECRETARY
	}
	if err := checkItem(item); err != nil {
		return nil, err
	}
	if item.GetStandard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED {
		return nil, invalid("item.standard", "standard items are created with the meeting, not added by hand",
			"vakioasiat syntyvät kokouksen mukana, niitä ei lisätä käsin")
	}
	switch item.GetOrigin() {
	case v1.ItemOrigin_ITEM_ORIGIN_STANDARD, v1.ItemOrigin_ITEM_ORIGIN_ANNUAL_CYCLE, v1.ItemOrigin_ITEM_ORIGIN_ESCALATED, v1.ItemOrigin_ITEM_ORIGIN_REFERRED,
		v1.ItemOrigin_ITEM_ORIGIN_REPRESENTATIVE:
		return nil, invalid("item.origin", "standard, annual-cycle, escalated, referred and representatives' items are created by the service, not added by hand",
			"vakioasiat, vuosikellon asiat, ylös viedyt ja alas ohjatut asiat sekä edustajien tuomat asiat syntyvät palvelussa, niitä ei lisätä käsin")
	case v1.ItemOrigin_ITEM_ORIGIN_MEMBER:
		if d := m.Deadline(); !urgent && d != "" && today > d {
			return nil, precondition("meeting_id", "proposals for this meeting closed on "+d+"; propose it for a later meeting",
				"tämän kokouksen asiaehdotusten määräaika päättyi "+d+"; ehdota asiaa myöhempään kokoukseen")
		}
	}
	if previousItemID != "" {
		prev, ok := s.items[previousItemID]
		switch {
		case !ok:
			return nil, notFound("previous_item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
		case prev.Decision.GetOutcome() != v1.Outcome_OUTCOME_TABLED && prev.Decision.GetOutcome() != v1.Outcome_OUTCOME_RETURNED:
			return nil, precondition("previous_item_id", "only a tabled or returned item comes back on a later agenda",
				"vain pöydälle jätetty tai valmisteluun palautettu asia tuodaan uudelleen käsiteltäväksi")
		case prev.ContinuedBy != "":
			return nil, precondition("previous_item_id", "the item has already come back on another agenda", "asia on jo tuotu uudelleen käsiteltäväksi")
		}
	}
	return []proto.Message{&v1.ItemAdded{ItemId: itemID, MeetingId: meetingID, Item: item, Urgent: urgent, PreviousItemId: previousItemID}}, nil
}

var themePattern = regexp.MustCompile(`^\p{L}[\p{L}\p{N} -]{0,59}$`)

func checkItem(it *v1.AgendaItem) *Error {
	for _, c := range []struct {
		field, value string
		required     bool
		max          int
	}{
		{"item.title", it.GetTitle(), true, 300}, {"item.preparer", it.GetPreparer(), false, 200},
		{"item.grounds", it.GetGrounds(), false, 20000}, {"item.proposal", it.GetProposal(), false, 20000},
		{"item.legal_ground", it.GetLegalGround(), false, 300},
	} {
		if err := checkText(c.field, c.value, c.required, c.max); err != nil {
			return err
		}
	}
	switch it.GetOpenness() {
	case v1.Openness_OPENNESS_PUBLIC, v1.Openness_OPENNESS_INTERNAL:
	case v1.Openness_OPENNESS_SECRET:
		if strings.TrimSpace(it.GetLegalGround()) == "" {
			return invalid("item.legal_ground", "a secret item names its legal ground (e.g. JulkL 24 § 1 mom. 25 k)",
				"salaiselle asialle on annettava salassapitoperuste (esim. JulkL 24 § 1 mom. 25 k)")
		}
	default:
		return invalid("item.openness", "must be public, internal or secret", "pitää olla julkinen, sisäinen tai salainen")
	}
	if _, ok := v1.ItemOrigin_name[int32(it.GetOrigin())]; !ok {
		return invalid("item.origin", "is not a known origin", "ei ole tunnettu alkuperä")
	}
	if err := checkTags("item.tags", it.GetTags().GetTasks(), it.GetTags().GetMunicipalities(), it.GetTags().GetThemes()); err != nil {
		return err
	}
	if len(it.GetFamilyVoiceIds()) > 50 {
		return invalid("item.family_voice_ids", "at most 50 family voices", "enintään 50 perheiden ääntä")
	}
	for i, id := range it.GetFamilyVoiceIds() {
		field := fmt.Sprintf("item.family_voice_ids[%d]", i)
		if err := checkID(field, id, true); err != nil {
			return err
		}
		if slices.Contains(it.GetFamilyVoiceIds()[:i], id) {
			return invalid(field, "is listed twice", "on listattu kahdesti")
		}
	}
	if len(it.GetAttachmentUrls()) > 50 {
		return invalid("item.attachment_urls", "at most 50 attachments", "enintään 50 liitettä")
	}
	for i, u := range it.GetAttachmentUrls() {
		field := fmt.Sprintf("item.attachment_urls[%d]", i)
		if u == "" {
			return invalid(field, "is empty", "on tyhjä")
		}
		if err := checkURL(field, u); err != nil {
			return err
		}
	}
	return nil
}

func checkTags(field string, tasks []v1.FamilyCentreTask, municipalities, themes []string) *Error {
	for i, t := range tasks {
		if t <= v1.FamilyCentreTask_FAMILY_CENTRE_TASK_UNSPECIFIED || t > v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE {
			return invalid(fmt.Sprintf("%s.tasks[%d]", field, i), "must be one of the family-centre tasks T1-T7", "pitää olla jokin perhekeskuksen tehtävistä T1–T7")
		}
	}
	for i, m := range municipalities {
		if !municipalityCode.MatchString(m) {
			return invalid(fmt.Sprintf("%s.municipalities[%d]", field, i), "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
		}
	}
	for i, th := range themes {
		if ContainsIdentityCode(th) {
			return invalid(fmt.Sprintf("%s.themes[%d]", field, i), "contains a Finnish personal identity code; Ohjaamo never stores one",
				"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
		}
		if !themePattern.MatchString(th) {
			return invalid(fmt.Sprintf("%s.themes[%d]", field, i), "must be a word or a few (letters, digits, spaces, hyphens; at most 60)",
				"pitää olla sana tai muutama (kirjaimia, numeroita, välilyöntejä, väliviivoja; enintään 60)")
		}
	}
	return nil
}

// WithdrawItem decides the withdrawal of an undecided item.
func (s *Meetings) WithdrawItem(itemID, reason string) ([]proto.Message, error) {
	it, ok := s.items[itemID]
	if !ok {
		return nil, notFound("item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
	}
	switch {
	case it.Withdrawn:
		return nil, precondition("item_id", "the item is already withdrawn", "asia on jo poistettu")
	case it.Section != 0:
		return nil, precondition("item_id", "the item is decided; a decision is corrected, not withdrawn", "asiasta on päätetty; päätöstä ei voi poistaa")
	}
	if err := checkText("reason", reason, false, 500); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.ItemWithdrawn{ItemId: itemID, Reason: reason}}, nil
}

// Open decides the opening of a scheduled meeting. members are the group's
// active memberships by id.
func (s *Meetings) Open(meetingID, openedAt string, attendance []*v1.Attendance, lawful, quorate bool, group *Group) ([]proto.Message, error) {
	m, err := s.scheduled(meetingID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, a := range attendance {
		field := fmt.Sprintf("attendance[%d]", i)
		mem, ok := group.Member(a.GetMembershipId())
		if !ok || mem.Ended {
			return nil, notFound(field+".membership_id", "is not an active member of this group", "ei ole ryhmän jäsen")
		}
		if seen[mem.ID] {
			return nil, invalid(field+".membership_id", "is listed twice", "on listattu kahdesti")
		}
		seen[mem.ID] = true
		switch a.GetStatus() {
		case v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT, v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT:
		case v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY:
			if err := checkText(field+".deputy_name", a.GetDeputyName(), true, 200); err != nil {
				return nil, err
			}
		default:
			return nil, invalid(field+".status", "must be present, absent or deputy", "pitää olla läsnä, poissa tai varajäsen")
		}
	}
	if !lawful || !quorate {
		return nil, precondition("quorate", "a meeting is opened only when it is lawfully convened and has a quorum",
			"kokous voidaan avata vain, kun se on laillisesti koolle kutsuttu ja päätösvaltainen")
	}
	events := []proto.Message{&v1.MeetingOpened{MeetingId: m.ID, OpenedAt: openedAt, Attendance: attendance, Lawful: lawful, Quorate: quorate}}
	events = s.decideStandard(events, m, map[v1.StandardItem]string{
		v1.StandardItem_STANDARD_ITEM_OPENING:             "Puheenjohtaja avasi kokouksen klo " + clock(openedAt) + ".",
		v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM: "Kokous todettiin laillisesti koolle kutsutuksi ja päätösvaltaiseksi.",
	})
	if len(openedAt) >= len(DateLayout) {
		events = s.standingResponsibilities(events, m, openedAt[:len(DateLayout)])
	}
	return events, nil
}

// ApproveAgenda decides the approval of an open meeting's agenda.
func (s *Meetings) ApproveAgenda(meetingID string) ([]proto.Message, error) {
	m, err := s.open(meetingID)
	if err != nil {
		return nil, err
	}
	if m.AgendaApproved {
		return nil, nil
	}
	return s.decideStandard([]proto.Message{&v1.AgendaApproved{MeetingId: m.ID}}, m, map[v1.StandardItem]string{
		v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL: "Esityslista hyväksyttiin kokouksen työjärjestykseksi.",
	}), nil
}

// Decide records the decision on an item of an open meeting and gives it
// the next § number of the meeting's calendar year.
func (s *Meetings) Decide(itemID string, d *v1.Decision, group *Group) ([]proto.Message, error) {
	it, ok := s.items[itemID]
	if !ok {
		return nil, notFound("item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
	}
	m, ok := s.meetings[it.MeetingID]
	if !ok {
		return nil, precondition("item_id", "the item is not on any meeting's agenda yet; move it onto one first",
			"asia ei ole vielä minkään kokouksen esityslistalla; siirrä se ensin kokoukseen")
	}
	if m.State != v1.MeetingState_MEETING_STATE_OPEN {
		return nil, precondition("item_id", "decisions are made in an open meeting; this meeting is "+meetingStateWord(m.State),
			"päätökset tehdään avatussa kokouksessa; tämä kokous on "+meetingStateWordFI(m.State))
	}
	switch {
	case it.Withdrawn:
		return nil, precondition("item_id", "the item was withdrawn", "asia on poistettu esityslistalta")
	case it.Section != 0:
		return nil, precondition("item_id", fmt.Sprintf("the item is already decided (§ %d)", it.Section), fmt.Sprintf("asiasta on jo päätetty (§ %d)", it.Section))
	}
	if err := checkDecision(d, m, group); err != nil {
		return nil, err
	}
	events := []proto.Message{&v1.DecisionRecorded{ItemId: itemID, Section: s.sections[m.Year()] + 1, Decision: proto.CloneOf(d)}}
	return proposeResponsibilities(events, it, m, d, group), nil
}

// checkDecision validates a decision taken in meeting m of group.
func checkDecision(d *v1.Decision, m *Meeting, group *Group) *Error {
	if _, ok := v1.Outcome_name[int32(d.GetOutcome())]; !ok || d.GetOutcome() == v1.Outcome_OUTCOME_UNSPECIFIED {
		return invalid("decision.outcome", "must be approved as proposed, approved as amended, noted, tabled, returned or rejected",
			"pitää olla hyväksytty ehdotuksen mukaisesti, hyväksytty muutettuna, merkitty tiedoksi, jätetty pöydälle, palautettu tai hylätty")
	}
	if err := checkText("decision.text", d.GetText(), true, 20000); err != nil {
		return err
	}
	for i, ds := range d.GetDissents() {
		field := fmt.Sprintf("decision.dissents[%d]", i)
		if !present(m, ds.GetMembershipId()) {
			return precondition(field+".membership_id", "only a member present at the meeting can dissent", "eriävän mielipiteen voi jättää vain kokouksessa läsnä ollut jäsen")
		}
		if err := checkText(field+".text", ds.GetText(), false, 5000); err != nil {
			return err
		}
	}
	disqualified := map[string]bool{}
	for i, id := range d.GetDisqualifiedMembershipIds() {
		if _, ok := group.Member(id); !ok {
			return notFound(fmt.Sprintf("decision.disqualified_membership_ids[%d]", i), "is not a member of this group", "ei ole ryhmän jäsen")
		}
		disqualified[id] = true
	}
	for i, cp := range d.GetCounterProposals() {
		field := fmt.Sprintf("decision.counter_proposals[%d]", i)
		if err := checkText(field+".text", cp.GetText(), true, 5000); err != nil {
			return err
		}
		if !present(m, cp.GetMembershipId()) || disqualified[cp.GetMembershipId()] {
			return precondition(field+".membership_id", "a counter-proposal is made by a member present and not disqualified",
				"vastaehdotuksen voi tehdä vain läsnä oleva jäsen, joka ei ole esteellinen")
		}
		if s := cp.GetSecondedByMembershipId(); s != "" && (s == cp.GetMembershipId() || !present(m, s) || disqualified[s]) {
			return precondition(field+".seconded_by_membership_id", "a counter-proposal is seconded by another member present and not disqualified",
				"vastaehdotusta voi kannattaa vain toinen läsnä oleva jäsen, joka ei ole esteellinen")
		}
	}
	if len(d.GetVotes()) > 0 && len(d.GetCounterProposals()) != 1 {
		return precondition("decision.votes", "a vote is taken between the proposal and one seconded counter-proposal",
			"äänestys toimitetaan päätösehdotuksen ja yhden kannatetun vastaehdotuksen välillä")
	}
	voted := map[string]bool{}
	for i, v := range d.GetVotes() {
		field := fmt.Sprintf("decision.votes[%d]", i)
		switch {
		case disqualified[v.GetMembershipId()]:
			return precondition(field+".membership_id", "a member disqualified from the item cannot vote on it", "esteellinen jäsen ei voi äänestää asiassa")
		case !present(m, v.GetMembershipId()):
			return precondition(field+".membership_id", "only a member present votes", "vain läsnä oleva jäsen äänestää")
		case voted[v.GetMembershipId()]:
			return invalid(field+".membership_id", "votes twice", "äänestää kahdesti")
		case v.GetChoice() <= v1.VoteChoice_VOTE_CHOICE_UNSPECIFIED || v.GetChoice() > v1.VoteChoice_VOTE_CHOICE_ABSTAIN:
			return invalid(field+".choice", "must be proposal, counter-proposal or abstain", "pitää olla päätösehdotus, vastaehdotus tai tyhjä")
		}
		voted[v.GetMembershipId()] = true
	}
	af := d.GetAffects()
	for i, g := range af.GetGroupIds() {
		if slices.Contains(af.GetGroupIds()[:i], g) {
			return invalid(fmt.Sprintf("decision.affects.group_ids[%d]", i), "is listed twice", "on listattu kahdesti")
		}
		if err := checkID(fmt.Sprintf("decision.affects.group_ids[%d]", i), g, true); err != nil {
			return err
		}
	}
	for i, o := range af.GetOrganisations() {
		if err := checkText(fmt.Sprintf("decision.affects.organisations[%d]", i), o, true, 200); err != nil {
			return err
		}
	}
	if err := checkTags("decision.affects", af.GetTasks(), af.GetMunicipalities(), af.GetThemes()); err != nil {
		return err
	}
	return nil
}

// Close decides the closing of an open meeting.
func (s *Meetings) Close(meetingID, closedAt string) ([]proto.Message, error) {
	m, err := s.open(meetingID)
	if err != nil {
		return nil, err
	}
	next := "Seuraavan kokouksen ajankohta ilmoitetaan myöhemmin."
	if n := s.nextMeeting(m); n != nil {
		where := n.Place
		if where == "" {
			where = "etäkokous"
		}
		next = "Seuraava kokous pidetään " + finnishDate(n.StartsAt) + " klo " + clock(n.StartsAt) + ", " + where + "."
	}
	events := s.decideStandard(nil, m, map[v1.StandardItem]string{
		v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS: "Muita asioita ei ollut.",
		v1.StandardItem_STANDARD_ITEM_NEXT_MEETING:  next,
		v1.StandardItem_STANDARD_ITEM_CLOSING:       "Puheenjohtaja päätti kokouksen klo " + clock(closedAt) + ".",
	})
	return append(events, &v1.MeetingClosed{MeetingId: m.ID, ClosedAt: closedAt}), nil
}

// NameCheckers decides the two minutes checkers of an open meeting, from
// the members present.
//
// Checkers forgotten in the meeting may still be named after it closed, as
// long as nobody has checked the minutes yet; the checkers item then stays
// without a decision (its § would fall after the closing items), and the
// minutes show the checkers at the signatures.
func (s *Meetings) NameCheckers(meetingID string, ids []string) ([]proto.Message, error) {
	m, ok := s.meetings[meetingID]
	afterwards := ok && m.State == v1.MeetingState_MEETING_STATE_CLOSED && !m.MinutesApproved && len(m.CheckedBy) == 0
	if !afterwards {
		var err *Error
		if m, err = s.open(meetingID); err != nil {
			return nil, err
		}
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		return nil, invalid("membership_ids", "name two different members present", "nimeä kaksi eri läsnä olevaa jäsentä")
	}
	for i, id := range ids {
		if !present(m, id) {
			return nil, precondition(fmt.Sprintf("membership_ids[%d]", i), "a minutes checker is a member present at the meeting",
				"pöytäkirjantarkastajan pitää olla kokouksessa läsnä")
		}
	}
	if slices.Equal(ids, m.Checkers) {
		return nil, nil
	}
	if afterwards {
		return []proto.Message{&v1.MinutesCheckersNamed{MeetingId: m.ID, MembershipIds: ids}}, nil
	}
	// The names stay out of the decision text (the minutes show them from
	// the memberships), so forgetting a person needs no change to decisions.
	return s.decideStandard([]proto.Message{&v1.MinutesCheckersNamed{MeetingId: m.ID, MembershipIds: ids}}, m, map[v1.StandardItem]string{
		v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS: "Pöytäkirjantarkastajiksi valittiin kaksi kokouksessa läsnä olevaa jäsentä.",
	}), nil
}

// CheckMinutes decides that a named checker has checked the closed meeting's minutes.
func (s *Meetings) CheckMinutes(meetingID, membershipID, on string) ([]proto.Message, error) {
	m, err := s.closed(meetingID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(m.Checkers, membershipID) {
		return nil, precondition("membership_id", "is not a minutes checker of this meeting", "ei ole tämän kokouksen pöytäkirjantarkastaja")
	}
	if slices.Contains(m.CheckedBy, membershipID) {
		return nil, nil
	}
	return []proto.Message{&v1.MinutesChecked{MeetingId: m.ID, MembershipId: membershipID, CheckedOn: on}}, nil
}

// ApproveMinutes decides that the minutes are final: formal minutes once
// both checkers have checked them, a memo at once.
func (s *Meetings) ApproveMinutes(meetingID, on string, group *Group) ([]proto.Message, error) {
	m, err := s.closed(meetingID)
	if err != nil {
		return nil, err
	}
	if m.MinutesApproved {
		return nil, nil
	}
	if group.Mode != v1.GroupMode_GROUP_MODE_MEMO && (len(m.Checkers) != 2 || len(m.CheckedBy) != 2) {
		return nil, precondition("meeting_id", "formal minutes are approved after both minutes checkers have checked them",
			"pöytäkirja hyväksytään, kun molemmat pöytäkirjantarkastajat ovat tarkastaneet sen")
	}
	return s.confirmProposed([]proto.Message{&v1.MinutesApproved{MeetingId: m.ID, ApprovedOn: on}}, m), nil
}

// CorrectDecision decides a correction of a decision after its meeting
// closed; the § stays, the original stays in the log.
func (s *Meetings) CorrectDecision(itemID string, d *v1.Decision, reason string, group *Group) ([]proto.Message, error) {
	it, ok := s.items[itemID]
	if !ok {
		return nil, notFound("item_id", "no such item in this group", "ryhmällä ei ole tätä asiaa")
	}
	m := s.meetings[it.MeetingID]
	switch {
	case it.Section == 0:
		return nil, precondition("item_id", "the item has no decision to correct", "asiassa ei ole korjattavaa päätöstä")
	case m.State != v1.MeetingState_MEETING_STATE_CLOSED:
		return nil, precondition("item_id", "a decision is corrected after its meeting has closed", "päätöstä korjataan vasta kokouksen päätyttyä")
	}
	if err := checkText("reason", reason, true, 2000); err != nil {
		return nil, err
	}
	if err := checkDecision(d, m, group); err != nil {
		return nil, err
	}
	events := []proto.Message{&v1.DecisionCorrected{ItemId: itemID, Decision: proto.CloneOf(d), Reason: reason}}
	// A correction that makes the decision final or names another affected
	// child group proposes what the decision would have (assigned at once
	// when the minutes are already approved); a proposal the corrected
	// decision no longer calls for is waived.
	wanted := map[string]bool{}
	for _, ev := range proposeResponsibilities(nil, it, m, d, group) {
		p := ev.(*v1.ResponsibilityAssigned)
		wanted[p.GetResponsibilityId()] = true
		if _, dup := s.resps[p.GetResponsibilityId()]; !dup {
			p.Proposed = !m.MinutesApproved
			events = append(events, p)
		}
	}
	for _, r := range s.ResponsibilitiesOf(itemID) {
		if r.State == v1.ResponsibilityState_RESPONSIBILITY_STATE_PROPOSED && !wanted[r.ID] {
			events = append(events, &v1.ResponsibilityWaived{ResponsibilityId: r.ID, Reason: "Päätöstä korjattiin: " + reason})
		}
	}
	return events, nil
}

func present(m *Meeting, membershipID string) bool {
	for _, a := range m.Attendance {
		if a.GetMembershipId() == membershipID && a.GetStatus() != v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT {
			return true
		}
	}
	return false
}

func (s *Meetings) closed(id string) (*Meeting, *Error) {
	m, ok := s.meetings[id]
	if !ok {
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	}
	if m.State != v1.MeetingState_MEETING_STATE_CLOSED {
		return nil, precondition("meeting_id", "the minutes are checked after the meeting has closed; it is "+meetingStateWord(m.State),
			"pöytäkirja tarkastetaan kokouksen päätyttyä; kokous on "+meetingStateWordFI(m.State))
	}
	return m, nil
}

func (s *Meetings) scheduled(id string) (*Meeting, *Error) {
	m, ok := s.meetings[id]
	if !ok {
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	}
	if m.State != v1.MeetingState_MEETING_STATE_SCHEDULED {
		return nil, precondition("meeting_id", "the meeting is "+meetingStateWord(m.State), "kokous on "+meetingStateWordFI(m.State))
	}
	return m, nil
}

func (s *Meetings) open(id string) (*Meeting, *Error) {
	m, ok := s.meetings[id]
	if !ok {
		return nil, notFound("meeting_id", "no such meeting in this group", "ryhmällä ei ole tätä kokousta")
	}
	if m.State != v1.MeetingState_MEETING_STATE_OPEN {
		return nil, precondition("meeting_id", "the meeting is not open; it is "+meetingStateWord(m.State), "kokous ei ole auki; se on "+meetingStateWordFI(m.State))
	}
	return m, nil
}

func meetingStateWord(s v1.MeetingState) string {
	return map[v1.MeetingState]string{v1.MeetingState_MEETING_STATE_SCHEDULED: "scheduled, not yet opened",
		v1.MeetingState_MEETING_STATE_OPEN: "open", v1.MeetingState_MEETING_STATE_CLOSED: "closed",
		v1.MeetingState_MEETING_STATE_CANCELLED: "cancelled"}[s]
}

func meetingStateWordFI(s v1.MeetingState) string {
	return map[v1.MeetingState]string{v1.MeetingState_MEETING_STATE_SCHEDULED: "vasta suunniteltu, ei avattu",
		v1.MeetingState_MEETING_STATE_OPEN: "auki", v1.MeetingState_MEETING_STATE_CLOSED: "päättynyt",
		v1.MeetingState_MEETING_STATE_CANCELLED: "peruttu"}[s]
}
