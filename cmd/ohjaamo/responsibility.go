package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func (c *clientFlags) communication() ohjaamov1connect.CommunicationServiceClient {
	return ohjaamov1connect.NewCommunicationServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

var audienceNames = map[string]int32{"child-group": 1, "alaryhmä": 1, "organisation": 2, "organisaatio": 2, "municipality": 3, "kunta": 3,
	"families": 4, "perheet": 4, "public": 5, "julkinen": 5}

func audienceLabel(r *v1.Responsibility) string {
	a := r.GetAudience()
	switch a.GetKind() {
	case v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP:
		if r.GetAudienceGroupName() != "" {
			return r.GetAudienceGroupName()
		}
		return "child group"
	case v1.AudienceKind_AUDIENCE_KIND_ORGANISATION:
		return "organisation " + a.GetOrganisation()
	case v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES:
		return "services of " + a.GetMunicipality()
	case v1.AudienceKind_AUDIENCE_KIND_FAMILIES:
		return "families via " + a.GetChannel()
	case v1.AudienceKind_AUDIENCE_KIND_PUBLIC:
		return "the public"
	}
	return "?"
}

func respStateLabel(r *v1.Responsibility) string {
	s := strings.ToLower(strings.TrimPrefix(r.GetState().String(), "RESPONSIBILITY_STATE_"))
	switch {
	case r.GetOverdue():
		return fmt.Sprintf("%s, OVERDUE %d d", s, r.GetDaysLate())
	case r.GetState() == v1.ResponsibilityState_RESPONSIBILITY_STATE_DONE:
		if r.GetDaysLate() > 0 {
			return fmt.Sprintf("done %s (%d d late)", r.GetDone().GetDoneOn(), r.GetDaysLate())
		}
		return "done " + r.GetDone().GetDoneOn()
	}
	return s
}

func responsibilityCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("responsibility: want list, assign, reassign, waive, done, asks or bring-up")
	}
	sub := args[0]
	fs := newFlags("responsibility "+sub, stderr)
	write := sub != "list" && sub != "asks"
	c := addClientFlags(fs, write)
	var expect *optionalUint
	if write {
		expect = expectFlag(fs)
	}
	switch sub {
	case "list":
		group := fs.String("group", "", "group id")
		member := fs.String("member", "", "membership id")
		person := fs.String("person", "", "person's name")
		overdue := fs.Bool("overdue", false, "only those past their due date")
		open := fs.Bool("open", false, "only those still to do")
		asOf := fs.String("as-of", "", "date overdue is computed for (default today)")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.communication().ListResponsibilities(ctx, request(c, &v1.ListResponsibilitiesRequest{GroupId: *group, MembershipId: *member, PersonName: *person,
			OverdueOnly: *overdue, OpenOnly: *open, AsOf: *asOf, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "DUE\tSTATE\tGROUP\t§\tITEM\tWHO\tTELL\tID")
		for _, r := range res.Msg.GetResponsibilities() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%s\t%s\t%s (%s)\t%s\t%s\n", r.GetDueOn(), respStateLabel(r), r.GetGroupName(), r.GetSection(),
				yearOfDate(r.GetDecidedOn()), clip(r.GetItemTitle(), 40), r.GetPersonName(), r.GetOrganisation(), audienceLabel(r), r.GetId())
		}
		return tw.Flush()
	case "assign":
		member := fs.String("member", "", "membership id of the responsible member")
		audience := fs.String("audience", "", "child-group | organisation | municipality | families | public")
		audGroup := fs.String("audience-group", "", "the child group to tell")
		org := fs.String("organisation", "", "the organisation to tell")
		muni := fs.String("municipality", "", "the municipality whose services to tell")
		channel := fs.String("channel", "", "for families: the channel they are told through")
		due := fs.String("due", "", "due date, YYYY-MM-DD")
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		kind, err := parseEnum("audience", *audience, audienceNames)
		if err != nil {
			return err
		}
		res, err := c.communication().AssignResponsibility(ctx, request(c, &v1.AssignResponsibilityRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1],
			ExpectedVersion: expect.get(), MembershipId: *member, DueOn: *due,
			Audience: &v1.Audience{Kind: v1.AudienceKind(kind), GroupId: *audGroup, Organisation: *org, Municipality: *muni, Channel: *channel}}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "assigned responsibility "+res.Msg.GetResponsibilityId(), res.Msg.GetResult())
	case "reassign":
		member := fs.String("member", "", "the new responsible member (membership id)")
		due := fs.String("due", "", "the new due date")
		reason := fs.String("reason", "", "why")
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "RESPONSIBILITY_ID")
		if err != nil {
			return err
		}
		res, err := c.communication().ReassignResponsibility(ctx, request(c, &v1.ReassignResponsibilityRequest{RequestId: c.reqID(), GroupId: ids[0],
			ResponsibilityId: ids[1], ExpectedVersion: expect.get(), MembershipId: *member, DueOn: *due, Reason: *reason}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "reassigned "+ids[1], res.Msg.GetResult())
	case "waive":
		reason := fs.String("reason", "", "why it is not needed")
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "RESPONSIBILITY_ID")
		if err != nil {
			return err
		}
		res, err := c.communication().WaiveResponsibility(ctx, request(c, &v1.WaiveResponsibilityRequest{RequestId: c.reqID(), GroupId: ids[0],
			ResponsibilityId: ids[1], ExpectedVersion: expect.get(), Reason: *reason}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "waived "+ids[1], res.Msg.GetResult())
	case "done":
		by := fs.String("by", "", "membership id of who records it: the responsible member, the secretary or the chair")
		on := fs.String("on", "", "date it was done, YYYY-MM-DD")
		channel := fs.String("channel", "", "how: e-mail, meeting, web page, ...")
		note := fs.String("note", "", "a short note")
		link := fs.String("link", "", "a link to what was sent or published")
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "RESPONSIBILITY_ID")
		if err != nil {
			return err
		}
		res, err := c.communication().MarkResponsibilityDone(ctx, request(c, &v1.MarkResponsibilityDoneRequest{RequestId: c.reqID(), GroupId: ids[0],
			ResponsibilityId: ids[1], ExpectedVersion: expect.get(), ByMembershipId: *by, DoneOn: *on, Channel: *channel, Note: *note, Link: *link}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "done: "+ids[1], res.Msg.GetResult())
	case "asks":
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.communication().ListUpwardAsks(ctx, request(c, &v1.ListUpwardAsksRequest{GroupId: ids[0], MeetingId: ids[1], MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		fmt.Fprintf(stdout, "What each representative's own group brings (answers close %s)\n", res.Msg.GetAgendaDeadline())
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "REPRESENTS\tWHO\tANSWER\tMEMBERSHIP")
		for _, a := range res.Msg.GetAsks() {
			answer := "not answered yet"
			switch {
			case a.GetItemId() != "":
				answer = "brings: " + clip(a.GetItemTitle(), 50)
			case a.GetAnswered():
				answer = "nothing this time"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.GetRepresentsGroupName(), a.GetPersonName(), answer, a.GetMembershipId())
		}
		return tw.Flush()
	case "bring-up":
		member := fs.String("member", "", "the representative's membership id in this (parent) group")
		nothing := fs.Bool("nothing", false, "answer that the group has nothing to bring this time")
		f := addItemFlags(fs)
		ids, err := parseWithArgs(fs, args[1:], "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		var item *v1.AgendaItem
		if !*nothing {
			if item, err = f.item(); err != nil {
				return err
			}
		}
		res, err := c.communication().BringUp(ctx, request(c, &v1.BringUpRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get(),
			MembershipId: *member, Item: item}))
		if err != nil {
			return explain(err)
		}
		what := "answered: nothing to bring"
		if res.Msg.GetItemId() != "" {
			what = "brought item " + res.Msg.GetItemId()
		}
		return printWrite(stdout, c, res.Msg, what, res.Msg.GetResult())
	default:
		return usagef("responsibility: unknown command %q", sub)
	}
}

func yearOfDate(d string) string {
	if len(d) >= 4 {
		return d[:4]
	}
	return "?"
}
