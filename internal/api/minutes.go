package api

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// GetMinutes renders a meeting's minutes (pöytäkirja) or memo (muistio)
// from the read models, as Markdown or printable HTML.
func (s meetingService) GetMinutes(ctx context.Context, req *connect.Request[v1.GetMinutesRequest]) (*connect.Response[v1.GetMinutesResponse], error) {
	m := req.Msg
	lang, err := minutesLanguage(m.GetLanguage())
	if err != nil {
		return nil, err
	}
	contentType, err := minutesContentType(m.GetFormat())
	if err != nil {
		return nil, err
	}
	meeting, err := s.readMeeting(ctx, m.GetGroupId(), m.GetMeetingId(), m.GetMinPosition())
	if err != nil {
		return nil, err
	}
	// Ended memberships too: someone who attended may have left the group since.
	group, err := s.rt.Group(ctx, m.GetGroupId(), true)
	if err != nil {
		return nil, err
	}
	if err := s.showPeople(ctx, group); err != nil {
		return nil, err
	}
	// Who may not read the group's internal material gets the public
	// version whatever they ask; who reads it but not its secrets (admins,
	// the parent group's secretary) gets the full one without the secret
	// items' content.
	c := callerOf(ctx)
	public := m.GetPublic() || !c.readsInternal(m.GetGroupId())
	hideSecret := public || !c.readsSecret(m.GetGroupId())
	// The public version is what anyone may see, whoever asks for it.
	sight := c
	if public {
		sight = anonymous
	}
	if err := s.redactMeeting(ctx, sight, meeting); err != nil {
		return nil, err
	}
	if meeting.OverdueResponsibilities, err = s.visibleResponsibilities(ctx, c, meeting.GetOverdueResponsibilities()); err != nil {
		return nil, err
	}
	text, err := renderMinutes(meeting, group, lang, public, hideSecret, m.GetFormat())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.GetMinutesResponse{ContentType: contentType, Text: text}), nil
}

func minutesLanguage(lang string) (string, error) {
	switch l := strings.ToLower(strings.TrimSpace(lang)); l {
	case "":
		return "fi", nil
	case "fi", "sv", "en":
		return l, nil
	}
	return "", domain.Invalid("language", `must be "fi", "sv" or "en"`, `pitää olla "fi", "sv" tai "en"`)
}

func minutesContentType(f v1.MinutesFormat) (string, error) {
	switch f {
	case v1.MinutesFormat_MINUTES_FORMAT_UNSPECIFIED, v1.MinutesFormat_MINUTES_FORMAT_MARKDOWN:
		return "text/markdown; charset=utf-8", nil
	case v1.MinutesFormat_MINUTES_FORMAT_HTML:
		return "text/html; charset=utf-8", nil
	}
	return "", domain.Invalid("format", "must be Markdown or HTML", "pitää olla Markdown tai HTML")
}

// RenderMinutes renders a meeting with its group's memberships as minutes in
// lang ("fi", "sv" or "en"). Public minutes show a secret item only by its §
// and legal ground, and an internal one only by its §. It reads nothing but
// its arguments, so golden tests can feed it fixed data.
func RenderMinutes(m *v1.MeetingView, g *v1.Group, lang string, public bool, format v1.MinutesFormat) (string, error) {
	return renderMinutes(m, g, lang, public, public, format)
}

// renderMinutes is RenderMinutes that may also leave out the secret items'
// content alone (hideSecret), for readers of a group's internal material
// who may not read its secrets.
func renderMinutes(m *v1.MeetingView, g *v1.Group, lang string, public, hideSecret bool, format v1.MinutesFormat) (string, error) {
	lang, err := minutesLanguage(lang)
	if err != nil {
		return "", err
	}
	if _, err := minutesContentType(format); err != nil {
		return "", err
	}
	doc := buildMinutes(m, g, lang, public, hideSecret)
	var b bytes.Buffer
	if format == v1.MinutesFormat_MINUTES_FORMAT_HTML {
		err = minutesHTML.Execute(&b, doc)
	} else {
		err = minutesMarkdown.Execute(&b, doc)
	}
	if err != nil {
		return "", fmt.Errorf("render minutes of meeting %s: %w", m.GetId(), err)
	}
	return b.String(), nil
}

