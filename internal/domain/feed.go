package domain

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateFeed is the aggregate type of one feed token; its events go to
// ohjaamo.feed.<token id>.
const AggregateFeed = "feed"

// FeedToken is a secret feed address: only the SHA-256 of its secret is kept.
type FeedToken struct {
	ID      string
	Issued  *v1.FeedTokenIssued
	Revoked bool
}

// NewFeedToken is the empty state of token id.
func NewFeedToken(id string) *FeedToken { return &FeedToken{ID: id} }

// Clone copies the state for the next snapshot.
func (t *FeedToken) Clone() *FeedToken { c := *t; return &c }

// Apply folds one event into the state.
func (t *FeedToken) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.FeedTokenIssued:
		t.Issued = e
	case *v1.FeedTokenRevoked:
		t.Revoked = true
	default:
		return fmt.Errorf("feed: unknown event %T", ev)
	}
	return nil
}

// Issue decides a new token; the caller has checked that the group or
// subscription exists.
func (t *FeedToken) Issue(e *v1.FeedTokenIssued) ([]proto.Message, error) {
	if t.Issued != nil {
		return nil, &Error{Code: CodeAlreadyExists, Field: "token_id", Message: "the token exists", MessageFI: "tunniste on jo olemassa"}
	}
	if err := checkID("person_id", e.GetPersonId(), true); err != nil {
		return nil, err
	}
	switch {
	case e.GetGroupId() != "" && e.GetSubscriptionId() != "":
		return nil, invalid("subscription_id", "give a group or a subscription, not both", "anna ryhmä tai tilaus, ei molempia")
	case e.GetGroupId() == "" && e.GetSubscriptionId() == "":
		return nil, invalid("group_id", "a feed is of a group or of a subscription", "syöte on ryhmän tai tilauksen")
	}
	switch e.GetKind() {
	case v1.FeedKind_FEED_KIND_ATOM:
	case v1.FeedKind_FEED_KIND_ICALENDAR:
		if e.GetGroupId() == "" {
			return nil, invalid("kind", "a calendar is of a group's meetings", "kalenteri on ryhmän kokouksista")
		}
	default:
		return nil, invalid("kind", "must be atom or icalendar", "pitää olla atom tai icalendar")
	}
	if len(e.GetSecretSha256()) != 32 {
		return nil, invalid("secret_sha256", "must be a SHA-256", "pitää olla SHA-256")
	}
	return []proto.Message{proto.CloneOf(e)}, nil
}

// Revoke ends the token; revoking twice decides nothing.
func (t *FeedToken) Revoke() ([]proto.Message, error) {
	if t.Issued == nil {
		return nil, notFound("token_id", "no such feed token", "syötetunnistetta ei ole")
	}
	if t.Revoked {
		return nil, nil
	}
	return []proto.Message{&v1.FeedTokenRevoked{}}, nil
}
