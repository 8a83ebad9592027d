package eventstore_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// FuzzDecode feeds arbitrary bytes to the decoder of stored events: it must
// answer an event or an error, never panic.
func FuzzDecode(f *testing.F) {
	payload, _ := proto.Marshal(&v1.GroupRenamed{Name: &v1.LocalizedName{Fi: "Nimi"}})
	env, _ := proto.Marshal(&v1.Envelope{Type: "ohjaamo.v1.GroupRenamed", SchemaVersion: 1, AggregateType: "group", AggregateId: "x", AggregateVersion: 1, Payload: payload})
	f.Add(env)
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x03, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := eventstore.Decode(1, "ohjaamo.group.x", data)
		if err == nil && (ev.Envelope == nil || ev.Payload == nil) {
			t.Fatalf("decoded without error but incomplete: %+v", ev)
		}
	})
}
