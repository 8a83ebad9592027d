package eventstore

import (
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Header names carried by every event message besides the envelope.
const (
	HeaderEventType = "Ohjaamo-Event-Type"
	HeaderRequestID = "Ohjaamo-Request-Id"
)

// Event is one stored event, decoded.
type Event struct {
	Seq      uint64
	Subject  string
	Envelope *v1.Envelope
	Payload  proto.Message
	// Hash is SHA-256 of the stored bytes: the next event's prev_hash.
	Hash []byte
}

// Upcaster turns the payload bytes of an older schema version of an event
// type into the current message. Old events are upcast when read, never
// rewritten.
type Upcaster func(fromVersion uint32, payload []byte) (proto.Message, error)

// upcasters by event type. Every type is at schema version 1 so far; a type
// whose payload changes incompatibly registers its upcaster here.
var upcasters = map[string]Upcaster{}

// currentSchema is the schema version written for each event type (1 when absent).
var currentSchema = map[string]uint32{}

// RegisterUpcaster makes events of eventType with a schema version below
// current readable through up. Call it from init.
func RegisterUpcaster(eventType string, current uint32, up Upcaster) {
	currentSchema[eventType] = current
	upcasters[eventType] = up
}

func schemaVersion(eventType string) uint32 {
	if v, ok := currentSchema[eventType]; ok {
		return v
	}
	return 1
}

// Hash is the tamper-evidence hash of one stored event.
func Hash(data []byte) []byte {
	h := sha256.Sum256(data)
	return h[:]
}

// Decode reads a stored message: the envelope and its payload, upcast to the
// current schema.
func Decode(seq uint64, subject string, data []byte) (*Event, error) {
	env := &v1.Envelope{}
	if err := proto.Unmarshal(data, env); err != nil {
		return nil, fmt.Errorf("event %d: envelope: %w", seq, err)
	}
	payload, err := decodePayload(env)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", seq, err)
	}
	return &Event{Seq: seq, Subject: subject, Envelope: env, Payload: payload, Hash: Hash(data)}, nil
}

func decodePayload(env *v1.Envelope) (proto.Message, error) {
	if cur := schemaVersion(env.GetType()); env.GetSchemaVersion() < cur {
		up, ok := upcasters[env.GetType()]
		if !ok {
			return nil, fmt.Errorf("%s v%d: no upcaster", env.GetType(), env.GetSchemaVersion())
		}
		msg, err := up(env.GetSchemaVersion(), env.GetPayload())
		if err == nil && msg == nil {
			err = fmt.Errorf("%s v%d: the upcaster answered no event", env.GetType(), env.GetSchemaVersion())
		}
		return msg, err
	} else if env.GetSchemaVersion() > cur {
		return nil, fmt.Errorf("%s v%d is newer than this program understands (v%d)", env.GetType(), env.GetSchemaVersion(), cur)
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(env.GetType()))
	if err != nil {
		return nil, fmt.Errorf("unknown event type %q: %w", env.GetType(), err)
	}
	msg := mt.New().Interface()
	if err := proto.Unmarshal(env.GetPayload(), msg); err != nil {
		return nil, fmt.Errorf("%s payload: %w", env.GetType(), err)
	}
	return msg, nil
}
