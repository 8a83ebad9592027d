package domain_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

const (
	voiceID    = "00000000-0000-4000-8000-0000000000b1"
	voiceID2   = "00000000-0000-4000-8000-0000000000b2"
	recorder   = "kirjaaja"    // an active member of the local group
	exRecorder = "kirjaaja-ex" // a member of the local group whose seat ended
	voiceToday = "2026-11-24"  // the day the voices are recorded
	localMuni  = "837"         // Tampere, the municipality localCreated covers
	otherMuni  = "536"         // Nokia, not covered by the local group
	voiceText  = "Asiakasraadin vanhemmat toivovat perhekahvilalle iltapäiväaukioloa."
	voiceTheme = "perhekahvila" // a theme tag
)

// voiceGroup is the local group localID, covering 837, with one active
// and one ended member.
func voiceGroup(t *testing.T) *domain.Group {
	t.Helper()
	return given(t, localCreated(localID, regID),
		memberAdded(recorder, person1, v1.Role_ROLE_SECRETARY, "2025-01-01", ""),
		memberAdded(exRecorder, person2, v1.Role_ROLE_MEMBER, "2024-01-01", ""),
		&v1.MemberEnded{MembershipId: exRecorder, EndedOn: "2025-06-30", Reason: "muutti pois"})
}

// voiceRecorded is a valid voice raised in Tampere a month ago.
func voiceRecorded() *v1.FamilyVoiceRecorded {
	return &v1.FamilyVoiceRecorded{VoiceId: voiceID, GroupId: localID, Municipality: localMuni,
		Channel: v1.VoiceChannel_VOICE_CHANNEL_CLIENT_PANEL, Summary: voiceText, RaisedOn: "2026-10-20",
		Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE},
			Municipalities: []string{localMuni}, Themes: []string{voiceTheme, "aukioloajat"}},
		RecordedByMembershipId: recorder}
}

func TestRecordVoice(t *testing.T) {
	v := domain.NewVoice(voiceID)
	rec := voiceRecorded()
	got, err := v.Record(rec, voiceGroup(t), voiceToday)
	thenEvents(t, got, err, voiceRecorded())
	if len(got) == 1 && got[0] == rec {
		t.Error("the event is the command's message itself; a caller changing it would change the event")
	}
	if v.Exists() {
		t.Fatal("deciding changed the state")
	}
	if err := v.Apply(got[0]); err != nil {
		t.Fatal(err)
	}
	if !v.Exists() || !proto.Equal(v.Recorded, voiceRecorded()) {
		t.Errorf("state after FamilyVoiceRecorded: %+v", v)
	}
	// Once recorded, the voice stays as it was.
	got, err = v.Record(voiceRecorded(), voiceGroup(t), voiceToday)
	thenError(t, got, err, domain.CodeAlreadyExists, "voice_id")
}

func TestRecordVoiceAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(*v1.FamilyVoiceRecorded)
	}{
		{"raised today", func(r *v1.FamilyVoiceRecorded) { r.RaisedOn = voiceToday }},
		{"no municipality", func(r *v1.FamilyVoiceRecorded) { r.Municipality = "" }},
		{"no tags", func(r *v1.FamilyVoiceRecorded) { r.Tags = nil }},
		{"the youth council", func(r *v1.FamilyVoiceRecorded) { r.Channel = v1.VoiceChannel_VOICE_CHANNEL_YOUTH_COUNCIL }},
		{"professional observation", func(r *v1.FamilyVoiceRecorded) { r.Channel = v1.VoiceChannel_VOICE_CHANNEL_PROFESSIONAL_OBSERVATION }},
		{"a summary of 4000 characters", func(r *v1.FamilyVoiceRecorded) { r.Summary = strings.Repeat("ä", 4000) }},
		// Eleven characters that look like a code but fail its check character.
		{"a number that is no identity code", func(r *v1.FamilyVoiceRecorded) { r.Summary = "Palaute 131052-308U käsitelty." }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := voiceRecorded()
			tt.edit(rec)
			got, err := domain.NewVoice(voiceID).Record(rec, voiceGroup(t), voiceToday)
			thenEvents(t, got, err, rec)
		})
	}
}