// minutesDoc is what the templates see: every word already chosen in the
// document's language, user text still raw (the templates escape it).
type minutesDoc struct {
	Lang      string
	L         minutesLabels
	GroupName string
	Kind      string // Pöytäkirja or Muistio
	Memo      bool
	Date      string
	When      string
	Place     string
	VideoLink string
	Notes     []string // draft or cancelled, public version
	Lawful    string   // the meeting was found lawful and quorate
	Present   []minutesPerson
	Absent    []minutesPerson
	Items     []minutesItem
	Chair     string
	Secretary string
	// Checkers are the two minutes checkers' names once named (two empty
	// lines to sign before that).
	Checkers []string
}

type minutesPerson struct{ Name, Role, Organisation string }

type minutesItem struct {
	Heading   string
	Hidden    bool   // a secret item in public minutes: its § and legal ground only
	Secret    string // "Salassa pidettävä, <legal ground>"
	Withdrawn bool
	Urgent    bool
	// Earlier handlings of the matter (tabled or returned before), oldest
	// first, each in words: "12.3.2026 § 14, jätettiin pöydälle: <text>".
	Earlier  []string
	Preparer string
	Grounds  string
	Proposal string
	Decided  bool
	Outcome  string
	Decision string
	// Corrections of the decision after the meeting, in order, each in
	// words with its date, reason and the decision it replaced.
	Corrections  []string
	Dissents     []minutesDissent
	Disqualified string
	Attachments  []string
	// Counter-proposals made and seconded, and the vote between the
	// proposal and the counter-proposal, each already in words.
	CounterProposals []string
	Vote             string
}

type minutesDissent struct{ Name, Text string }

func buildMinutes(m *v1.MeetingView, g *v1.Group, lang string, public, hideSecret bool) minutesDoc {
	l := minutesWords[lang]
	doc := minutesDoc{Lang: lang, L: l, GroupName: groupNameIn(g.GetName(), lang), Kind: l.Minutes,
		Place: m.GetPlace(), VideoLink: m.GetVideoLink()}
	if doc.GroupName == "" {
		doc.GroupName = m.GetGroupName()
	}
	if g.GetMode() == v1.GroupMode_GROUP_MODE_MEMO {
		doc.Kind, doc.Memo = l.Memo, true
	}
	doc.Date, doc.When = minutesTime(m.GetStartsAt(), lang)
	switch m.GetState() {
	case v1.MeetingState_MEETING_STATE_CANCELLED:
		doc.Notes = append(doc.Notes, strings.TrimSpace(l.Cancelled+" "+m.GetCancelReason()))
	case v1.MeetingState_MEETING_STATE_CLOSED:
	default:
		doc.Notes = append(doc.Notes, l.Draft)
	}
	if public {
		doc.Notes = append(doc.Notes, l.PublicVersion)
	}
	if m.GetLawful() && m.GetQuorate() {
		doc.Lawful = l.Lawful
	}

	names := newMeetingNames(m, g, lang)
	members, memberName, nameInSeat := names.members, names.member, names.seated
	doc.Chair, doc.Secretary = signatories(m, g, lang)
	var present, absent []*v1.Attendance
	for _, a := range m.GetAttendance() {
		if a.GetStatus() == v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT {
			absent = append(absent, a)
			continue
		}
		present = append(present, a)
	}
	doc.Checkers = []string{"", ""}
	for i, id := range m.GetCheckerMembershipIds() {
		if i < len(doc.Checkers) {
			doc.Checkers[i] = nameInSeat(id)
		}
	}
	person := func(a *v1.Attendance) minutesPerson {
		mem := members[a.GetMembershipId()]
		p := minutesPerson{Name: memberName(a.GetMembershipId()), Role: l.Roles[mem.GetRole()], Organisation: mem.GetOrganisation()}
		if a.GetStatus() == v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY {
			p.Name, p.Role = a.GetDeputyName(), fmt.Sprintf(l.DeputyFor, p.Name)
		}
		return p
	}
	byRole := func(a, b *v1.Attendance) int {
		return cmp.Compare(minutesRoleOrder(members[a.GetMembershipId()].GetRole()), minutesRoleOrder(members[b.GetMembershipId()].GetRole()))
	}
	slices.SortStableFunc(present, byRole)
	slices.SortStableFunc(absent, byRole)
	for _, a := range present {
		doc.Present = append(doc.Present, person(a))
	}
	for _, a := range absent {
		doc.Absent = append(doc.Absent, person(a))
	}

	for _, it := range m.GetItems() {
		ai, d := it.GetItem(), it.GetDecision()
		title := ai.GetTitle()
		if t, ok := standardTitles[lang][ai.GetStandard()]; ok {
			title = t
		}
		out := minutesItem{Heading: title, Withdrawn: it.GetWithdrawn(), Urgent: it.GetUrgent()}
		if it.GetSection() > 0 {
			out.Heading = fmt.Sprintf("§ %d %s", it.GetSection(), title)
		}
		hide, stub := false, l.SecretItem
		switch ai.GetOpenness() {
		case v1.Openness_OPENNESS_SECRET:
			out.Secret = strings.TrimSpace(l.Secret + ", " + ai.GetLegalGround())
			hide = hideSecret
		case v1.Openness_OPENNESS_INTERNAL:
			hide, stub = public, l.InternalItem
			if hide {
				out.Secret = l.Internal
			}
		}
		if hide {
			out.Hidden = true
			out.Heading = stub
			if it.GetSection() > 0 {
				out.Heading = fmt.Sprintf("§ %d", it.GetSection())
			}
			doc.Items = append(doc.Items, out)
			continue
		}
		out.Preparer, out.Grounds, out.Proposal, out.Attachments = ai.GetPreparer(), ai.GetGrounds(), ai.GetProposal(), ai.GetAttachmentUrls()
		for _, h := range it.GetHistory() {
			out.Earlier = append(out.Earlier, earlierHandling(h, l, lang))
		}
		if d != nil && it.GetSection() > 0 {
			out.Decided, out.Outcome, out.Decision = true, l.Outcomes[d.GetOutcome()], d.GetText()
			if sameWords(out.Decision, out.Outcome) { // "Merkittiin tiedoksi." twice says nothing more
				out.Decision = ""
			}
			for i, c := range it.GetCorrections() {
				out.Corrections = append(out.Corrections, correctionNote(c, i == 0, l, lang))
			}
			for _, ds := range d.GetDissents() {
				out.Dissents = append(out.Dissents, minutesDissent{Name: nameInSeat(ds.GetMembershipId()), Text: ds.GetText()})
			}
			for _, cp := range d.GetCounterProposals() {
				line := nameInSeat(cp.GetMembershipId()) + ": " + cp.GetText()
				if sec := cp.GetSecondedByMembershipId(); sec != "" {
					line += " (" + l.SecondedBy + " " + nameInSeat(sec) + ")"
				}
				out.CounterProposals = append(out.CounterProposals, line)
			}
			if votes := d.GetVotes(); len(votes) > 0 {
				byChoice := map[v1.VoteChoice][]string{}
				for _, v := range votes {
					byChoice[v.GetChoice()] = append(byChoice[v.GetChoice()], nameInSeat(v.GetMembershipId()))
				}
				var parts []string
				for _, c := range []v1.VoteChoice{v1.VoteChoice_VOTE_CHOICE_PROPOSAL, v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL, v1.VoteChoice_VOTE_CHOICE_ABSTAIN} {
					if names := byChoice[c]; len(names) > 0 {
						parts = append(parts, fmt.Sprintf("%s %d (%s)", l.VoteChoices[c], len(names), strings.Join(names, ", ")))
					}
				}
				out.Vote = strings.Join(parts, "; ")
			}
			var names []string
			for _, id := range d.GetDisqualifiedMembershipIds() {
				names = append(names, nameInSeat(id))
			}
			out.Disqualified = strings.Join(names, ", ")
		}
		doc.Items = append(doc.Items, out)
	}
	return doc
}

