package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// subscriptionService implements ohjaamov1connect.SubscriptionServiceHandler.
type subscriptionService struct{ *Server }

func (s subscriptionService) CreateSubscription(ctx context.Context, req *connect.Request[v1.CreateSubscriptionRequest]) (*connect.Response[v1.CreateSubscriptionResponse], error) {
	m := req.Msg
	forCaller(ctx, &m.PersonId)
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	if g := m.GetFilter().GetGroupId(); g != "" {
		if _, err := s.group(ctx, g); err != nil {
			var de *domain.Error
			if errors.As(err, &de) {
				de.Field = "filter.group_id"
			}
			return nil, err
		}
	}
	id := derivedID("subscription", m.GetPersonId(), meta.RequestID)
	res, err := s.subs.Execute(ctx, id, meta, nil, func(sub *domain.Subscription) ([]proto.Message, error) {
		return sub.Create(m.GetPersonId(), m.GetName(), m.GetFilter())
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CreateSubscriptionResponse{SubscriptionId: id, Result: writeResult(res)}), nil
}

// change runs a command on an existing subscription.
func (s subscriptionService) change(ctx context.Context, req connect.AnyRequest, requestID, id string,
	decide func(*domain.Subscription) ([]proto.Message, error)) (*v1.WriteResult, error) {
	if err := domain.RequireID("subscription_id", id); err != nil {
		return nil, err
	}
	meta, err := commandMeta(ctx, requestID, req.Header())
	if err != nil {
		return nil, err
	}
	res, err := s.subs.Execute(ctx, id, meta, nil, decide)
	if err != nil {
		return nil, err
	}
	return writeResult(res), nil
}

func (s subscriptionService) PauseSubscription(ctx context.Context, req *connect.Request[v1.PauseSubscriptionRequest]) (*connect.Response[v1.PauseSubscriptionResponse], error) {
	r, err := s.change(ctx, req, req.Msg.GetRequestId(), req.Msg.GetSubscriptionId(), (*domain.Subscription).Pause)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.PauseSubscriptionResponse{Result: r}), nil
}

func (s subscriptionService) ResumeSubscription(ctx context.Context, req *connect.Request[v1.ResumeSubscriptionRequest]) (*connect.Response[v1.ResumeSubscriptionResponse], error) {
	r, err := s.change(ctx, req, req.Msg.GetRequestId(), req.Msg.GetSubscriptionId(), (*domain.Subscription).Resume)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ResumeSubscriptionResponse{Result: r}), nil
}

func (s subscriptionService) DeleteSubscription(ctx context.Context, req *connect.Request[v1.DeleteSubscriptionRequest]) (*connect.Response[v1.DeleteSubscriptionResponse], error) {
	r, err := s.change(ctx, req, req.Msg.GetRequestId(), req.Msg.GetSubscriptionId(), (*domain.Subscription).Delete)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.DeleteSubscriptionResponse{Result: r}), nil
}

func (s subscriptionService) ListSubscriptions(ctx context.Context, req *connect.Request[v1.ListSubscriptionsRequest]) (*connect.Response[v1.ListSubscriptionsResponse], error) {
	forCaller(ctx, &req.Msg.PersonId)
	if err := domain.RequireID("person_id", req.Msg.GetPersonId()); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	subs, err := s.rt.Subscriptions(ctx, req.Msg.GetPersonId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ListSubscriptionsResponse{Subscriptions: subs}), nil
}

