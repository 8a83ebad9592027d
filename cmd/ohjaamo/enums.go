package main

import (
	"slices"
	"sort"
	"strings"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Names accepted on the command line, in English and Finnish.
var (
	levelNames = map[string]int32{
		"local": 1, "paikallinen": 1, "regional": 2, "alueellinen": 2, "provincial": 3, "maakunnallinen": 3,
	}
	modeNames  = map[string]int32{"minutes": 1, "pöytäkirja": 1, "memo": 2, "muistio": 2}
	actorNames = map[string]int32{
		"wellbeing-county": 1, "hyvinvointialue": 1, "municipality": 2, "kunta": 2, "ngo": 3, "järjestö": 3,
		"parish": 4, "seurakunta": 4, "kela": 5, "private": 6, "yksityinen": 6,
		"family-representative": 7, "perheiden-edustaja": 7, "expert-by-experience": 8, "kokemusasiantuntija": 8,
	}
	roleNames = map[string]int32{
		"chair": 1, "puheenjohtaja": 1, "vice-chair": 2, "varapuheenjohtaja": 2, "secretary": 3, "sihteeri": 3,
		"member": 4, "jäsen": 4, "deputy": 5, "varajäsen": 5, "expert": 6, "asiantuntija": 6,
		"family-representative": 7, "perheiden-edustaja": 7,
	}
)

const (
	actorHelp = "wellbeing-county | municipality | ngo | parish | kela | private | family-representative | expert-by-experience (or in Finnish: hyvinvointialue, kunta, järjestö, ...)"
	roleHelp  = "chair | vice-chair | secretary | member | deputy | expert | family-representative (or in Finnish: puheenjohtaja, sihteeri, jäsen, ...)"
)

// parseEnum accepts a name from names. An empty value passes as 0 (unset),
// so the server names the missing field.
func parseEnum(flagName, value string, names map[string]int32) (int32, error) {
	if value == "" {
		return 0, nil
	}
	if v, ok := names[strings.ToLower(strings.ReplaceAll(value, "_", "-"))]; ok {
		return v, nil
	}
	var all []string
	for k := range names {
		all = append(all, k)
	}
	sort.Strings(all)
	return 0, usagef("--%s %q: want one of %s", flagName, value, strings.Join(all, ", "))
}

func levelLabel(l v1.Level) string {
	return map[v1.Level]string{v1.Level_LEVEL_LOCAL: "local", v1.Level_LEVEL_REGIONAL: "regional", v1.Level_LEVEL_PROVINCIAL: "provincial"}[l]
}

func roleLabel(r v1.Role) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_")), "_", "-")
}

func actorLabel(a v1.ActorType) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(a.String(), "ACTOR_TYPE_")), "_", "-")
}

var (
	opennessNames = map[string]int32{"public": 1, "julkinen": 1, "internal": 2, "sisäinen": 2, "secret": 3, "salainen": 3}
	originNames   = map[string]int32{"secretary": 1, "sihteeri": 1, "member": 2, "jäsen": 2, "family-voice": 3, "perheiden-ääni": 3,
		"indicator": 4, "indikaattori": 4, "escalated": 5, "referred": 6}
	outcomeNames = map[string]int32{"approved": 1, "hyväksytty": 1, "amended": 2, "muutettuna": 2, "noted": 3, "tiedoksi": 3,
		"tabled": 4, "pöydälle": 4, "returned": 5, "palautettu": 5, "rejected": 6, "hylätty": 6}
	voteNames = map[string]int32{"proposal": 1, "jaa": 1, "counter": 2, "counter-proposal": 2, "ei": 2, "abstain": 3, "tyhjä": 3}
	taskNames = map[string]int32{"t1": 1, "t2": 2, "t3": 3, "t4": 4, "t5": 5, "t6": 6, "t7": 7}
)

func stateLabel(s v1.MeetingState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "MEETING_STATE_"))
}

func outcomeLabel(o v1.Outcome) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(o.String(), "OUTCOME_")), "_", " ")
}

func sortedKeys(m map[string]int32) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