// meetingNames names the people of one meeting by membership id.
type meetingNames struct {
	members map[string]*v1.Membership
	sitting map[string]string // the deputy's name where a deputy stood in
	unknown string
	lang    string
}

func newMeetingNames(m *v1.MeetingView, g *v1.Group, lang string) meetingNames {
	if _, ok := minutesWords[lang]; !ok {
		lang = "fi"
	}
	n := meetingNames{members: map[string]*v1.Membership{}, sitting: map[string]string{}, unknown: minutesWords[lang].UnknownMember, lang: lang}
	for _, mem := range g.GetMembers() {
		n.members[mem.GetId()] = mem
	}
	for _, a := range m.GetAttendance() {
		if a.GetStatus() == v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY {
			n.sitting[a.GetMembershipId()] = a.GetDeputyName()
		}
	}
	return n
}

// member is the name of the member who holds the seat.
func (n meetingNames) member(id string) string {
	if mem, ok := n.members[id]; ok {
		return shownName(mem, n.lang)
	}
	return n.unknown + " " + id
}

// shownName is a member's name, or for a forgotten person their role and
// organisation ("Sihteeri, Tampereen kaupunki").
func shownName(mem *v1.Membership, lang string) string {
	if mem.GetForgotten() {
		return roleAndOrganisation(mem.GetRole(), mem.GetOrganisation(), lang)
	}
	return mem.GetPersonName()
}

