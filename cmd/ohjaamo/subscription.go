package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func (c *clientFlags) subscriptions() ohjaamov1connect.SubscriptionServiceClient {
	return ohjaamov1connect.NewSubscriptionServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

// filterFlags are the criteria of a subscription filter.
type filterFlags struct {
	group, organisation, municipality, task, theme *string
	children, affectsMe                            *bool
}

func addFilterFlags(fs *flag.FlagSet) *filterFlags {
	return &filterFlags{
		group: fs.String("group", "", "decisions of this group"), children: fs.Bool("children", false, "and of the groups under it"),
		organisation: fs.String("organisation", "", "decisions affecting this organisation"),
		municipality: fs.String("municipality", "", "decisions affecting this municipality (code)"),
		task:         fs.String("task", "", "family-centre task T1..T7"), theme: fs.String("theme", "", "theme"),
		affectsMe: fs.Bool("affects-me", false, "decisions that affect --person (as a member of an affected group, its child groups, or as a representative of an affected organisation or municipality)"),
	}
}

func (f *filterFlags) filter() (*v1.SubscriptionFilter, error) {
	t, err := parseEnum("task", *f.task, taskNames)
	if err != nil {
		return nil, err
	}
	return &v1.SubscriptionFilter{GroupId: *f.group, IncludeChildren: *f.children, Organisation: *f.organisation, Municipality: *f.municipality,
		Task: v1.FamilyCentreTask(t), Theme: *f.theme, AffectsMe: *f.affectsMe}, nil
}

func (f *filterFlags) empty() bool {
	return *f.group == "" && *f.organisation == "" && *f.municipality == "" && *f.task == "" && *f.theme == "" && !*f.affectsMe
}

func describeFilter(f *v1.SubscriptionFilter) string {
	var parts []string
	if f.GetGroupId() != "" {
		g := "group " + f.GetGroupId()
		if f.GetIncludeChildren() {
			g += " and below"
		}
		parts = append(parts, g)
	}
	for _, p := range [][2]string{{"organisation", f.GetOrganisation()}, {"municipality", f.GetMunicipality()}, {"theme", f.GetTheme()}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+p[1])
		}
	}
	if f.GetTask() != v1.FamilyCentreTask_FAMILY_CENTRE_TASK_UNSPECIFIED {
		parts = append(parts, fmt.Sprintf("task T%d", int32(f.GetTask())))
	}
	if f.GetAffectsMe() {
		parts = append(parts, "affects me")
	}
	return strings.Join(parts, ", ")
}

func subscriptionCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("subscription: want create, list, pause, resume, delete or affected")
	}
	sub := args[0]
	fs := newFlags("subscription "+sub, stderr)
	c := addClientFlags(fs, sub != "list" && sub != "affected")
	switch sub {
	case "create":
		person := fs.String("person", "", "person id of the subscriber (default: you)")
		name := fs.String("name", "", "a name for the subscription")
		ff := addFilterFlags(fs)
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		f, err := ff.filter()
		if err != nil {
			return err
		}
		res, err := c.subscriptions().CreateSubscription(ctx, request(c, &v1.CreateSubscriptionRequest{RequestId: c.reqID(), PersonId: *person, Name: *name, Filter: f}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "subscription "+res.Msg.GetSubscriptionId(), res.Msg.GetResult())
	case "list":
		person := fs.String("person", "", "person id (default: you)")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.subscriptions().ListSubscriptions(ctx, request(c, &v1.ListSubscriptionsRequest{PersonId: *person, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tFILTER\tSTATE\tID")
		for _, s := range res.Msg.GetSubscriptions() {
			state := "active"
			if s.GetPaused() {
				state = "paused"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.GetName(), describeFilter(s.GetFilter()), state, s.GetId())
		}
		return tw.Flush()
	case "pause", "resume", "delete":
		ids, err := parseWithArgs(fs, args[1:], "SUBSCRIPTION_ID")
		if err != nil {
			return err
		}
		cl := c.subscriptions()
		var r *v1.WriteResult
		switch sub {
		case "pause":
			res, err := cl.PauseSubscription(ctx, request(c, &v1.PauseSubscriptionRequest{RequestId: c.reqID(), SubscriptionId: ids[0]}))
			if err != nil {
				return explain(err)
			}
			r = res.Msg.GetResult()
		case "resume":
			res, err := cl.ResumeSubscription(ctx, request(c, &v1.ResumeSubscriptionRequest{RequestId: c.reqID(), SubscriptionId: ids[0]}))
			if err != nil {
				return explain(err)
			}
			r = res.Msg.GetResult()
		default:
			res, err := cl.DeleteSubscription(ctx, request(c, &v1.DeleteSubscriptionRequest{RequestId: c.reqID(), SubscriptionId: ids[0]}))
			if err != nil {
				return explain(err)
			}
			r = res.Msg.GetResult()
		}
		return printWrite(stdout, c, r, sub+"d "+ids[0], r)
	case "feed":
		person := fs.String("person", "", "person id the address is for (default: you)")
		group := fs.String("group", "", "a group's decisions (atom) or meetings (ical)")
		subscription := fs.String("subscription", "", "a subscription's decisions (atom)")
		kind := fs.String("kind", "atom", "atom | ical")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		k := v1.FeedKind_FEED_KIND_ATOM
		switch *kind {
		case "atom":
		case "ical", "ics", "icalendar":
			k = v1.FeedKind_FEED_KIND_ICALENDAR
		default:
			return usagef("--kind %q: want atom or ical", *kind)
		}
		res, err := c.subscriptions().CreateFeedToken(ctx, request(c, &v1.CreateFeedTokenRequest{RequestId: c.reqID(), PersonId: *person, Kind: k,
			GroupId: *group, SubscriptionId: *subscription}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		if res.Msg.GetPath() == "" {
			fmt.Fprintf(stdout, "feed token %s was issued before; its address is shown only once (revoke it and make a new one)\n", res.Msg.GetTokenId())
			return nil
		}
		fmt.Fprintf(stdout, "%s%s\n(token %s; keep the address secret, anyone with it can read the feed; revoke with: ohjaamo subscription revoke-feed %s)\n",
			strings.TrimRight(c.server, "/"), res.Msg.GetPath(), res.Msg.GetTokenId(), res.Msg.GetTokenId())
		return nil
	case "revoke-feed":
		ids, err := parseWithArgs(fs, args[1:], "TOKEN_ID")
		if err != nil {
			return err
		}
		res, err := c.subscriptions().RevokeFeedToken(ctx, request(c, &v1.RevokeFeedTokenRequest{RequestId: c.reqID(), TokenId: ids[0]}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "revoked "+ids[0], res.Msg.GetResult())
	case "webhook":
		u := fs.String("url", "", "https address the decisions are posted to")
		remove := fs.Bool("remove", false, "stop posting")
		ids, err := parseWithArgs(fs, args[1:], "SUBSCRIPTION_ID")
		if err != nil {
			return err
		}
		if *remove {
			res, err := c.subscriptions().RemoveWebhook(ctx, request(c, &v1.RemoveWebhookRequest{RequestId: c.reqID(), SubscriptionId: ids[0]}))
			if err != nil {
				return explain(err)
			}
			return printWrite(stdout, c, res.Msg, "webhook removed", res.Msg.GetResult())
		}
		res, err := c.subscriptions().SetWebhook(ctx, request(c, &v1.SetWebhookRequest{RequestId: c.reqID(), SubscriptionId: ids[0], Url: *u}))
		if err != nil {
			return explain(err)
		}
		what := "webhook set; signing secret (shown once): " + res.Msg.GetSecret()
		if res.Msg.GetSecret() == "" {
			what = "webhook was set before; its secret is shown only once (set it again for a new one)"
		}
		return printWrite(stdout, c, res.Msg, what, res.Msg.GetResult())
	case "deliveries":
		ids, err := parseWithArgs(fs, args[1:], "SUBSCRIPTION_ID")
		if err != nil {
			return err
		}
		res, err := c.subscriptions().ListWebhookDeliveries(ctx, request(c, &v1.ListWebhookDeliveriesRequest{SubscriptionId: ids[0], MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "CURSOR\tSTATE\tATTEMPTS\tLAST\tSTATUS\tERROR\tDELIVERY")
		for _, d := range res.Msg.GetDeliveries() {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%s\t%s\n", d.GetCursor(), strings.ToLower(strings.TrimPrefix(d.GetState().String(), "DELIVERY_STATE_")),
				d.GetAttempts(), d.GetLastAttemptAt(), d.GetLastStatusCode(), clip(d.GetLastError(), 60), d.GetDeliveryId())
		}
		return tw.Flush()
	case "redeliver":
		ids, err := parseWithArgs(fs, args[1:], "SUBSCRIPTION_ID", "CURSOR")
		if err != nil {
			return err
		}
		cursor, err := strconv.ParseUint(ids[1], 10, 64)
		if err != nil {
			return usagef("CURSOR %q: want a number", ids[1])
		}
		if _, err := c.subscriptions().RedeliverWebhook(ctx, request(c, &v1.RedeliverWebhookRequest{SubscriptionId: ids[0], Cursor: cursor})); err != nil {
			return explain(err)
		}
		_, err = fmt.Fprintf(stdout, "queued for redelivery: %d\n", cursor)
		return err
	case "affected":
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		res, err := c.subscriptions().AffectedBy(ctx, request(c, &v1.AffectedByRequest{GroupId: ids[0], ItemId: ids[1]}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "WHO\tWHY\tPERSON")
		for _, p := range res.Msg.GetPeople() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.GetPersonName(), strings.Join(p.GetReasons(), "; "), p.GetPersonId())
		}
		fmt.Fprintf(tw, "%d people\n", len(res.Msg.GetPeople()))
		return tw.Flush()
	default:
		return usagef("subscription: unknown command %q", sub)
	}
}

// watchCommand prints decisions as they are recorded, reconnecting from the
// last cursor when the stream breaks, until interrupted (or --until-caught-up).
func watchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("watch", stderr)
	c := addClientFlags(fs, false)
	subID := fs.String("subscription", "", "a saved subscription")
	person := fs.String("person", "", "person id, for --affects-me")
	cursor := fs.Uint64("cursor", 0, "resume after this cursor")
	since := fs.String("since", "", "start with the decisions recorded since this time (RFC 3339) or date (YYYY-MM-DD)")
	once := fs.Bool("until-caught-up", false, "stop after the backlog")
	ff := addFilterFlags(fs)
	if _, err := parseWithArgs(fs, args); err != nil {
		return err
	}
	req := &v1.WatchDecisionsRequest{SubscriptionId: *subID, PersonId: *person, Cursor: *cursor, Since: *since}
	if len(*since) == len("2006-01-02") {
		if t, err := time.ParseInLocation("2006-01-02", *since, helsinkiLoc()); err == nil {
			req.Since = t.Format(time.RFC3339)
		}
	}
	if !ff.empty() {
		f, err := ff.filter()
		if err != nil {
			return err
		}
		req.Filter = f
	}
	for attempt := 0; ; attempt++ {
		stream, err := c.subscriptions().WatchDecisions(ctx, request(c, req))
		if err != nil {
			return explain(err)
		}
		for stream.Receive() {
			attempt = 0 // it works again: the reconnect budget is per outage
			m := stream.Msg()
			req.Cursor, req.Since = m.GetCursor(), ""
			if m.GetCaughtUp() {
				fmt.Fprintf(stdout, "-- caught up at cursor %d; waiting for new decisions\n", m.GetCursor())
				if *once {
					return stream.Close()
				}
				continue
			}
			if c.json {
				if err := printJSON(stdout, m); err != nil {
					return err
				}
				continue
			}
			d := m.GetDecision()
			kind := "decided"
			if d.GetCorrection() {
				kind = "corrected (" + d.GetCorrectionReason() + ")"
			}
			fmt.Fprintf(stdout, "[%d] %s %s § %d/%d %s — %s: %s\n", m.GetCursor(), d.GetHeldOn(), d.GetGroupName(), d.GetSection(), d.GetYear(),
				d.GetTitle(), kind, clip(d.GetDecision().GetText(), 120))
		}
		err = stream.Err()
		_ = stream.Close()
		code := connect.CodeOf(err)
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return nil
		}
		if code != connect.CodeUnavailable && code != connect.CodeResourceExhausted && code != connect.CodeUnknown || attempt > 20 {
			return explain(err)
		}
		fmt.Fprintf(stderr, "ohjaamo watch: %v; resuming after cursor %d\n", explain(err), req.Cursor)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(min(attempt+1, 10)) * 500 * time.Millisecond):
		}
	}
}

func helsinkiLoc() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		return time.UTC
	}
	return loc
}

