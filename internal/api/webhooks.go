package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Webhook delivery is an outbox in JetStream, so that nothing is lost in a
// restart: a durable consumer on the event stream turns each decision into
// one job per subscription whose webhook it matches (published with the
// delivery id as Nats-Msg-Id, so a redelivered decision makes no second
// job), and a durable consumer on the job stream posts each job, acking it
// on a 2xx answer and asking JetStream to redeliver it later otherwise.
// Every attempt is logged as an event (ohjaamo.webhook.<subscription>).

const (
	webhookFanout   = "webhook-fanout"
	webhookDelivery = "webhook-delivery"
	// webhookGiveUp is how long failed deliveries are retried.
	webhookGiveUp = 24 * time.Hour
	// webhookMaxDelay caps the exponential backoff.
	webhookMaxDelay = time.Hour
)

type webhookJob struct {
	SubscriptionID string `json:"subscription_id"`
	Cursor         uint64 `json:"cursor"`
	DeliveryID     string `json:"delivery_id"`
}

type webhooks struct {
	s          *Server
	log        *slog.Logger
	js         jetstream.JetStream
	jobSubject string
	base       time.Duration
	client     *http.Client
	ctxs       []jetstream.ConsumeContext
	// slots bounds the deliveries posted at once, so one slow endpoint
	// does not hold up the others; inflight lets stop wait for them.
	slots    chan struct{}
	inflight sync.WaitGroup
}

// webhookWorkers is how many deliveries are posted at once.
const webhookWorkers = 16

// startWebhooks creates the job stream and both consumers and starts consuming.
func startWebhooks(ctx context.Context, s *Server, cfg Config) (*webhooks, error) {
	w := &webhooks{s: s, log: s.log, js: s.store.JetStream(), base: cfg.WebhookRetryBase, slots: make(chan struct{}, webhookWorkers)}
	if w.base <= 0 {
		w.base = 5 * time.Second
	}
	w.client = webhookClient(cfg.WebhooksAllowPrivate)
	name := s.store.StreamName() + "_WEBHOOKS"
	w.jobSubject = strings.ToLower(name) + ".job"
	replicas := max(cfg.Replicas, 1)
	if _, err := w.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: name, Description: "Ohjaamo webhook deliveries still to make",
		Subjects: []string{w.jobSubject}, Storage: jetstream.FileStorage, Retention: jetstream.WorkQueuePolicy, Replicas: replicas,
		Duplicates: 24 * time.Hour}); err != nil {
		return nil, fmt.Errorf("webhook stream: %w", err)
	}
	fan, err := w.js.CreateOrUpdateConsumer(ctx, s.store.StreamName(), jetstream.ConsumerConfig{Durable: webhookFanout,
		FilterSubject: eventstore.SubjectPrefix + "." + domain.AggregateMeetings + ".>", AckPolicy: jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverNewPolicy, AckWait: 30 * time.Second, MaxAckPending: 1})
	if err != nil {
		return nil, fmt.Errorf("webhook fan-out consumer: %w", err)
	}
	// Jobs waiting for a retry stay pending (NAK with a delay), so the
	// pending limit is high: a few dead endpoints must not stop the rest.
	del, err := w.js.CreateOrUpdateConsumer(ctx, name, jetstream.ConsumerConfig{Durable: webhookDelivery, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Minute, MaxAckPending: 100_000})
	if err != nil {
		return nil, fmt.Errorf("webhook delivery consumer: %w", err)
	}
	for _, c := range []struct {
		cons jetstream.Consumer
		fn   func(jetstream.Msg)
	}{{fan, w.fanOut}, {del, w.dispatch}} {
		cc, err := c.cons.Consume(c.fn)
		if err != nil {
			w.stop()
			return nil, err
		}
		w.ctxs = append(w.ctxs, cc)
	}
	return w, nil
}

func (w *webhooks) stop() {
	for _, cc := range w.ctxs {
		cc.Stop()
	}
	w.inflight.Wait() // a post under way finishes and is acked before the store closes
}

