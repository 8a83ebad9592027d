package api

import (
	"fmt"
	"sort"
	"time"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// A year of demo meetings. Every demo group plans its 2026 cycle (four
// meetings, a week's agenda deadline, fixed annual items); local groups meet
// a week before their regional group and regional groups two weeks before the
// provincial group, so what they bring up reaches the next level in time —
// except Tampere's group, which meets too late in February. The meetings of
// February, May and September are held, decided and closed; December's are
// ahead. One family voice travels all the way: raised in Nokia's client
// panel, escalated to the western regional group, then to the provincial
// group, whose decision is referred back down to every regional group.

type demoItem struct {
	title, proposal, decision string
	outcome                   v1.Outcome
	tasks                     []v1.FamilyCentreTask
	origin                    v1.ItemOrigin
	themes                    []string
	only                      string // only on this group's agenda (a demo key)
	received                  bool   // escalated or referred here: not added, only decided
	escalate                  bool   // after the meeting, sent to the parent group's next meeting
	refer                     bool   // after the meeting, referred to every child group
	story                     string // a name for the item, to bring it back later
	continues                 string // the story of the tabled or returned item this one continues
	voice                     string // the demo family voice the item takes up
	// affectsChildren: the decision affects every child group, so a
	// responsibility is proposed for each child group's representative;
	// childrenDone says, per child group in key order, how many days after
	// the meeting its representative told it (0: not yet).
	affectsChildren bool
	childrenDone    []int
	tell            *demoTell // families to be told about the decision
}

// demoTell is a responsibility to tell families, assigned after the meeting.
type demoTell struct {
	channel           string
	dueDays, doneDays int // after the meeting; doneDays 0: not done (yet)
	how, note         string
}

// demoVoices are family voices recorded in the demo: one that travels to
// the provincial group and back, one on its way, one told locally (late),
// and two that have not reached any agenda.
var demoVoices = []struct {
	key, group, municipality, raised, summary string
	channel                                   v1.VoiceChannel
	tasks                                     []v1.FamilyCentreTask
	themes                                    []string
}{
	{"kotipalvelu", "demo-local-536", "536", "2026-01-20",
		"Asiakasraadin vauvaperheet kertoivat, etteivät saaneet kotipalvelua väsymyksen vuoksi, koska myöntämisperusteet edellyttävät sairautta. Perheet toivoivat matalan kynnyksen kotipalvelua ensimmäisen vuoden ajaksi.",
		v1.VoiceChannel_VOICE_CHANNEL_CLIENT_PANEL, []v1.FamilyCentreTask{3}, []string{"kotipalvelu", "vauvaperheet"}},
	{"vanhemmuus", "demo-local-536", "536", "2026-04-14",
		"Kyselyyn vastanneet vanhemmat toivoivat vanhemmuuden tuen ryhmiä myös iltaisin ja etänä.",
		v1.VoiceChannel_VOICE_CHANNEL_SURVEY, []v1.FamilyCentreTask{2}, []string{"vanhemmuus"}},
	{"aukiolo", "demo-local-908", "908", "2026-08-18",
		"Nuorisovaltuusto toi esiin, että nuoret vanhemmat eivät ehdi perhekeskukseen virka-aikana; toiveena iltavastaanotto kerran viikossa.",
		v1.VoiceChannel_VOICE_CHANNEL_YOUTH_COUNCIL, []v1.FamilyCentreTask{7}, []string{"aukioloajat"}},
	{"kohtaamispaikka", "demo-local-837", "837", "2026-03-10",
		"Palautteessa toivottiin kohtaamispaikkaan lauantaiaukioloa isille ja lapsille.",
		v1.VoiceChannel_VOICE_CHANNEL_FEEDBACK, []v1.FamilyCentreTask{7}, []string{"kohtaamispaikka"}},
	{"erotilanne", "demo-region-2", "", "2026-10-05",
		"Ammattilaiset havaitsivat, että eroperheiden lapset odottavat sovittelua kuukausia; perheet kokevat jäävänsä tyhjän päälle.",
		v1.VoiceChannel_VOICE_CHANNEL_PROFESSIONAL_OBSERVATION, []v1.FamilyCentreTask{4}, []string{"eroauttaminen"}},
}

var demoDates = map[string][]string{
	"province": {"2026-02-24T13:00:00+02:00", "2026-05-26T13:00:00+03:00", "2026-09-22T13:00:00+03:00", "2026-12-15T13:00:00+02:00"},
	"region":   {"2026-02-10T13:00:00+02:00", "2026-05-12T13:00:00+03:00", "2026-09-08T13:00:00+03:00", "2026-12-08T13:00:00+02:00"},
	"local":    {"2026-02-03T14:00:00+02:00", "2026-05-05T14:00:00+03:00", "2026-09-01T14:00:00+03:00", "2026-12-01T14:00:00+02:00"},
	"late":     {"2026-02-12T14:00:00+02:00", "2026-05-05T14:00:00+03:00", "2026-09-01T14:00:00+03:00", "2026-12-01T14:00:00+02:00"},
}

var demoAnnualItems = map[string][]*v1.AnnualItem{
	"province": {
		{Title: "Toimintasuunnitelman toteutumisen arviointi", Month: 9, Proposal: "Merkitään tiedoksi alueiden arviot toimintasuunnitelman toteutumisesta."},
		{Title: "Vuosikello ja kokousaikataulu 2027", Month: 12, Proposal: "Hyväksytään vuoden 2027 vuosikello."},
	},
	"region": {
		{Title: "Alueen toimeenpanosuunnitelman seuranta", Month: 5, Proposal: "Merkitään tiedoksi toimeenpanon tilanne.",
			Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{1}}},
	},
	"local": {
		{Title: "Perhekeskuksen toimintakertomus ja vuosikello 2027", Month: 12, Proposal: "Hyväksytään toimintakertomus ja seuraavan vuoden vuosikello."},
	},
}

