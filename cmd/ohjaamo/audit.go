package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
)

func (c *clientFlags) audit() ohjaamov1connect.AuditServiceClient {
	return ohjaamov1connect.NewAuditServiceClient(httpClient, strings.TrimRight(c.server, "/"))
}

// errBroken makes the exit status 1 when a chain or a pack does not hold,
// after the details are printed.
var errBroken = errors.New("the hash chains do not hold")

func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("audit: want verify, history, evidence or check-pack")
	}
	sub := args[0]
	fs := newFlags("audit "+sub, stderr)
	switch sub {
	case "verify":
		c := addClientFlags(fs, false)
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		res, err := c.audit().VerifyChains(ctx, request(c, &v1.VerifyChainsRequest{}))
		if err != nil {
			return explain(err)
		}
		m := res.Msg
		if c.json {
			if err := printJSON(stdout, m); err != nil {
				return err
			}
		} else {
			printVerify(stdout, m)
		}
		if !m.GetOk() {
			return errBroken
		}
		return nil
	case "history":
		c := addClientFlags(fs, false)
		ids, err := parseWithArgs(fs, args[1:], "TYPE", "ID")
		if err != nil {
			return err
		}
		res, err := c.audit().GetHistory(ctx, request(c, &v1.GetHistoryRequest{AggregateType: ids[0], AggregateId: ids[1]}))
		if err != nil {
			return explain(err)
		}
		if c.json {
			if err := printJSON(stdout, res.Msg); err != nil {
				return err
			}
		} else if err := printHistory(stdout, res.Msg); err != nil {
			return err
		}
		if !res.Msg.GetChainOk() {
			return errBroken
		}
		return nil
	case "evidence":
		c := addClientFlags(fs, false)
		voice := fs.String("voice", "", "id of a family voice: its record and every meeting that carried it")
		group := fs.String("group", "", "id of the group that decided (with --item)")
		item := fs.String("item", "", "id of the decided item (with --group)")
		out := fs.String("out", "", "file to write (default: the name the server gives, in the current directory)")
		if _, err := parseWithArgs(fs, args[1:]); err != nil {
			return err
		}
		if (*voice == "") == (*group == "" && *item == "") {
			return usagef("audit evidence: want --voice ID, or --group ID --item ID")
		}
		res, err := c.audit().ExportEvidence(ctx, request(c, &v1.ExportEvidenceRequest{VoiceId: *voice, GroupId: *group, ItemId: *item}))
		if err != nil {
			return explain(err)
		}
		path := *out
		if path == "" {
			// Only a bare name from the server: never a path it chose.
			path = filepath.Base(res.Msg.GetFilename())
		}
		if err := os.WriteFile(path, res.Msg.GetContent(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", path, len(res.Msg.GetContent()))
		return nil
	case "check-pack":
		files, err := parseWithArgs(fs, args[1:], "FILE")
		if err != nil {
			return err
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			return err
		}
		check, err := api.CheckEvidencePack(data)
		if err != nil {
			return fmt.Errorf("%s: %w", files[0], err)
		}
		printPackCheck(stdout, files[0], check)
		if len(check.Problems) > 0 {
			return errors.New("the evidence pack does not hold")
		}
		return nil
	default:
		return usagef("audit: unknown command %q (want verify, history, evidence or check-pack)", sub)
	}
}

func printHistory(w io.Writer, m *v1.GetHistoryResponse) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tVERSION\tTIME\tACTOR\tEVENT\tREQUEST")
	for _, e := range m.GetEvents() {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", e.GetSequence(), e.GetVersion(), e.GetTime(), e.GetActor(),
			strings.TrimPrefix(e.GetType(), "ohjaamo.v1."), e.GetRequestId())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !m.GetChainOk() {
		_, err := fmt.Fprintln(w, "chain BROKEN: run `ohjaamo audit verify` to see where")
		return err
	}
	_, err := fmt.Fprintf(w, "%s; chain OK\n", plural(len(m.GetEvents()), "event"))
	return err
}

func printVerify(w io.Writer, m *v1.VerifyChainsResponse) {
	fmt.Fprintf(w, "%s in %s, up to stream position %d\n", plural(int(m.GetEvents()), "event"), plural(int(m.GetAggregates()), "aggregate"), m.GetLastSequence())
	if m.GetOk() {
		fmt.Fprintln(w, "OK: every hash chain holds")
		return
	}
	fmt.Fprintf(w, "BROKEN: first at stream position %d (%s)\n", m.GetFirstBroken().GetSequence(), m.GetFirstBroken().GetSubject())
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tSUBJECT\tWHAT\tEXPECTED\tFOUND")
	for _, l := range m.GetBroken() {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", l.GetSequence(), l.GetSubject(), l.GetReason(), short(l.GetExpectedHex()), short(l.GetFoundHex()))
	}
	tw.Flush()
}

// short abbreviates a hex hash for a table; the JSON output has it whole.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

func printPackCheck(w io.Writer, file string, c api.PackCheck) {
	fmt.Fprintf(w, "%s: %s in %s, %d marked relevant\n", file, plural(c.Events, "event"), plural(c.Aggregates, "chain"), c.Relevant)
	if !c.StreamOK {
		fmt.Fprintln(w, "note: when the pack was made, the server found a broken chain in its stream (see stream_verification)")
	}
	if len(c.Problems) == 0 {
		fmt.Fprintln(w, "OK: every hash, link and listed field matches the stored bytes")
		return
	}
	fmt.Fprintf(w, "BROKEN: %s\n", plural(len(c.Problems), "problem"))
	for _, p := range c.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}