// dispatch hands a job to a free worker, waiting for one.
func (w *webhooks) dispatch(m jetstream.Msg) {
	w.slots <- struct{}{}
	w.inflight.Add(1)
	go func() {
		defer func() { <-w.slots; w.inflight.Done() }()
		w.deliver(m)
	}()
}

// fanOut turns one decision event into its delivery jobs.
func (w *webhooks) fanOut(m jetstream.Msg) {
	switch m.Headers().Get(eventstore.HeaderEventType) {
	case string(proto.MessageName(&v1.DecisionRecorded{})), string(proto.MessageName(&v1.DecisionCorrected{})):
	default:
		_ = m.Ack()
		return
	}
	meta, err := m.Metadata()
	if err != nil {
		_ = m.NakWithDelay(time.Second)
		return
	}
	seq := meta.Sequence.Stream
	if !w.s.hub.WaitFor(context.Background(), seq, 10*time.Second) {
		_ = m.NakWithDelay(time.Second) // the hub is behind; later
		return
	}
	n, _ := w.s.hub.NoticeAt(seq)
	for _, t := range w.s.hub.WebhookTargets(seq) {
		if n == nil || !w.ownerSees(t, n) {
			continue // checked again when it is delivered
		}
		if err := w.enqueue(t.SubscriptionID, seq, fmt.Sprintf("msg_%s_%d", t.SubscriptionID, seq), ""); err != nil {
			w.log.Warn("webhook: job not queued; the decision will be fanned out again", "seq", seq, "err", err)
			_ = m.NakWithDelay(time.Second)
			return
		}
	}
	_ = m.Ack()
}

func (w *webhooks) enqueue(subscriptionID string, cursor uint64, deliveryID, msgID string) error {
	body, err := json.Marshal(webhookJob{SubscriptionID: subscriptionID, Cursor: cursor, DeliveryID: deliveryID})
	if err != nil {
		return err
	}
	if msgID == "" {
		msgID = deliveryID
	}
	msg := nats.NewMsg(w.jobSubject)
	msg.Data = body
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = w.js.PublishMsg(ctx, msg)
	return err
}

// deliver makes one attempt of one job.
func (w *webhooks) deliver(m jetstream.Msg) {
	var job webhookJob
	meta, err := m.Metadata()
	if err != nil || json.Unmarshal(m.Data(), &job) != nil {
		_ = m.Term()
		return
	}
	if w.s.hub.Position() < job.Cursor {
		_ = m.NakWithDelay(time.Second) // the hub is replaying after a restart: not yet
		return
	}
	target, ok := w.s.hub.Webhook(job.SubscriptionID)
	notice, found := w.s.hub.NoticeAt(job.Cursor)
	if !ok || !found || !w.ownerSees(target, notice) {
		_ = m.Term() // webhook removed, subscription paused or deleted, or not the owner's to see: nothing to send
		return
	}
	_ = m.InProgress() // the post may take a while; do not let JetStream send the job again meanwhile
	attempt := uint32(meta.NumDelivered)
	status, sendErr := w.post(target, job.DeliveryID, notice.Msg)
	a := &v1.WebhookAttempted{DeliveryId: job.DeliveryID, Cursor: job.Cursor, ItemId: notice.Msg.GetItemId(), Attempt: attempt,
		StatusCode: int32(status), At: time.Now().UTC().Format(time.RFC3339)}
	switch {
	case sendErr == nil:
		a.State = v1.DeliveryState_DELIVERY_STATE_DELIVERED
	case errors.Is(sendErr, errForbiddenAddress), time.Since(meta.Timestamp) > webhookGiveUp:
		a.State, a.Error = v1.DeliveryState_DELIVERY_STATE_FAILED, sendErr.Error()
	default:
		a.State, a.Error = v1.DeliveryState_DELIVERY_STATE_RETRYING, sendErr.Error()
	}
	if err := w.logAttempt(job.SubscriptionID, a); err != nil {
		w.log.Warn("webhook: attempt not logged", "delivery", job.DeliveryID, "err", err)
	}
	switch a.State {
	case v1.DeliveryState_DELIVERY_STATE_DELIVERED:
		_ = m.Ack()
	case v1.DeliveryState_DELIVERY_STATE_FAILED:
		_ = m.Term()
	default:
		_ = m.NakWithDelay(backoff(w.base, attempt))
	}
}

