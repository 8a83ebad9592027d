package api

import (
	"context"
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// A renamed field must not silently lose its longer limit.
func TestLongTextsNameStringFields(t *testing.T) {
	for name, limit := range longTexts {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		fd, ok := d.(protoreflect.FieldDescriptor)
		if !ok || fd.Kind() != protoreflect.StringKind {
			t.Errorf("%s is not a string field", name)
		}
		if limit <= maxStringChars {
			t.Errorf("%s: %d is not longer than the default %d", name, limit, maxStringChars)
		}
	}
}

func guardField(t *testing.T, m proto.Message) string {
	t.Helper()
	err := checkInput(m)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("checkInput(%v) = %v, want an invalid-input error", m, err)
	}
	return de.Field
}

// Shapes no request has yet: maps, recursion, bytes. structpb is a map of a
// recursive value.
func TestInputGuardMapsDepthAndBytes(t *testing.T) {
	st, _ := structpb.NewStruct(map[string]any{"ok": "x", "list": []any{"a", "Perhe 131052-308T"}})
	if got := guardField(t, st); got != "fields[list].list_value.values[1].string_value" {
		t.Fatalf("identity code in a struct: field %q", got)
	}
	big := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for i := range maxMapEntries + 1 {
		big.Fields[strings.Repeat("k", i+1)] = structpb.NewNullValue()
	}
	if got := guardField(t, big); got != "fields" {
		t.Fatalf("too many map entries: field %q", got)
	}
	v := structpb.NewStringValue("leaf")
	for range maxMessageDepth {
		v = structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{v}})
	}
	if got := guardField(t, v); !strings.HasPrefix(got, "list_value.values[0].list_value") {
		t.Fatalf("too deep: field %q", got)
	}
	if got := guardField(t, &v1.ExportEvidenceResponse{Content: make([]byte, maxBytesLen+1)}); got != "content" {
		t.Fatalf("bytes: field %q", got)
	}
	if err := checkInput(&v1.ExportEvidenceResponse{Content: make([]byte, maxBytesLen)}); err != nil {
		t.Fatalf("bytes at the limit: %v", err)
	}
}

func TestInputGuardLimitsInCharacters(t *testing.T) {
	// 10 000 characters of two bytes each are within the limit.
	if err := checkInput(&v1.RecordVoiceRequest{Summary: strings.Repeat("ä", maxStringChars)}); err != nil {
		t.Fatal(err)
	}
	if got := guardField(t, &v1.RecordVoiceRequest{Summary: strings.Repeat("ä", maxStringChars+1)}); got != "summary" {
		t.Fatalf("field %q", got)
	}
	if err := checkInput(&v1.AddItemRequest{Item: &v1.AgendaItem{Grounds: strings.Repeat("x", 20_000)}}); err != nil {
		t.Fatalf("grounds as long as the domain allows: %v", err)
	}
	if got := guardField(t, &v1.PlanYearRequest{AnnualItems: []*v1.AnnualItem{{}, {Title: strings.Repeat("x", maxStringChars+1)}}}); got != "annual_items[1].title" {
		t.Fatalf("field %q", got)
	}
	// Identifiers: length only.
	if err := checkInput(&v1.GetGroupRequest{GroupId: "131052-308T"}); err != nil {
		t.Fatalf("identity code in an id field is for the id check to refuse: %v", err)
	}
}

// The binary codec keeps fields the schema does not know; the guard drops
// them, as the JSON codec does, so they never reach a stored event.
func TestInputGuardDropsUnknownFields(t *testing.T) {
	raw, _ := proto.Marshal(&v1.AddItemRequest{Item: &v1.AgendaItem{Title: "Asia"}})
	inner := protowire.AppendTag(nil, 999, protowire.BytesType)
	inner = protowire.AppendString(inner, "Perhe 131052-308T")
	raw = protowire.AppendTag(raw, 5 /* item */, protowire.BytesType) // merged into item
	raw = protowire.AppendBytes(raw, inner)
	req := &v1.AddItemRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		t.Fatal(err)
	}
	if len(req.GetItem().ProtoReflect().GetUnknown()) == 0 {
		t.Fatal("the test meant to carry an unknown field")
	}
	if err := checkInput(req); err != nil {
		t.Fatal(err)
	}
	if n := len(req.GetItem().ProtoReflect().GetUnknown()); n != 0 {
		t.Fatalf("%d bytes of unknown fields left", n)
	}
}

// BenchmarkInputGuard is the cost the guard adds to every request: typical
// RecordDecision and AddItem requests through the interceptor ("guard"),
// next to what the JSON codec already spends decoding the same request
// ("decode-json"), for scale.
func BenchmarkInputGuard(b *testing.B) {
	text := strings.Repeat("Ohjausryhmä päätti esityksen mukaisesti, että perhekeskuksen iltavastaanotto aloitetaan. ", 20)
	id := "0190f5a2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"
	requests := map[string]connect.AnyRequest{
		"RecordDecision": connect.NewRequest(&v1.RecordDecisionRequest{RequestId: "rd-1", GroupId: id, ItemId: id, ExpectedVersion: proto.Uint64(7),
			Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: text,
				Dissents: []*v1.Dissent{{MembershipId: id, Text: "Jätän eriävän mielipiteen."}},
				Affects:  &v1.Affects{GroupIds: []string{id, id}, Organisations: []string{"Tampereen kaupunki"}, Municipalities: []string{"837"}, Themes: []string{"perhekeskus"}}}}),
		"AddItem": connect.NewRequest(&v1.AddItemRequest{RequestId: "ai-1", GroupId: id, MeetingId: id, Item: &v1.AgendaItem{Title: "Perhekeskuksen iltavastaanotto",
			Preparer: "Aino Valmistelija", Grounds: text, Proposal: text[:400], Openness: v1.Openness_OPENNESS_PUBLIC,
			Tags: &v1.Tags{Municipalities: []string{"837", "536"}, Themes: []string{"perhekeskus"}}, FamilyVoiceIds: []string{id}}}),
	}
	next := func(context.Context, connect.AnyRequest) (connect.AnyResponse, error) { return nil, nil }
	guarded := inputGuard{}.WrapUnary(next)
	for name, req := range requests {
		b.Run(name+"/guard", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := guarded(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
		msg := req.Any().(proto.Message)
		body, err := protojson.Marshal(msg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/decode-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := protojson.Unmarshal(body, msg.ProtoReflect().New().Interface()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
