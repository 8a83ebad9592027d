package projections_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
	"github.com/ohjaamo/ohjaamo/projections"
)

// plainSearch is the search as one plain statement: every match ranked by
// bm25 (ties newest first), the conditions checked on the way, and FTS5's
// own snippet(). Search must answer exactly this, only faster.
const plainSearch = `
SELECT i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), i.meeting_id, m.starts_at, i.id, i.section, i.title, i.outcome,
       snippet(items_fts, -1, '[', ']', '…', 12)
FROM items_fts f
JOIN items i ON i.rowid = f.rowid
JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
WHERE items_fts MATCH ?1 AND i.openness <> 3 AND i.withdrawn = 0 AND i.standard IN (0, 5)
  AND (?2 = '' OR i.group_id = ?2) AND (?3 = 0 OR g.level = ?3) AND (?4 = 0 OR i.year = ?4)
  AND (?5 = 0 OR EXISTS (SELECT 1 FROM item_tasks t WHERE t.item_id = i.id AND t.task = ?5))
  AND (?6 = '' OR EXISTS (SELECT 1 FROM item_municipalities c WHERE c.item_id = i.id AND c.code = ?6))
  AND (?7 = 0 OR i.outcome = ?7)
ORDER BY bm25(items_fts), f.rowid DESC
LIMIT ?8`

// searchWords are the texts' vocabulary: long Finnish compounds sharing
// prefixes, words with ä, ö and å, and a few short ones.
var searchWords = strings.Fields(`perhe perheet perheille perhekeskus perhekeskuksen perhetyö perheneuvola
	neuvola neuvolan neuvolassa kotipalvelu kotipalvelun kotikäynti kotikäynnit lastensuojelu lapset lapsiperhe
	päätös päätöksen päätettiin päihdetyö mielenterveys vertaistuki vertaistuen työryhmä työryhmän
	ohjausryhmä ohjausryhmän järjestö järjestöt järjestöjen seurakunta kunta kunnan kuntalaiset
	Kela Tampere Åland Öljy Äänekoski sovittelu saavutettavuus sote 2026 20 euroa € hyväksyy merkitsee`)

