package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func (c *clientFlags) meetings() ohjaamov1connect.MeetingServiceClient {
	return ohjaamov1connect.NewMeetingServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

// meetingCommand is what a secretary uses before and during a meeting.
func meetingCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("meeting: want list, show, minutes, schedule, reschedule, cancel, plan-year, cycle, add-item, edit-item, move-item, reorder, withdraw-item, open, approve-agenda, decide, close, checkers, check-minutes, approve-minutes, correct, escalate, refer or in-flight")
	}
	sub, args := args[0], args[1:]
	if agendaSubcommands[sub] {
		return agendaCommand(ctx, sub, args, stdout, stderr)
	}
	fs := newFlags("meeting "+sub, stderr)
	write := sub != "list" && sub != "show"
	c := addClientFlags(fs, write)
	var expect *optionalUint
	if write {
		expect = expectFlag(fs)
	}
	switch sub {
	case "list":
		year := fs.Uint("year", 0, "only this calendar year")
		ids, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ListMeetings(ctx, request(c, &v1.ListMeetingsRequest{GroupId: ids[0], Year: uint32(*year), MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "STARTS\tSTATE\tITEMS\tDECIDED\tPLACE\tMEETING")
		for _, m := range res.Msg.GetMeetings() {
			decided := 0
			for _, it := range m.GetItems() {
				if it.GetSection() > 0 {
					decided++
				}
			}
			where := m.GetPlace()
			if where == "" {
				where = m.GetVideoLink()
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", m.GetStartsAt(), stateLabel(m.GetState()), len(m.GetItems()), decided, where, m.GetId())
		}
		return tw.Flush()
	case "show":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().GetMeeting(ctx, request(c, &v1.GetMeetingRequest{GroupId: ids[0], MeetingId: ids[1], MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		// The group's memberships name the people; ended ones too, for
		// someone who has left the group since the meeting.
		g, err := c.groups().GetGroup(ctx, request(c, &v1.GetGroupRequest{GroupId: ids[0], MinPosition: c.minPosition, IncludeEnded: true}))
		if err != nil {
			return explain(err)
		}
		return printMeeting(stdout, res.Msg.GetMeeting(), g.Msg.GetGroup())
	case "schedule":
		at := fs.String("at", "", "start time with its offset, e.g. 2026-03-12T13:00:00+02:00")
		place := fs.String("place", "", "where")
		link := fs.String("video", "", "video link")
		days := fs.Uint("deadline-days", 7, "items close this many days before the meeting")
		ids, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ScheduleMeeting(ctx, request(c, &v1.ScheduleMeetingRequest{RequestId: c.reqID(), GroupId: ids[0], ExpectedVersion: expect.get(),
			StartsAt: *at, Place: *place, VideoLink: *link, AgendaDeadlineDays: uint32(*days)}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "meeting "+res.Msg.GetMeetingId(), res.Msg.GetResult())
	case "reschedule":
		at := fs.String("at", "", "new start time with its offset, e.g. 2026-03-19T13:00:00+02:00")
		place := fs.String("place", "", "where")
		link := fs.String("video", "", "video link")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().RescheduleMeeting(ctx, request(c, &v1.RescheduleMeetingRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1],
			ExpectedVersion: expect.get(), StartsAt: *at, Place: *place, VideoLink: *link}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "rescheduled "+ids[1], res.Msg.GetResult())
	case "cancel":
		reason := fs.String("reason", "", "why")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().CancelMeeting(ctx, request(c, &v1.CancelMeetingRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], Reason: *reason, ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "cancelled "+ids[1], res.Msg.GetResult())
	case "add-item":
		f := addItemFlags(fs)
		origin := fs.String("origin", "secretary", "secretary | member | family-voice | indicator")
		urgent := fs.Bool("urgent", false, "an urgent item the open meeting decided to take up after approving its agenda")
		previous := fs.String("previous", "", "id of a tabled or returned item of this group that comes back (keeps its history)")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		item, err := f.item()
		if err != nil {
			return err
		}
		or, err := parseEnum("origin", *origin, originNames)
		if err != nil {
			return err
		}
		item.Origin = v1.ItemOrigin(or)
		res, err := c.meetings().AddItem(ctx, request(c, &v1.AddItemRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get(),
			Urgent: *urgent, PreviousItemId: *previous, Item: item}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "item "+res.Msg.GetItemId(), res.Msg.GetResult())
	case "withdraw-item":
		reason := fs.String("reason", "", "why")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().WithdrawItem(ctx, request(c, &v1.WithdrawItemRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], Reason: *reason, ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "withdrawn "+ids[1], res.Msg.GetResult())
	case "open":
		var present, absent listFlag
		fs.Var(&present, "present", "membership id of a member present; repeatable")
		fs.Var(&absent, "absent", "membership id of a member absent; repeatable")
		var deputies listFlag
		fs.Var(&deputies, "deputy", "MEMBERSHIP_ID=Deputy's name for a deputy standing in; repeatable")
		openedAt := fs.String("at", "", "when the chair opened it, for recording afterwards (default: now)")
		lawful := fs.Bool("lawful", false, "the meeting was lawfully convened")
		quorate := fs.Bool("quorate", false, "the meeting has a quorum")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		var att []*v1.Attendance
		for _, id := range present {
			att = append(att, &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_PRESENT})
		}
		for _, id := range absent {
			att = append(att, &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_ABSENT})
		}
		for _, d := range deputies {
			id, name, _ := strings.Cut(d, "=")
			att = append(att, &v1.Attendance{MembershipId: id, Status: v1.AttendanceStatus_ATTENDANCE_STATUS_DEPUTY, DeputyName: name})
		}
		res, err := c.meetings().OpenMeeting(ctx, request(c, &v1.OpenMeetingRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get(),
			Attendance: att, Lawful: *lawful, Quorate: *quorate, OpenedAt: *openedAt}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "opened "+ids[1], res.Msg.GetResult())
	case "approve-agenda":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ApproveAgenda(ctx, request(c, &v1.ApproveAgendaRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "agenda approved", res.Msg.GetResult())
	case "decide":
		outcome := fs.String("outcome", "approved", "approved | amended | noted | tabled | returned | rejected (hyväksytty | muutettuna | tiedoksi | pöydälle | palautettu | hylätty)")
		text := fs.String("text", "", "the decision text")
		var dissents, affectsGroups, affectsOrgs, affectsMunis, affectsTasks, affectsThemes listFlag
		fs.Var(&dissents, "dissent", "MEMBERSHIP_ID=text of a dissent; repeatable")
		counter := fs.String("counter-proposal", "", "MEMBERSHIP_ID=text of a counter-proposal")
		seconded := fs.String("seconded-by", "", "membership id of the member who seconded the counter-proposal")
		var votes listFlag
		fs.Var(&votes, "vote", "MEMBERSHIP_ID=proposal|counter|abstain (jaa|ei|tyhjä); repeat for each voter")
		fs.Var(&affectsGroups, "affects-group", "group id the decision affects; repeatable")
		fs.Var(&affectsOrgs, "affects-org", "organisation the decision affects; repeatable")
		fs.Var(&affectsMunis, "affects-municipality", "municipality code; repeatable")
		fs.Var(&affectsTasks, "affects-task", "family-centre task T1..T7; repeatable")
		fs.Var(&affectsThemes, "affects-theme", "theme; repeatable")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		oc, err := parseEnum("outcome", *outcome, outcomeNames)
		if err != nil {
			return err
		}
		taskValues, err := parseTasks(affectsTasks)
		if err != nil {
			return err
		}
		d := &v1.Decision{Outcome: v1.Outcome(oc), Text: *text, Affects: &v1.Affects{GroupIds: affectsGroups, Organisations: affectsOrgs,
			Municipalities: affectsMunis, Tasks: taskValues, Themes: affectsThemes}}
		for _, ds := range dissents {
			id, t, _ := strings.Cut(ds, "=")
			d.Dissents = append(d.Dissents, &v1.Dissent{MembershipId: id, Text: t})
		}
		if *counter != "" {
			id, t, _ := strings.Cut(*counter, "=")
			d.CounterProposals = []*v1.CounterProposal{{MembershipId: id, Text: t, SecondedByMembershipId: *seconded}}
		}
		for _, v := range votes {
			id, choice, _ := strings.Cut(v, "=")
			c, err := parseEnum("vote", choice, voteNames)
			if err != nil {
				return err
			}
			d.Votes = append(d.Votes, &v1.Vote{MembershipId: id, Choice: v1.VoteChoice(c)})
		}
		res, err := c.meetings().RecordDecision(ctx, request(c, &v1.RecordDecisionRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], ExpectedVersion: expect.get(), Decision: d}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, fmt.Sprintf("§ %d", res.Msg.GetSection()), res.Msg.GetResult())
	case "checkers":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID", "MEMBERSHIP_ID", "MEMBERSHIP_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().NameMinutesCheckers(ctx, request(c, &v1.NameMinutesCheckersRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1],
			MembershipIds: ids[2:], ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "minutes checkers named", res.Msg.GetResult())
	case "check-minutes":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID", "MEMBERSHIP_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().CheckMinutes(ctx, request(c, &v1.CheckMinutesRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1],
			MembershipId: ids[2], ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "minutes checked", res.Msg.GetResult())
	case "approve-minutes":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ApproveMinutes(ctx, request(c, &v1.ApproveMinutesRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "minutes approved", res.Msg.GetResult())
	case "correct":
		outcome := fs.String("outcome", "approved", "the corrected outcome")
		text := fs.String("text", "", "the corrected decision text")
		reason := fs.String("reason", "", "why the decision is corrected")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		oc, err := parseEnum("outcome", *outcome, outcomeNames)
		if err != nil {
			return err
		}
		res, err := c.meetings().CorrectDecision(ctx, request(c, &v1.CorrectDecisionRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1],
			Decision: &v1.Decision{Outcome: v1.Outcome(oc), Text: *text}, Reason: *reason, ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "corrected "+ids[1], res.Msg.GetResult())
	case "close":
		closedAt := fs.String("at", "", "when the chair closed it, for recording afterwards (default: now)")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().CloseMeeting(ctx, request(c, &v1.CloseMeetingRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ExpectedVersion: expect.get(), ClosedAt: *closedAt}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "closed "+ids[1], res.Msg.GetResult())
	case "minutes":
		return minutesCommand(ctx, args, stdout, stderr)
	default:
		return usagef("meeting: unknown command %q", sub)
	}
}

func parseTasks(values []string) ([]v1.FamilyCentreTask, error) {
	var out []v1.FamilyCentreTask
	for _, v := range values {
		n, err := parseEnum("task", v, taskNames)
		if err != nil {
			return nil, err
		}
		out = append(out, v1.FamilyCentreTask(n))
	}
	return out, nil
}

// printMeeting prints a meeting, naming people as its minutes do (from the
// group's memberships, a deputy by name where one stood in).
func printMeeting(w io.Writer, m *v1.MeetingView, g *v1.Group) error {
	name := api.MeetingNames(m, g, "en")
	names := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = name(id)
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(w, "%s: meeting %s\n", m.GetGroupName(), m.GetStartsAt())
	where := strings.TrimSpace(m.GetPlace() + " " + m.GetVideoLink())
	fmt.Fprintf(w, "%s, %s; items close %s\n", stateLabel(m.GetState()), where, m.GetAgendaDeadline())
	if m.GetState() == v1.MeetingState_MEETING_STATE_CANCELLED {
		fmt.Fprintf(w, "cancelled: %s\n", m.GetCancelReason())
	}
	if len(m.GetAttendance()) > 0 {
		fmt.Fprintf(w, "lawful %v, quorate %v, agenda approved %v, %d on the attendance list\n", m.GetLawful(), m.GetQuorate(), m.GetAgendaApproved(), len(m.GetAttendance()))
	}
	if len(m.GetCheckerMembershipIds()) > 0 {
		fmt.Fprintf(w, "minutes checkers %s; checked by %d; minutes approved %v\n", names(m.GetCheckerMembershipIds()), len(m.GetCheckedByMembershipIds()), m.GetMinutesApproved())
	}
	fmt.Fprintln(w)
	for _, it := range m.GetItems() {
		sec := "   "
		if it.GetSection() > 0 {
			sec = fmt.Sprintf("§ %d", it.GetSection())
		}
		flags := ""
		if it.GetUrgent() {
			flags += " (urgent)"
		}
		if it.GetWithdrawn() {
			flags += " (withdrawn)"
		}
		if it.GetItem().GetOpenness() == v1.Openness_OPENNESS_SECRET {
			flags += " (secret: " + it.GetItem().GetLegalGround() + ")"
		}
		fmt.Fprintf(w, "%2d. %-5s %s%s  %s\n", it.GetPosition(), sec, it.GetItem().GetTitle(), flags, it.GetId())
		if p := it.GetItem().GetProposal(); p != "" {
			fmt.Fprintf(w, "          proposal: %s\n", p)
		}
		if f := it.GetCameFrom(); f != nil {
			fmt.Fprintf(w, "          %s from %s (%s), sent %s\n", directionLabel(f.GetDirection()), f.GetGroupName(), sectionOf(f), f.GetSentAt()[:min(10, len(f.GetSentAt()))])
		}
		for _, to := range it.GetSentTo() {
			answer := "not yet decided"
			if d := to.GetDecision(); d != nil {
				answer = fmt.Sprintf("§ %d %s: %s", to.GetSection(), outcomeLabel(d.GetOutcome()), d.GetText())
			}
			fmt.Fprintf(w, "          %s to %s, sent %s: %s\n", directionLabel(to.GetDirection()), to.GetGroupName(), to.GetSentAt()[:min(10, len(to.GetSentAt()))], answer)
		}
		for _, h := range it.GetHistory() {
			fmt.Fprintf(w, "          earlier: %s § %d %s: %s\n", h.GetStartsAt()[:10], h.GetSection(), outcomeLabel(h.GetDecision().GetOutcome()), h.GetDecision().GetText())
		}
		for _, c := range it.GetCorrections() {
			fmt.Fprintf(w, "          corrected %s (%s); was (%s): %s\n", c.GetCorrectedAt()[:10], c.GetReason(), outcomeLabel(c.GetBefore().GetOutcome()), c.GetBefore().GetText())
		}
		if d := it.GetDecision(); d != nil {
			fmt.Fprintf(w, "          decision (%s): %s\n", outcomeLabel(d.GetOutcome()), d.GetText())
			for _, ds := range d.GetDissents() {
				fmt.Fprintf(w, "          dissent %s: %s\n", name(ds.GetMembershipId()), ds.GetText())
			}
		}
		if vs := it.GetItem().GetFamilyVoiceIds(); len(vs) > 0 {
			fmt.Fprintf(w, "          takes up family voice %s\n", strings.Join(vs, ", "))
		}
	}
	if rs := m.GetOverdueResponsibilities(); len(rs) > 0 {
		fmt.Fprintf(w, "\nStanding item when the meeting opens: %d communication responsibilities overdue on its date\n", len(rs))
		for _, r := range rs {
			fmt.Fprintf(w, "  - due %s, %d d late: § %d %s: %s (%s) to tell %s\n", r.GetDueOn(), r.GetDaysLate(), r.GetSection(), clip(r.GetItemTitle(), 50),
				r.GetPersonName(), r.GetOrganisation(), audienceLabel(r))
		}
	}
	return nil
}

// sectionOf names a linked item by its § when decided.
func sectionOf(l *v1.LinkedItem) string {
	if l.GetSection() == 0 {
		return "item " + l.GetItemId()
	}
	return fmt.Sprintf("§ %d", l.GetSection())
}
