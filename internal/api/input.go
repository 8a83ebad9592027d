package api

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ohjaamo/ohjaamo/internal/domain"
)

// Limits the input guard holds every request message to, whatever the
// procedure. They are coarse on purpose: the domain's rules (at most 300
// characters for a title, 24 meetings in a year…) stay the precise ones and
// answer first wherever they are stricter. The guard is the floor under
// every RPC, including ones not written yet.
const (
	maxStringChars  = 10_000  // characters in a string field, unless in longTexts
	maxListElements = 1_000   // elements in a repeated field
	maxMapEntries   = 1_000   // entries in a map field
	maxBytesLen     = 100_000 // bytes in a bytes field
	maxMessageDepth = 16      // messages nested in the request message
)

// longTexts are the string fields the domain lets be longer than
// maxStringChars, with the domain's own limit (checkItem, checkDecision,
// PlanYear's annual items). Keyed by the field of the message type, so the
// limit follows the message wherever a request carries it.
var longTexts = map[protoreflect.FullName]int{
	"ohjaamo.v1.AgendaItem.grounds":  20_000,
	"ohjaamo.v1.AgendaItem.proposal": 20_000,
	"ohjaamo.v1.AnnualItem.proposal": 20_000,
	"ohjaamo.v1.Decision.text":       20_000,
}

// stringLimit is the most characters the guard lets field carry.
func stringLimit(fd protoreflect.FieldDescriptor) int {
	if n, ok := longTexts[fd.FullName()]; ok {
		return n
	}
	return maxStringChars
}

// identifierField says whether fd holds ids (group_id, item_ids, request_id):
// only their length is checked here. Their form is checked by the domain,
// and request ids by commandMeta.
func identifierField(fd protoreflect.FieldDescriptor) bool {
	name := string(fd.Name())
	return strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids")
}

// inputGuard checks every request message before its handler runs: sizes
// within the limits above, no Finnish personal identity code in any field
// but identifiers, and no unknown fields (the binary codec keeps them, the
// JSON codec drops them; dropped here too, so nothing the schema does not
// know can reach a stored event). Invalid UTF-8 never gets this far: both
// codecs refuse it with InvalidArgument.
type inputGuard struct{}

func (inputGuard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if m, ok := req.Any().(proto.Message); ok {
			if err := checkInput(m); err != nil {
				return nil, err
			}
		}
		return next(ctx, req)
	}
}

func (inputGuard) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, guardedConn{conn})
	}
}

func (inputGuard) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// guardedConn checks each message a streaming handler receives.
type guardedConn struct{ connect.StreamingHandlerConn }

func (c guardedConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	if m, ok := msg.(proto.Message); ok {
		if err := checkInput(m); err != nil {
			return err
		}
	}
	return nil
}

// checkInput refuses a request message that breaks a limit or carries an
// identity code, naming the field as the domain does (item.title,
// annual_items[1].title). It drops unknown fields.
func checkInput(m proto.Message) error {
	if err := checkMessage(m.ProtoReflect(), 1); err != nil {
		return err
	}
	return nil
}

// checkMessage answers nil or an error whose Field is the path below m.
// It reads the fields by descriptor rather than with Range, which would
// need a closure on the heap for every message.
func checkMessage(m protoreflect.Message, depth int) *domain.Error {
	if depth > maxMessageDepth {
		return domain.Invalid("", "is nested too deeply (at most "+strconv.Itoa(maxMessageDepth)+" levels)",
			"on sisäkkäin liian monella tasolla (enintään "+strconv.Itoa(maxMessageDepth)+")")
	}
	if len(m.GetUnknown()) > 0 {
		m.SetUnknown(nil)
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		if err := checkField(fd, m.Get(fd), depth); err != nil {
			return err
		}
	}
	return nil
}

// checkField checks one set field. The field's name is only looked up for
// an error: a descriptor's Name is not free.
func checkField(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) *domain.Error {
	switch {
	case fd.IsList():
		l := v.List()
		if l.Len() > maxListElements {
			return tooMany(string(fd.Name()), maxListElements)
		}
		for i := range l.Len() {
			if err := checkValue(fd, fd, l.Get(i), depth); err != nil {
				err.Field = joinPath(string(fd.Name())+"["+strconv.Itoa(i)+"]", err.Field)
				return err
			}
		}
	case fd.IsMap():
		mp := v.Map()
		name := string(fd.Name())
		if mp.Len() > maxMapEntries {
			return tooMany(name, maxMapEntries)
		}
		var bad *domain.Error
		mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			at := name + "[" + k.String() + "]"
			if bad = checkValue(fd, fd.MapKey(), k.Value(), depth); bad == nil {
				bad = checkValue(fd, fd.MapValue(), v, depth)
			}
			if bad != nil {
				bad.Field = joinPath(at, bad.Field)
			}
			return bad == nil
		})
		return bad
	default:
		if err := checkValue(fd, fd, v, depth); err != nil {
			err.Field = joinPath(string(fd.Name()), err.Field)
			return err
		}
	}
	return nil
}

// checkValue checks one value of field (for a map, of its key or value
// kind) and answers an error whose Field is the path below the value.
func checkValue(field, kind protoreflect.FieldDescriptor, v protoreflect.Value, depth int) *domain.Error {
	switch kind.Kind() {
	case protoreflect.StringKind:
		s := v.String()
		// Bytes bound characters from above, and no limit is below the
		// default: most strings are answered by their length in bytes.
		if len(s) > maxStringChars {
			if limit := stringLimit(field); len(s) > limit && utf8.RuneCountInString(s) > limit {
				return domain.Invalid("", "is too long (at most "+strconv.Itoa(limit)+" characters)",
					"on liian pitkä (enintään "+strconv.Itoa(limit)+" merkkiä)")
			}
		}
		if domain.ContainsIdentityCode(s) && !identifierField(field) {
			return domain.Invalid("", "contains a Finnish personal identity code; Ohjaamo never stores one",
				"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
		}
	case protoreflect.BytesKind:
		if len(v.Bytes()) > maxBytesLen {
			return domain.Invalid("", "is too large (at most "+strconv.Itoa(maxBytesLen)+" bytes)",
				"on liian suuri (enintään "+strconv.Itoa(maxBytesLen)+" tavua)")
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return checkMessage(v.Message(), depth+1)
	}
	return nil
}

func tooMany(field string, limit int) *domain.Error {
	return domain.Invalid(field, "has too many elements (at most "+strconv.Itoa(limit)+")",
		"sisältää liian monta kohtaa (enintään "+strconv.Itoa(limit)+")")
}

func joinPath(prefix, rest string) string {
	if rest == "" {
		return prefix
	}
	if rest[0] == '[' {
		return prefix + rest
	}
	return prefix + "." + rest
}
