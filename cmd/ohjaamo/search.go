package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// searchCommand: ohjaamo search WORDS... [filters]
func searchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("search", stderr)
	c := addClientFlags(fs, false)
	group := fs.String("group", "", "only this group")
	level := fs.String("level", "", "only this level: local | regional | provincial")
	year := fs.Uint("year", 0, "only this year")
	task := fs.String("task", "", "only items of this family-centre task, T1..T7")
	muni := fs.String("municipality", "", "only items about this municipality (code)")
	outcome := fs.String("outcome", "", "only decisions with this outcome: "+strings.Join(sortedKeys(outcomeNames), ", "))
	limit := fs.Uint("limit", 20, "at most this many hits")
	var words []string
	rest := args
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		words, rest = append(words, rest[0]), rest[1:]
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	words = append(words, fs.Args()...)
	lv, err := parseEnum("level", *level, levelNames)
	if err != nil {
		return err
	}
	oc, err := parseEnum("outcome", *outcome, outcomeNames)
	if err != nil {
		return err
	}
	tk, err := parseEnum("task", *task, taskNames)
	if err != nil {
		return err
	}
	res, err := c.meetings().SearchItems(ctx, request(c, &v1.SearchItemsRequest{Query: strings.Join(words, " "), GroupId: *group,
		Level: v1.Level(lv), Year: uint32(*year), Task: v1.FamilyCentreTask(tk), Municipality: *muni, Outcome: v1.Outcome(oc),
		Limit: uint32(*limit), MinPosition: c.minPosition}))
	if err != nil {
		return explain(err)
	}
	if c.json {
		return printJSON(stdout, res.Msg)
	}
	if len(res.Msg.GetHits()) == 0 {
		_, err := fmt.Fprintln(stdout, "nothing found")
		return err
	}
	for _, h := range res.Msg.GetHits() {
		sec := "not decided"
		if h.GetSection() > 0 {
			sec = fmt.Sprintf("§ %d, %s", h.GetSection(), outcomeLabel(h.GetOutcome()))
		}
		fmt.Fprintf(stdout, "%s  %s (%s)\n  %s — %s\n", h.GetStartsAt()[:10], h.GetGroupName(), levelLabel(h.GetLevel()), h.GetTitle(), sec)
		if h.GetSnippet() != "" {
			fmt.Fprintf(stdout, "  …%s\n", strings.ReplaceAll(h.GetSnippet(), "\n", " "))
		}
		fmt.Fprintf(stdout, "  ohjaamo meeting show %s %s\n", h.GetGroupId(), h.GetMeetingId())
	}
	return nil
}