// ownerSees tells whether the owner of the webhook's subscription may see
// the notice now; when that cannot be found out, not.
func (w *webhooks) ownerSees(t projections.WebhookTarget, n *projections.Notice) bool {
	if n.Public() {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, err := w.s.callerFor(ctx, t.PersonID)
	if err != nil {
		w.log.Warn("webhook: the subscription owner's seats", "subscription", t.SubscriptionID, "err", err)
		return false
	}
	return owner.sees(n.Facts.GroupID, n.Openness)
}

// backoff doubles the wait after each failed attempt, up to webhookMaxDelay.
func backoff(base time.Duration, attempt uint32) time.Duration {
	d := base
	for i := uint32(1); i < attempt && d < webhookMaxDelay; i++ {
		d *= 2
	}
	return min(d, webhookMaxDelay)
}

func (w *webhooks) logAttempt(subscriptionID string, a *v1.WebhookAttempted) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	meta := eventstore.Meta{RequestID: fmt.Sprintf("%s.%d.%s", a.GetDeliveryId(), a.GetAttempt(), strings.ReplaceAll(a.GetAt(), ":", "")),
		Actor: "webhook-delivery"}
	_, err := w.s.webhookLog.Execute(ctx, subscriptionID, meta, nil, func(l *domain.WebhookLog) ([]proto.Message, error) { return l.Record(a) })
	return err
}

// webhookPayload is the JSON body: Standard Webhooks' type, timestamp, data.
type webhookPayload struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// post sends one signed delivery; an error for anything but a 2xx answer.
func (w *webhooks) post(t projections.WebhookTarget, deliveryID string, n *v1.DecisionNotice) (int, error) {
	data, err := protojson.Marshal(n)
	if err != nil {
		return 0, err
	}
	typ := "decision.recorded"
	if n.GetCorrection() {
		typ = "decision.corrected"
	}
	body, err := json.Marshal(webhookPayload{Type: typ, Timestamp: n.GetRecordedAt(), Data: data})
	if err != nil {
		return 0, err
	}
	ts := time.Now().Unix()
	sig, err := SignWebhook(t.Secret, deliveryID, ts, body)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Ohjaamo-Webhooks/1")
	req.Header.Set("webhook-id", deliveryID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	res, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("answered %s", res.Status)
	}
	return res.StatusCode, nil
}

// SignWebhook is the Standard Webhooks signature: "v1," and the base64
// HMAC-SHA256, keyed with the secret's bytes, of "<id>.<timestamp>.<body>".
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// errForbiddenAddress: the webhook's address is not a public one. Such a
// delivery fails at once; retrying would not change the address.
var errForbiddenAddress = errors.New("webhooks may not reach loopback or private addresses")

// specialPrefixes are the IANA special-purpose ranges that global unicast
// still includes: shared address space (and cloud metadata services in it),
// benchmarking, IETF protocol assignments, reserved, NAT64.
var specialPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "2001:db8::/32", "2002::/16", "fc00::/7"} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// publicAddress tells whether a webhook may connect to ip: a global
// unicast address outside the private and special-purpose ranges.
func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// webhookClient posts without following redirects and, unless private
// addresses are allowed, connects only to public addresses (checked on the
// address dialled, so a name that resolves to a private one is refused too).
func webhookClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !publicAddress(ap.Addr()) {
			return errForbiddenAddress
		}
		return nil
	}}
	return &http.Client{
		Transport:     &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
