package domain

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateVoice is the aggregate type of one family voice; its events go
// to ohjaamo.voice.<id>.
const AggregateVoice = "voice"

// Voice is one family voice: a pseudonymous summary of what families said.
// Agenda items take it up by naming it (AgendaItem.family_voice_ids).
type Voice struct {
	ID       string
	Recorded *v1.FamilyVoiceRecorded
}

// NewVoice is the empty state of voice id.
func NewVoice(id string) *Voice { return &Voice{ID: id} }

// Clone copies the state for the next snapshot; events are never modified.
func (v *Voice) Clone() *Voice { c := *v; return &c }

// Apply folds one event into the state.
func (v *Voice) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.FamilyVoiceRecorded:
		v.Recorded = e
		return nil
	}
	return fmt.Errorf("voice: unknown event %T", ev)
}

// Exists reports whether the voice was recorded.
func (v *Voice) Exists() bool { return v.Recorded != nil }

// Record decides recording a new voice raised in group, on or before today.
// Every text is refused when it carries a personal identity code: a voice
// is about families, never a family's identity.
func (v *Voice) Record(rec *v1.FamilyVoiceRecorded, group *Group, today string) ([]proto.Message, error) {
	if v.Exists() {
		return nil, &Error{Code: CodeAlreadyExists, Field: "voice_id", Message: "the voice is already recorded", MessageFI: "ääni on jo kirjattu"}
	}
	if group == nil || !group.Created {
		return nil, notFound("group_id", "no such group", "ryhmää ei ole")
	}
	if err := checkText("summary", rec.GetSummary(), true, 4000); err != nil {
		return nil, err
	}
	if _, ok := v1.VoiceChannel_name[int32(rec.GetChannel())]; !ok || rec.GetChannel() == v1.VoiceChannel_VOICE_CHANNEL_UNSPECIFIED {
		return nil, invalid("channel", "must be client panel, feedback, family representative, youth council, survey or professional observation",
			"pitää olla asiakasraati, palaute, perheiden edustaja, nuorisovaltuusto, kysely tai ammattilaisen havainto")
	}
	if _, err := checkDate("raised_on", rec.GetRaisedOn(), true); err != nil {
		return nil, err
	}
	if rec.GetRaisedOn() > today {
		return nil, invalid("raised_on", "is in the future", "on tulevaisuudessa")
	}
	if m := rec.GetMunicipality(); m != "" {
		if ContainsIdentityCode(m) || !municipalityCode.MatchString(m) {
			return nil, invalid("municipality", "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
		}
		if len(group.Municipalities) > 0 && !slices.Contains(group.Municipalities, m) {
			return nil, invalid("municipality", "is not one of the municipalities the group covers", "ei ole ryhmän alueen kunta")
		}
	}
	if err := checkTags("tags", rec.GetTags().GetTasks(), rec.GetTags().GetMunicipalities(), rec.GetTags().GetThemes()); err != nil {
		return nil, err
	}
	if _, err := group.activeMember(rec.GetRecordedByMembershipId()); err != nil {
		err.Field = "recorded_by_membership_id"
		return nil, err
	}
	return []proto.Message{proto.CloneOf(rec)}, nil
}