func TestRecordVoiceRefused(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*v1.FamilyVoiceRecorded)
		code  domain.Code
		field string
	}{
		{"an identity code in the summary", func(r *v1.FamilyVoiceRecorded) { r.Summary = "Äiti (" + validHetu + ") toivoo iltapäiväaukioloa." }, domain.CodeInvalid, "summary"},
		{"an identity code in lower case", func(r *v1.FamilyVoiceRecorded) { r.Summary = strings.ToLower(validHetu) + " toivoo" }, domain.CodeInvalid, "summary"},
		{"an identity code of the 2000s", func(r *v1.FamilyVoiceRecorded) { r.Summary = "Lapsi 010101A123N asiakkaana" }, domain.CodeInvalid, "summary"},
		{"an identity code in a theme", func(r *v1.FamilyVoiceRecorded) { r.Tags.Themes = []string{validHetu} }, domain.CodeInvalid, "tags.themes[0]"},
		{"an identity code in the second theme", func(r *v1.FamilyVoiceRecorded) { r.Tags.Themes = []string{voiceTheme, "perhe " + validHetu} }, domain.CodeInvalid, "tags.themes[1]"},
		{"no summary", func(r *v1.FamilyVoiceRecorded) { r.Summary = "" }, domain.CodeInvalid, "summary"},
		{"a blank summary", func(r *v1.FamilyVoiceRecorded) { r.Summary = " \n " }, domain.CodeInvalid, "summary"},
		{"a summary too long", func(r *v1.FamilyVoiceRecorded) { r.Summary = strings.Repeat("ä", 4001) }, domain.CodeInvalid, "summary"},
		{"no channel", func(r *v1.FamilyVoiceRecorded) { r.Channel = v1.VoiceChannel_VOICE_CHANNEL_UNSPECIFIED }, domain.CodeInvalid, "channel"},
		{"an unknown channel", func(r *v1.FamilyVoiceRecorded) { r.Channel = 42 }, domain.CodeInvalid, "channel"},
		{"no date raised", func(r *v1.FamilyVoiceRecorded) { r.RaisedOn = "" }, domain.CodeInvalid, "raised_on"},
		{"a date in Finnish", func(r *v1.FamilyVoiceRecorded) { r.RaisedOn = "20.10.2026" }, domain.CodeInvalid, "raised_on"},
		{"raised tomorrow", func(r *v1.FamilyVoiceRecorded) { r.RaisedOn = "2026-11-25" }, domain.CodeInvalid, "raised_on"},
		{"a municipality by name", func(r *v1.FamilyVoiceRecorded) { r.Municipality = "Tampere" }, domain.CodeInvalid, "municipality"},
		{"a municipality the group does not cover", func(r *v1.FamilyVoiceRecorded) { r.Municipality = otherMuni }, domain.CodeInvalid, "municipality"},
		{"a task that is not T1-T7", func(r *v1.FamilyVoiceRecorded) { r.Tags.Tasks = []v1.FamilyCentreTask{9} }, domain.CodeInvalid, "tags.tasks[0]"},
		{"a two-digit municipality tag", func(r *v1.FamilyVoiceRecorded) { r.Tags.Municipalities = []string{"83"} }, domain.CodeInvalid, "tags.municipalities[0]"},
		{"a theme that is a sentence", func(r *v1.FamilyVoiceRecorded) { r.Tags.Themes = []string{"aukioloajat, kiitos!"} }, domain.CodeInvalid, "tags.themes[0]"},
		{"recorded by nobody", func(r *v1.FamilyVoiceRecorded) { r.RecordedByMembershipId = "" }, domain.CodeNotFound, "recorded_by_membership_id"},
		{"recorded by someone not in the group", func(r *v1.FamilyVoiceRecorded) { r.RecordedByMembershipId = "vieras" }, domain.CodeNotFound, "recorded_by_membership_id"},
		{"recorded by a member whose seat ended", func(r *v1.FamilyVoiceRecorded) { r.RecordedByMembershipId = exRecorder }, domain.CodeFailedPrecondition, "recorded_by_membership_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := voiceRecorded()
			tt.edit(rec)
			v := domain.NewVoice(voiceID)
			got, err := v.Record(rec, voiceGroup(t), voiceToday)
			thenError(t, got, err, tt.code, tt.field)
			if v.Exists() {
				t.Error("a refused voice exists")
			}
		})
	}
}

