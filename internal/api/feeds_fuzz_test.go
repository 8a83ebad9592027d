package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

// FuzzFeedPath: a feed address is its own secret. Whatever path a client
// asks for, only the issued address answers the feed; nothing answers 5xx.
func FuzzFeedPath(f *testing.F) {
	m := startMeetings(f)
	subs := ohjaamov1connect.NewSubscriptionServiceClient(m.c.http, m.c.url)
	res, err := subs.CreateFeedToken(context.Background(), connect.NewRequest(&v1.CreateFeedTokenRequest{PersonId: feedPerson,
		Kind: v1.FeedKind_FEED_KIND_ATOM, GroupId: m.f.p}))
	if err != nil {
		f.Fatal(err)
	}
	issued := res.Msg.GetPath()
	for _, seed := range []string{issued, issued[:len(issued)-5] + ".ics", "/feeds/x.atom", "/feeds/.atom", "/feeds/../feeds/x.atom",
		"/feeds/" + string(make([]byte, 43)) + ".atom", "/feeds/%zz.atom", "/feeds/a/b.atom"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.Parse(m.c.url + path)
		if err != nil {
			return
		}
		res, err := http.Get(u.String())
		if err != nil {
			return
		}
		res.Body.Close()
		switch {
		case res.StatusCode >= 500:
			t.Fatalf("%q answered %d", path, res.StatusCode)
		case res.StatusCode == http.StatusOK && u.Path != issued:
			t.Fatalf("%q answered a feed (path %q), but only %q is issued", path, u.Path, issued)
		}
	})
}