// digestCommand shows or sends the weekly digests.
func digestCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "send") {
		return usagef("digest: want show or send")
	}
	fs := newFlags("digest "+args[0], stderr)
	c := addClientFlags(fs, false)
	person := fs.String("person", "", "person id (default: you)")
	week := fs.String("week", "", "any day of the week (default this week)")
	lastWeek := fs.Bool("last-week", false, "the week before this one (for a Monday-morning run)")
	html := fs.Bool("html", false, "show the HTML part instead of the text")
	if _, err := parseWithArgs(fs, args[1:]); err != nil {
		return err
	}
	if *lastWeek {
		*week = time.Now().In(helsinkiLoc()).AddDate(0, 0, -7).Format("2006-01-02")
	}
	if args[0] == "send" {
		res, err := c.subscriptions().SendDigests(ctx, request(c, &v1.SendDigestsRequest{WeekOf: *week, PersonId: *person}))
		if err != nil {
			return explain(err)
		}
		_, err = fmt.Fprintf(stdout, "sent %d, already sent %d, nothing to send %d\n", res.Msg.GetSent(), res.Msg.GetSkipped(), res.Msg.GetEmpty())
		return err
	}
	res, err := c.subscriptions().GetDigest(ctx, request(c, &v1.GetDigestRequest{PersonId: *person, WeekOf: *week, MinPosition: c.minPosition}))
	if err != nil {
		return explain(err)
	}
	if c.json {
		return printJSON(stdout, res.Msg)
	}
	body := res.Msg.GetText()
	if *html {
		body = res.Msg.GetHtml()
	}
	_, err = fmt.Fprintf(stdout, "Subject: %s\n\n%s", res.Msg.GetSubject(), body)
	return err
}
