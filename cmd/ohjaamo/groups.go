package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

func groupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("group: want list, show, create, rename, add-member, change-member or end-member")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("group "+sub, stderr)
	switch sub {
	case "list":
		c := addClientFlags(fs, false)
		county := fs.String("county", "", "only this wellbeing county")
		if err := parse(fs, args); err != nil {
			return err
		}
		res, err := c.groups().ListGroups(ctx, request(c, &v1.ListGroupsRequest{MinPosition: c.minPosition, WellbeingCounty: *county}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		return printNetwork(stdout, res.Msg)
	case "show":
		c := addClientFlags(fs, false)
		ended := fs.Bool("ended", false, "include ended memberships")
		id, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		res, err := c.groups().GetGroup(ctx, request(c, &v1.GetGroupRequest{GroupId: id[0], MinPosition: c.minPosition, IncludeEnded: *ended}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		return printGroup(stdout, res.Msg.GetGroup())
	case "create":
		c := addClientFlags(fs, true)
		name := nameFlags(fs)
		level := fs.String("level", "", "local | regional | provincial (paikallinen | alueellinen | maakunnallinen)")
		parent := fs.String("parent", "", "parent group id (a regional group for a local one, the provincial group for a regional one)")
		county := fs.String("county", "", "wellbeing county (default: the parent's)")
		mode := fs.String("mode", "minutes", "minutes (pöytäkirja) or memo (muistio)")
		var munis listFlag
		fs.Var(&munis, "municipality", "official municipality code, e.g. 837; repeat or separate with commas")
		if err := parse(fs, args); err != nil {
			return err
		}
		lv, err := parseEnum("level", *level, levelNames)
		if err != nil {
			return err
		}
		md, err := parseEnum("mode", *mode, modeNames)
		if err != nil {
			return err
		}
		res, err := c.groups().CreateGroup(ctx, request(c, &v1.CreateGroupRequest{RequestId: c.reqID(), Name: name.msg(),
			Level: v1.Level(lv), ParentId: *parent, WellbeingCounty: *county, Municipalities: munis, Mode: v1.GroupMode(md)}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "group "+res.Msg.GetGroupId(), res.Msg.GetResult())
	case "rename":
		c := addClientFlags(fs, true)
		name := nameFlags(fs)
		expect := expectFlag(fs)
		id, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		res, err := c.groups().RenameGroup(ctx, request(c, &v1.RenameGroupRequest{RequestId: c.reqID(), GroupId: id[0], Name: name.msg(), ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "renamed "+id[0], res.Msg.GetResult())
	case "add-member":
		c := addClientFlags(fs, true)
		person := fs.String("person-id", "", "id of a person already in the network (links their memberships); empty makes a new one")
		pname := fs.String("name", "", "the person's name")
		email := fs.String("email", "", "the person's e-mail address")
		org := fs.String("org", "", "the organisation the person represents")
		actor := fs.String("actor", "", actorHelp)
		role := fs.String("role", "member", roleHelp)
		start := fs.String("term-start", "", "first day of the term, YYYY-MM-DD (default today)")
		end := fs.String("term-end", "", "last day of the term, YYYY-MM-DD (default open)")
		rep := fs.String("represents", "", "id of the child group this member speaks for in this group")
		expect := expectFlag(fs)
		id, err := parseWithArgs(fs, args, "GROUP_ID")
		if err != nil {
			return err
		}
		at, err := parseEnum("actor", *actor, actorNames)
		if err != nil {
			return err
		}
		rl, err := parseEnum("role", *role, roleNames)
		if err != nil {
			return err
		}
		res, err := c.groups().AddMember(ctx, request(c, &v1.AddMemberRequest{RequestId: c.reqID(), GroupId: id[0], ExpectedVersion: expect.get(),
			PersonId: *person, PersonName: *pname, Email: *email, Organisation: *org, ActorType: v1.ActorType(at), Role: v1.Role(rl),
			TermStart: *start, TermEnd: *end, RepresentsGroupId: *rep}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "membership "+res.Msg.GetMembershipId()+" (person "+res.Msg.GetPersonId()+")", res.Msg.GetResult())
	case "change-member":
		c := addClientFlags(fs, true)
		org := fs.String("org", "", "new organisation")
		actor := fs.String("actor", "", "new actor type: "+actorHelp)
		role := fs.String("role", "", "new role: "+roleHelp)
		end := fs.String("term-end", "", "new last day of the term, YYYY-MM-DD")
		rep := fs.String("represents", "", "id of the child group this member now speaks for ('none' to clear)")
		expect := expectFlag(fs)
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEMBERSHIP_ID")
		if err != nil {
			return err
		}
		req := &v1.ChangeMemberRequest{RequestId: c.reqID(), GroupId: ids[0], MembershipId: ids[1], ExpectedVersion: expect.get()}
		if *org != "" {
			req.Organisation = org
		}
		if *actor != "" {
			at, err := parseEnum("actor", *actor, actorNames)
			if err != nil {
				return err
			}
			req.ActorType = v1.ActorType(at).Enum()
		}
		if *role != "" {
			rl, err := parseEnum("role", *role, roleNames)
			if err != nil {
				return err
			}
			req.Role = v1.Role(rl).Enum()
		}
		if *end != "" {
			req.TermEnd = end
		}
		switch *rep {
		case "":
		case "none":
			req.RepresentsGroupId = proto.String("")
		default:
			req.RepresentsGroupId = rep
		}
		res, err := c.groups().ChangeMember(ctx, request(c, req))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "changed "+ids[1], res.Msg.GetResult())
	case "end-member":
		c := addClientFlags(fs, true)
		on := fs.String("on", "", "last day, YYYY-MM-DD (default today)")
		reason := fs.String("reason", "", "why the membership ended")
		expect := expectFlag(fs)
		ids, err := parseWithArgs(fs, args, "GROUP_ID", "MEMBERSHIP_ID")
		if err != nil {
			return err
		}
		res, err := c.groups().EndMember(ctx, request(c, &v1.EndMemberRequest{RequestId: c.reqID(), GroupId: ids[0], MembershipId: ids[1],
			EndedOn: *on, Reason: *reason, ExpectedVersion: expect.get()}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "ended "+ids[1], res.Msg.GetResult())
	default:
		return usagef("group: unknown command %q", sub)
	}
}

// parseWithArgs parses flags placed before or after the positional arguments.
func parseWithArgs(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != len(names) {
		return nil, usagef("%s: want %s", fs.Name(), strings.Join(names, " "))
	}
	return pos, nil
}

// parseOptionalArg parses flags and at most one positional argument, which
// may be left out ("").
func parseOptionalArg(fs *flag.FlagSet, args []string, name string) (string, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil || len(pos) > 1 {
		return "", usagef("%s: want at most one %s", fs.Name(), name)
	}
	if len(pos) == 0 {
		return "", nil
	}
	return pos[0], nil
}

// parseInterleaved parses flags placed among positional arguments and
// answers the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		rest = append(rest, a)
		if !strings.Contains(a, "=") && i+1 < len(args) {
			name := strings.TrimLeft(a, "-")
			if f := fs.Lookup(name); f != nil {
				if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
					rest = append(rest, args[i+1])
					i++
				}
			}
		}
	}
	if err := parse(fs, rest); err != nil {
		return nil, err
	}
	return append(pos, fs.Args()...), nil
}

type localizedFlags struct{ fi, sv, en *string }

func nameFlags(fs *flag.FlagSet) localizedFlags {
	return localizedFlags{
		fi: fs.String("name-fi", "", "name in Finnish (required)"),
		sv: fs.String("name-sv", "", "name in Swedish"),
		en: fs.String("name-en", "", "name in English"),
	}
}

func (l localizedFlags) msg() *v1.LocalizedName {
	return &v1.LocalizedName{Fi: *l.fi, Sv: *l.sv, En: *l.en}
}

type optionalUint struct {
	set bool
	v   uint64
}

func (o *optionalUint) String() string {
	if !o.set {
		return ""
	}
	return fmt.Sprint(o.v)
}

func (o *optionalUint) Set(s string) error {
	_, err := fmt.Sscan(s, &o.v)
	o.set = err == nil
	return err
}

func (o *optionalUint) get() *uint64 {
	if !o.set {
		return nil
	}
	return &o.v
}

func expectFlag(fs *flag.FlagSet) *optionalUint {
	o := &optionalUint{}
	fs.Var(o, "expected-version", "fail with ABORTED unless the group is at this version")
	return o
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func envLang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(s, "fi") {
				return "fi"
			}
			return "en"
		}
	}
	return "en"
}

func printNetwork(w io.Writer, res *v1.ListGroupsResponse) error {
	names := map[string]string{}
	var walk func(nodes []*v1.GroupNode, prefix string)
	var lines []string
	walk = func(nodes []*v1.GroupNode, prefix string) {
		for i, n := range nodes {
			g := n.GetGroup()
			names[g.GetId()] = g.GetName().GetFi()
			branch, next := "├─ ", "│  "
			if i == len(nodes)-1 {
				branch, next = "└─ ", "   "
			}
			if prefix == "" && len(nodes) == 1 {
				branch, next = "", ""
			}
			b := g.GetBalance()
			lines = append(lines, fmt.Sprintf("%s%s  [%s] %s, coverage %.0f%%  %s",
				prefix+branch, g.GetName().GetFi(), levelLabel(g.GetLevel()), plural(len(g.GetMembers()), "member"), 100*b.GetCoverage(), g.GetId()))
			walk(n.GetChildren(), prefix+next)
		}
	}
	walk(res.GetRoots(), "")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "\n%s", plural(len(res.GetLinks()), "representation link"))
	if n := len(res.GetUnrepresentedGroupIds()); n > 0 {
		fmt.Fprintf(w, "; %s with nobody speaking for them in their parent group:\n", plural(n, "child group"))
		for _, id := range res.GetUnrepresentedGroupIds() {
			fmt.Fprintf(w, "  %s  %s\n", names[id], id)
		}
		return nil
	}
	_, err := fmt.Fprintln(w, "; every child group is represented in its parent group")
	return err
}

func printGroup(w io.Writer, g *v1.Group) error {
	fmt.Fprintf(w, "%s\n", g.GetName().GetFi())
	if g.GetName().GetSv() != "" || g.GetName().GetEn() != "" {
		fmt.Fprintf(w, "  sv: %s\n  en: %s\n", g.GetName().GetSv(), g.GetName().GetEn())
	}
	fmt.Fprintf(w, "id %s, %s, %s, version %d\n", g.GetId(), levelLabel(g.GetLevel()), g.GetWellbeingCounty(), g.GetVersion())
	if g.GetParentId() != "" {
		fmt.Fprintf(w, "parent %s\n", g.GetParentId())
	}
	if len(g.GetMunicipalities()) > 0 {
		fmt.Fprintf(w, "municipalities %s\n", strings.Join(g.GetMunicipalities(), ", "))
	}
	if len(g.GetChildIds()) > 0 {
		fmt.Fprintf(w, "child groups %d\n", len(g.GetChildIds()))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tNAME\tORGANISATION\tACTOR\tTERM\tREPRESENTS\tMEMBERSHIP")
	for _, m := range g.GetMembers() {
		term := m.GetTermStart() + "–" + m.GetTermEnd()
		if !m.GetActive() {
			term += " (ended " + m.GetEndedOn() + ")"
		}
		name := m.GetPersonName()
		if m.GetForgotten() { // the role and organisation stand in the other columns
			name = "– (forgotten)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", roleLabel(m.GetRole()), name, m.GetOrganisation(),
			actorLabel(m.GetActorType()), term, m.GetRepresentsGroupName(), m.GetId())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b := g.GetBalance()
	var counts []string
	for _, c := range b.GetCounts() {
		if c.GetCount() > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", actorLabel(c.GetActorType()), c.GetCount()))
		}
	}
	fmt.Fprintf(w, "\nrepresentation: %s\ncoverage %.0f%% of the six core actor types, evenness %.2f", strings.Join(counts, ", "), 100*b.GetCoverage(), b.GetEvenness())
	if len(b.GetMissing()) > 0 {
		var miss []string
		for _, a := range b.GetMissing() {
			miss = append(miss, actorLabel(a))
		}
		fmt.Fprintf(w, "; missing: %s", strings.Join(miss, ", "))
	}
	_, err := fmt.Fprintln(w)
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
