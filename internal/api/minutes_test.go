package api_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"golang.org/x/net/html"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/api"
	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// minutesGolden compares got with testdata/name; OHJAAMO_UPDATE_GOLDEN=1 rewrites it.
func minutesGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("OHJAAMO_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with OHJAAMO_UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// unescapedScript finds "<script" neither HTML-escaped nor backslash-escaped for Markdown.
var unescapedScript = regexp.MustCompile(`(^|[^\\])<script`)

const (
	secretTitle    = "Yksittäisen perheen palvelutarve"
	secretGround   = "JulkL 24 § 1 mom. 25 k."
	secretDecision = "Asia palautettiin valmisteluun perheen tilanteen selvittämiseksi."
	scriptTitle    = "Ilmoitusasiat <script>alert(1)</script>"
)

// minutesFixture is a closed meeting of a local steering group: every
// outcome, a secret item, a withdrawn and an urgent item, a deputy standing
// in, dissents, a disqualified member, user text that looks like markup,
// a decision corrected twice after the meeting, and an item returned and
// tabled at earlier meetings.
func minutesFixture() (*v1.MeetingView, *v1.Group) {
	mem := func(id, name, org string, role v1.Role) *v1.Membership {
		return &v1.Membership{Id: id, PersonName: name, Organisation: org, Role: role, Active: true}
	}
	g := &v1.Group{Id: "g1", Mode: v1.GroupMode_GROUP_MODE_MINUTES,
		Name: &v1.LocalizedName{Fi: "Tampereen perhekeskuksen ohjausryhmä", Sv: "Tammerfors familjecentrals styrgrupp", En: "Tampere family centre steering group"},
		Members: []*v1.Membership{
			mem("m-secretary", "Juha Nieminen", "Tampereen kaupunki", v1.Role_ROLE_SECRETARY),
			mem("m-member", "Eero Korhonen", "Pirkanmaan hyvinvointialue", v1.Role_ROLE_MEMBER),
			mem("m-chair", "Aino Virtanen", "Pirkanmaan hyvinvointialue", v1.Role_ROLE_CHAIR),
			mem("m-ngo", "Helmi Mäkinen", "MLL:n Hämeen piiri", v1.Role_ROLE_MEMBER),
			mem("m-kela", "Lauri Laine", "Kela | Pirkanmaa", v1.Role_ROLE_MEMBER),
			mem("m-family", "Sanna Perhe", "Asiakasraati", v1.Role_ROLE_FAMILY_REPRESENTATIVE),
			mem("m-parish", "Kaisa Mäkelä", "Tampereen seurakuntayhtymä", v1.Role_ROLE_MEMBER),
		}}
	present := v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT
	m := &v1.MeetingView{Id: "meeting-1", GroupId: "g1", GroupName: g.GetName().GetFi(), StartsAt: "2026-12-10T14:00:00+02:00",
		Place: "Tampereen perhekeskus, Hatanpää", VideoLink: "https://meet.example.fi/ohjausryhma?id=42&pin=7",
		State: v1.MeetingState_MEETING_STATE_CLOSED, AgendaApproved: true, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{
			{MembershipId: "m-secretary", Status: present},
			{MembershipId: "m-member", Status: present},
			{MembershipId: "m-chair", Status: present},
			{MembershipId: "m-ngo", Status: present},
			{MembershipId: "m-kela", Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: "Mikko Varanen"},
			{MembershipId: "m-family", Status: present},
			{MembershipId: "m-parish", Status: v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT},
		},
		// The Kela seat's deputy checks the minutes in the member's place.
		CheckerMembershipIds: []string{"m-ngo", "m-kela"}}
	item := func(title string, openness v1.Openness) *v1.AgendaItem {
		return &v1.AgendaItem{Title: title, Openness: openness, Preparer: "Juha Nieminen"}
	}
	decided := func(pos, section uint32, ai *v1.AgendaItem, outcome v1.Outcome, text string) *v1.ItemView {
		return &v1.ItemView{Id: "i" + string(rune('0'+pos)), Position: pos, Item: ai, Section: section, Decision: &v1.Decision{Outcome: outcome, Text: text}}
	}

	plan := item("Perhekeskuksen toimintasuunnitelman arviointi", v1.Openness_OPENNESS_PUBLIC)
	plan.Grounds = "Arvio on tehty kolmessa työpajassa.\n# Ei otsikko\n- ei luettelo\n1. ei numeroitu\n\n> ei lainaus, *ei korostusta*, [ei linkkiä](x) | ei taulukkoa"
	plan.Proposal = "Ohjausryhmä hyväksyy arvion ja vie sen alueelliseen koordinaatioryhmään."
	plan.AttachmentUrls = []string{"https://example.fi/arvio_2026.pdf"}
	one := decided(1, 41, plan, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Ohjausryhmä hyväksyi arvion ja vie sen alueelliseen koordinaatioryhmään.")
	one.Decision.Dissents = []*v1.Dissent{{MembershipId: "m-member", Text: "Arviossa ei kuultu perheitä riittävästi."}}
	// Corrected twice; the second correction was made past midnight in
	// Finland (21.12. in UTC), and the first also changed the outcome.
	proposed := v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED
	original := &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, Text: "Ohjausryhmä hyväksyi arvion."}
	firstFix := &v1.Decision{Outcome: proposed, Text: "Ohjausryhmä hyväksyi arvion ja vie sen koordinaatioryhmään."}
	one.Corrections = []*v1.Correction{
		{Before: original, After: firstFix, Reason: "Arviota ei muutettu kokouksessa, ja päätöksestä puuttui, minne arvio viedään", CorrectedAt: "2026-12-15T08:30:00Z"},
		{Before: firstFix, After: proto.CloneOf(one.Decision), Reason: "Koordinaatioryhmän nimi kokouksessa sovitulla tavalla.", CorrectedAt: "2026-12-21T22:30:00Z"},
	}

	notices := item(scriptTitle, v1.Openness_OPENNESS_PUBLIC)
	notices.Proposal = "Merkitään tiedoksi."
	two := decided(2, 42, notices, v1.Outcome_OUTCOME_NOTED, "Merkittiin tiedoksi.")
	two.Decision.DisqualifiedMembershipIds = []string{"m-ngo"}

	secret := item(secretTitle, v1.Openness_OPENNESS_SECRET)
	secret.LegalGround = secretGround
	secret.Grounds = "Perheen tilanne on kuvattu liitteessä."
	secret.Proposal = "Ohjausryhmä ohjaa perheen asian palveluohjaukseen."
	three := decided(3, 43, secret, v1.Outcome_OUTCOME_RETURNED, secretDecision)
	three.Decision.Dissents = []*v1.Dissent{{MembershipId: "m-family", Text: "Salainen eriävä mielipide."}}
	three.PreviousItemId = "i-secret-earlier"
	three.History = []*v1.EarlierHandling{{ItemId: "i-secret-earlier", MeetingId: "meeting-0", StartsAt: "2026-10-15T13:00:00+03:00", Section: 36,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_TABLED, Text: "Salainen aiempi käsittely."}}}
	three.Corrections = []*v1.Correction{{Before: &v1.Decision{Outcome: v1.Outcome_OUTCOME_RETURNED, Text: "Salainen alkuperäinen päätös."},
		After: proto.CloneOf(three.Decision), Reason: "Salainen korjausperuste", CorrectedAt: "2026-12-14T10:00:00Z"}}

	withdrawn := &v1.ItemView{Id: "i4", Position: 4, Item: item("Vanhempainryhmien syysohjelma", v1.Openness_OPENNESS_PUBLIC), Withdrawn: true}

	budget := item("Perhekeskuksen talousarvio 2027", v1.Openness_OPENNESS_INTERNAL)
	budget.Proposal = "Hyväksytään talousarvio."
	five := decided(5, 44, budget, v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, "Hyväksyttiin talousarvio niin, että kohtaamispaikan määräraha nostetaan 20 000 euroon.")
	five.Decision.CounterProposals = []*v1.CounterProposal{{MembershipId: "m-ngo", Text: "Kohtaamispaikan määräraha nostetaan 20 000 euroon.", SecondedByMembershipId: "m-family"}}
	five.Decision.Votes = []*v1.Vote{
		{MembershipId: "m-chair", Choice: v1.VoteChoice_VOTE_CHOICE_PROPOSAL},
		{MembershipId: "m-ngo", Choice: v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL},
		{MembershipId: "m-family", Choice: v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL},
		{MembershipId: "m-kela", Choice: v1.VoteChoice_VOTE_CHOICE_COUNTER_PROPOSAL},
		{MembershipId: "m-secretary", Choice: v1.VoteChoice_VOTE_CHOICE_ABSTAIN},
	}
	five.Urgent = true
	five.Decision.Dissents = []*v1.Dissent{{MembershipId: "m-kela", Text: "Määrärahan nosto olisi pitänyt valmistella."}}

	six := decided(6, 45, item("Kohtaamispaikan aukioloajat", v1.Openness_OPENNESS_PUBLIC), v1.Outcome_OUTCOME_TABLED, "Asia jätettiin pöydälle seuraavaan kokoukseen.")
	seven := decided(7, 46, item("Erokriisityön ostopalvelu", v1.Openness_OPENNESS_PUBLIC), v1.Outcome_OUTCOME_REJECTED, "Ehdotus hylättiin.")
	// Returned in March, tabled in September, decided now.
	seven.PreviousItemId = "i-divorce-september"
	seven.History = []*v1.EarlierHandling{
		{ItemId: "i-divorce-march", MeetingId: "meeting-march", StartsAt: "2026-03-12T13:00:00+02:00", Section: 14,
			Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_RETURNED, Text: "Asia palautettiin valmisteluun; selvitetään ostopalvelun kustannukset."}},
		{ItemId: "i-divorce-september", MeetingId: "meeting-september", StartsAt: "2026-09-17T13:00:00+03:00", Section: 32,
			Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_TABLED, Text: "Jätettiin pöydälle."}},
	}
	m.Items = []*v1.ItemView{one, two, three, withdrawn, five, six, seven}
	return m, g
}

