package api

import (
	"fmt"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// A year of demo meetings: each group below meets four times in 2026; the
// meetings already past are held, decided and closed, the December one is
// on the agenda. Titles follow the seeds' themes.

type demoItem struct {
	title, proposal, decision string
	outcome                   v1.Outcome
	tasks                     []v1.FamilyCentreTask
	origin                    v1.ItemOrigin
	themes                    []string
}

var demoMeetingDates = []string{"2026-02-12T13:00:00+02:00", "2026-05-14T13:00:00+03:00", "2026-09-17T13:00:00+03:00", "2026-12-10T13:00:00+02:00"}

var demoAgendas = map[string][][]demoItem{
	"province": {
		{
			{"Perhekeskuksen maakunnallinen toimintasuunnitelma 2026–2027", "Ohjausryhmä hyväksyy toimintasuunnitelman ja vie sen alueellisten koordinaatioryhmien toimeenpantavaksi.", "Hyväksyttiin toimintasuunnitelma; alueelliset koordinaatioryhmät laativat toimeenpanosuunnitelmansa toukokuuhun mennessä.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{1, 3}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"toimintasuunnitelma"}},
			{"Indikaattoripaketin päivitys", "Merkitään tiedoksi päivitetty indikaattoripaketti.", "Merkittiin tiedoksi.", v1.Outcome_OUTCOME_NOTED, []v1.FamilyCentreTask{1}, v1.ItemOrigin_ITEM_ORIGIN_INDICATOR, []string{"tiedolla johtaminen"}},
		},
		{
			{"Eroauttamisen palveluketju (T4)", "Ohjausryhmä hyväksyy palveluketjun kuvauksen.", "Palautettiin valmisteluun: kuvaukseen lisätään järjestöjen vertaistuki.", v1.Outcome_OUTCOME_RETURNED, []v1.FamilyCentreTask{4}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"palveluketju"}},
			{"Lähisuhdeväkivallan ehkäisyn koulutus", "Hyväksytään koulutussuunnitelma.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{6}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, nil},
		},
		{
			{"Vauvaperheiden kotipalvelun saatavuus (Nokian ohjausryhmästä)", "Ohjausryhmä esittää hyvinvointialueelle kotipalvelun myöntämisperusteiden tarkistamista.", "Hyväksyttiin muutettuna: tarkistus koskee kaikkia alueita.", v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, []v1.FamilyCentreTask{3}, v1.ItemOrigin_ITEM_ORIGIN_ESCALATED, []string{"kotipalvelu", "vauvaperheet"}},
			{"Eroauttamisen palveluketju (T4), palautettu asia", "Ohjausryhmä hyväksyy täydennetyn palveluketjun kuvauksen.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{4}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"palveluketju"}},
		},
		{
			{"Toimintasuunnitelman toteutumisen arviointi", "Merkitään tiedoksi alueiden arviot.", "", 0, []v1.FamilyCentreTask{1}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"toimintasuunnitelma"}},
			{"Kokousaikataulu 2027", "Hyväksytään vuoden 2027 kokousaikataulu.", "", 0, nil, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, nil},
		},
	},
	"region": {
		{
			{"Alueen toimeenpanosuunnitelma", "Koordinaatioryhmä aloittaa toimeenpanosuunnitelman valmistelun.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{1}, v1.ItemOrigin_ITEM_ORIGIN_REFERRED, []string{"toimintasuunnitelma"}},
		},
		{
			{"Alueen toimeenpanosuunnitelma", "Hyväksytään toimeenpanosuunnitelma.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{1, 2}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"toimintasuunnitelma"}},
			{"Palvelukartan katvealueet", "Merkitään tiedoksi palvelukartan havainnot.", "Merkittiin tiedoksi.", v1.Outcome_OUTCOME_NOTED, []v1.FamilyCentreTask{2, 7}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"palvelukartta"}},
		},
		{
			{"Kohtaamispaikkojen yhteinen viestintä", "Hyväksytään yhteinen viestintämalli.", "Jätettiin pöydälle.", v1.Outcome_OUTCOME_TABLED, []v1.FamilyCentreTask{7}, v1.ItemOrigin_ITEM_ORIGIN_MEMBER, []string{"viestintä"}},
		},
		{
			{"Kohtaamispaikkojen yhteinen viestintä, pöydälle jätetty asia", "Hyväksytään yhteinen viestintämalli.", "", 0, []v1.FamilyCentreTask{7}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"viestintä"}},
		},
	},
	"local": {
		{
			{"Asiakasraadin palaute: vauvaperheiden kotipalvelu", "Merkitään tiedoksi ja viedään alueelliseen koordinaatioryhmään.", "Merkittiin tiedoksi; asia viedään koordinaatioryhmään.", v1.Outcome_OUTCOME_NOTED, []v1.FamilyCentreTask{3}, v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, []string{"kotipalvelu", "vauvaperheet"}},
		},
		{
			{"Perhekeskuksen vuosikello", "Hyväksytään perhekeskuksen vuosikello.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{7}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, nil},
			{"Vanhemmuuden tuen ryhmät syksyllä", "Hyväksytään ryhmien aikataulu.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{2}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, []string{"vanhemmuus"}},
		},
		{
			{"Nuorisovaltuuston aloite: perhekeskuksen aukiolo iltaisin", "Ohjausryhmä selvittää iltavastaanoton mahdollisuuden.", "Hyväksyttiin.", v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, []v1.FamilyCentreTask{7}, v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE, []string{"aukioloajat"}},
		},
		{
			{"Toimintakertomus 2026", "Merkitään tiedoksi.", "", 0, []v1.FamilyCentreTask{1}, v1.ItemOrigin_ITEM_ORIGIN_SECRETARY, nil},
		},
	},
}

// loadDemoMeetings gives the demo groups a year of meetings.
func (d *demoLoader) loadDemoMeetings(groups map[string]string) error {
	ms := meetingService{d.gs.Server}
	for key, kind := range map[string]string{
		"demo-province": "province", "demo-region-0": "region", "demo-region-1": "region", "demo-region-2": "region",
		"demo-local-536": "local", "demo-local-908": "local", "demo-local-837": "local",
	} {
		group := groups[key]
		state, _, err := d.gs.groups.Get(d.ctx, group)
		if err != nil {
			return err
		}
		var attendance []*v1.Attendance
		for i, m := range state.ActiveMembers() {
			status := v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT
			if i == 3 {
				status = v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT
			}
			attendance = append(attendance, &v1.Attendance{MembershipId: m.ID, Status: status})
		}
		for mi, agenda := range demoAgendas[kind] {
			rid := fmt.Sprintf("%s-meeting-%d", key, mi)
			sched := connect.NewRequest(&v1.ScheduleMeetingRequest{RequestId: rid, GroupId: group, StartsAt: demoMeetingDates[mi],
				Place: "Perhekeskus, neuvotteluhuone", VideoLink: "https://teams.example.invalid/demo", AgendaDeadlineDays: 7})
			sched.Header().Set(headerActor, "demo-loader")
			res, err := ms.ScheduleMeeting(d.ctx, sched)
			if err != nil {
				return fmt.Errorf("%s: %w", rid, err)
			}
			meeting := res.Msg.GetMeetingId()
			var items []string
			for ii, it := range agenda {
				req := connect.NewRequest(&v1.AddItemRequest{RequestId: fmt.Sprintf("%s-item-%d", rid, ii), GroupId: group, MeetingId: meeting,
					Item: &v1.AgendaItem{Title: it.title, Proposal: it.proposal, Preparer: "Perhekeskuskoordinaattori (demo)",
						Openness: v1.Openness_OPENNESS_PUBLIC, Origin: it.origin, Tags: &v1.Tags{Tasks: it.tasks, Themes: it.themes}}})
				out, err := ms.AddItem(d.ctx, req)
				if err != nil {
					return fmt.Errorf("%s item %d: %w", rid, ii, err)
				}
				items = append(items, out.Msg.GetItemId())
			}
			if agenda[0].outcome == 0 { // the December meeting is still ahead
				continue
			}
			steps := []func() error{
				func() error {
					_, err := ms.OpenMeeting(d.ctx, connect.NewRequest(&v1.OpenMeetingRequest{RequestId: rid + "-open", GroupId: group, MeetingId: meeting,
						Attendance: attendance, Lawful: true, Quorate: true}))
					return err
				},
				func() error {
					_, err := ms.ApproveAgenda(d.ctx, connect.NewRequest(&v1.ApproveAgendaRequest{RequestId: rid + "-agenda", GroupId: group, MeetingId: meeting}))
					return err
				},
			}
			for ii, it := range agenda {
				steps = append(steps, func() error {
					_, err := ms.RecordDecision(d.ctx, connect.NewRequest(&v1.RecordDecisionRequest{RequestId: fmt.Sprintf("%s-decide-%d", rid, ii), GroupId: group,
						ItemId: items[ii], Decision: &v1.Decision{Outcome: it.outcome, Text: it.decision,
							Affects: &v1.Affects{Municipalities: state.Municipalities, Tasks: it.tasks, Themes: it.themes}}}))
					return err
				})
			}
			steps = append(steps, func() error {
				_, err := ms.CloseMeeting(d.ctx, connect.NewRequest(&v1.CloseMeetingRequest{RequestId: rid + "-close", GroupId: group, MeetingId: meeting}))
				return err
			})
			for _, step := range steps {
				if err := step(); err != nil {
					return fmt.Errorf("%s: %w", rid, err)
				}
			}
		}
	}
	return nil
}
