package domain_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// FuzzWebhookURL: whatever address a caller sends, an accepted webhook is
// an https (or, when allowed, http) address with a host, without
// credentials and without an identity code; nothing panics.
func FuzzWebhookURL(f *testing.F) {
	for _, seed := range []string{"https://hooks.example.fi/ohjaamo", "http://127.0.0.1:8080/x", "https://user:pw@example.fi/",
		"ftp://example.fi", "https://[::1]:443/", "https://example.fi/131052-308T", "javascript:alert(1)", "//example.fi", "https:///x", ""} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, raw string, plainHTTP bool) {
		s := domain.NewSubscription("00000000-0000-4000-8000-000000000001")
		if err := s.Apply(&v1.SubscriptionCreated{PersonId: "00000000-0000-4000-8000-000000000002", Filter: &v1.SubscriptionFilter{AffectsMe: true}}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.SetWebhook(raw, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", plainHTTP)
		if err != nil {
			return
		}
		u, perr := url.Parse(evs[0].(*v1.WebhookSet).GetUrl())
		switch {
		case perr != nil:
			t.Fatalf("accepted an address that does not parse: %q", raw)
		case u.Host == "" || u.User != nil:
			t.Fatalf("accepted %q: host %q, user %v", raw, u.Host, u.User)
		case u.Scheme != "https" && !(plainHTTP && u.Scheme == "http"):
			t.Fatalf("accepted scheme %q (plain http allowed: %v)", u.Scheme, plainHTTP)
		case domain.ContainsIdentityCode(raw):
			t.Fatalf("accepted an identity code in %q", raw)
		case strings.ContainsAny(raw, "\r\n") && u.Scheme == "":
			t.Fatalf("accepted %q", raw)
		}
	})
}