func TestMinutesGolden(t *testing.T) {
	md, html := v1.MinutesFormat_MINUTES_FORMAT_MARKDOWN, v1.MinutesFormat_MINUTES_FORMAT_HTML
	for _, tc := range []struct {
		file   string
		lang   string
		public bool
		format v1.MinutesFormat
	}{
		{"minutes_fi.md", "fi", false, md},
		{"minutes_sv.md", "sv", false, md},
		{"minutes_en.html", "en", false, html},
		{"minutes_public_fi.html", "fi", true, html},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, g := minutesFixture()
			out, err := api.RenderMinutes(m, g, tc.lang, tc.public, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			minutesGolden(t, tc.file, out)
			if unescapedScript.MatchString(out) {
				t.Fatal("a title's <script> survived unescaped")
			}
			if tc.format == html {
				checkMinutesHTML(t, out, tc.lang)
			}
			hidden := []string{secretTitle, secretDecision, "Salainen eriävä mielipide", "palveluohjaukseen", "liitteessä",
				"Salainen aiempi käsittely", "Salainen alkuperäinen päätös", "Salainen korjausperuste",
				// the internal item's content: not public either
				"Perhekeskuksen talousarvio 2027", "määräraha nostetaan"}
			for _, s := range hidden {
				if tc.public == strings.Contains(out, s) {
					t.Errorf("public=%v: contains %q is %v", tc.public, s, !tc.public)
				}
			}
			if !strings.Contains(out, secretGround) || !strings.Contains(out, "§ 43") {
				t.Errorf("the secret item's § or legal ground is missing")
			}
			if !strings.Contains(out, "§ 44") {
				t.Errorf("the internal item's § is missing")
			}
		})
	}
}