func (s subscriptionService) AffectedBy(ctx context.Context, req *connect.Request[v1.AffectedByRequest]) (*connect.Response[v1.AffectedByResponse], error) {
	if err := domain.RequireID("group_id", req.Msg.GetGroupId()); err != nil {
		return nil, err
	}
	if err := domain.RequireID("item_id", req.Msg.GetItemId()); err != nil {
		return nil, err
	}
	if _, err := s.hubAt(ctx, 0); err != nil {
		return nil, err
	}
	affected, reasons, openness, ok := s.hub.AffectedBy(req.Msg.GetGroupId(), req.Msg.GetItemId())
	if ok && !callerOf(ctx).sees(req.Msg.GetGroupId(), openness) {
		ok = false // as if there were none: its existence is not told either
	}
	if !ok {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "item_id", Message: "no decided item with this id in this group",
			MessageFI: "ryhmällä ei ole tätä päätettyä asiaa"}
	}
	people := make([]*v1.AffectedPerson, 0, len(affected))
	for _, p := range affected {
		shown, err := s.openPersonal(ctx, p.ID, p.Name, p.Email, p.Sealed)
		if err != nil {
			return nil, err
		}
		name := shown.Name
		if shown.Forgotten {
			name = roleAndOrganisation(p.Role, p.Organisation, "fi")
		}
		people = append(people, &v1.AffectedPerson{PersonId: p.ID, PersonName: name, Reasons: reasons[p.ID]})
	}
	sort.Slice(people, func(i, j int) bool {
		if people[i].PersonName != people[j].PersonName {
			return people[i].PersonName < people[j].PersonName
		}
		return people[i].PersonId < people[j].PersonId
	})
	return connect.NewResponse(&v1.AffectedByResponse{People: people}), nil
}

func (s subscriptionService) WatchDecisions(ctx context.Context, req *connect.Request[v1.WatchDecisionsRequest], stream *connect.ServerStream[v1.WatchDecisionsResponse]) error {
	m := req.Msg
	// The watcher sees what the caller may (anonymous: public decisions).
	spec := projections.WatchSpec{SubscriptionID: m.GetSubscriptionId(), Filter: m.GetFilter(), PersonID: m.GetPersonId(),
		Viewer: callerOf(ctx).viewer()}
	switch {
	case spec.SubscriptionID != "" && spec.Filter != nil:
		return domain.Invalid("filter", "give a subscription or a filter, not both", "anna tilaus tai suodatin, ei molempia")
	case spec.SubscriptionID != "":
		if err := domain.RequireID("subscription_id", spec.SubscriptionID); err != nil {
			return err
		}
		sub, _, err := s.subs.Get(ctx, spec.SubscriptionID)
		if err != nil {
			return err
		}
		if !sub.Exists() {
			return &domain.Error{Code: domain.CodeNotFound, Field: "subscription_id", Message: "no such subscription", MessageFI: "tilausta ei ole"}
		}
	default:
		if err := domain.CheckFilter(spec.Filter); err != nil {
			return err
		}
		if spec.Filter.GetAffectsMe() {
			if err := domain.RequireID("person_id", spec.PersonID); err != nil {
				return err
			}
		}
	}
	last, err := s.hubAt(ctx, 0)
	if err != nil {
		return err
	}
	after := m.GetCursor()
	var since time.Time
	switch {
	case after > last:
		return domain.Invalid("cursor", fmt.Sprintf("is past the end of the stream (%d); was it from another server?", last),
			fmt.Sprintf("on virran lopun (%d) jälkeen; onko se toiselta palvelimelta?", last))
	case after > 0:
	case m.GetSince() != "":
		t, err := time.Parse(time.RFC3339, m.GetSince())
		if err != nil {
			return domain.Invalid("since", "must be a time with its offset, e.g. 2026-03-01T00:00:00+02:00",
				"pitää olla aika ja aikavyöhyke, esim. 2026-03-01T00:00:00+02:00")
		}
		since = t
	default: // from now on
		after = last
	}
	// A stream may stay open for days: before a decision that is not public
	// goes out, the watcher's token is checked again (their seats at most
	// once a second), and the stream ends when the token is no longer valid
	// or they may no longer see it (watching again applies their sight of now).
	check := watchCheck{s: s.Server, c: callerOf(ctx)}
	err = s.hub.Watch(ctx, spec, after, since, func(n *projections.Notice) error {
		if err := check.may(ctx, n); err != nil {
			return err
		}
		return stream.Send(&v1.WatchDecisionsResponse{Cursor: n.Seq, Decision: n.Msg})
	}, func(cursor uint64) error {
		return stream.Send(&v1.WatchDecisionsResponse{Cursor: cursor, CaughtUp: true})
	})
	switch {
	case errors.Is(err, projections.ErrWatcherBehind):
		return connect.NewError(connect.CodeResourceExhausted, err)
	case errors.Is(err, projections.ErrHubClosed):
		return connect.NewError(connect.CodeUnavailable, err)
	case errors.Is(err, projections.ErrSubscriptionGone):
		return &domain.Error{Code: domain.CodeNotFound, Field: "subscription_id", Message: "the subscription was deleted", MessageFI: "tilaus poistettiin"}
	case ctx.Err() != nil:
		return nil // the client went away
	}
	return err
}

