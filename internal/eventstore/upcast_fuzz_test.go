package eventstore_test

import (
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// renamedType is an event type that exists only in these tests, at schema
// version 3, so that the upcasting path of Decode is exercised although no
// real event type has needed an upcaster yet: v1 stored the new name as
// bare UTF-8, v2 as a LocalizedName; both read as today's GroupRenamed.
const renamedType = "ohjaamo.v1.test.NameChanged"

func init() {
	eventstore.RegisterUpcaster(renamedType, 3, func(from uint32, payload []byte) (proto.Message, error) {
		switch from {
		case 1:
			if !utf8.Valid(payload) {
				return nil, errInvalidUTF8
			}
			return &v1.GroupRenamed{Name: &v1.LocalizedName{Fi: string(payload)}}, nil
		case 2:
			name := &v1.LocalizedName{}
			if err := proto.Unmarshal(payload, name); err != nil {
				return nil, err
			}
			return &v1.GroupRenamed{Name: name}, nil
		}
		// A careless upcaster: nothing for a version it does not know.
		// Decode must refuse that rather than answer an event without payload.
		return nil, nil
	})
}

type upcastError string

func (e upcastError) Error() string { return string(e) }

const errInvalidUTF8 = upcastError("name is not UTF-8")

// FuzzUpcast decodes stored events of any type and schema version through
// the upcasters: an old version is upcast or refused, a newer version than
// the program knows is refused, the current one is read as it is, and
// nothing panics or answers an event without its payload.
func FuzzUpcast(f *testing.F) {
	localized, _ := proto.Marshal(&v1.LocalizedName{Fi: "Uusi nimi", Sv: "Nytt namn"})
	renamed, _ := proto.Marshal(&v1.GroupRenamed{Name: &v1.LocalizedName{Fi: "Nimi"}})
	f.Add(uint8(0), uint32(1), []byte("Pirkanmaan ohjausryhmä"))
	f.Add(uint8(0), uint32(1), []byte("\xff\xfe"))
	f.Add(uint8(0), uint32(2), localized)
	f.Add(uint8(0), uint32(2), []byte{0x0a, 0xff})
	f.Add(uint8(0), uint32(0), []byte{})
	f.Add(uint8(0), uint32(3), renamed)
	f.Add(uint8(0), uint32(4), renamed)
	f.Add(uint8(1), uint32(1), renamed)
	f.Add(uint8(1), uint32(0), renamed)
	f.Add(uint8(1), uint32(2), renamed)
	f.Add(uint8(2), uint32(1), renamed)
	f.Add(uint8(3), uint32(1), []byte{})
	types := []string{renamedType, "ohjaamo.v1.GroupRenamed", "ohjaamo.v1.NoSuchEvent", ""}
	f.Fuzz(func(t *testing.T, which uint8, version uint32, payload []byte) {
		typ := types[int(which)%len(types)]
		data, err := proto.Marshal(&v1.Envelope{Type: typ, SchemaVersion: version, AggregateType: "group", AggregateId: "x",
			AggregateVersion: 1, Payload: payload})
		if err != nil {
			t.Skip("not an envelope the store could have written")
		}
		ev, err := eventstore.Decode(1, "ohjaamo.group.x", data)
		if err != nil {
			if typ == renamedType && version == 1 && utf8.Valid(payload) {
				t.Fatalf("v1 %q: %v", payload, err)
			}
			return
		}
		if ev.Envelope == nil || ev.Payload == nil {
			t.Fatalf("%s v%d decoded without error but incomplete: %+v", typ, version, ev)
		}
		current := uint32(1)
		if typ == renamedType {
			current = 3
		}
		switch {
		case version > current:
			t.Fatalf("%s v%d is newer than v%d, yet decoded", typ, version, current)
		case typ == renamedType && version < current:
			if _, ok := ev.Payload.(*v1.GroupRenamed); !ok {
				t.Fatalf("%s v%d upcast to %T", typ, version, ev.Payload)
			}
		case typ != "ohjaamo.v1.GroupRenamed":
			t.Fatalf("%s v%d decoded to %T", typ, version, ev.Payload)
		}
	})
}