// seated is the name of who sat in the seat at the meeting: the deputy
// when a deputy stood in, else the member.
func (n meetingNames) seated(id string) string {
	if name, ok := n.sitting[id]; ok {
		return name
	}
	return n.member(id)
}

// MeetingNames returns how the minutes name a membership of meeting m's
// group g (with ended memberships, for those who have left since): whoever
// sat in the seat at the meeting (a deputy who stood in, else the member),
// or "unknown member <id>" in lang ("fi", "sv" or "en").
func MeetingNames(m *v1.MeetingView, g *v1.Group, lang string) func(membershipID string) string {
	return newMeetingNames(m, g, lang).seated
}

// earlierHandling puts an earlier handling of an item in words:
// "12.3.2026 § 14, jätettiin pöydälle: <decision text>." (without a text
// that only repeats the outcome).
func earlierHandling(h *v1.EarlierHandling, l minutesLabels, lang string) string {
	s, _ := minutesTime(h.GetStartsAt(), lang)
	if h.GetSection() > 0 {
		s += fmt.Sprintf(" § %d", h.GetSection())
	}
	d := h.GetDecision()
	if d == nil {
		return s
	}
	outcome := l.Outcomes[d.GetOutcome()]
	if outcome != "" {
		s += ", " + lowerFirst(strings.TrimSuffix(outcome, "."))
	}
	if text := strings.TrimSpace(d.GetText()); text != "" && !saysOutcome(text, d.GetOutcome()) {
		s += ": " + text
	}
	return withStop(s)
}

// correctionNote puts a correction in words: its date (in Finland), its
// reason, and the decision it replaced — "the original decision" for the
// first correction, "the decision before this correction" for later ones.
// The outcome of the replaced decision is named when the correction changed
// it or the replaced decision has no text.
func correctionNote(c *v1.Correction, first bool, l minutesLabels, lang string) string {
	date := c.GetCorrectedAt()
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		date, _ = minutesTime(t.In(finland).Format(time.RFC3339), lang)
	}
	s := fmt.Sprintf(l.Corrected, date)
	if reason := strings.TrimSpace(c.GetReason()); reason != "" {
		s += ": " + withStop(reason)
	} else {
		s += "."
	}
	before, after := c.GetBefore(), c.GetAfter()
	var was []string
	text := strings.TrimSpace(before.GetText())
	if outcome := l.Outcomes[before.GetOutcome()]; outcome != "" && (before.GetOutcome() != after.GetOutcome() || text == "") {
		was = append(was, outcome)
		if saysOutcome(text, before.GetOutcome()) {
			text = ""
		}
	}
	if text != "" {
		was = append(was, withStop(text))
	}
	label := l.OriginalDecision
	if !first {
		label = l.DecisionBefore
	}
	if len(was) > 0 {
		s += " " + label + ": " + strings.Join(was, " ")
	}
	return s
}

// saysOutcome tells whether a decision's text only repeats its outcome in
// the words of any language of the minutes ("Jätettiin pöydälle." under
// "tabled" in English minutes).
func saysOutcome(text string, o v1.Outcome) bool {
	for _, l := range minutesWords {
		if sameWords(text, l.Outcomes[o]) {
			return true
		}
	}
	return false
}

// lowerFirst lower-cases the first letter: "Jätettiin pöydälle" → "jätettiin pöydälle".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// withStop ends a sentence with a full stop unless it already ends in one
// (or in ! or ?).
func withStop(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}

// signatories names who signs: the chair and the secretary present at the
// meeting (the vice-chair when the chair was away), else the group's
// current ones. Roles are the memberships' roles today.
func signatories(m *v1.MeetingView, g *v1.Group, lang string) (chair, secretary string) {
	at := map[string]v1.AttendanceStatus{}
	for _, a := range m.GetAttendance() {
		at[a.GetMembershipId()] = a.GetStatus()
	}
	find := func(role v1.Role, attended bool) string {
		for _, mem := range g.GetMembers() {
			if mem.GetRole() != role {
				continue
			}
			if attended && at[mem.GetId()] == v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT || !attended && mem.GetActive() {
				return shownName(mem, lang)
			}
		}
		return ""
	}
	chair = cmp.Or(find(v1.Role_ROLE_CHAIR, true), find(v1.Role_ROLE_VICE_CHAIR, true), find(v1.Role_ROLE_CHAIR, false))
	secretary = cmp.Or(find(v1.Role_ROLE_SECRETARY, true), find(v1.Role_ROLE_SECRETARY, false))
	return chair, secretary
}

