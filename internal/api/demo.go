package api

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// The demo network: Pirkanmaa's three-level family-centre network (seed 004),
// with invented people. The grouping of municipalities into the three
// regional coordination groups is invented too.

type demoMunicipality struct {
	code, fi, genitive, sv string
}

var demoRegions = []struct {
	fi, sv, en     string
	municipalities []demoMunicipality
}{
	{"Läntisen Pirkanmaan perhekeskusten koordinaatioryhmä", "Västra Birkalands koordinationsgrupp för familjecentraler", "Western Pirkanmaa family-centre coordination group", []demoMunicipality{
		{"108", "Hämeenkyrö", "Hämeenkyrön", "Tavastkyro"}, {"143", "Ikaalinen", "Ikaalisten", "Ikalis"}, {"250", "Kihniö", "Kihniön", "Kihniö"},
		{"536", "Nokia", "Nokian", "Nokia"}, {"581", "Parkano", "Parkanon", "Parkano"}, {"619", "Punkalaidun", "Punkalaitumen", "Punkalaidun"},
		{"790", "Sastamala", "Sastamalan", "Sastamala"}, {"980", "Ylöjärvi", "Ylöjärven", "Ylöjärvi"},
	}},
	{"Eteläisen Pirkanmaan perhekeskusten koordinaatioryhmä", "Södra Birkalands koordinationsgrupp för familjecentraler", "Southern Pirkanmaa family-centre coordination group", []demoMunicipality{
		{"020", "Akaa", "Akaan", "Akaa"}, {"211", "Kangasala", "Kangasalan", "Kangasala"}, {"418", "Lempäälä", "Lempäälän", "Lempäälä"},
		{"604", "Pirkkala", "Pirkkalan", "Birkala"}, {"635", "Pälkäne", "Pälkäneen", "Pälkäne"}, {"887", "Urjala", "Urjalan", "Urjala"},
		{"908", "Valkeakoski", "Valkeakosken", "Valkeakoski"}, {"922", "Vesilahti", "Vesilahden", "Vesilahti"},
	}},
	{"Pohjoisen ja itäisen Pirkanmaan perhekeskusten koordinaatioryhmä", "Norra och östra Birkalands koordinationsgrupp för familjecentraler", "Northern and Eastern Pirkanmaa family-centre coordination group", []demoMunicipality{
		{"177", "Juupajoki", "Juupajoen", "Juupajoki"}, {"291", "Kuhmoinen", "Kuhmoisten", "Kuhmois"}, {"508", "Mänttä-Vilppula", "Mänttä-Vilppulan", "Mänttä-Vilppula"},
		{"562", "Orivesi", "Oriveden", "Orivesi"}, {"702", "Ruovesi", "Ruoveden", "Ruovesi"}, {"837", "Tampere", "Tampereen", "Tammerfors"},
		{"936", "Virrat", "Virtain", "Virdois"},
	}},
}

var demoFirst = []string{"Aino", "Eero", "Helmi", "Juha", "Kaisa", "Lauri", "Minna", "Niko", "Outi", "Pekka", "Riikka", "Sami", "Tiina", "Ville", "Anu", "Jari", "Leena", "Markus", "Sanna", "Timo", "Elina", "Olli", "Hanna", "Tuomas"}
var demoLast = []string{"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Kinnunen", "Salonen", "Turunen", "Lindqvist", "Rantanen", "Aaltonen", "Peltonen"}

const (
	demoCounty    = "Pirkanmaan hyvinvointialue"
	demoTermStart = "2025-01-01"
	demoTermEnd   = "2027-12-31"
)

type demoLoader struct {
	gs     groupService
	ctx    context.Context
	n      int               // people made so far
	groups map[string]string // demo key → group id
	voices map[string]string // demo voice key → voice id
}

