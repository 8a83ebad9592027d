package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// agendaSubcommands are the meeting subcommands for preparing agendas, the
// annual cycle and items travelling between levels.
var agendaSubcommands = map[string]bool{"edit-item": true, "move-item": true, "reorder": true, "plan-year": true, "cycle": true,
	"escalate": true, "refer": true, "in-flight": true}

// itemFlags are the content flags of an agenda item.
type itemFlags struct {
	title, preparer, grounds, proposal, openness, legal *string
	tasks, munis, themes, attachments, voices           listFlag
}

func addItemFlags(fs *flag.FlagSet) *itemFlags {
	f := &itemFlags{
		title: fs.String("title", "", "title of the item"), preparer: fs.String("preparer", "", "who prepared it"),
		grounds: fs.String("grounds", "", "grounds (perustelut)"), proposal: fs.String("proposal", "", "proposal (päätösehdotus)"),
		openness: fs.String("openness", "public", "public | internal | secret (julkinen | sisäinen | salainen)"),
		legal:    fs.String("legal-ground", "", "legal ground of a secret item"),
	}
	fs.Var(&f.tasks, "task", "family-centre task T1..T7; repeat or separate with commas")
	fs.Var(&f.munis, "municipality", "municipality code; repeatable")
	fs.Var(&f.themes, "theme", "free theme; repeatable")
	fs.Var(&f.attachments, "attachment", "attachment URL; repeatable")
	fs.Var(&f.voices, "voice", "id of a family voice the item takes up; repeatable")
	return f
}

func (f *itemFlags) item() (*v1.AgendaItem, error) {
	op, err := parseEnum("openness", *f.openness, opennessNames)
	if err != nil {
		return nil, err
	}
	tasks, err := parseTasks(f.tasks)
	if err != nil {
		return nil, err
	}
	return &v1.AgendaItem{Title: *f.title, Preparer: *f.preparer, Grounds: *f.grounds, Proposal: *f.proposal, Openness: v1.Openness(op),
		LegalGround: *f.legal, AttachmentUrls: f.attachments, FamilyVoiceIds: f.voices, Tags: &v1.Tags{Tasks: tasks, Municipalities: f.munis, Themes: f.themes}}, nil
}