func TestRecordVoiceInAGroupThatDoesNotExist(t *testing.T) {
	for name, g := range map[string]*domain.Group{"nil": nil, "not created": domain.NewGroup(localID)} {
		got, err := domain.NewVoice(voiceID).Record(voiceRecorded(), g, voiceToday)
		t.Run(name, func(t *testing.T) { thenError(t, got, err, domain.CodeNotFound, "group_id") })
	}
}

func TestRecordVoiceInARegionalGroupTakesAnyMunicipality(t *testing.T) {
	// A regional group lists no municipalities of its own; its voices may
	// come from any municipality of its area.
	g := given(t, regionalCreated(regID), memberAdded(recorder, person1, v1.Role_ROLE_SECRETARY, "2025-01-01", ""))
	rec := voiceRecorded()
	rec.GroupId, rec.Municipality = regID, otherMuni
	got, err := domain.NewVoice(voiceID).Record(rec, g, voiceToday)
	thenEvents(t, got, err, rec)
}

func TestVoiceApplyRefusesWhatItCannotFold(t *testing.T) {
	if err := domain.NewVoice(voiceID).Apply(&v1.MeetingScheduled{MeetingId: meetMarch}); err == nil {
		t.Error("a voice folded a meeting's event")
	}
}

func TestVoiceCloneIsolatesApply(t *testing.T) {
	v := domain.NewVoice(voiceID)
	c := v.Clone()
	if err := c.Apply(voiceRecorded()); err != nil {
		t.Fatal(err)
	}
	if v.Exists() || !c.Exists() {
		t.Errorf("after applying to the clone: original exists %v, clone exists %v", v.Exists(), c.Exists())
	}
}

// ---- Agenda items naming voices ----

func TestAddItemNamingFamilyVoices(t *testing.T) {
	item := agendaItem("Perhekahvilan aukioloajat")
	item.Origin = v1.ItemOrigin_ITEM_ORIGIN_FAMILY_VOICE
	item.FamilyVoiceIds = []string{voiceID, voiceID2}
	s := givenMeetings(t, withStandard(t, meetMarch, marchStart)...)
	got, err := s.AddItem("e1", meetMarch, item, false, "", "2026-02-01")
	thenEvents(t, got, err, &v1.ItemAdded{ItemId: "e1", MeetingId: meetMarch, Item: item})
	applyDecided(t, s, got, nil)
	if ids := mustItem(t, s, "e1").Item.GetFamilyVoiceIds(); len(ids) != 2 || ids[0] != voiceID || ids[1] != voiceID2 {
		t.Errorf("the item names the voices %v", ids)
	}
}

func TestAddItemNamingFamilyVoicesRefused(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	tests := []struct {
		name   string
		voices []string
		field  string
	}{
		{"an empty id", []string{voiceID, ""}, "item.family_voice_ids[1]"},
		{"not an id", []string{"asiakasraati-10"}, "item.family_voice_ids[0]"},
		{"a voice twice", []string{voiceID, voiceID2, voiceID}, "item.family_voice_ids[2]"},
		{"more than 50 voices", many, "item.family_voice_ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := agendaItem("Perhekahvilan aukioloajat")
			item.FamilyVoiceIds = tt.voices
			got, err := givenMeetings(t, withStandard(t, meetMarch, marchStart)...).AddItem("e1", meetMarch, item, false, "", "2026-02-01")
			thenError(t, got, err, domain.CodeInvalid, tt.field)
		})
	}
	// Exactly 50 is allowed.
	item := agendaItem("Perhekahvilan aukioloajat")
	item.FamilyVoiceIds = many[:50]
	if _, err := givenMeetings(t, withStandard(t, meetMarch, marchStart)...).AddItem("e1", meetMarch, item, false, "", "2026-02-01"); err != nil {
		t.Errorf("an item naming 50 voices: %v", err)
	}
}
