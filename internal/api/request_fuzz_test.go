package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// unaryProcedures are the unary procedures of every service, from the
// descriptors, in a fixed order so that a corpus entry's index keeps
// meaning the same procedure while none is added.
func unaryProcedures(t testing.TB) []string {
	var out []string
	for _, m := range procedures(t) {
		if !m.IsStreamingClient() && !m.IsStreamingServer() {
			out = append(out, procedurePath(m))
		}
	}
	slices.Sort(out)
	return out
}

// FuzzRequests sends arbitrary bodies, as Connect JSON and as binary
// protobuf, to every unary procedure of the running server: whatever
// arrives, the answer is success or a coded error, never Internal and never
// a 5xx. The one 5xx that is a fair answer is Unavailable for a
// min_position the read models have not reached (the caller retries).
func FuzzRequests(f *testing.F) {
	m := startMeetings(f)
	procs := unaryProcedures(f)
	index := func(proc string) uint8 {
		i := slices.Index(procs, proc)
		if i < 0 {
			f.Fatalf("no procedure %s", proc)
		}
		return uint8(i)
	}
	// Every procedure with an empty message in both codecs.
	for i := range procs {
		f.Add(uint8(i), "{}", false)
		f.Add(uint8(i), "", true)
	}
	item, _ := proto.Marshal(&v1.AddItemRequest{GroupId: m.f.p, Item: &v1.AgendaItem{Title: "Asia", FamilyVoiceIds: []string{"a"}}})
	for _, s := range []struct {
		proc, body string
		binary     bool
	}{
		{"GroupService/CreateGroup", `{"name":{"fi":"Ryhmä"},"level":1,"wellbeing_county":"` + county + `"}`, false},
		{"GroupService/AddMember", `{"group_id":"` + m.f.p + `"}`, false},
		{"MeetingService/AddItem", `{"group_id":"` + m.f.p + `","item":{"title":"x","family_voice_ids":["a"]}}`, false},
		{"MeetingService/AddItem", string(item), true},
		{"MeetingService/PlanYear", `{"group_id":"` + m.f.p + `","year":2027,"meetings":[{}],"annual_items":[{"month":13}]}`, false},
		{"MeetingService/RecordDecision", `{"decision":{"outcome":99,"votes":[{},{}]}}`, false},
		{"MeetingService/SearchItems", `{"query":"\u0000"}`, false},
		{"VoiceService/RecordVoice", `{"summary":"131052-308T","channel":1,"group_id":"` + m.f.p + `"}`, false},
		{"VoiceService/VoiceReport", `{"from":"2026-13-01"}`, false},
		{"VoiceService/VoiceReport", "00", true},
		{"SubscriptionService/CreateSubscription", `{"filter":{"task":99}}`, false},
		{"SubscriptionService/SetWebhook", `{"url":"http://[::1]:80"}`, false},
		{"AuditService/GetHistory", `{"aggregate_type":"voice","aggregate_id":"` + m.f.p + `"}`, false},
		{"GroupService/ListGroups", `{"min_position":"18446744073709551615"}`, false},
		{"GroupService/GetGroup", "\x0a\x03abc", true},
		{"MeetingService/ReorderAgenda", "\xff\xff\xff", true},
	} {
		f.Add(index("/ohjaamo.v1."+s.proc), s.body, s.binary)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string, binary bool) {
		proc := procs[int(which)%len(procs)]
		ct := "application/json"
		if binary {
			ct = "application/proto"
		}
		res, err := m.c.http.Post(m.c.url+proc, ct, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		answer, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var ce connectError
		if res.StatusCode != http.StatusOK {
			_ = json.Unmarshal(answer, &ce) // Connect errors are JSON in both codecs
		}
		fair := res.StatusCode == http.StatusServiceUnavailable && ce.Code == "unavailable" && strings.HasPrefix(ce.Message, "min_position")
		if res.StatusCode >= 500 && !fair || ce.Code == "internal" || ce.Code == "unknown" {
			t.Fatalf("%s with %q (%s): HTTP %d %s", proc, body, ct, res.StatusCode, answer)
		}
	})
}