func agendaCommand(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("meeting "+sub, stderr)
	write := sub != "cycle" && sub != "in-flight"
	c := addClientFlags(fs, write)
	var expect *optionalUint
	if write && sub != "escalate" && sub != "refer" {
		expect = expectFlag(fs)
	}
	switch sub {
	case "edit-item":
		f := addItemFlags(fs)
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		item, err := f.item()
		if err != nil {
			return err
		}
		// Only the flags given change: the rest comes from the item as it is.
		current, err := findItem(ctx, c, ids[0], ids[1])
		if err != nil {
			return err
		}
		item = mergeItem(fs, current, item)
		res, err := c.meetings().EditItem(ctx, request(c, &v1.EditItemRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], ExpectedVersion: expect.get(), Item: item}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "edited "+ids[1], res.Msg.GetResult())
	case "move-item":
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().MoveItem(ctx, request(c, &v1.MoveItemRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], MeetingId: ids[2], ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "moved "+ids[1]+" to "+ids[2], res.Msg.GetResult())
	case "reorder":
		var order listFlag
		fs.Var(&order, "order", "every item id of the meeting in the new order; repeat or separate with commas")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEETING_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ReorderAgenda(ctx, request(c, &v1.ReorderAgendaRequest{RequestId: c.reqID(), GroupId: ids[0], MeetingId: ids[1], ItemIds: order, ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "reordered "+ids[1], res.Msg.GetResult())
	case "plan-year":
		year := fs.Uint("year", 0, "the calendar year")
		days := fs.Uint("deadline-days", 7, "items close this many days before each meeting")
		place := fs.String("place", "", "where the meetings are held")
		link := fs.String("video", "", "video link of the meetings")
		var at, annual listFlag
		fs.Var(&at, "at", "a meeting's start time with its offset, e.g. 2026-03-12T13:00:00+02:00; repeat or separate with commas")
		fs.Var(&annual, "annual", "MONTH=title of a fixed annual item, e.g. 4=Toimintasuunnitelman katselmointi; repeatable")
		ids, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		req := &v1.PlanYearRequest{RequestId: c.reqID(), GroupId: ids[0], ExpectedVersion: expect.get(), Year: uint32(*year), AgendaDeadlineDays: uint32(*days)}
		for _, a := range at {
			req.Meetings = append(req.Meetings, &v1.PlannedMeeting{StartsAt: a, Place: *place, VideoLink: *link})
		}
		for _, a := range annual {
			month, title, ok := strings.Cut(a, "=")
			m, err := strconv.Atoi(month)
			if !ok || err != nil {
				return usagef("--annual %q: want MONTH=title, e.g. 4=Toimintasuunnitelman katselmointi", a)
			}
			req.AnnualItems = append(req.AnnualItems, &v1.AnnualItem{Title: title, Month: uint32(m)})
		}
		res, err := c.meetings().PlanYear(ctx, request(c, req))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, fmt.Sprintf("planned %d with %s: %s", *year, plural(len(res.Msg.GetMeetingIds()), "meeting"),
			strings.Join(res.Msg.GetMeetingIds(), " ")), res.Msg.GetResult())
	case "cycle":
		year := fs.Uint("year", 0, "the calendar year (default: this year)")
		children := fs.Bool("children", false, "with GROUP_ID: also the child groups' meetings")
		group, err := parseOptionalArg(fs, args, "GROUP_ID (none: the whole network)")
		if err != nil {
			return err
		}
		res, err := c.meetings().ListCycle(ctx, request(c, &v1.ListCycleRequest{GroupId: group, Year: uint32(*year), IncludeChildGroups: *children, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		return printCycle(stdout, res.Msg)
	case "escalate":
		to := fs.String("to-meeting", "", "a meeting of the parent group (default: its next meeting still taking items)")
		note := fs.String("note", "", "a note to the parent group")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().EscalateItem(ctx, request(c, &v1.EscalateItemRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], ToMeetingId: *to, Note: *note}))
		if err != nil {
			return explain(err)
		}
		where := "meeting " + res.Msg.GetToMeetingId()
		if res.Msg.GetToMeetingId() == "" {
			where = "pending (no meeting taking items yet)"
		}
		return printWrite(stdout, c, res.Msg, fmt.Sprintf("escalated to group %s as item %s, %s", res.Msg.GetToGroupId(), res.Msg.GetToItemId(), where), res.Msg.GetResult())
	case "refer":
		var to listFlag
		fs.Var(&to, "to", "child group id; repeatable (default: every child group)")
		note := fs.String("note", "", "a note to the child groups")
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "ITEM_ID")
		if err != nil {
			return err
		}
		res, err := c.meetings().ReferItem(ctx, request(c, &v1.ReferItemRequest{RequestId: c.reqID(), GroupId: ids[0], ItemId: ids[1], ToGroupIds: to, Note: *note}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		var last uint64
		for _, r := range res.Msg.GetReferrals() {
			where := "meeting " + r.GetMeetingId()
			if r.GetMeetingId() == "" {
				where = "pending"
			}
			fmt.Fprintf(stdout, "referred to group %s as item %s, %s\n", r.GetGroupId(), r.GetItemId(), where)
			last = max(last, r.GetResult().GetPosition())
		}
		fmt.Fprintf(stdout, "position %d\n", last)
		return nil
	case "in-flight":
		group, err := parseOptionalArg(fs, args, "GROUP_ID (none: the whole network)")
		if err != nil {
			return err
		}
		res, err := c.meetings().ListInFlight(ctx, request(c, &v1.ListInFlightRequest{GroupId: group, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		return printInFlight(stdout, res.Msg)
	}
	return usagef("meeting: unknown command %q", sub)
}

func directionLabel(d v1.Direction) string {
	if d == v1.Direction_DIRECTION_DOWN {
		return "referred down"
	}
	return "escalated up"
}

func printCycle(w io.Writer, res *v1.ListCycleResponse) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTS\tDEADLINE\tSTATE\tGROUP\tANNUAL ITEMS")
	for _, m := range res.GetMeetings() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.GetStartsAt()[:min(16, len(m.GetStartsAt()))], m.GetAgendaDeadline(), stateLabel(m.GetState()),
			m.GetGroupName(), strings.Join(m.GetAnnualItems(), "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(res.GetAlignment()) == 0 {
		return nil
	}
	// Per child group: the parent meetings it does not meet before.
	var order []string
	late, windows := map[string][]string{}, map[string]int{}
	aligned := 0
	for _, a := range res.GetAlignment() {
		name := a.GetChildGroupName()
		if windows[name] == 0 {
			order = append(order, name)
		}
		windows[name]++
		if a.GetAligned() {
			aligned++
		} else {
			late[name] = append(late[name], a.GetAgendaDeadline())
		}
	}
	fmt.Fprintf(w, "\nalignment: in %d of %d (parent meeting, child group) pairs the child meets before the parent's agenda deadline\n", aligned, len(res.GetAlignment()))
	var never []string
	for _, name := range order {
		switch n := len(late[name]); {
		case n == 0:
		case n == windows[name]:
			never = append(never, name)
		default:
			fmt.Fprintf(w, "  %s meets too late for the deadlines %s\n", name, strings.Join(late[name], ", "))
		}
	}
	if len(never) > 0 {
		fmt.Fprintf(w, "  no meeting before any deadline (no cycle planned?): %s\n", strings.Join(never, ", "))
	}
	return nil
}

func printInFlight(w io.Writer, res *v1.ListInFlightResponse) error {
	if len(res.GetItems()) == 0 {
		fmt.Fprintln(w, "nothing in flight between levels")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SENT\tDAYS\tWAY\tFROM\tTO\tSTATUS\tTITLE")
	for _, it := range res.GetItems() {
		to := it.GetTo()
		status := "pending (no meeting yet)"
		if to.GetMeetingId() != "" {
			status = "on the agenda of " + to.GetStartsAt()[:min(10, len(to.GetStartsAt()))]
		}
		if d := to.GetDecision(); d != nil {
			status = outcomeLabel(d.GetOutcome()) + fmt.Sprintf(" (§ %d)", to.GetSection())
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", to.GetSentAt()[:min(10, len(to.GetSentAt()))], it.GetWaitedDays(), directionLabel(it.GetDirection()),
			it.GetFrom().GetGroupName(), to.GetGroupName(), status, to.GetTitle())
	}
	return tw.Flush()
}

// findItem reads an item of a group's meetings as it is now: the read waits
// for the stream's last position, so an item just added is found.
func findItem(ctx context.Context, c *clientFlags, groupID, itemID string) (*v1.AgendaItem, error) {
	st, err := c.admin().GetStatus(ctx, request(c, &v1.GetStatusRequest{}))
	if err != nil {
		return nil, explain(err)
	}
	res, err := c.meetings().ListMeetings(ctx, request(c, &v1.ListMeetingsRequest{GroupId: groupID, MinPosition: st.Msg.GetStreamPosition()}))
	if err != nil {
		return nil, explain(err)
	}
	for _, m := range res.Msg.GetMeetings() {
		for _, it := range m.GetItems() {
			if it.GetId() == itemID {
				return it.GetItem(), nil
			}
		}
	}
	return nil, usagef("meeting edit-item: no item %s on the group's agendas", itemID)
}

// mergeItem takes from edited the fields whose flags were given, the rest from current.
func mergeItem(fs *flag.FlagSet, current, edited *v1.AgendaItem) *v1.AgendaItem {
	out := proto.CloneOf(current)
	tags := func() *v1.Tags {
		if out.Tags == nil {
			out.Tags = &v1.Tags{}
		}
		return out.Tags
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "title":
			out.Title = edited.GetTitle()
		case "preparer":
			out.Preparer = edited.GetPreparer()
		case "grounds":
			out.Grounds = edited.GetGrounds()
		case "proposal":
			out.Proposal = edited.GetProposal()
		case "openness":
			out.Openness = edited.GetOpenness()
		case "legal-ground":
			out.LegalGround = edited.GetLegalGround()
		case "attachment":
			out.AttachmentUrls = edited.GetAttachmentUrls()
		case "voice":
			out.FamilyVoiceIds = edited.GetFamilyVoiceIds()
		case "task":
			tags().Tasks = edited.GetTags().GetTasks()
		case "municipality":
			tags().Municipalities = edited.GetTags().GetMunicipalities()
		case "theme":
			tags().Themes = edited.GetTags().GetThemes()
		}
	})
	return out
}
