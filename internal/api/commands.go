package api

import (
	"context"
	"net/http"
	"regexp"
	"time"
	_ "time/tzdata" // Europe/Helsinki wherever the server runs

	"github.com/google/uuid"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// headerCorrelation ties the events of several requests together.
const headerCorrelation = "Ohjaamo-Correlation-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// idNamespace derives the ids of things a command creates from its request
// id, so a retried create answers the same id.
var idNamespace = uuid.MustParse("6f68a1a0-7a1f-4c52-9a36-0a6a6f68616d")

// derivedID is the id of a kind of thing a request creates within scope
// (the group, or the person, whose aggregate the request writes to): request
// ids are unique per aggregate only, and two groups' secretaries may well
// both send "ehdotus-1", while items, meetings and memberships are found by
// id across the network. An empty scope is for things found by request id
// network-wide (groups, users).
func derivedID(kind, scope, requestID string) string {
	name := kind + "/" + requestID
	if scope != "" {
		name = kind + "/" + scope + "/" + requestID
	}
	return uuid.NewSHA1(idNamespace, []byte(name)).String()
}

// commandMeta checks the request id (making one when the caller sent none:
// such a request cannot be retried safely) and collects who asked.
func commandMeta(ctx context.Context, requestID string, h http.Header) (eventstore.Meta, error) {
	if requestID == "" {
		requestID = uuid.Must(uuid.NewV7()).String()
	} else if !requestIDPattern.MatchString(requestID) {
		return eventstore.Meta{}, domain.Invalid("request_id", "must be 1-128 characters of letters, digits and . _ : -",
			"pitää olla 1–128 merkkiä: kirjaimia, numeroita tai . _ : -")
	}
	// Who is the authenticated caller, never what a header claims.
	actor := callerOf(ctx).actor()
	corr := h.Get(headerCorrelation)
	if corr == "" || len(corr) > 128 {
		corr = requestID
	}
	// They are stored with every event, which can never be deleted.
	for _, f := range [][2]string{{"request_id", requestID}, {headerCorrelation, corr}} {
		if domain.ContainsIdentityCode(f[1]) {
			return eventstore.Meta{}, domain.Invalid(f[0], "contains a Finnish personal identity code; Ohjaamo never stores one",
				"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
		}
	}
	return eventstore.Meta{RequestID: requestID, Actor: actor, CorrelationID: corr}, nil
}

func writeResult(res eventstore.AppendResult) *v1.WriteResult {
	pos := res.LastSeq
	if pos == 0 {
		pos = res.Head.Seq
	}
	return &v1.WriteResult{Position: pos, Version: res.Head.Version, Replayed: res.Replayed}
}

// finland is the time zone dates and clock times are in. The zone database
// is embedded (time/tzdata), so a minimal container without one still
// answers Finnish dates.
var finland = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic("time/tzdata is embedded, so Europe/Helsinki loads: " + err.Error())
	}
	return loc
}()

// today is the service's idea of the current date, in Finland.
func today() string { return time.Now().In(finland).Format(domain.DateLayout) }

// hubAt makes a read of the decision hub see every event written so far
// (and at least minPosition): after a restart the hub replays the stream.
// It answers the stream's last position.
func (s *Server) hubAt(ctx context.Context, minPosition uint64) (uint64, error) {
	last, err := s.store.LastSequence(ctx)
	if err != nil {
		return 0, err
	}
	if !s.hub.WaitFor(ctx, max(last, minPosition), s.readWait) {
		return 0, &domain.Error{Code: domain.CodeUnavailable, Field: "min_position", Message: "the decision stream is still catching up; try again",
			MessageFI: "päätösvirta on vielä ajan tasalle tulossa; yritä uudelleen"}
	}
	return last, nil
}

// waitRead makes a read see at least minPosition.
func (s *Server) waitRead(ctx context.Context, minPosition uint64) error {
	return s.rt.WaitFor(ctx, minPosition, s.readWait)
}