// watchRecheck is how long a watch trusts its last look at its caller.
const watchRecheck = time.Second

// watchCheck looks again at who watches before a notice that is not public.
type watchCheck struct {
	s    *Server
	c    *caller
	last time.Time
	now  *caller
}

func (w *watchCheck) may(ctx context.Context, n *projections.Notice) error {
	if n.Public() || !w.c.signedIn() || w.c.system {
		return nil
	}
	if w.now == nil || time.Since(w.last) >= watchRecheck {
		now, err := w.s.recheck(ctx, w.c)
		if err != nil {
			return err
		}
		w.now, w.last = now, time.Now()
	} else if _, err := w.s.stillValid(ctx, w.c); err != nil {
		return err // a revocation counts at once; seats are looked at once a second
	}
	if !w.now.viewer().Sees(n.Facts.GroupID, n.Openness) {
		return &domain.Error{Code: domain.CodeConflict, Message: "what you may see changed: watch again from your last cursor",
			MessageFI: "näkyvyytesi muuttui: aloita seuraaminen uudelleen viimeisestä kohdasta"}
	}
	return nil
}

func (s subscriptionService) CreateFeedToken(ctx context.Context, req *connect.Request[v1.CreateFeedTokenRequest]) (*connect.Response[v1.CreateFeedTokenResponse], error) {
	m := req.Msg
	forCaller(ctx, &m.PersonId)
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	if g := m.GetGroupId(); g != "" {
		if _, err := s.group(ctx, g); err != nil {
			return nil, err
		}
	}
	if id := m.GetSubscriptionId(); id != "" {
		if err := domain.RequireID("subscription_id", id); err != nil {
			return nil, err
		}
		sub, _, err := s.subs.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !sub.Exists() {
			return nil, &domain.Error{Code: domain.CodeNotFound, Field: "subscription_id", Message: "no such subscription", MessageFI: "tilausta ei ole"}
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(token))
	id := derivedID("feed", m.GetPersonId(), meta.RequestID)
	res, err := s.feeds.Execute(ctx, id, meta, nil, func(t *domain.FeedToken) ([]proto.Message, error) {
		return t.Issue(&v1.FeedTokenIssued{TokenId: id, PersonId: m.GetPersonId(), Kind: m.GetKind(), GroupId: m.GetGroupId(),
			SubscriptionId: m.GetSubscriptionId(), SecretSha256: sum[:]})
	})
	if err != nil {
		return nil, err
	}
	out := &v1.CreateFeedTokenResponse{TokenId: id, Result: writeResult(res)}
	if !res.Replayed { // a retry cannot show the secret again: only its hash is stored
		out.Path = feedPath(token, m.GetKind())
	}
	return connect.NewResponse(out), nil
}

func (s subscriptionService) RevokeFeedToken(ctx context.Context, req *connect.Request[v1.RevokeFeedTokenRequest]) (*connect.Response[v1.RevokeFeedTokenResponse], error) {
	m := req.Msg
	if err := domain.RequireID("token_id", m.GetTokenId()); err != nil {
		return nil, err
	}
	meta, err := commandMeta(ctx, m.GetRequestId(), req.Header())
	if err != nil {
		return nil, err
	}
	res, err := s.feeds.Execute(ctx, m.GetTokenId(), meta, nil, (*domain.FeedToken).Revoke)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RevokeFeedTokenResponse{Result: writeResult(res)}), nil
}

