package api_test

import (
	"bytes"
	"net/http"
	"testing"
)

// FuzzRequests sends arbitrary bodies, as Connect JSON and as binary
// protobuf, to write and read procedures of the running server: whatever
// arrives, the answer is success or a coded error, never Internal (a panic
// or an unmapped error would be a 500). Unavailable (503) is a fair answer:
// a min_position the read models have not reached.
func FuzzRequests(f *testing.F) {
	m := startMeetings(f)
	procedures := []string{
		"/ohjaamo.v1.GroupService/CreateGroup", "/ohjaamo.v1.GroupService/AddMember", "/ohjaamo.v1.MeetingService/AddItem",
		"/ohjaamo.v1.MeetingService/RecordDecision", "/ohjaamo.v1.MeetingService/SearchItems", "/ohjaamo.v1.VoiceService/RecordVoice",
		"/ohjaamo.v1.VoiceService/VoiceReport", "/ohjaamo.v1.CommunicationService/MarkResponsibilityDone",
		"/ohjaamo.v1.SubscriptionService/CreateSubscription", "/ohjaamo.v1.SubscriptionService/SetWebhook",
		"/ohjaamo.v1.SubscriptionService/CreateFeedToken", "/ohjaamo.v1.AuditService/GetHistory",
	}
	seeds := []string{`{}`, `{"group_id":"` + m.f.p + `"}`, `{"group_id":"` + m.f.p + `","item":{"title":"x","family_voice_ids":["a"]}}`,
		`{"summary":"131052-308T","channel":1,"group_id":"` + m.f.p + `"}`, `{"filter":{"task":99}}`, `{"url":"http://[::1]:80"}`,
		`{"aggregate_type":"voice","aggregate_id":"` + m.f.p + `"}`, `{"from":"2026-13-01"}`, `{"query":"\u0000"}`, "\x0a\x03abc", "\xff\xff\xff"}
	for i, s := range seeds {
		f.Add(uint8(i), s, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string, binary bool) {
		proc := procedures[int(which)%len(procedures)]
		ct := "application/json"
		if binary {
			ct = "application/proto"
		}
		res, err := http.Post(m.c.url+proc, ct, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusInternalServerError {
			t.Fatalf("%s with %q (%s): HTTP %d", proc, body, ct, res.StatusCode)
		}
	})
}
