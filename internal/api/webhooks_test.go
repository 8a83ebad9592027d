package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// receiver is a webhook endpoint that fails the first failures attempts of
// each delivery, checks every signature per Standard Webhooks, and counts.
type receiver struct {
	t        *testing.T
	secret   string
	failures int
	mu       sync.Mutex
	attempts map[string]int // by webhook-id
	accepted map[string]int
	bodies   map[string]string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// The spec, written out here rather than calling the server's signer.
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(rc.secret, "whsec_"))
	if err != nil {
		rc.t.Errorf("secret %q is not whsec_ and base64", rc.secret)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if sig != want {
		rc.t.Errorf("delivery %s: signature %q, want %q", id, sig, want)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		rc.t.Errorf("delivery %s: timestamp %q is not now", id, ts)
	}
	rc.attempts[id]++
	if rc.attempts[id] <= rc.failures {
		http.Error(w, "not yet", http.StatusServiceUnavailable)
		return
	}
	rc.accepted[id]++
	rc.bodies[id] = string(body)
}

func (rc *receiver) counts(id string) (attempts, accepted int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts[id], rc.accepted[id]
}

func startAt(t *testing.T, dir string) *api.App {
	t.Helper()
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: dir, ReadWait: 3 * time.Second,
		WebhooksAllowPrivate: true, WebhookRetryBase: 150 * time.Millisecond, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func stopApp(t *testing.T, app *api.App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestWebhookRetriesSurviveARestart: the receiver fails three times, the
// server restarts between the failures, and the decision arrives once.
func TestWebhookRetriesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	app := startAt(t, dir)
	c := clients{url: app.URL(), http: testHTTP(app), groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin: ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	m := meetingFixture{c: c, f: setup(t, c), meetings: ohjaamov1connect.NewMeetingServiceClient(testHTTP(app), app.URL())}
	ctx := context.Background()
	subs := ohjaamov1connect.NewSubscriptionServiceClient(testHTTP(app), app.URL())
	sub, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: feedPerson, Name: "Maakunta",
		Filter: &v1.SubscriptionFilter{GroupId: m.f.p}}))
	if err != nil {
		t.Fatal(err)
	}
	subID := sub.Msg.GetSubscriptionId()
	rc := &receiver{t: t, failures: 3, attempts: map[string]int{}, accepted: map[string]int{}, bodies: map[string]string{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	_, err = subs.SetWebhook(ctx, connect.NewRequest(&v1.SetWebhookRequest{SubscriptionId: subID, Url: "ftp://example.fi/hook"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != "url" {
		t.Fatalf("an ftp webhook: %v", err)
	}
	set, err := subs.SetWebhook(ctx, connect.NewRequest(&v1.SetWebhookRequest{SubscriptionId: subID, Url: srv.URL + "/ohjaamo"}))
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = set.Msg.GetSecret()
	rc.mu.Unlock()

	meeting := m.schedule(t, "webhook", "2026-03-10T13:00:00+02:00")
	itemID, err := m.addItem(t, meeting, "Kotipalvelun myöntämisperusteet", false)
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	decided := m.decide(t, m.f.p, itemID, v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Hyväksyttiin.")
	delivery := fmt.Sprintf("msg_%s_%d", subID, decided.GetResult().GetPosition())

	// Let it fail once or twice, then stop the server in the middle of the retries.
	testenv.Eventually(t, 10*time.Second, func() error {
		if n, _ := rc.counts(delivery); n < 1 {
			return fmt.Errorf("no attempt yet")
		}
		return nil
	})
	stopApp(t, app)
	before, _ := rc.counts(delivery)
	app = startAt(t, dir)
	defer stopApp(t, app)
	subs = ohjaamov1connect.NewSubscriptionServiceClient(testHTTP(app), app.URL())
	testenv.Eventually(t, 20*time.Second, func() error {
		if _, ok := rc.counts(delivery); ok == 0 {
			return fmt.Errorf("not delivered yet")
		}
		return nil
	})
	attempts, accepted := rc.counts(delivery)
	if accepted != 1 || attempts != 4 || before >= 4 {
		t.Fatalf("attempts %d (before the restart %d), accepted %d: want 3 failures then one delivery", attempts, before, accepted)
	}
	var payload struct {
		Type string `json:"type"`
		Data struct {
			ItemID string `json:"itemId"`
			Title  string `json:"title"`
		} `json:"data"`
	}
	rc.mu.Lock()
	body := rc.bodies[delivery]
	rc.mu.Unlock()
	if err := json.Unmarshal([]byte(body), &payload); err != nil || payload.Type != "decision.recorded" || payload.Data.ItemID != itemID ||
		payload.Data.Title != "Kotipalvelun myöntämisperusteet" {
		t.Fatalf("payload %s: %v", body, err)
	}

	// The delivery log: four attempts, the last one delivered.
	var log []*v1.WebhookDelivery
	testenv.Eventually(t, 5*time.Second, func() error {
		res, err := subs.ListWebhookDeliveries(ctx, connect.NewRequest(&v1.ListWebhookDeliveriesRequest{SubscriptionId: subID}))
		if err != nil {
			return err
		}
		log = res.Msg.GetDeliveries()
		if len(log) != 1 || log[0].GetState() != v1.DeliveryState_DELIVERY_STATE_DELIVERED {
			return fmt.Errorf("log %v", log)
		}
		return nil
	})
	if d := log[0]; d.GetAttempts() != 4 || d.GetLastStatusCode() != 200 || d.GetDeliveryId() != delivery || d.GetItemId() != itemID {
		t.Fatalf("delivery log %v", d)
	}

	// Redelivery on request: the same webhook-id again.
	if _, err := subs.RedeliverWebhook(ctx, connect.NewRequest(&v1.RedeliverWebhookRequest{SubscriptionId: subID, Cursor: decided.GetResult().GetPosition()})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if _, n := rc.counts(delivery); n != 2 {
			return fmt.Errorf("redelivered %d times", n-1)
		}
		return nil
	})
	_, err = subs.RedeliverWebhook(ctx, connect.NewRequest(&v1.RedeliverWebhookRequest{SubscriptionId: subID, Cursor: 1}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "cursor" {
		t.Fatalf("redelivering a position with no decision: %v", err)
	}
}

// TestWebhooksRefusePrivateAddresses: without --webhooks-allow-private a
// webhook to a loopback address is never called, fails at once (retrying
// would not change the address), and the log says why.
func TestWebhooksRefusePrivateAddresses(t *testing.T) {
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), ReadWait: 3 * time.Second,
		WebhookRetryBase: time.Hour, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer stopApp(t, app)
	c := clients{url: app.URL(), http: testHTTP(app), groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin: ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	m := meetingFixture{c: c, f: setup(t, c), meetings: ohjaamov1connect.NewMeetingServiceClient(testHTTP(app), app.URL())}
	ctx := context.Background()
	subs := ohjaamov1connect.NewSubscriptionServiceClient(testHTTP(app), app.URL())
	called := make(chan struct{}, 10)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called <- struct{}{} }))
	defer srv.Close()
	sub, err := subs.CreateSubscription(ctx, connect.NewRequest(&v1.CreateSubscriptionRequest{PersonId: feedPerson, Filter: &v1.SubscriptionFilter{GroupId: m.f.p}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = subs.SetWebhook(ctx, connect.NewRequest(&v1.SetWebhookRequest{SubscriptionId: sub.Msg.GetSubscriptionId(), Url: strings.Replace(srv.URL, "https", "http", 1)}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || errField(err) != "url" {
		t.Fatalf("plain http without --webhooks-allow-private: %v", err)
	}
	if _, err := subs.SetWebhook(ctx, connect.NewRequest(&v1.SetWebhookRequest{SubscriptionId: sub.Msg.GetSubscriptionId(), Url: srv.URL})); err != nil {
		t.Fatal(err)
	}
	meeting := m.schedule(t, "private", "2026-03-10T13:00:00+02:00")
	itemID, err := m.addItem(t, meeting, "Asia", false)
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	m.decide(t, m.f.p, itemID, v1.Outcome_OUTCOME_NOTED, "Merkittiin tiedoksi.")
	secret := item("Yksittäisen perheen asia")
	secret.Openness, secret.LegalGround = v1.Openness_OPENNESS_SECRET, "JulkL 24 § 1 mom. 25 k"
	added, err := m.meetings.AddItem(ctx, connect.NewRequest(&v1.AddItemRequest{GroupId: m.f.p, MeetingId: meeting, Item: secret, Urgent: true}))
	if err != nil {
		t.Fatal(err)
	}
	secretDecision := m.decide(t, m.f.p, added.Msg.GetItemId(), v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, "Salainen päätös.")
	_, err = subs.RedeliverWebhook(ctx, connect.NewRequest(&v1.RedeliverWebhookRequest{SubscriptionId: sub.Msg.GetSubscriptionId(),
		Cursor: secretDecision.GetResult().GetPosition()}))
	if connect.CodeOf(err) != connect.CodeNotFound || errField(err) != "cursor" {
		t.Fatalf("redelivering a secret decision: %v", err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		res, err := subs.ListWebhookDeliveries(ctx, connect.NewRequest(&v1.ListWebhookDeliveriesRequest{SubscriptionId: sub.Msg.GetSubscriptionId()}))
		if err != nil {
			return err
		}
		if ds := res.Msg.GetDeliveries(); len(ds) != 1 || !strings.Contains(ds[0].GetLastError(), "loopback or private") ||
			ds[0].GetState() != v1.DeliveryState_DELIVERY_STATE_FAILED || ds[0].GetAttempts() != 1 {
			return fmt.Errorf("log %v", ds)
		}
		return nil
	})
	select {
	case <-called:
		t.Fatal("the webhook reached a loopback address")
	default:
	}
}
