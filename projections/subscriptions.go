package projections

import (
	"context"
	"database/sql"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// subscriptionsProjection keeps the saved subscriptions for listing; the
// DecisionHub keeps its own copy for matching.
type subscriptionsProjection struct{}

func (subscriptionsProjection) Name() string { return "subscriptions" }
func (subscriptionsProjection) Version() int { return 1 }

func (subscriptionsProjection) Apply(tx *Tx, ev *eventstore.Event) error {
	id := ev.Envelope.GetAggregateId()
	if a, ok := ev.Payload.(*v1.WebhookAttempted); ok && ev.Envelope.GetAggregateType() == domain.AggregateWebhook {
		return tx.Exec("webhook_attempt", a.GetDeliveryId(), id, a.GetCursor(), a.GetItemId(), a.GetAttempt(), a.GetStatusCode(), a.GetError(),
			int32(a.GetState()), a.GetAt())
	}
	if ev.Envelope.GetAggregateType() != domain.AggregateSubscription {
		return nil
	}
	switch e := ev.Payload.(type) {
	case *v1.WebhookSet:
		return tx.Exec("subscription_webhook", e.GetUrl(), id)
	case *v1.WebhookRemoved:
		return tx.Exec("subscription_webhook", "", id)
	case *v1.SubscriptionCreated:
		blob, err := proto.Marshal(e.GetFilter())
		if err != nil {
			return err
		}
		if blob == nil {
			blob = []byte{}
		}
		return tx.Exec("subscription_insert", id, e.GetPersonId(), e.GetName(), blob, ev.Envelope.GetTime().AsTime().UTC().Format(time.RFC3339), ev.Seq)
	case *v1.SubscriptionPaused:
		return tx.Exec("subscription_paused", true, id)
	case *v1.SubscriptionResumed:
		return tx.Exec("subscription_paused", false, id)
	case *v1.SubscriptionDeleted:
		return tx.Exec("subscription_deleted", id)
	}
	return nil
}

// Subscriptions lists a person's subscriptions, oldest first.
func (rt *Runtime) Subscriptions(ctx context.Context, personID string) ([]*v1.Subscription, error) {
	var out []*v1.Subscription
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("subscription_list"), []any{personID}, func(rows *sql.Rows) error {
			s := &v1.Subscription{Filter: &v1.SubscriptionFilter{}}
			var filter []byte
			if err := rows.Scan(&s.Id, &s.PersonId, &s.Name, &filter, &s.Paused, &s.CreatedAt, &s.WebhookUrl); err != nil {
				return err
			}
			out = append(out, s)
			return proto.Unmarshal(filter, s.Filter)
		})
	})
	return out, err
}

// WebhookDeliveries lists a subscription's webhook deliveries, newest first.
func (rt *Runtime) WebhookDeliveries(ctx context.Context, subscriptionID string) ([]*v1.WebhookDelivery, error) {
	var out []*v1.WebhookDelivery
	err := rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("webhook_deliveries"), []any{subscriptionID}, func(rows *sql.Rows) error {
			d := &v1.WebhookDelivery{}
			var state int32
			if err := rows.Scan(&d.DeliveryId, &d.Cursor, &d.ItemId, &d.Attempts, &d.LastStatusCode, &d.LastError, &state, &d.LastAttemptAt); err != nil {
				return err
			}
			d.State = v1.DeliveryState(state)
			out = append(out, d)
			return nil
		})
	})
	return out, err
}