func (s subscriptionService) SetWebhook(ctx context.Context, req *connect.Request[v1.SetWebhookRequest]) (*connect.Response[v1.SetWebhookResponse], error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	res, err := s.change(ctx, req, req.Msg.GetRequestId(), req.Msg.GetSubscriptionId(), func(sub *domain.Subscription) ([]proto.Message, error) {
		return sub.SetWebhook(req.Msg.GetUrl(), secret, s.allowPrivateWebhooks)
	})
	if err != nil {
		return nil, err
	}
	out := &v1.SetWebhookResponse{Result: res}
	if !res.GetReplayed() { // a retry cannot answer the secret: a new one was made and thrown away
		out.Secret = secret
	}
	return connect.NewResponse(out), nil
}

func (s subscriptionService) RemoveWebhook(ctx context.Context, req *connect.Request[v1.RemoveWebhookRequest]) (*connect.Response[v1.RemoveWebhookResponse], error) {
	r, err := s.change(ctx, req, req.Msg.GetRequestId(), req.Msg.GetSubscriptionId(), (*domain.Subscription).RemoveWebhook)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RemoveWebhookResponse{Result: r}), nil
}

func (s subscriptionService) ListWebhookDeliveries(ctx context.Context, req *connect.Request[v1.ListWebhookDeliveriesRequest]) (*connect.Response[v1.ListWebhookDeliveriesResponse], error) {
	if err := domain.RequireID("subscription_id", req.Msg.GetSubscriptionId()); err != nil {
		return nil, err
	}
	if sub, _, err := s.subs.Get(ctx, req.Msg.GetSubscriptionId()); err != nil {
		return nil, err
	} else if sub.Filter == nil {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "subscription_id", Message: "no such subscription", MessageFI: "tilausta ei ole"}
	}
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	ds, err := s.rt.WebhookDeliveries(ctx, req.Msg.GetSubscriptionId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.ListWebhookDeliveriesResponse{Deliveries: ds}), nil
}

func (s subscriptionService) RedeliverWebhook(ctx context.Context, req *connect.Request[v1.RedeliverWebhookRequest]) (*connect.Response[v1.RedeliverWebhookResponse], error) {
	m := req.Msg
	if err := domain.RequireID("subscription_id", m.GetSubscriptionId()); err != nil {
		return nil, err
	}
	if _, ok := s.hub.Webhook(m.GetSubscriptionId()); !ok {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "subscription_id", Message: "the subscription has no active webhook",
			MessageFI: "tilauksella ei ole käytössä olevaa webhookia"}
	}
	if _, err := s.hubAt(ctx, 0); err != nil {
		return nil, err
	}
	target, _ := s.hub.Webhook(m.GetSubscriptionId())
	owner, err := s.callerFor(ctx, target.PersonID)
	if err != nil {
		return nil, err
	}
	if n, ok := s.hub.NoticeAt(m.GetCursor()); !ok || !owner.sees(n.Facts.GroupID, n.Openness) {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "cursor", Message: "no decision at this cursor", MessageFI: "tässä kohdassa ei ole päätöstä"}
	}
	if !s.hub.Delivers(m.GetSubscriptionId(), m.GetCursor()) {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Field: "cursor", Message: "the decision does not match the subscription",
			MessageFI: "päätös ei vastaa tilausta"}
	}
	delivery := fmt.Sprintf("msg_%s_%d", m.GetSubscriptionId(), m.GetCursor())
	if err := s.webhooks.enqueue(m.GetSubscriptionId(), m.GetCursor(), delivery, delivery+"/"+uuid.NewString()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RedeliverWebhookResponse{}), nil
}
