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

func (c *clientFlags) access() ohjaamov1connect.AccessServiceClient {
	return ohjaamov1connect.NewAccessServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

// tokenCommand: ohjaamo token create|list|revoke.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("token: want create, list or revoke")
	}
	sub := args[0]
	fs := newFlags("token "+sub, stderr)
	switch sub {
	case "create":
		c := addClientFlags(fs, true)
		person := fs.String("person", "", "person id to make the token for (admins only; default: yourself)")
		member := fs.String("member", "", "or: the person holding this membership id (as group show lists them)")
		label := fs.String("label", "", "what the token is for, e.g. laptop")
		days := fs.Uint("days", 0, "days the token is valid, 1-366 (default 90)")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.access().CreateToken(ctx, request(c, &v1.CreateTokenRequest{RequestId: c.reqID(), PersonId: *person, MembershipId: *member, Label: *label, ValidDays: uint32(*days)}))
		if err != nil {
			return explain(err)
		}
		m := res.Msg
		if c.json {
			return printJSON(stdout, m)
		}
		if m.GetToken() == "" {
			fmt.Fprintf(stdout, "token was created by an earlier try of this request; it is shown only once: revoke it and create a new one\n")
			return nil
		}
		fmt.Fprintf(stdout, "token %s (valid until %s)\n%s\nIt is shown only this once: keep it in a password manager, or pass it with --token / OHJAAMO_TOKEN.\n",
			m.GetTokenId(), m.GetExpiresAt(), m.GetToken())
		return nil
	case "list":
		c := addClientFlags(fs, false)
		person := fs.String("person", "", "whose tokens (admins only; default: yours)")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.access().ListTokens(ctx, request(c, &v1.ListTokensRequest{PersonId: *person, MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "TOKEN\tLABEL\tCREATED\tEXPIRES\tLAST USED\tSTATE")
		for _, t := range res.Msg.GetTokens() {
			state := "valid"
			switch {
			case t.GetRevokedAt() != "":
				state = "revoked " + t.GetRevokedAt()
			case t.GetExpired():
				state = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.GetTokenId(), dash(t.GetLabel()), t.GetCreatedAt(), t.GetExpiresAt(), dash(t.GetLastUsedAt()), state)
		}
		return tw.Flush()
	case "revoke":
		c := addClientFlags(fs, true)
		reason := fs.String("reason", "", "why (kept in the history)")
		ids, err := parseWithArgs(fs, args[1:], "TOKEN_ID")
		if err != nil {
			return err
		}
		res, err := c.access().RevokeToken(ctx, request(c, &v1.RevokeTokenRequest{RequestId: c.reqID(), TokenId: ids[0], Reason: *reason}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "revoked "+ids[0], res.Msg.GetResult())
	}
	return usagef("token: unknown command %q", sub)
}

// userCommand: ohjaamo user roles|list, and ohjaamo whoami.
func userCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("user: want roles or list")
	}
	sub := args[0]
	fs := newFlags("user "+sub, stderr)
	switch sub {
	case "roles":
		c := addClientFlags(fs, true)
		person := fs.String("person", "", "person id (empty: a new user with no memberships, e.g. an outside auditor)")
		admin := fs.Bool("admin", false, "may manage groups, members, users and tokens")
		auditor := fs.Bool("auditor", false, "reads everything, history and evidence included; writes nothing")
		org := fs.String("org", "", "organisation a user without memberships is shown with")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.access().SetUserRoles(ctx, request(c, &v1.SetUserRolesRequest{RequestId: c.reqID(), PersonId: *person, Admin: *admin, Auditor: *auditor, Organisation: *org}))
		if err != nil {
			return explain(err)
		}
		return printWrite(stdout, c, res.Msg, "user "+res.Msg.GetPersonId()+roleWords(*admin, *auditor), res.Msg.GetResult())
	case "list":
		c := addClientFlags(fs, false)
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.access().ListUsers(ctx, request(c, &v1.ListUsersRequest{MinPosition: c.minPosition}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			return printJSON(stdout, res.Msg)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "PERSON\tROLES\tORGANISATION\tVALID TOKENS")
		for _, u := range res.Msg.GetUsers() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", u.GetPersonId(), dash(strings.TrimPrefix(roleWords(u.GetAdmin(), u.GetAuditor()), ": ")), dash(u.GetOrganisation()), u.GetActiveTokens())
		}
		return tw.Flush()
	}
	return usagef("user: unknown command %q", sub)
}

func whoamiCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("whoami", stderr)
	c := addClientFlags(fs, false)
	if _, err := parseWithArgs(fs, args); err != nil {
		return err
	}
	res, err := c.access().WhoAmI(ctx, request(c, &v1.WhoAmIRequest{}))
	if err != nil {
		return explain(err)
	}
	m := res.Msg
	if c.json {
		return printJSON(stdout, m)
	}
	if m.GetAnonymous() {
		fmt.Fprintln(stdout, "anonymous: you see public decisions and minutes only (give --token or OHJAAMO_TOKEN)")
		return nil
	}
	fmt.Fprintf(stdout, "person %s%s\ntoken %s, valid until %s\n", m.GetPersonId(), roleWords(m.GetAdmin(), m.GetAuditor()), m.GetTokenId(), m.GetTokenExpiresAt())
	for _, s := range m.GetSeats() {
		fmt.Fprintf(stdout, "  %s in %s (membership %s)\n", roleLabel(s.GetRole()), s.GetGroupName(), s.GetMembershipId())
	}
	return nil
}

func roleWords(admin, auditor bool) string {
	var r []string
	if admin {
		r = append(r, "admin")
	}
	if auditor {
		r = append(r, "auditor")
	}
	if len(r) == 0 {
		return ""
	}
	return ": " + strings.Join(r, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