// searchText makes n words of text in sentences, now and then with a colon,
// a parenthesis or a number, so snippets meet sentence starts.
func searchText(r *rand.Rand, n int) string {
	var b strings.Builder
	start := true
	for i := range n {
		w := searchWords[r.IntN(len(searchWords))]
		if start {
			rs := []rune(w)
			w = string(unicode.ToUpper(rs[0])) + string(rs[1:])
			start = false
		}
		b.WriteString(w)
		switch k := r.IntN(12); {
		case i == n-1:
			b.WriteString(".")
		case k == 0:
			b.WriteString(". ")
			start = true
		case k == 1:
			b.WriteString(": ")
		case k == 2:
			b.WriteString(" (" + searchWords[r.IntN(len(searchWords))] + ") ")
		case k == 3:
			b.WriteString(", ")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

// searchNetwork writes a provincial and two regional groups and their
// meetings: public, internal and secret items, standard items, pending and
// withdrawn ones, edited ones, decisions with tags, a meeting moved to the next year,
// and a word that the best-ranked secret items crowd.
func searchNetwork(t *testing.T, store *eventstore.Store) (uint64, []string) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	repo := testenv.Groups(store)
	groups := []string{"30000000-0000-4000-8000-000000000000", "30000000-0000-4000-8000-000000000001", "30000000-0000-4000-8000-000000000002"}
	for i, id := range groups {
		level, parent := v1.Level_LEVEL_REGIONAL, groups[0]
		if i == 0 {
			level, parent = v1.Level_LEVEL_PROVINCIAL, ""
		}
		var parentState *domain.Group
		if parent != "" {
			parentState, _, _ = repo.Get(ctx, parent)
		}
		_, err := repo.Execute(ctx, id, eventstore.Meta{RequestID: "g" + id}, nil, func(g *domain.Group) ([]proto.Message, error) {
			return g.Create(domain.CreateGroup{Name: &v1.LocalizedName{Fi: fmt.Sprintf("Ryhmä %d", i)}, Level: level, ParentID: parent, County: "Pirkanmaan hyvinvointialue"}, parentState)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var last uint64
	for gi, group := range groups {
		var events []proto.Message
		section := map[int]uint32{}
		for mi := range 8 {
			meeting := fmt.Sprintf("4%07d-0000-4000-8000-%012d", gi, mi)
			year := 2025 + mi/4
			events = append(events, &v1.MeetingScheduled{MeetingId: meeting, StartsAt: fmt.Sprintf("%d-%02d-10T13:00:00+02:00", year, 1+mi%4*3), Place: "Tampere"})
			for ii := range 14 {
				item := fmt.Sprintf("5%07d-%04d-4000-8000-%012d", gi, mi, ii)
				it := &v1.AgendaItem{Title: searchText(r, 2+r.IntN(5)), Grounds: searchText(r, 5+r.IntN(40)), Proposal: searchText(r, 4+r.IntN(12)),
					Openness: v1.Openness_OPENNESS_PUBLIC, Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask(1 + r.IntN(7))}}}
				switch k := r.IntN(20); {
				case k == 0:
					it.Openness, it.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
				case k == 1:
					it.Openness = v1.Openness_OPENNESS_INTERNAL
				case k == 2:
					it.Standard = v1.StandardItem(1 + r.IntN(7))
				case k == 3:
					it.Tags.Municipalities = []string{"837"}
				case k < 6:
					it.Tags.Municipalities = []string{"536", "837"}[k-4:]
				}
				if ii < 3 && mi%2 == 0 { // the crowd: short secret items full of one word
					it = &v1.AgendaItem{Title: "Salainen salainen", Grounds: "Salainen asia.", Openness: v1.Openness_OPENNESS_SECRET, LegalGround: "JulkL 24 § 1 mom. 32 k"}
				}
				if ii == 3 {
					it.Grounds += " Tämä ei ole salainen, vaikka " + searchText(r, 30)
				}
				on := meeting
				if ii == 13 && mi == 7 {
					on = "" // pending: never found
				}
				events = append(events, &v1.ItemAdded{ItemId: item, MeetingId: on, Item: it})
				if ii == 5 { // edited: new text, other tags
					edited := proto.CloneOf(it)
					edited.Grounds = searchText(r, 20)
					edited.Tags = &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask(1 + r.IntN(7))}, Municipalities: []string{"536"}[:r.IntN(2)]}
					events = append(events, &v1.ItemEdited{ItemId: item, Item: edited})
				}
				if on == "" || r.IntN(10) == 0 {
					continue // undecided
				}
				if r.IntN(25) == 0 {
					events = append(events, &v1.ItemWithdrawn{ItemId: item, Reason: "peruttu"})
					continue
				}
				section[0]++ // one run for both years, as a meeting moves from one to the other
				d := &v1.Decision{Outcome: v1.Outcome(1 + r.IntN(6)), Text: searchText(r, 3+r.IntN(15))}
				if r.IntN(3) == 0 {
					d.Dissents = []*v1.Dissent{{Text: searchText(r, 6)}}
				}
				if r.IntN(4) == 0 {
					d.Affects = &v1.Affects{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask(1 + r.IntN(7))}, Municipalities: []string{"536"}}
				}
				events = append(events, &v1.DecisionRecorded{ItemId: item, Section: section[0], Decision: d})
			}
			if gi == 1 && mi == 3 { // its items stay where they are in the rowid order, but move a year on
				events = append(events, &v1.MeetingRescheduled{MeetingId: meeting, StartsAt: "2026-12-01T13:00:00+02:00", Place: "Tampere"})
			}
		}
		head := eventstore.Head{}
		for len(events) > 0 {
			n := min(len(events), 200)
			res, err := store.Append(ctx, domain.AggregateMeetings, group, head, events[:n], eventstore.Meta{RequestID: fmt.Sprintf("m%s-%d", group, len(events))})
			if err != nil {
				t.Fatal(err)
			}
			head, last, events = res.Head, res.LastSeq, events[n:]
		}
	}
	return last, groups
}

