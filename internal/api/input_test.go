package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// inputSkips are the procedures TestEveryFieldOfEveryProcedureIsGuarded
// does not call, each with its reason. A procedure it cannot call and that
// is not listed here fails the test.
var inputSkips = map[string]string{}

const hetuInText = "Perhe 131052-308T kertoi toiveestaan."

// inputCase is one bad request: its Connect JSON body, the field the
// refusal must name and what the refusal must say.
type inputCase struct {
	field, want, lang string
	body              map[string]any
}

// procedures answers every procedure of every service of the API, from the
// generated descriptors: a new RPC is walked without touching this test.
func procedures(t testing.TB) []protoreflect.MethodDescriptor {
	t.Helper()
	var out []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("ohjaamo.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			s := fd.Services().Get(i)
			for j := range s.Methods().Len() {
				out = append(out, s.Methods().Get(j))
			}
		}
		return true
	})
	// Every service the server mounts is in the descriptors walked.
	found := map[string]bool{}
	for _, m := range out {
		found[string(m.Parent().FullName())] = true
	}
	for _, s := range []string{ohjaamov1connect.GroupServiceName, ohjaamov1connect.MeetingServiceName, ohjaamov1connect.AdminServiceName,
		ohjaamov1connect.CommunicationServiceName, ohjaamov1connect.VoiceServiceName, ohjaamov1connect.AuditServiceName,
		ohjaamov1connect.SubscriptionServiceName} {
		if !found[s] {
			t.Fatalf("service %s is not in the ohjaamo.v1 descriptors", s)
		}
	}
	if len(out) < 60 {
		t.Fatalf("only %d procedures in the descriptors", len(out))
	}
	return out
}

func procedurePath(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// inputCases makes the bad requests for message md: for every string field
// below it (into nested messages, one element into repeated messages) one
// too long and one carrying an identity code (identifier fields: only the
// length), and for every repeated or map field one with too many elements.
func inputCases(t *testing.T, md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) []inputCase {
	t.Helper()
	if strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		t.Fatalf("%s: a well-known type has its own JSON form; teach inputCases how to write it", md.FullName())
	}
	seen[md.FullName()] = true
	defer delete(seen, md.FullName())
	var out []inputCase
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		name := string(fd.Name())
		switch {
		case fd.IsMap():
			many := map[string]any{}
			for k := range api.MaxMapEntries + 1 {
				many[strconv.Itoa(k)] = zeroJSON(fd.MapValue())
			}
			out = append(out, inputCase{field: name, want: "liian monta", lang: "fi", body: map[string]any{name: many}})
			if fd.MapValue().Kind() == protoreflect.StringKind {
				for _, c := range stringCases(fd) {
					out = append(out, inputCase{field: name + "[k]", want: c.want, lang: c.lang, body: map[string]any{name: map[string]any{"k": c.value}}})
				}
			}
		case fd.IsList():
			many := make([]any, api.MaxListElements+1)
			for k := range many {
				many[k] = zeroJSON(fd)
			}
			out = append(out, inputCase{field: name, want: "liian monta", lang: "fi", body: map[string]any{name: many}})
			switch fd.Kind() {
			case protoreflect.StringKind:
				for _, c := range stringCases(fd) {
					out = append(out, inputCase{field: name + "[0]", want: c.want, lang: c.lang, body: map[string]any{name: []any{c.value}}})
				}
			case protoreflect.MessageKind, protoreflect.GroupKind:
				if seen[fd.Message().FullName()] {
					continue // recursive: its fields are walked once already
				}
				for _, c := range inputCases(t, fd.Message(), seen) {
					out = append(out, inputCase{field: name + "[0]." + c.field, want: c.want, lang: c.lang, body: map[string]any{name: []any{c.body}}})
				}
			}
		case fd.Kind() == protoreflect.StringKind:
			for _, c := range stringCases(fd) {
				out = append(out, inputCase{field: name, want: c.want, lang: c.lang, body: map[string]any{name: c.value}})
			}
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			if seen[fd.Message().FullName()] {
				continue
			}
			for _, c := range inputCases(t, fd.Message(), seen) {
				out = append(out, inputCase{field: name + "." + c.field, want: c.want, lang: c.lang, body: map[string]any{name: c.body}})
			}
		}
	}
	return out
}

