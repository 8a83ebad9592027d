package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func (c *clientFlags) voices() ohjaamov1connect.VoiceServiceClient {
	return ohjaamov1connect.NewVoiceServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

var channelNames = map[string]int32{"client-panel": 1, "asiakasraati": 1, "feedback": 2, "palaute": 2, "family-representative": 3,
	"perheiden-edustaja": 3, "youth-council": 4, "nuorisovaltuusto": 4, "survey": 5, "kysely": 5, "professional-observation": 6,
	"ammattilaisen-havainto": 6}

func channelLabel(ch v1.VoiceChannel) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(ch.String(), "VOICE_CHANNEL_")), "_", "-")
}

func voiceCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("voice: want record, list, trace or report")
	}
	sub := args[0]
	fs := newFlags("voice "+sub, stderr)
	c := addClientFlags(fs, sub == "record")
	switch sub {
	case "record":
		channel := fs.String("channel", "", "client-panel | feedback | family-representative | youth-council | survey | professional-observation")
		summary := fs.String("summary", "", "what families said, pseudonymous: never a name or an identity code")
		raised := fs.String("raised-on", "", "date it was raised, YYYY-MM-DD")
		muni := fs.String("municipality", "", "municipality code where it was raised")
		by := fs.String("by", "", "membership id of whoever records it, in the group")
		var tasks, themes listFlag
		fs.Var(&tasks, "task", "family-centre task T1..T7; repeatable")
		fs.Var(&themes, "theme", "theme; repeatable")
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID")
		if err != nil {
			return err
		}
		ch, err := parseEnum("channel", *channel, channelNames)
		if err != nil {
			return err
		}
		ts, err := parseTasks(tasks)
		if err != nil {
			return err
		}
		res, err := c.voices().RecordVoice(ctx, request(c, &v1.RecordVoiceRequest{RequestId: c.reqID(), GroupId: ids[0], Municipality: *muni,
			Channel: v1.VoiceChannel(ch), Summary: *summary, RaisedOn: *raised, Tags: &v1.Tags{Tasks: ts, Themes: themes}, RecordedByMembershipId: *by}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "recorded voice "+res.Msg.GetVoiceId(), res.Msg.GetResult())
	case "list":
		group := fs.String("group", "", "the group and the groups under it")
		muni := fs.String("municipality", "", "municipality code")
		from := fs.String("from", "", "raised on or after, YYYY-MM-DD")
		to := fs.String("to", "", "raised on or before, YYYY-MM-DD")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.voices().ListVoices(ctx, request(c, &v1.ListVoicesRequest{GroupId: *group, Municipality: *muni, From: *from, To: *to, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "RAISED\tGROUP\tCHANNEL\tREACHED\tFAMILIES TOLD\tSUMMARY\tID")
		for _, v := range res.Msg.GetVoices() {
			reached, told := levelLabel(v.GetHighestLevel()), v.GetToldOn()
			if reached == "" {
				reached = "no agenda yet"
			}
			if told == "" {
				told = "not yet"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.GetRaisedOn(), v.GetGroupName(), channelLabel(v.GetChannel()), reached, told,
				clip(v.GetSummary(), 50), v.GetId())
		}
		return tw.Flush()
	case "trace":
		ids, err := parseWithArgs(fs, args[1:], "VOICE_ID")
		if err != nil {
			return err
		}
		res, err := c.voices().TraceVoice(ctx, request(c, &v1.TraceVoiceRequest{VoiceId: ids[0], MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		return printTrace(stdout, res.Msg)
	case "report":
		group := fs.String("group", "", "area: the group and the groups under it (default the whole network)")
		muni := fs.String("municipality", "", "municipality code")
		from := fs.String("from", "", "period start, YYYY-MM-DD")
		to := fs.String("to", "", "period end, YYYY-MM-DD")
		asOf := fs.String("as-of", "", "date overdue is computed for (default today)")
		format := fs.String("format", "table", "table | csv | json")
		out := fs.String("out", "", "write to this file instead of standard output")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		if *format != "table" && *format != "csv" && *format != "json" {
			return usagef("--format %q: want table, csv or json", *format)
		}
		res, err := c.voices().VoiceReport(ctx, request(c, &v1.VoiceReportRequest{GroupId: *group, Municipality: *muni, From: *from, To: *to,
			AsOf: *asOf, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		w := stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		var b []byte
		switch {
		case *format == "csv":
			b, err = api.ReportCSV(res.Msg)
		case *format == "json" || c.json:
			b, err = api.ReportJSON(res.Msg)
		default:
			return printReport(w, res.Msg)
		}
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	default:
		return usagef("voice: unknown command %q (want record, list, trace or report)", sub)
	}
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func printTrace(w io.Writer, tr *v1.TraceVoiceResponse) error {
	v := tr.GetVoice()
	fmt.Fprintf(w, "Voice %s\n  raised %s in %s (%s) via %s\n  %q\n\n", v.GetId(), v.GetRaisedOn(), v.GetGroupName(), levelLabel(v.GetLevel()),
		channelLabel(v.GetChannel()), clip(v.GetSummary(), 200))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tGROUP\tHOW\tAGENDA\tDAYS TO AGENDA\tDECISION")
	for _, h := range tr.GetHops() {
		how := "taken up"
		switch h.GetDirection() {
		case v1.Direction_DIRECTION_UP:
			how = "escalated " + h.GetReceivedOn()
		case v1.Direction_DIRECTION_DOWN:
			how = "referred " + h.GetReceivedOn()
		}
		agenda := h.GetAgendaOn()
		switch {
		case agenda == "":
			agenda = "waiting"
		case !h.GetHandled():
			agenda += " (not held yet)"
		}
		decision := "-"
		if h.GetSection() > 0 {
			decision = fmt.Sprintf("§ %d %s: %s", h.GetSection(), outcomeLabel(h.GetOutcome()), clip(h.GetDecisionText(), 50))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", levelLabel(h.GetLevel()), h.GetGroupName(), how, agenda, h.GetDaysToAgenda(), decision)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	highest := levelLabel(tr.GetHighestLevel())
	if highest == "" {
		highest = "no agenda yet"
	}
	fmt.Fprintf(w, "\nhighest level reached: %s\n", highest)
	if tr.GetFamiliesTold() {
		d := tr.GetToldBy().GetDone()
		_, err := fmt.Fprintf(w, "families told: %s via %s (%s), %d days after the voice was raised\n", tr.GetToldOn(), d.GetChannel(),
			tr.GetToldBy().GetGroupName(), tr.GetDaysToTold())
		return err
	}
	_, err := fmt.Fprintln(w, "families told: not yet")
	return err
}

func printReport(w io.Writer, r *v1.VoiceReportResponse) error {
	period := r.GetFrom() + " – " + r.GetTo()
	if r.GetFrom() == "" && r.GetTo() == "" {
		period = "all time"
	}
	fmt.Fprintf(w, "Family voices, %s (as of %s)\n", period, r.GetAsOf())
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "voices raised\t%d\t\n", r.GetVoices())
	for _, v := range []struct {
		what  string
		n     uint32
		share float64
	}{{"reached an agenda", r.GetReachedAgenda(), r.GetShareAgenda()}, {"reached a decision", r.GetReachedDecision(), r.GetShareDecision()},
		{"reached regional level", r.GetReachedRegional(), r.GetShareRegional()}, {"reached provincial level", r.GetReachedProvincial(), r.GetShareProvincial()},
		{"families told (loop closed)", r.GetLoopClosed(), r.GetShareLoopClosed()}} {
		fmt.Fprintf(tw, "%s\t%d\t%.0f %%\t\n", v.what, v.n, v.share*100)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nDays per hop")
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "HOP\tVOICES\tMEDIAN\tP90")
	for _, h := range r.GetHops() {
		fmt.Fprintf(tw, "%s\t%d\t%g\t%g\n", h.GetHop(), h.GetCount(), h.GetMedianDays(), h.GetP90Days())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, part := range []struct {
		title string
		rows  []*v1.ResponsibilityFigures
	}{{"Communication responsibilities by group", r.GetByGroup()}, {"Communication responsibilities by organisation", r.GetByOrganisation()}} {
		fmt.Fprintf(w, "\n%s\n", part.title)
		tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTOTAL\tON TIME\tLATE\tOVERDUE\tNOT DUE\tWAIVED")
		for _, f := range part.rows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", f.GetName(), f.GetTotal(), f.GetDoneOnTime(), f.GetDoneLate(), f.GetOpenOverdue(),
				f.GetOpenNotDue(), f.GetWaived())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