// sameWords tells whether two short texts say the same, ignoring case,
// spacing and a final full stop.
func sameWords(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimSuffix(strings.Join(strings.Fields(strings.ToLower(s)), " "), ".")
	}
	return norm(a) == norm(b)
}

// minutesRoleOrder lists those present as minutes do: the chair first, the
// secretary last.
func minutesRoleOrder(r v1.Role) int {
	switch r {
	case v1.Role_ROLE_CHAIR:
		return 0
	case v1.Role_ROLE_VICE_CHAIR:
		return 1
	case v1.Role_ROLE_MEMBER, v1.Role_ROLE_FAMILY_REPRESENTATIVE:
		return 2
	case v1.Role_ROLE_DEPUTY:
		return 3
	case v1.Role_ROLE_EXPERT:
		return 4
	case v1.Role_ROLE_SECRETARY:
		return 5
	}
	return 6
}

func groupNameIn(n *v1.LocalizedName, lang string) string {
	s := map[string]string{"sv": n.GetSv(), "en": n.GetEn()}[lang]
	if s == "" {
		s = n.GetFi()
	}
	return s
}

var englishMonths = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// minutesTime formats an RFC 3339 time in the offset it was given (the
// local time the secretary set): the date, and the date with the time.
func minutesTime(rfc3339, lang string) (date, when string) {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339, rfc3339
	}
	switch lang {
	case "en":
		date = fmt.Sprintf("%d %s %d", t.Day(), englishMonths[t.Month()-1], t.Year())
		return date, fmt.Sprintf("%s at %02d:%02d", date, t.Hour(), t.Minute())
	case "sv":
		date = fmt.Sprintf("%d.%d.%d", t.Day(), t.Month(), t.Year())
		return date, fmt.Sprintf("%s kl. %d.%02d", date, t.Hour(), t.Minute())
	default:
		date = fmt.Sprintf("%d.%d.%d", t.Day(), t.Month(), t.Year())
		return date, fmt.Sprintf("%s klo %d.%02d", date, t.Hour(), t.Minute())
	}
}

// Templates. Both see a minutesDoc; user text goes through md/mdCell in
// Markdown and through html/template's contextual escaping in HTML.
var (
	//go:embed templates/minutes.md.tmpl
	minutesMarkdownSource string
	//go:embed templates/minutes.html.tmpl
	minutesHTMLSource string

	minutesMarkdown = texttemplate.Must(texttemplate.New("minutes.md").
			Funcs(texttemplate.FuncMap{"md": mdBlock, "mdLine": mdLine, "mdCell": mdCell, "mdURL": mdURL}).Parse(minutesMarkdownSource))
	minutesHTML = htmltemplate.Must(htmltemplate.New("minutes.html").
			Funcs(htmltemplate.FuncMap{"paragraphs": textParagraphs}).Parse(minutesHTMLSource))
)

var (
	// Characters that mean something anywhere in a Markdown line.
	mdInline = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `#`, `\#`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
		`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`)
	// An ordered-list marker at the start of a line ("1. " but not "10.12.2026").
	mdOrdered = regexp.MustCompile(`^(\d{1,9})([.)])( |$)`)
)