func TestSearchAnswersAsPlainFTS5(t *testing.T) {
	store := testenv.Store(t, "")
	last, groups := searchNetwork(t, store)
	rt := testenv.Projections(t, store, "", projections.Options{})
	ctx := context.Background()
	if err := rt.WaitFor(ctx, last, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	plain := func(query string, f projections.SearchFilter) []*v1.SearchHit {
		t.Helper()
		var terms []string
		for _, w := range strings.FieldsFunc(query, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			terms = append(terms, `"`+w+`"*`)
		}
		var hits []*v1.SearchHit
		if len(terms) == 0 {
			return nil // no words: the filters' own query, not compared here
		}
		err := rt.View(ctx, func(db *sql.DB) error {
			rows, err := db.QueryContext(ctx, plainSearch, strings.Join(terms, " "), f.GroupID, int32(f.Level), f.Year, int32(f.Task), f.Municipality, int32(f.Outcome), f.Limit)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				h := &v1.SearchHit{}
				var level, outcome int32
				if err := rows.Scan(&h.GroupId, &h.GroupName, &level, &h.MeetingId, &h.StartsAt, &h.ItemId, &h.Section, &h.Title, &outcome, &h.Snippet); err != nil {
					return err
				}
				h.Level, h.Outcome = v1.Level(level), v1.Outcome(outcome)
				hits = append(hits, h)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}

	filters := []projections.SearchFilter{
		{Limit: 20},
		{Limit: 3},
		{Limit: 200},
		{Limit: 20, Year: 2025},
		{Limit: 20, Year: 2026},
		{Limit: 20, Year: 2024},
		{Limit: 20, Task: v1.FamilyCentreTask(3)},
		{Limit: 20, Municipality: "837"},
		{Limit: 20, Municipality: "536", Task: v1.FamilyCentreTask(5)},
		{Limit: 20, GroupID: groups[1]},
		{Limit: 20, GroupID: groups[2], Year: 2026},
		{Limit: 20, Level: v1.Level_LEVEL_PROVINCIAL},
		{Limit: 20, Level: v1.Level_LEVEL_REGIONAL, Outcome: v1.Outcome(2)},
		{Limit: 20, Outcome: v1.Outcome(4)},
	}
	queries := []string{"salainen", "perhe", "päätös", "paatos", "PÄÄTÖS", "p", "pe", "perhek", "ohjausryhmä", "kunta kunta",
		"lapset perhe", "neuvola kotipalvelu", "öljy", "aland", "2026", "€", "sote", "ei löydy", "järjestö tampere kela"}
	r := rand.New(rand.NewPCG(3, 5))
	for range 60 {
		var q []string
		for range 1 + r.IntN(3) {
			w := []rune(searchWords[r.IntN(len(searchWords))])
			q = append(q, string(w[:1+r.IntN(len(w))]))
		}
		queries = append(queries, strings.Join(q, " "))
	}
	checked, found := 0, 0
	for _, query := range queries {
		for _, f := range filters {
			// plainSearch leaves out secret items only: a viewer who reads
			// every group's internal items (an admin).
			f.Query, f.Viewer = query, projections.Viewer{AllInternal: true}
			got, err := rt.Search(ctx, f)
			if err != nil {
				t.Fatalf("%q %+v: %v", query, f, err)
			}
			want := plain(query, f)
			if want == nil && strings.IndexFunc(query, unicode.IsLetter) < 0 && strings.IndexFunc(query, unicode.IsDigit) < 0 {
				continue
			}
			checked++
			found += len(want)
			if len(got) != len(want) {
				t.Errorf("%q %+v: %d hits, want %d", query, f, len(got), len(want))
				continue
			}
			for i := range want {
				if !proto.Equal(got[i], want[i]) {
					t.Errorf("%q %+v: hit %d is\n  %v\nwant\n  %v", query, f, i, got[i], want[i])
					break
				}
			}
		}
	}
	// The comparison means something only if the searches find plenty.
	t.Logf("%d searches, %d hits compared", checked, found)
	if found < 10*checked {
		t.Fatalf("%d searches found only %d hits", checked, found)
	}
	// The crowd of secret items outranks every public one.
	hits, err := rt.Search(ctx, projections.SearchFilter{Query: "salainen", Limit: 20})
	if err != nil || len(hits) == 0 {
		t.Fatalf("salainen: %d hits, %v", len(hits), err)
	}
	for _, h := range hits {
		if !strings.Contains(h.GetSnippet(), "ei ole [salainen]") {
			t.Fatalf("salainen found %v", h)
		}
	}
	// A member of a group finds its secret items, and only its own; an
	// auditor finds every group's.
	member := projections.Viewer{Internal: []string{groups[0]}, Secret: []string{groups[0]}}
	hits, err = rt.Search(ctx, projections.SearchFilter{Query: "salainen", Limit: 200, Viewer: member})
	if err != nil {
		t.Fatal(err)
	}
	secret := 0
	for _, h := range hits {
		if h.GetTitle() == "Salainen salainen" {
			secret++
			if h.GetGroupId() != groups[0] {
				t.Fatalf("a member of %s found another group's secret item %v", groups[0], h)
			}
		}
	}
	all, err := rt.Search(ctx, projections.SearchFilter{Query: "salainen", Limit: 200, Viewer: projections.Viewer{AllSecret: true}})
	if err != nil {
		t.Fatal(err)
	}
	allSecret := 0
	for _, h := range all {
		if h.GetTitle() == "Salainen salainen" {
			allSecret++
		}
	}
	if secret == 0 || allSecret <= secret {
		t.Fatalf("secret items found: %d by a member, %d by an auditor", secret, allSecret)
	}
}