// demoAnnualDecisions are the decisions on the annual items of held meetings.
var demoAnnualDecisions = map[string]demoItem{
	"Toimintasuunnitelman toteutumisen arviointi": {decision: "Merkittiin tiedoksi. Alueiden arviot otetaan huomioon vuoden 2027 painopisteissä.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{1}},
	"Alueen toimeenpanosuunnitelman seuranta":     {decision: "Merkittiin tiedoksi.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{1}},
}

var demoAgendas = map[string][][]demoItem{
	"province": {
		{
			{title: "Perhekeskuksen maakunnallinen toimintasuunnitelma 2026–2027", proposal: "Ohjausryhmä hyväksyy toimintasuunnitelman ja vie sen alueellisten koordinaatioryhmien toimeenpantavaksi.", decision: "Hyväksyttiin toimintasuunnitelma; alueelliset koordinaatioryhmät laativat toimeenpanosuunnitelmansa toukokuuhun mennessä.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{1, 3}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"toimintasuunnitelma"}, affectsChildren: true, childrenDone: []int{9, 30, 0}},
			{title: "Indikaattoripaketin päivitys", proposal: "Merkitään tiedoksi päivitetty indikaattoripaketti.", decision: "Merkittiin tiedoksi.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{1}, origin: v1.ItemOrigin_ITEM_ORIGIN_INDICATOR, themes: []string{"tiedolla johtaminen"}},
		},
		{
			{title: "Eroauttamisen palveluketju (T4)", proposal: "Ohjausryhmä hyväksyy palveluketjun kuvauksen.", decision: "Palautettiin valmisteluun: kuvaukseen lisätään järjestöjen vertaistuki.", outcome: v1.Outcome_OUTCOME_RETURNED, tasks: []v1.FamilyCentreTask{4}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"palveluketju"}, story: "eroauttaminen"},
			{title: "Lähisuhdeväkivallan ehkäisyn koulutus", proposal: "Hyväksytään koulutussuunnitelma.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{6}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY},
		},
		{
			{title: "Asiakasraadin palaute: vauvaperheiden kotipalvelu", received: true, refer: true, decision: "Hyväksyttiin muutettuna: ohjausryhmä esittää hyvinvointialueelle kotipalvelun myöntämisperusteiden tarkistamista kaikilla alueilla. Alueelliset koordinaatioryhmät seuraavat muutoksen toteutumista ja kertovat siitä paikallisille ohjausryhmille.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, tasks: []v1.FamilyCentreTask{3}, themes: []string{"kotipalvelu", "vauvaperheet"}, affectsChildren: true, childrenDone: []int{8, 0, 0},
				tell: &demoTell{channel: "Nokian asiakasraati", dueDays: 30, doneDays: 22, how: "asiakasraadin kokous", note: "Kerrottiin raadille ohjausryhmän esityksestä ja sen seurannasta."}},
			{title: "Eroauttamisen palveluketju (T4)", continues: "eroauttaminen", proposal: "Ohjausryhmä hyväksyy täydennetyn palveluketjun kuvauksen.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{4}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"palveluketju"}},
		},
		{},
	},
	"region": {
		{
			{title: "Alueen toimeenpanosuunnitelma", proposal: "Koordinaatioryhmä aloittaa toimeenpanosuunnitelman valmistelun.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{1}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"toimintasuunnitelma"}},
		},
		{
			{title: "Asiakasraadin palaute: vauvaperheiden kotipalvelu", only: "demo-region-0", received: true, escalate: true, decision: "Hyväksyttiin: asia koskee koko maakuntaa, joten koordinaatioryhmä vie sen maakunnalliseen ohjausryhmään.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{3}, themes: []string{"kotipalvelu", "vauvaperheet"}},
			{title: "Palvelukartan katvealueet", proposal: "Merkitään tiedoksi palvelukartan havainnot.", decision: "Merkittiin tiedoksi.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{2, 7}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"palvelukartta"}},
		},
		{
			{title: "Kohtaamispaikkojen yhteinen viestintä", proposal: "Hyväksytään yhteinen viestintämalli.", decision: "Jätettiin pöydälle.", outcome: v1.Outcome_OUTCOME_TABLED, tasks: []v1.FamilyCentreTask{7}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"viestintä"}, story: "viestintä"},
		},
		{
			{title: "Kohtaamispaikkojen yhteinen viestintä", continues: "viestintä", proposal: "Hyväksytään yhteinen viestintämalli.", tasks: []v1.FamilyCentreTask{7}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"viestintä"}},
		},
	},
	"local": {
		{
			{title: "Asiakasraadin palaute: vauvaperheiden kotipalvelu", only: "demo-local-536", escalate: true, proposal: "Merkitään tiedoksi asiakasraadin palaute ja viedään asia alueelliseen koordinaatioryhmään.", decision: "Merkittiin tiedoksi; asia viedään alueelliseen koordinaatioryhmään.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{3}, origin: v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, themes: []string{"kotipalvelu", "vauvaperheet"}, voice: "kotipalvelu"},
			{title: "Perhekeskuksen palvelutarjotin", proposal: "Hyväksytään palvelutarjottimen päivitys.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{1}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY},
		},
		{
			{title: "Vanhemmuuden tuen ryhmät syksyllä", proposal: "Hyväksytään ryhmien aikataulu; yksi ryhmä kokoontuu iltaisin etänä.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{2}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"vanhemmuus"},
				voice: "vanhemmuus", only: "demo-local-536", tell: &demoTell{channel: "perhekeskuksen verkkosivu", dueDays: 21, doneDays: 38, how: "verkkosivu", note: "Syksyn ryhmät ja iltaryhmä julkaistiin verkkosivulla."}},
			{title: "Vanhemmuuden tuen ryhmät syksyllä", proposal: "Hyväksytään ryhmien aikataulu.", decision: "Hyväksyttiin.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{2}, origin: v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, themes: []string{"vanhemmuus"}, only: "!demo-local-536"},
		},
		{
			{title: "Nuorisovaltuuston aloite: perhekeskuksen aukiolo iltaisin", only: "demo-local-908", escalate: true, proposal: "Ohjausryhmä kannattaa iltavastaanottoa ja vie asian koordinaatioryhmään.", decision: "Hyväksyttiin; asia viedään alueelliseen koordinaatioryhmään, koska iltavastaanotto vaatii alueen yhteistä henkilöstöä.", outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, tasks: []v1.FamilyCentreTask{7}, origin: v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, themes: []string{"aukioloajat"}, voice: "aukiolo"},
			{title: "Kohtaamispaikan kävijäpalaute", proposal: "Merkitään tiedoksi.", decision: "Merkittiin tiedoksi.", outcome: v1.Outcome_OUTCOME_NOTED, tasks: []v1.FamilyCentreTask{7}, origin: v1.ItemOrigin_ITEM_ORIGIN_INDICATOR},
		},
		{},
	},
}

// demoGroupKinds says which agenda and dates each demo group follows.
var demoGroupKinds = map[string][2]string{ // key -> agenda, dates
	"demo-province": {"province", "province"},
	"demo-region-0": {"region", "region"}, "demo-region-1": {"region", "region"}, "demo-region-2": {"region", "region"},
	"demo-local-536": {"local", "local"}, "demo-local-908": {"local", "local"}, "demo-local-837": {"local", "late"},
}

// demoParent names each demo group's parent among the demo groups.
var demoParent = map[string]string{
	"demo-region-0": "demo-province", "demo-region-1": "demo-province", "demo-region-2": "demo-province",
	"demo-local-536": "demo-region-0", "demo-local-908": "demo-region-1", "demo-local-837": "demo-region-2",
}

// loadDemoMeetings plans the demo groups' year and holds its meetings in
// the order of their dates.
func (d *demoLoader) loadDemoMeetings(groups map[string]string) error {
	ms := meetingService{d.gs.Server}
	meetingIDs := map[string][]string{}
	keys := make([]string, 0, len(demoGroupKinds))
	for key := range demoGroupKinds {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		agenda, dates := demoGroupKinds[key][0], demoGroupKinds[key][1]
		plan := &v1.PlanYearRequest{RequestId: key + "-plan-2026", GroupId: groups[key], Year: 2026, AgendaDeadlineDays: 7,
			AnnualItems: demoAnnualItems[agenda]}
		for _, at := range demoDates[dates] {
			plan.Meetings = append(plan.Meetings, &v1.PlannedMeeting{StartsAt: at, Place: "Perhekeskus, neuvotteluhuone", VideoLink: "https://teams.example.invalid/demo"})
		}
		res, err := ms.PlanYear(d.ctx, demoReq(plan))
		if err != nil {
			return fmt.Errorf("%s: plan: %w", key, err)
		}
		meetingIDs[key] = res.Msg.GetMeetingIds()
	}
	type session struct {
		key string
		mi  int
		at  time.Time
	}
	var sessions []session
	for _, key := range keys {
		for mi, at := range demoDates[demoGroupKinds[key][1]] {
			t, _ := time.Parse(time.RFC3339, at)
			sessions = append(sessions, session{key, mi, t})
		}
	}
	sort.SliceStable(sessions, func(a, b int) bool {
		return sessions[a].at.Before(sessions[b].at) || (sessions[a].at.Equal(sessions[b].at) && sessions[a].key < sessions[b].key)
	})
	stories := map[string]string{} // story -> item id
	for _, s := range sessions {
		if err := d.holdDemoMeeting(ms, groups, meetingIDs, s.key, s.mi, s.at, stories); err != nil {
			return fmt.Errorf("%s meeting %d: %w", s.key, s.mi, err)
		}
	}
	return d.askDemoRegions(groups["demo-province"], meetingIDs["demo-province"][3])
}

// askDemoRegions answers the provincial group's ask before its December
// meeting: the western region brings an item, the southern one has nothing
// this time, the northern and eastern one has not answered. Past the meeting's
// agenda deadline the asks are closed, and the demo leaves them out.
func (d *demoLoader) askDemoRegions(province, meeting string) error {
	ms, _, err := d.gs.meetings.Get(d.ctx, province)
	if err != nil {
		return err
	}
	if m, ok := ms.Meeting(meeting); !ok || today() > m.Deadline() {
		return nil
	}
	g, _, err := d.gs.groups.Get(d.ctx, province)
	if err != nil {
		return err
	}
	reps := map[string]string{} // represented group -> membership
	for _, m := range g.ActiveMembers() {
		if m.Represents != "" {
			reps[m.Represents] = m.ID
		}
	}
	cs := communicationService{meetingService{d.gs.Server}}
	if _, err := cs.BringUp(d.ctx, demoReq(&v1.BringUpRequest{RequestId: "demo-ask-region-0", GroupId: province, MeetingId: meeting,
		MembershipId: reps[d.groups["demo-region-0"]], Item: &v1.AgendaItem{Title: "Läntisen alueen kokemukset perhekeskusten iltavastaanotoista",
			Proposal: "Merkitään tiedoksi alueen kokemukset ja arvioidaan iltavastaanottojen laajentamista koko maakuntaan.",
			Preparer: "Alueellinen perhekeskuskoordinaattori (demo)", Openness: v1.Openness_OPENNESS_PUBLIC,
			Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{7}, Themes: []string{"aukioloajat"}}}})); err != nil {
		return fmt.Errorf("western region brings an item: %w", err)
	}
	if _, err := cs.BringUp(d.ctx, demoReq(&v1.BringUpRequest{RequestId: "demo-ask-region-1", GroupId: province, MeetingId: meeting,
		MembershipId: reps[d.groups["demo-region-1"]]})); err != nil {
		return fmt.Errorf("southern region answers: %w", err)
	}
	return nil
}

// holdDemoMeeting puts one meeting's items on its agenda and, for a
// meeting in the past, opens it, decides every item and closes it; then
// sends on what it decided to escalate or refer.
func (d *demoLoader) holdDemoMeeting(ms meetingService, groups map[string]string, meetingIDs map[string][]string, key string, mi int,
	at time.Time, stories map[string]string) error {
	group, meeting := groups[key], meetingIDs[key][mi]
	rid := fmt.Sprintf("%s-meeting-%d", key, mi)
	state, _, err := d.gs.groups.Get(d.ctx, group)
	if err != nil {
		return err
	}
	var specs []demoItem
	for _, it := range demoAgendas[demoGroupKinds[key][0]][mi] {
		if it.only == "" || it.only == key || (it.only[0] == '!' && it.only[1:] != key) {
			specs = append(specs, it)
		}
	}
	for ii, it := range specs {
		if it.received {
			continue
		}
		out, err := ms.AddItem(d.ctx, demoReq(&v1.AddItemRequest{RequestId: fmt.Sprintf("%s-item-%d", rid, ii), GroupId: group, MeetingId: meeting,
			PreviousItemId: stories[key+"/"+it.continues],
			Item: &v1.AgendaItem{Title: it.title, Proposal: it.proposal, Preparer: "Perhekeskuskoordinaattori (demo)",
				Openness: v1.Openness_OPENNESS_PUBLIC, Origin: it.origin, Tags: &v1.Tags{Tasks: it.tasks, Themes: it.themes},
				FamilyVoiceIds: d.voiceIDs(it.voice)}}))
		if err != nil {
			return fmt.Errorf("item %d: %w", ii, err)
		}
		if it.story != "" {
			stories[key+"/"+it.story] = out.Msg.GetItemId()
		}
	}
	if mi == 3 { // December is still ahead
		return nil
	}
	var attendance []*v1.Attendance
	for i, m := range state.ActiveMembers() {
		status := v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT
		if i == 3 {
			status = v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT
		}
		attendance = append(attendance, &v1.Attendance{MembershipId: m.ID, Status: status})
	}
	if _, err := ms.OpenMeeting(d.ctx, demoReq(&v1.OpenMeetingRequest{RequestId: rid + "-open", GroupId: group, MeetingId: meeting,
		Attendance: attendance, Lawful: true, Quorate: true, OpenedAt: at.Add(2 * time.Minute).Format(time.RFC3339)})); err != nil {
		return err
	}
	var checkers []string
	if state.Mode != v1.GroupMode_GROUP_MODE_MEMO {
		var present []string
		for _, a := range attendance {
			if a.GetStatus() == v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT && len(present) < 3 {
				present = append(present, a.GetMembershipId())
			}
		}
		if _, err := ms.NameMinutesCheckers(d.ctx, demoReq(&v1.NameMinutesCheckersRequest{RequestId: rid + "-checkers", GroupId: group,
			MeetingId: meeting, MembershipIds: present[1:3]})); err != nil {
			return err
		}
		checkers = present[1:3]
	}
	if _, err := ms.ApproveAgenda(d.ctx, demoReq(&v1.ApproveAgendaRequest{RequestId: rid + "-agenda", GroupId: group, MeetingId: meeting})); err != nil {
		return err
	}
	// Decide every item on the agenda that is not a standard one, in order.
	mstate, _, err := ms.meetings.Get(d.ctx, group)
	if err != nil {
		return err
	}
	m, _ := mstate.Meeting(meeting)
	sent := map[string]demoItem{}
	for _, id := range m.Items {
		it, _ := mstate.Item(id)
		if it.Standard() == v1.StandardItem_STANDARD_ITEM_RESPONSIBILITIES && it.Section == 0 {
			if _, err := ms.RecordDecision(d.ctx, demoReq(&v1.RecordDecisionRequest{RequestId: rid + "-decide-" + id[:8], GroupId: group, ItemId: id,
				Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_NOTED, Text: "Merkittiin tiedoksi. Vastuuhenkilöt hoitavat viestinnän ennen seuraavaa kokousta."}})); err != nil {
				return err
			}
			continue
		}
		if it.Standard() != v1.StandardItem_STANDARD_ITEM_UNSPECIFIED || it.Withdrawn || it.Section != 0 {
			continue
		}
		spec, ok := demoAnnualDecisions[it.Item.GetTitle()]
		for _, s := range specs {
			if s.title == it.Item.GetTitle() {
				spec, ok = s, true
			}
		}
		if !ok {
			return fmt.Errorf("no demo decision for %q", it.Item.GetTitle())
		}
		if _, err := ms.RecordDecision(d.ctx, demoReq(&v1.RecordDecisionRequest{RequestId: rid + "-decide-" + id[:8], GroupId: group, ItemId: id,
			Decision: &v1.Decision{Outcome: spec.outcome, Text: spec.decision,
				Affects: &v1.Affects{Municipalities: state.Municipalities, Tasks: spec.tasks, Themes: spec.themes, GroupIds: d.children(key, spec.affectsChildren)}}})); err != nil {
			return err
		}
		if spec.escalate || spec.refer || spec.affectsChildren || spec.tell != nil {
			sent[id] = spec
		}
	}
	if _, err := ms.CloseMeeting(d.ctx, demoReq(&v1.CloseMeetingRequest{RequestId: rid + "-close", GroupId: group, MeetingId: meeting,
		ClosedAt: at.Add(105 * time.Minute).Format(time.RFC3339)})); err != nil {
		return err
	}
	for i, id := range checkers {
		if _, err := ms.CheckMinutes(d.ctx, demoReq(&v1.CheckMinutesRequest{RequestId: fmt.Sprintf("%s-checked-%d", rid, i), GroupId: group,
			MeetingId: meeting, MembershipId: id})); err != nil {
			return err
		}
	}
	if _, err := ms.ApproveMinutes(d.ctx, demoReq(&v1.ApproveMinutesRequest{RequestId: rid + "-minutes", GroupId: group, MeetingId: meeting})); err != nil {
		return err
	}
	if err := d.communicate(group, key, rid, at, m.Items, sent); err != nil {
		return err
	}
	sentAt := at.AddDate(0, 0, 2).Format(time.RFC3339) // the secretary sends it on two days after the meeting
	for _, id := range m.Items {
		spec, ok := sent[id]
		switch {
		case !ok:
		case spec.escalate && spec.refer:
			return fmt.Errorf("demo item %q both escalated and referred", spec.title)
		case spec.escalate:
			parent := demoParent[key]
			if _, err := ms.EscalateItem(d.ctx, demoReq(&v1.EscalateItemRequest{RequestId: rid + "-escalate-" + id[:8], GroupId: group, ItemId: id,
				ToMeetingId: meetingIDs[parent][mi+1], Note: "Ryhmän päätöksen mukaisesti.", SentAt: sentAt})); err != nil {
				return err
			}
		case spec.refer:
			if _, err := ms.ReferItem(d.ctx, demoReq(&v1.ReferItemRequest{RequestId: rid + "-refer-" + id[:8], GroupId: group, ItemId: id,
				Note: "Koordinaatioryhmät käsittelevät asian seuraavassa kokouksessaan.", SentAt: sentAt})); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoReq wraps a demo request (the loader's context names it as the actor).
func demoReq[T any](msg *T) *connect.Request[T] { return connect.NewRequest(msg) }

// recordDemoVoices records the demo family voices, each by its group's secretary.
func (d *demoLoader) recordDemoVoices(groups map[string]string) error {
	vs := voiceService{d.gs.Server}
	d.voices = map[string]string{}
	for _, v := range demoVoices {
		g, _, err := d.gs.groups.Get(d.ctx, groups[v.group])
		if err != nil {
			return err
		}
		secretary := demoSeat(g, v1.Role_ROLE_SECRETARY).ID
		res, err := vs.RecordVoice(d.ctx, demoReq(&v1.RecordVoiceRequest{RequestId: "demo-voice-" + v.key, GroupId: groups[v.group],
			Municipality: v.municipality, Channel: v.channel, Summary: v.summary, RaisedOn: v.raised,
			Tags: &v1.Tags{Tasks: v.tasks, Themes: v.themes}, RecordedByMembershipId: secretary}))
		if err != nil {
			return fmt.Errorf("voice %s: %w", v.key, err)
		}
		d.voices[v.key] = res.Msg.GetVoiceId()
	}
	return nil
}

func (d *demoLoader) voiceIDs(key string) []string {
	if key == "" {
		return nil
	}
	return []string{d.voices[key]}
}

// children are the ids of the demo child groups of key, in key order, when affected.
func (d *demoLoader) children(key string, affected bool) []string {
	if !affected {
		return nil
	}
	var keys []string
	for k, p := range demoParent {
		if p == key {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = d.groups[k]
	}
	return ids
}

// communicate carries out the communication responsibilities of a held
// meeting's decisions: the proposed ones of the child groups' representatives
// that the demo says were done, and telling families.
func (d *demoLoader) communicate(group, key, rid string, at time.Time, items []string, specs map[string]demoItem) error {
	cs := communicationService{meetingService{d.gs.Server}}
	day := func(days int) string { return at.AddDate(0, 0, days).Format("2006-01-02") }
	for _, id := range items {
		spec, ok := specs[id]
		if !ok {
			continue
		}
		if spec.tell != nil {
			g, _, err := d.gs.groups.Get(d.ctx, group)
			if err != nil {
				return err
			}
			secretary := demoSeat(g, v1.Role_ROLE_SECRETARY).ID
			res, err := cs.AssignResponsibility(d.ctx, demoReq(&v1.AssignResponsibilityRequest{RequestId: rid + "-tell-" + id[:8], GroupId: group,
				ItemId: id, MembershipId: secretary, DueOn: day(spec.tell.dueDays),
				Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES, Channel: spec.tell.channel}}))
			if err != nil {
				return fmt.Errorf("tell families: %w", err)
			}
			if spec.tell.doneDays > 0 {
				if _, err := cs.MarkResponsibilityDone(d.ctx, demoReq(&v1.MarkResponsibilityDoneRequest{RequestId: rid + "-told-" + id[:8],
					GroupId: group, ResponsibilityId: res.Msg.GetResponsibilityId(), DoneOn: day(spec.tell.doneDays), Channel: spec.tell.how,
					Note: spec.tell.note, ByMembershipId: secretary})); err != nil {
					return fmt.Errorf("told families: %w", err)
				}
			}
		}
		if !spec.affectsChildren {
			continue
		}
		ms, _, err := d.gs.meetings.Get(d.ctx, group)
		if err != nil {
			return err
		}
		byGroup := map[string]string{}
		for _, r := range ms.ResponsibilitiesOf(id) {
			byGroup[r.Audience.GetGroupId()] = r.ID
		}
		for ci, child := range d.children(key, true) {
			r, ok := byGroup[child]
			if !ok || ci >= len(spec.childrenDone) || spec.childrenDone[ci] == 0 {
				continue
			}
			resp, _ := ms.Responsibility(r)
			if _, err := cs.MarkResponsibilityDone(d.ctx, demoReq(&v1.MarkResponsibilityDoneRequest{RequestId: fmt.Sprintf("%s-informed-%s-%d", rid, id[:8], ci),
				GroupId: group, ResponsibilityId: r, DoneOn: day(spec.childrenDone[ci]), Channel: "koordinaatioryhmän kokous ja sähköposti",
				Note: "Päätös käytiin läpi ja lähetettiin ryhmän jäsenille.", ByMembershipId: resp.MembershipID})); err != nil {
				return fmt.Errorf("child group %d told: %w", ci, err)
			}
		}
	}
	return nil
}

// demoSeat is the first active member of a demo group in role, or nil.
func demoSeat(g *domain.Group, role v1.Role) *domain.Membership {
	for _, m := range g.ActiveMembers() {
		if m.Role == role {
			return m
		}
	}
	return nil
}

// subscribeDemoMembers saves a few subscriptions: Nokia's chair follows
// everything that affects her, the western region's secretary the decisions
// of the region and the groups under it, and the provincial NGO member the
// decisions on family-centre task T4 (paused while on leave).
func (d *demoLoader) subscribeDemoMembers() error {
	ss := subscriptionService{d.gs.Server}
	seat := func(key string, role v1.Role) (string, error) {
		g, _, err := d.gs.groups.Get(d.ctx, d.groups[key])
		if err != nil {
			return "", err
		}
		if m := demoSeat(g, role); m != nil {
			return m.PersonID, nil
		}
		return "", fmt.Errorf("no %v in %s", role, key)
	}
	subs := []struct {
		key, name string
		role      v1.Role
		filter    *v1.SubscriptionFilter
		paused    bool
	}{
		{"demo-local-536", "Minua koskevat päätökset", v1.Role_ROLE_CHAIR, &v1.SubscriptionFilter{AffectsMe: true}, false},
		{"demo-region-0", "Läntisen alueen ja sen perhekeskusten päätökset", v1.Role_ROLE_SECRETARY,
			&v1.SubscriptionFilter{GroupId: d.groups["demo-region-0"], IncludeChildren: true}, false},
		{"demo-province", "Eroauttaminen (T4)", v1.Role_ROLE_CHAIR, &v1.SubscriptionFilter{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T4_DIVORCE}, true},
	}
	for i, s := range subs {
		person, err := seat(s.key, s.role)
		if err != nil {
			return err
		}
		res, err := ss.CreateSubscription(d.ctx, demoReq(&v1.CreateSubscriptionRequest{RequestId: fmt.Sprintf("demo-subscription-%d", i),
			PersonId: person, Name: s.name, Filter: s.filter}))
		if err != nil {
			return fmt.Errorf("subscription %q: %w", s.name, err)
		}
		if s.paused {
			if _, err := ss.PauseSubscription(d.ctx, demoReq(&v1.PauseSubscriptionRequest{RequestId: fmt.Sprintf("demo-subscription-%d-paused", i),
				SubscriptionId: res.Msg.GetSubscriptionId()})); err != nil {
				return err
			}
		}
	}
	return nil
}