// mdLine escapes one line of user text for Markdown: inline markup, and the
// block markers a line may start with ("- ", "+ ", "1. ", "---", "==="; # and > are escaped
// anywhere, so a heading cannot lose a trailing #).
func mdLine(s string) string {
	s = strings.TrimSpace(strings.Join(strings.Fields(s), " "))
	s = mdInline.Replace(s)
	// A list bullet, or a line of only - or = (a rule or a setext underline).
	if s != "" && strings.ContainsRune("-+=", rune(s[0])) && (len(s) == 1 || s[1] == ' ' || strings.Trim(s, s[:1]+" ") == "") {
		s = `\` + s
	}
	return mdOrdered.ReplaceAllString(s, `$1\$2$3`)
}

// mdURL writes a web address as a Markdown autolink, or as escaped text
// when it is not a plain http(s) address.
func mdURL(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	if (strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")) && !strings.ContainsAny(s, "<> \t\n\r") {
		return "<" + s + ">"
	}
	return mdLine(s)
}

// mdCell is mdLine for a table cell; mdLine already escapes "|".
func mdCell(s string) string {
	if s = mdLine(s); s == "" {
		return " "
	}
	return s
}

// mdBlock escapes multi-line user text, keeping its line breaks (as hard
// breaks) and its paragraphs.
func mdBlock(s string) string {
	var paras []string
	for _, p := range textParagraphs(s) {
		lines := make([]string, len(p))
		for i, line := range p {
			lines[i] = mdLine(line)
		}
		paras = append(paras, strings.Join(lines, "\\\n"))
	}
	return strings.Join(paras, "\n\n")
}

// textParagraphs splits text at blank lines, and each paragraph into its lines.
func textParagraphs(s string) [][]string {
	var out [][]string
	var cur []string
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			if cur != nil {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// minutesLabels are the fixed words of the minutes in one language.
type minutesLabels struct {
	Minutes, Memo, Time, Place, VideoLink                          string
	Draft, Cancelled, PublicVersion, Lawful                        string
	Present, Absent, Name, Role, Organisation, DeputyFor           string
	Items, NoItems, Withdrawn, Urgent, Preparer, Grounds, Proposal string
	Earlier, Corrected, OriginalDecision, DecisionBefore           string
	Decision, Undecided, Dissent, Disqualified, Attachments        string
	CounterProposals, Vote, SecondedBy                             string
	VoteChoices                                                    map[v1.VoteChoice]string
	Secret, SecretItem, UnknownMember                              string
	Internal, InternalItem                                         string
	Signatures, Chair, Secretary, Checkers, Checker, NameAndDate   string
	Appeal, AppealText                                             string
	Roles                                                          map[v1.Role]string
	Outcomes                                                       map[v1.Outcome]string
}

var minutesWords = map[string]minutesLabels{
	"fi": {
		Minutes: "Pöytäkirja", Memo: "Muistio", Time: "Aika", Place: "Paikka", VideoLink: "Etäyhteys",
		Draft:         "Luonnos: kokous ei ole vielä päättynyt.",
		Cancelled:     "Kokous peruttiin.",
		PublicVersion: "Julkinen versio: salassa pidettävien ja muiden ei-julkisten asioiden sisältö on jätetty pois.",
		Lawful:        "Kokous todettiin laillisesti koolle kutsutuksi ja päätösvaltaiseksi.",
		Present:       "Läsnä", Absent: "Poissa", Name: "Nimi", Role: "Rooli", Organisation: "Organisaatio",
		DeputyFor: "varajäsen (varsinainen jäsen: %s)",
		Items:     "Käsitellyt asiat", NoItems: "Esityslistalla ei ole asioita.",
		Withdrawn: "poistettu esityslistalta", Urgent: "kiireellinen asia",
		Preparer: "Valmistelija", Grounds: "Perustelut", Proposal: "Päätösehdotus",
		Earlier: "Aiempi käsittely", Corrected: "Päätöstä korjattu %s",
		OriginalDecision: "Alkuperäinen päätös", DecisionBefore: "Päätös ennen korjausta",
		Decision: "Päätös", Undecided: "Asiasta ei ole tehty päätöstä.",
		Dissent: "Eriävä mielipide", Disqualified: "Esteellinen", Attachments: "Liitteet",
		CounterProposals: "Vastaehdotukset", Vote: "Äänestys", SecondedBy: "kannattaja",
		VoteChoices: map[v1.VoteChoice]string{v1.VoteChoice_VOTE_CHOICE_PROPOSAL: "päätösehdotus", v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL: "vastaehdotus", v1.VoteChoice_VOTE_CHOICE_ABSTAIN: "tyhjää"},
		Secret:      "Salassa pidettävä", SecretItem: "Salassa pidettävä asia", UnknownMember: "tuntematon jäsen",
		Internal: "Ei julkinen", InternalItem: "Ei-julkinen asia",
		Signatures: "Allekirjoitukset", Chair: "Puheenjohtaja", Secretary: "Sihteeri",
		Checkers: "Pöytäkirjantarkastajat", Checker: "Pöytäkirjantarkastaja", NameAndDate: "nimi ja päiväys",
		Appeal: "Muutoksenhaku",
		AppealText: "Ryhmä on yhteistyöelin. Sen päätökset ovat yhteistyötä ohjaavia linjauksia ja suosituksia, " +
			"eivät hallintopäätöksiä, joten niihin ei liitetä oikaisuvaatimusohjetta eikä valitusosoitusta. " +
			"Jos jokin organisaatio tekee asiassa oman päätöksensä, siihen liitetään organisaation oma muutoksenhakuohje.",
		Roles: map[v1.Role]string{v1.Role_ROLE_CHAIR: "puheenjohtaja", v1.Role_ROLE_VICE_CHAIR: "varapuheenjohtaja",
			v1.Role_ROLE_SECRETARY: "sihteeri", v1.Role_ROLE_MEMBER: "jäsen", v1.Role_ROLE_DEPUTY: "varajäsen",
			v1.Role_ROLE_EXPERT: "asiantuntija", v1.Role_ROLE_FAMILY_REPRESENTATIVE: "perheiden edustaja"},
		Outcomes: map[v1.Outcome]string{
			v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED: "Hyväksyttiin päätösehdotuksen mukaisesti.",
			v1.Outcome_OUTCOME_APPROVED_AS_AMENDED:  "Hyväksyttiin muutettuna.",
			v1.Outcome_OUTCOME_NOTED:                "Merkittiin tiedoksi.",
			v1.Outcome_OUTCOME_TABLED:               "Jätettiin pöydälle.",
			v1.Outcome_OUTCOME_RETURNED:             "Palautettiin valmisteluun.",
			v1.Outcome_OUTCOME_REJECTED:             "Hylättiin.",
		},
	},
	"sv": {
		Minutes: "Protokoll", Memo: "Minnesanteckningar", Time: "Tid", Place: "Plats", VideoLink: "Distansanslutning",
		Draft:         "Utkast: mötet har inte avslutats.",
		Cancelled:     "Mötet ställdes in.",
		PublicVersion: "Offentlig version: innehållet i sekretessbelagda och andra icke-offentliga ärenden har utelämnats.",
		Lawful:        "Mötet konstaterades vara lagligen sammankallat och beslutfört.",
		Present:       "Närvarande", Absent: "Frånvarande", Name: "Namn", Role: "Roll", Organisation: "Organisation",
		DeputyFor: "ersättare för %s",
		Items:     "Behandlade ärenden", NoItems: "Föredragningslistan har inga ärenden.",
		Withdrawn: "struket från föredragningslistan", Urgent: "brådskande ärende",
		Preparer: "Beredare", Grounds: "Motivering", Proposal: "Beslutsförslag",
		Earlier: "Tidigare behandling", Corrected: "Beslutet rättades %s",
		OriginalDecision: "Ursprungligt beslut", DecisionBefore: "Beslutet före rättelsen",
		Decision: "Beslut", Undecided: "Inget beslut har fattats i ärendet.",
		Dissent: "Avvikande åsikt", Disqualified: "Jävig", Attachments: "Bilagor",
		CounterProposals: "Motförslag", Vote: "Omröstning", SecondedBy: "understödd av",
		VoteChoices: map[v1.VoteChoice]string{v1.VoteChoice_VOTE_CHOICE_PROPOSAL: "beslutsförslaget", v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL: "motförslaget", v1.VoteChoice_VOTE_CHOICE_ABSTAIN: "blankt"},
		Secret:      "Sekretessbelagt", SecretItem: "Sekretessbelagt ärende", UnknownMember: "okänd ledamot",
		Internal: "Inte offentligt", InternalItem: "Icke-offentligt ärende",
		Signatures: "Underskrifter", Chair: "Ordförande", Secretary: "Sekreterare",
		Checkers: "Protokolljusterare", Checker: "Protokolljusterare", NameAndDate: "namn och datum",
		Appeal: "Sökande av ändring",
		AppealText: "Gruppen är ett samarbetsorgan. Dess beslut är riktlinjer och rekommendationer för samarbetet, " +
			"inte förvaltningsbeslut, och därför bifogas varken anvisning om begäran om omprövning eller besvärsanvisning. " +
			"Om en organisation fattar ett eget beslut i saken, bifogas organisationens egen anvisning om sökande av ändring till det beslutet.",
		Roles: map[v1.Role]string{v1.Role_ROLE_CHAIR: "ordförande", v1.Role_ROLE_VICE_CHAIR: "vice ordförande",
			v1.Role_ROLE_SECRETARY: "sekreterare", v1.Role_ROLE_MEMBER: "ledamot", v1.Role_ROLE_DEPUTY: "ersättare",
			v1.Role_ROLE_EXPERT: "sakkunnig", v1.Role_ROLE_FAMILY_REPRESENTATIVE: "familjernas representant"},
		Outcomes: map[v1.Outcome]string{
			v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED: "Godkändes enligt beslutsförslaget.",
			v1.Outcome_OUTCOME_APPROVED_AS_AMENDED:  "Godkändes med ändringar.",
			v1.Outcome_OUTCOME_NOTED:                "Antecknades för kännedom.",
			v1.Outcome_OUTCOME_TABLED:               "Bordlades.",
			v1.Outcome_OUTCOME_RETURNED:             "Återremitterades.",
			v1.Outcome_OUTCOME_REJECTED:             "Förkastades.",
		},
	},
	"en": {
		Minutes: "Minutes", Memo: "Memo", Time: "Time", Place: "Place", VideoLink: "Video link",
		Draft:         "Draft: the meeting has not been closed.",
		Cancelled:     "The meeting was cancelled.",
		PublicVersion: "Public version: the content of secret and other non-public items has been left out.",
		Lawful:        "The meeting was found to be lawfully convened and quorate.",
		Present:       "Present", Absent: "Absent", Name: "Name", Role: "Role", Organisation: "Organisation",
		DeputyFor: "deputy for %s",
		Items:     "Items", NoItems: "The agenda has no items.",
		Withdrawn: "withdrawn from the agenda", Urgent: "urgent item",
		Preparer: "Prepared by", Grounds: "Grounds", Proposal: "Proposal",
		Earlier: "Earlier handling", Corrected: "Decision corrected %s",
		OriginalDecision: "Original decision", DecisionBefore: "Decision before this correction",
		Decision: "Decision", Undecided: "No decision has been taken on this item.",
		Dissent: "Dissent", Disqualified: "Disqualified", Attachments: "Attachments",
		CounterProposals: "Counter-proposals", Vote: "Vote", SecondedBy: "seconded by",
		VoteChoices: map[v1.VoteChoice]string{v1.VoteChoice_VOTE_CHOICE_PROPOSAL: "for the proposal", v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL: "for the counter-proposal", v1.VoteChoice_VOTE_CHOICE_ABSTAIN: "abstained"},
		Secret:      "Secret", SecretItem: "Secret item", UnknownMember: "unknown member",
		Internal: "Not public", InternalItem: "Non-public item",
		Signatures: "Signatures", Chair: "Chair", Secretary: "Secretary",
		Checkers: "Minutes checkers", Checker: "Minutes checker", NameAndDate: "name and date",
		Appeal: "Appeal",
		AppealText: "The group is a cooperation body. Its decisions are guidelines and recommendations for the cooperation, " +
			"not administrative decisions, so no instructions for requesting a review or for appealing are attached. " +
			"Where an organisation makes its own decision on a matter, that decision carries the organisation's own appeal instructions.",
		Roles: map[v1.Role]string{v1.Role_ROLE_CHAIR: "chair", v1.Role_ROLE_VICE_CHAIR: "vice-chair",
			v1.Role_ROLE_SECRETARY: "secretary", v1.Role_ROLE_MEMBER: "member", v1.Role_ROLE_DEPUTY: "deputy",
			v1.Role_ROLE_EXPERT: "expert", v1.Role_ROLE_FAMILY_REPRESENTATIVE: "family representative"},
		Outcomes: map[v1.Outcome]string{
			v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED: "Approved as proposed.",
			v1.Outcome_OUTCOME_APPROVED_AS_AMENDED:  "Approved as amended.",
			v1.Outcome_OUTCOME_NOTED:                "Noted for information.",
			v1.Outcome_OUTCOME_TABLED:               "Tabled.",
			v1.Outcome_OUTCOME_RETURNED:             "Returned for preparation.",
			v1.Outcome_OUTCOME_REJECTED:             "Rejected.",
		},
	},
}

// standardTitles name the standard items in the Swedish and English chrome;
// the Finnish titles are the items' own.
var standardTitles = map[string]map[v1.StandardItem]string{
	"sv": {
		v1.StandardItem_STANDARD_ITEM_OPENING: "Mötets öppnande", v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM: "Mötets laglighet och beslutförhet",
		v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS: "Val av protokolljusterare", v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL: "Godkännande av föredragningslistan",
		v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS: "Övriga ärenden", v1.StandardItem_STANDARD_ITEM_NEXT_MEETING: "Nästa möte",
		v1.StandardItem_STANDARD_ITEM_CLOSING: "Mötets avslutande", v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES: "Uppföljning av kommunikationsansvar",
	},
	"en": {
		v1.StandardItem_STANDARD_ITEM_OPENING: "Opening of the meeting", v1.StandardItem_STANDARD_ITEM_LEGALITY_AND_QUORUM: "Lawfulness and quorum",
		v1.StandardItem_STANDARD_ITEM_MINUTES_CHECKERS: "Election of minutes checkers", v1.StandardItem_STANDARD_ITEM_AGENDA_APPROVAL: "Approval of the agenda",
		v1.StandardItem_STANDARD_ITEM_OTHER_MATTERS: "Other matters", v1.StandardItem_STANDARD_ITEM_NEXT_MEETING: "Next meeting",
		v1.StandardItem_STANDARD_ITEM_CLOSING: "Closing of the meeting", v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES: "Follow-up of communication responsibilities",
	},
}