// checkMinutesHTML parses the document as a browser would: one <html lang>,
// no script element, a print stylesheet.
func checkMinutesHTML(t *testing.T, doc, lang string) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	scripts := 0
	var titleText string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				for _, a := range n.Attr {
					if a.Key == "lang" {
						langs = append(langs, a.Val)
					}
				}
			case "script":
				scripts++
			case "h3":
				if n.FirstChild != nil && strings.Contains(n.FirstChild.Data, "Ilmoitusasiat") {
					titleText = n.FirstChild.Data
				}
			}
		}
		for c := range n.ChildNodes() {
			walk(c)
		}
	}
	walk(root)
	if len(langs) != 1 || langs[0] != lang {
		t.Errorf("<html lang> is %v, want %q", langs, lang)
	}
	if scripts != 0 {
		t.Errorf("%d script elements", scripts)
	}
	if titleText != "" && titleText != "§ 42 "+scriptTitle {
		t.Errorf("the title reads %q, want it as text", titleText)
	}
	if !strings.HasPrefix(doc, "<!DOCTYPE html>") || !strings.Contains(doc, "@media print") || !strings.Contains(doc, "size: A4") {
		t.Error("not a complete printable document")
	}
}

func TestMinutesShapes(t *testing.T) {
	m, g := minutesFixture()
	md := v1.MinutesFormat_MINUTES_FORMAT_MARKDOWN
	for _, tc := range []struct {
		name   string
		change func(*v1.MeetingView, *v1.Group)
		lang   string
		want   []string
		absent []string
	}{
		{"a memo group's memo has no minutes checkers", func(_ *v1.MeetingView, g *v1.Group) { g.Mode = v1.GroupMode_GROUP_MODE_MEMO },
			"fi", []string{"– Muistio", "Puheenjohtaja: Aino Virtanen"}, []string{"Pöytäkirjantarkastaja"}},
		{"an open meeting's minutes are a draft", func(m *v1.MeetingView, _ *v1.Group) { m.State = v1.MeetingState_MEETING_STATE_OPEN },
			"en", []string{"*Draft: the meeting has not been closed.*", "10 December 2026 at 14:00"}, nil},
		{"an undecided item has no §", func(m *v1.MeetingView, _ *v1.Group) {
			m.Items[0].Section, m.Items[0].Decision = 0, nil
		}, "sv", []string{"### Perhekeskuksen toimintasuunnitelman arviointi\n", "Inget beslut har fattats", "10.12.2026 kl. 14.00"}, []string{"§ 41"}},
		{"the vice-chair signs when the chair was away", func(m *v1.MeetingView, g *v1.Group) {
			g.Members = append(g.Members, &v1.Membership{Id: "m-vice", PersonName: "Veera Vara", Role: v1.Role_ROLE_VICE_CHAIR, Active: true})
			m.Attendance[2].Status = v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT
			m.Attendance = append(m.Attendance, &v1.Attendance{MembershipId: "m-vice", Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT})
		}, "fi", []string{"Puheenjohtaja: Veera Vara ___", "| Aino Virtanen | puheenjohtaja |"}, []string{"Puheenjohtaja: Aino Virtanen"}},
		{"a correction is dated in Finland and keeps the decision it replaced", func(*v1.MeetingView, *v1.Group) {},
			"fi", []string{"*Päätöstä korjattu 15.12.2026: Arviota ei muutettu kokouksessa, ja päätöksestä puuttui, minne arvio viedään. " +
				"Alkuperäinen päätös: Hyväksyttiin muutettuna. Ohjausryhmä hyväksyi arvion.*",
				"*Päätöstä korjattu 22.12.2026: Koordinaatioryhmän nimi kokouksessa sovitulla tavalla. " +
					"Päätös ennen korjausta: Ohjausryhmä hyväksyi arvion ja vie sen koordinaatioryhmään.*"}, nil},
		{"earlier handlings come with their date, § and decision", func(*v1.MeetingView, *v1.Group) {},
			"en", []string{"**Earlier handling:** 12 March 2026 § 14, returned for preparation: Asia palautettiin valmisteluun; selvitetään ostopalvelun kustannukset.",
				"**Earlier handling:** 17 September 2026 § 32, tabled.\n"}, []string{"tabled: Jätettiin"}},
		{"a group with no Swedish name keeps its Finnish one", func(_ *v1.MeetingView, g *v1.Group) { g.Name.Sv = "" },
			"sv", []string{"# Tampereen perhekeskuksen ohjausryhmä – Protokoll"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm, gg := proto.CloneOf(m), proto.CloneOf(g)
			tc.change(mm, gg)
			out, err := api.RenderMinutes(mm, gg, tc.lang, false, md)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("missing %q in\n%s", s, out)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(out, s) {
					t.Errorf("unexpected %q", s)
				}
			}
		})
	}
	for _, tc := range []struct {
		lang   string
		format v1.MinutesFormat
		field  string
	}{{"de", md, "language"}, {"finnish", md, "language"}, {"fi", 7, "format"}} {
		_, err := api.RenderMinutes(m, g, tc.lang, false, tc.format)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeInvalid || de.Field != tc.field {
			t.Errorf("lang %q format %v: %v, want invalid %s", tc.lang, tc.format, err, tc.field)
		}
	}
}