type stringCase struct{ value, want, lang string }

// stringCases: one character over the guard's limit (asked in Finnish),
// and an identity code in text (in English) unless fd holds ids.
func stringCases(fd protoreflect.FieldDescriptor) []stringCase {
	out := []stringCase{{strings.Repeat("x", api.StringLimit(fd)+1), "on liian pitkä (enintään " + strconv.Itoa(api.StringLimit(fd)) + " merkkiä)", "fi"}}
	if name := string(fd.Name()); !strings.HasSuffix(name, "_id") && !strings.HasSuffix(name, "_ids") {
		out = append(out, stringCase{hetuInText, "contains a Finnish personal identity code", "en"})
	}
	return out
}

func zeroJSON(fd protoreflect.FieldDescriptor) any {
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return ""
	case protoreflect.BoolKind:
		return false
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return map[string]any{}
	default: // numbers and enums
		return 0
	}
}

// connectError is a Connect error as the protocol writes it in JSON.
type connectError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"details"`
}

func (e connectError) field(t *testing.T) string {
	t.Helper()
	for _, d := range e.Details {
		if d.Type != "google.rpc.BadRequest" {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			t.Fatalf("detail %q: %v", d.Value, err)
		}
		var br errdetails.BadRequest
		if err := proto.Unmarshal(raw, &br); err != nil {
			t.Fatal(err)
		}
		if len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

// callJSON sends body to a procedure as Connect JSON over plain HTTP: a
// unary POST, or one enveloped message for a server-streaming procedure.
// It answers the error the server sent (Code "" when none).
func callJSON(t *testing.T, c clients, m protoreflect.MethodDescriptor, body []byte, lang string) connectError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ct := "application/json"
	if m.IsStreamingServer() {
		ct = "application/connect+json"
		env := make([]byte, 5, 5+len(body))
		binary.BigEndian.PutUint32(env[1:], uint32(len(body)))
		body = append(env, body...)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+procedurePath(m), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept-Language", lang)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if !m.IsStreamingServer() {
		var ce connectError
		if res.StatusCode != http.StatusOK {
			if err := json.NewDecoder(res.Body).Decode(&ce); err != nil {
				t.Fatalf("HTTP %d: %v", res.StatusCode, err)
			}
		}
		return ce
	}
	// Read envelopes up to the end of the stream, which carries the error.
	for {
		var head [5]byte
		if _, err := io.ReadFull(res.Body, head[:]); err != nil {
			t.Fatalf("stream ended without its end message: %v", err)
		}
		data := make([]byte, binary.BigEndian.Uint32(head[1:]))
		if _, err := io.ReadFull(res.Body, data); err != nil {
			t.Fatal(err)
		}
		if head[0]&0x02 != 0 {
			var end struct {
				Error *connectError `json:"error"`
			}
			if err := json.Unmarshal(data, &end); err != nil {
				t.Fatalf("end of stream %q: %v", data, err)
			}
			if end.Error == nil {
				return connectError{}
			}
			return *end.Error
		}
		t.Fatalf("the stream answered a message to a refused request: %q", data)
	}
}

// TestEveryFieldOfEveryProcedureIsGuarded walks every procedure of every
// service from the generated descriptors and sends, for each string field
// of its request (into nested messages), a value one character too long and
// an identity code in text, and for each repeated field one element too
// many: each is refused with InvalidArgument naming the field, in the
// language asked, and writes nothing.
func TestEveryFieldOfEveryProcedureIsGuarded(t *testing.T) {
	c := start(t, false)
	f := setup(t, c) // events to look through at the end
	// The caller is an admin and an auditor, so that no rule refuses a call
	// before its input is judged (an admin may not make themselves one).
	both, err := ohjaamov1connect.NewAccessServiceClient(c.http, c.url).SetUserRoles(context.Background(),
		connect.NewRequest(&v1.SetUserRolesRequest{Admin: true, Auditor: true, Organisation: "Ohjaamo"}))
	if err != nil {
		t.Fatal(err)
	}
	admin, first := both.Msg.GetPersonId(), c.whoAmI(t, c.http).GetPersonId()
	c.http = c.as(t, admin)
	base := c.streamPosition(t)
	called, cases := 0, 0
	for _, m := range procedures(t) {
		proc := procedurePath(m)
		if reason, skip := inputSkips[proc]; skip {
			t.Logf("%s skipped: %s", proc, reason)
			continue
		}
		if m.IsStreamingClient() {
			t.Errorf("%s is client- or bidi-streaming: teach callJSON to send it, or list it in inputSkips with a reason", proc)
			continue
		}
		called++
		for _, tc := range inputCases(t, m.Input(), map[protoreflect.FullName]bool{}) {
			cases++
			body, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got := callJSON(t, c, m, body, tc.lang)
			switch {
			case got.Code != "invalid_argument":
				t.Errorf("%s %s (%s): got %q %q, want invalid_argument", proc, tc.field, tc.want, got.Code, got.Message)
			case got.field(t) != tc.field:
				t.Errorf("%s %s (%s): the refusal names field %q", proc, tc.field, tc.want, got.field(t))
			case !strings.HasPrefix(got.Message, tc.field+": ") || !strings.Contains(got.Message, tc.want):
				t.Errorf("%s %s: message %q, want %q", proc, tc.field, got.Message, tc.want)
			}
			if after := c.streamPosition(t); after != base {
				t.Fatalf("%s %s: a refused request moved the stream from %d to %d", proc, tc.field, base, after)
			}
		}
	}
	for proc := range inputSkips {
		if !strings.HasPrefix(proc, "/ohjaamo.v1.") {
			t.Errorf("inputSkips lists %s, which is no procedure", proc)
		}
	}
	t.Logf("%d procedures called, %d bad requests refused", called, cases)
	if cases < 300 {
		t.Fatalf("only %d cases: the walk of the descriptors lost fields", cases)
	}

	// Every stored event is one of the setup's, and no stored byte has the
	// code or the long input.
	if n := countInFiles(t, c.dir, []byte("131052-308T")) + countInFiles(t, c.dir, []byte("xxxxxxxxxx")); n != 0 {
		t.Fatalf("%d stored files carry the refused input", n)
	}
	audit := ohjaamov1connect.NewAuditServiceClient(c.http, c.url)
	events := 0
	for _, g := range []struct{ typ, id string }{{"group", f.p}, {"group", f.r}, {"user", first}, {"user", admin}} {
		h, err := audit.GetHistory(context.Background(), connect.NewRequest(&v1.GetHistoryRequest{AggregateType: g.typ, AggregateId: g.id}))
		if err != nil {
			t.Fatal(err)
		}
		events += len(h.Msg.GetEvents())
		if js := protojson.Format(h.Msg); strings.Contains(js, "131052-308T") || strings.Contains(js, "xxxxxxxxxx") {
			t.Fatalf("a stored event carries the refused input: %s", js)
		}
	}
	if uint64(events) != base {
		t.Fatalf("%d events in the groups' histories, %d in the stream: some were not looked at", events, base)
	}
}

// The codecs refuse invalid UTF-8 in a string field before any handler or
// the guard sees it, as JSON and as binary protobuf.
func TestInvalidUTF8IsRefusedByTheCodecs(t *testing.T) {
	c := start(t, false)
	f := setup(t, c)
	before := c.streamPosition(t)
	valid, err := proto.Marshal(&v1.RecordVoiceRequest{GroupId: f.p, Summary: "Toive"})
	if err != nil {
		t.Fatal(err)
	}
	// The same message with the summary's bytes swapped for invalid UTF-8.
	bad := bytes.Replace(valid, []byte("Toive"), []byte("To\xffve"), 1)
	for _, req := range []struct{ ct, body string }{
		{"application/proto", string(bad)},
		{"application/json", `{"group_id":"` + f.p + `","summary":"To` + "\xff" + `ve"}`},
	} {
		res, err := c.http.Post(c.url+"/ohjaamo.v1.VoiceService/RecordVoice", req.ct, strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		var ce connectError
		err = json.NewDecoder(res.Body).Decode(&ce)
		res.Body.Close()
		if err != nil || ce.Code != "invalid_argument" {
			t.Fatalf("%s: HTTP %d, %+v (%v), want invalid_argument", req.ct, res.StatusCode, ce, err)
		}
	}
	if after := c.streamPosition(t); after != before {
		t.Fatalf("invalid UTF-8 wrote %d events", after-before)
	}
}