// loadDemoIfEmpty writes the demo network when the stream has no events.
func (s *Server) loadDemoIfEmpty(ctx context.Context) error {
	last, err := s.store.LastSequence(ctx)
	if err != nil || last > 0 {
		return err
	}
	ctx = withCaller(ctx, demoCaller)
	d := &demoLoader{gs: groupService{s}, ctx: ctx, groups: map[string]string{}}
	province, err := d.group("demo-province", &v1.LocalizedName{
		Fi: "Pirkanmaan perhekeskusten maakunnallinen ohjausryhmä",
		Sv: "Birkalands styrgrupp för familjecentraler",
		En: "Pirkanmaa provincial family-centre steering group",
	}, v1.Level_LEVEL_PROVINCIAL, "", nil)
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return d.member(province, "Hyvinvointialueen perhekeskuspalvelut", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_CHAIR, "")
		},
		func() error {
			return d.member(province, "Hyvinvointialueen perhekeskuspalvelut", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_SECRETARY, "")
		},
		func() error {
			return d.member(province, "Tampereen kaupunki", v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.Role_ROLE_VICE_CHAIR, "")
		},
		func() error {
			return d.member(province, "Pirkanmaan järjestöjen perhekeskusverkosto", v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER, "")
		},
		func() error {
			return d.member(province, "Tampereen ev.-lut. seurakuntayhtymä", v1.ActorType_ACTOR_TYPE_PARISH, v1.Role_ROLE_MEMBER, "")
		},
		func() error {
			return d.member(province, "Kela, Länsi-Suomen vakuutuspiiri", v1.ActorType_ACTOR_TYPE_KELA, v1.Role_ROLE_MEMBER, "")
		},
		func() error {
			return d.member(province, "Perheiden edustajat", v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE, v1.Role_ROLE_FAMILY_REPRESENTATIVE, "")
		},
		func() error {
			return d.member(province, "Kokemusasiantuntijat", v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE, v1.Role_ROLE_EXPERT, "")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for ri, r := range demoRegions {
		var codes []string
		for _, m := range r.municipalities {
			codes = append(codes, m.code)
		}
		region, err := d.group(fmt.Sprintf("demo-region-%d", ri), &v1.LocalizedName{Fi: r.fi, Sv: r.sv, En: r.en}, v1.Level_LEVEL_REGIONAL, province, codes)
		if err != nil {
			return err
		}
		if err := d.member(province, "Hyvinvointialue, alueellinen perhekeskuskoordinaattori", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_MEMBER, region); err != nil {
			return err
		}
		for _, seat := range []struct {
			org   string
			actor v1.ActorType
			role  v1.Role
		}{
			{"Hyvinvointialueen perhekeskuspalvelut", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_CHAIR},
			{"Hyvinvointialueen perhekeskuspalvelut", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_SECRETARY},
			{"Alueen järjestöverkosto", v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER},
			{"Alueen seurakunnat", v1.ActorType_ACTOR_TYPE_PARISH, v1.Role_ROLE_MEMBER},
			{"Kela", v1.ActorType_ACTOR_TYPE_KELA, v1.Role_ROLE_MEMBER},
			{"Kokemusasiantuntijat", v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE, v1.Role_ROLE_EXPERT},
		} {
			if err := d.member(region, seat.org, seat.actor, seat.role, ""); err != nil {
				return err
			}
		}
		for mi, m := range r.municipalities {
			local, err := d.group("demo-local-"+m.code, &v1.LocalizedName{
				Fi: m.genitive + " perhekeskuksen ohjausryhmä",
				Sv: m.sv + " familjecentrals styrgrupp",
				En: m.fi + " family-centre steering group",
			}, v1.Level_LEVEL_LOCAL, region, []string{m.code})
			if err != nil {
				return err
			}
			org := m.genitive + " kunta"
			if m.code == "837" || m.code == "536" || m.code == "908" || m.code == "980" || m.code == "211" || m.code == "418" {
				org = m.genitive + " kaupunki"
			}
			if err := d.member(region, org, v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.Role_ROLE_MEMBER, local); err != nil {
				return err
			}
			seats := []struct {
				org   string
				actor v1.ActorType
				role  v1.Role
			}{
				{org, v1.ActorType_ACTOR_TYPE_MUNICIPALITY, v1.Role_ROLE_CHAIR},
				{"Hyvinvointialue, " + m.genitive + " perhekeskus", v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY, v1.Role_ROLE_SECRETARY},
				{"MLL:n " + m.genitive + " yhdistys", v1.ActorType_ACTOR_TYPE_NGO, v1.Role_ROLE_MEMBER},
				{"Kela", v1.ActorType_ACTOR_TYPE_KELA, v1.Role_ROLE_MEMBER},
				{"Perheiden edustaja", v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE, v1.Role_ROLE_FAMILY_REPRESENTATIVE},
			}
			// Not every local group is complete: some lack a parish or
			// the families' own voice, so the balance figure shows something.
			if mi%3 != 1 {
				seats = append(seats, struct {
					org   string
					actor v1.ActorType
					role  v1.Role
				}{m.genitive + " seurakunta", v1.ActorType_ACTOR_TYPE_PARISH, v1.Role_ROLE_MEMBER})
			}
			if mi%4 == 3 {
				seats = seats[:4]
			}
			for _, seat := range seats {
				if err := d.member(local, seat.org, seat.actor, seat.role, ""); err != nil {
					return err
				}
			}
		}
	}
	if err := d.recordDemoVoices(d.groups); err != nil {
		return err
	}
	if err := d.loadDemoMeetings(d.groups); err != nil {
		return err
	}
	if err := d.subscribeDemoMembers(); err != nil {
		return err
	}
	last, err = s.store.LastSequence(ctx)
	if err == nil {
		s.log.Info("demo network and meetings loaded", "events", last)
	}
	return err
}

func (d *demoLoader) group(key string, name *v1.LocalizedName, level v1.Level, parent string, municipalities []string) (string, error) {
	req := connect.NewRequest(&v1.CreateGroupRequest{RequestId: key, Name: name, Level: level, ParentId: parent,
		WellbeingCounty: demoCounty, Municipalities: municipalities, Mode: v1.GroupMode_GROUP_MODE_MINUTES})
	res, err := d.gs.CreateGroup(d.ctx, req)
	if err != nil {
		return "", fmt.Errorf("group %s: %w", key, err)
	}
	d.groups[key] = res.Msg.GetGroupId()
	return res.Msg.GetGroupId(), nil
}

func (d *demoLoader) member(group, org string, actor v1.ActorType, role v1.Role, represents string) error {
	first := demoFirst[(d.n*7)%len(demoFirst)]
	last := demoLast[(d.n*5+d.n/len(demoLast))%len(demoLast)]
	d.n++
	req := connect.NewRequest(&v1.AddMemberRequest{
		RequestId: fmt.Sprintf("demo-member-%d", d.n), GroupId: group,
		PersonName: first + " " + last + " (demo)", Email: fmt.Sprintf("%s.%s.%d@demo.invalid", asciiLower(first), asciiLower(last), d.n),
		Organisation: org, ActorType: actor, Role: role, TermStart: demoTermStart, TermEnd: demoTermEnd, RepresentsGroupId: represents,
	})
	if _, err := d.gs.AddMember(d.ctx, req); err != nil {
		return fmt.Errorf("member %d of %s: %w", d.n, group, err)
	}
	return nil
}

func asciiLower(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case 'ä', 'Ä':
			r = 'a'
		case 'ö', 'Ö':
			r = 'o'
		case 'å', 'Å':
			r = 'a'
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