// TestMinutesThroughTheServer runs a meeting with a secret item and reads
// its minutes, public and whole.
func TestMinutesThroughTheServer(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	sec, err := m.c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{RequestId: "secretary", GroupId: m.f.p,
		PersonName: "Juha Sihteeri", Organisation: "Tampereen kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
		Role: v1.Role_ROLE_SECRETARY, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	meeting := m.schedule(t, "minutes", "2026-12-10T14:00:00+02:00")
	public, err := m.addItem(t, meeting, "Toimintasuunnitelma", false)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting,
		Item: &v1.AgendaItem{Title: secretTitle, Proposal: "Ohjataan palveluohjaukseen.", Openness: v1.Openness_OPENNESS_SECRET, LegalGround: secretGround}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.meetings.OpenMeeting(ctx, connect.NewRequest(&v1.OpenMeetingRequest{GroupId: m.f.p, MeetingId: meeting, Lawful: true, Quorate: true,
		Attendance: []*v1.Attendance{{MembershipId: m.f.chair, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT},
			{MembershipId: sec.Msg.GetMembershipId(), Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT}}})); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ item, text string }{{public, "Hyväksyttiin suunnitelma."}, {secret.Msg.GetItemId(), secretDecision}} {
		if _, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: d.item, Decision: decision(d.text)})); err != nil {
			t.Fatal(err)
		}
	}
	closed, err := m.meetings.CloseMeeting(ctx, connect.NewRequest(&v1.CloseMeetingRequest{GroupId: m.f.p, MeetingId: meeting}))
	if err != nil {
		t.Fatal(err)
	}
	pos := closed.Msg.GetResult().GetPosition()
	// The secretary, a member, reads them: the admin does not read secret items.
	asSecretary := ohjaamov1connect.NewMeetingServiceClient(m.c.as(t, sec.Msg.GetPersonId()), m.c.url)
	get := func(r *v1.GetMinutesRequest) (*v1.GetMinutesResponse, error) {
		r.MinPosition = pos
		res, err := asSecretary.GetMinutes(ctx, connect.NewRequest(r))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}

	pub, err := get(&v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, Public: true, Format: v1.MinutesFormat_MINUTES_FORMAT_HTML})
	if err != nil {
		t.Fatal(err)
	}
	if pub.GetContentType() != "text/html; charset=utf-8" {
		t.Errorf("content type %q", pub.GetContentType())
	}
	checkMinutesHTML(t, pub.GetText(), "fi")
	for _, s := range []string{secretTitle, secretDecision, "palveluohjaukseen"} {
		if strings.Contains(pub.GetText(), s) {
			t.Errorf("public minutes show %q", s)
		}
	}
	// § 1-2 are the standard items decided when the meeting opened.
	for _, s := range []string{"§ 4", secretGround, "§ 1 Kokouksen avaus", "§ 3 Toimintasuunnitelma", "Aino Puheenjohtaja", "Juha Sihteeri", "10.12.2026 klo 14.00"} {
		if !strings.Contains(pub.GetText(), s) {
			t.Errorf("public minutes lack %q", s)
		}
	}

	whole, err := get(&v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if whole.GetContentType() != "text/markdown; charset=utf-8" {
		t.Errorf("content type %q", whole.GetContentType())
	}
	for _, s := range []string{"### § 4 " + secretTitle, "### § 1 Opening of the meeting", "Closing of the meeting", secretDecision, secretGround, "Approved as proposed.", "# Maakunnallinen ohjausryhmä – Minutes"} {
		if !strings.Contains(whole.GetText(), s) {
			t.Errorf("minutes lack %q:\n%s", s, whole.GetText())
		}
	}

	unknown := "00000000-0000-4000-8000-000000000999"
	for _, tc := range []struct {
		name  string
		req   *v1.GetMinutesRequest
		code  connect.Code
		field string
	}{
		{"a language not offered", &v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, Language: "de"}, connect.CodeInvalidArgument, "language"},
		{"a format that does not exist", &v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: meeting, Format: 9}, connect.CodeInvalidArgument, "format"},
		{"a malformed group id", &v1.GetMinutesRequest{GroupId: "g", MeetingId: meeting}, connect.CodeInvalidArgument, "group_id"},
		{"a malformed meeting id", &v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: "m"}, connect.CodeInvalidArgument, "meeting_id"},
		{"a meeting the group does not have", &v1.GetMinutesRequest{GroupId: m.f.p, MeetingId: unknown}, connect.CodeNotFound, "meeting_id"},
		{"another group's meeting", &v1.GetMinutesRequest{GroupId: m.f.r, MeetingId: meeting}, connect.CodeNotFound, "meeting_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := get(tc.req)
			if connect.CodeOf(err) != tc.code || errField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %v on %s", err, errField(err), tc.code, tc.field)
			}
		})
	}
}
