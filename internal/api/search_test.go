package api_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

func TestSearchItemsAndDecisions(t *testing.T) {
	m := startMeetings(t)
	ctx := context.Background()
	meeting := m.schedule(t, "s", "2026-04-02T13:00:00+03:00")
	add := func(it *v1.AgendaItem) string {
		res, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting, Item: it}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetItemId()
	}
	vauva := add(&v1.AgendaItem{Title: "Vauvaperheiden kotipalvelu", Grounds: "Asiakasraati toi esiin kotipalvelun saatavuuden.",
		Openness: v1.Openness_OPENNESS_PUBLIC, Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T3_EARLY_SUPPORT}, Municipalities: []string{"536"}}})
	add(&v1.AgendaItem{Title: "Kohtaamispaikkojen aukioloajat", Proposal: "Laajennetaan kohtaamispaikkojen aukioloa.",
		Openness: v1.Openness_OPENNESS_PUBLIC, Tags: &v1.Tags{Tasks: []v1.FamilyCentreTask{v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE}}})
	add(&v1.AgendaItem{Title: "Kotipalvelun henkilöstöasia", Openness: v1.Openness_OPENNESS_SECRET, LegalGround: "JulkL 24 § 1 mom. 30 k"})
	m.open(t, meeting)
	res, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: vauva,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED, Text: "Kotipalvelua lisätään syksystä alkaen.",
			Affects: &v1.Affects{Municipalities: []string{"837"}}}}))
	if err != nil {
		t.Fatal(err)
	}
	pos := res.Msg.GetResult().GetPosition()

	search := func(r *v1.SearchItemsRequest) []*v1.SearchHit {
		t.Helper()
		r.MinPosition = pos
		out, err := m.meetings.SearchItems(ctx, connect.NewRequest(r))
		if err != nil {
			t.Fatal(err)
		}
		return out.Msg.GetHits()
	}
	titles := func(hits []*v1.SearchHit) string {
		var s []string
		for _, h := range hits {
			s = append(s, h.GetTitle())
		}
		return strings.Join(s, "|")
	}
	for _, tc := range []struct {
		name string
		req  *v1.SearchItemsRequest
		want string
	}{
		{"a word in a title, folding ä", &v1.SearchItemsRequest{Query: "vauvaperheiden"}, "Vauvaperheiden kotipalvelu"},
		{"a prefix, never the secret item", &v1.SearchItemsRequest{Query: "kotipalv"}, "Vauvaperheiden kotipalvelu"},
		{"a word of the decision text", &v1.SearchItemsRequest{Query: "syksystä"}, "Vauvaperheiden kotipalvelu"},
		{"all words must match", &v1.SearchItemsRequest{Query: "kotipalvelu aukioloa"}, ""},
		{"not the procedural standard items", &v1.SearchItemsRequest{Query: "kokouksen avaus"}, ""},
		{"FTS syntax is taken as words", &v1.SearchItemsRequest{Query: `aukio* OR "x`}, ""},
		{"by task", &v1.SearchItemsRequest{Task: v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE}, "Kohtaamispaikkojen aukioloajat"},
		{"by a municipality the decision affects", &v1.SearchItemsRequest{Municipality: "837"}, "Vauvaperheiden kotipalvelu"},
		{"by outcome", &v1.SearchItemsRequest{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_AMENDED}, "Vauvaperheiden kotipalvelu"},
		{"by another year", &v1.SearchItemsRequest{Query: "kotipalvelu", Year: 2025}, ""},
		{"by level", &v1.SearchItemsRequest{Query: "aukioloa", Level: v1.Level_LEVEL_PROVINCIAL}, "Kohtaamispaikkojen aukioloajat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := titles(search(tc.req)); got != tc.want {
				t.Fatalf("found %q, want %q", got, tc.want)
			}
		})
	}
	hits := search(&v1.SearchItemsRequest{Query: "syksystä"})
	// § 1-3 are the standard opening items.
	if h := hits[0]; h.GetSection() != 4 || h.GetGroupName() != "Maakunnallinen ohjausryhmä" || !strings.Contains(h.GetSnippet(), "[syksystä]") {
		t.Fatalf("hit: %v", h)
	}
	_, err = m.meetings.SearchItems(ctx, connect.NewRequest(&v1.SearchItemsRequest{Municipality: "Tampere"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != "municipality" {
		t.Fatalf("a municipality name instead of its code: %v", err)
	}
}
