// Command ohjaamo is the Ohjaamo server and its command-line client.
//
//	ohjaamo serve                     start the server (embedded NATS, SQLite read models)
//	ohjaamo group list|show|create|rename|add-member|change-member|end-member
//	ohjaamo meeting list|show|minutes|schedule|reschedule|cancel|plan-year|cycle|add-item|edit-item|move-item|reorder|
//	                withdraw-item|open|approve-agenda|decide|close|checkers|check-minutes|approve-minutes|correct|
//	                escalate|refer|in-flight
//	ohjaamo responsibility list|assign|reassign|waive|done|asks|bring-up
//	ohjaamo voice record|list|trace|report
//	ohjaamo audit verify|history|evidence|check-pack
//	ohjaamo subscription create|list|pause|resume|delete|affected|feed|revoke-feed|webhook|deliveries|redeliver
//	ohjaamo watch
//	ohjaamo digest show|send
//	ohjaamo search WORDS...
//	ohjaamo person forget
//	ohjaamo projections rebuild|status
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Ohjaamo: governance and meeting cycle of a family-centre network.

Usage:
  ohjaamo serve [flags]                  start the server
  ohjaamo group list                     the network as a tree
  ohjaamo group show GROUP_ID            one group with its members and balance
  ohjaamo group create [flags]           found a group
  ohjaamo group rename GROUP_ID [flags]
  ohjaamo group add-member GROUP_ID [flags]
  ohjaamo group change-member GROUP_ID MEMBERSHIP_ID [flags]
  ohjaamo group end-member GROUP_ID MEMBERSHIP_ID [flags]
  ohjaamo meeting list GROUP_ID          the group's meetings
  ohjaamo meeting show GROUP_ID MEETING_ID
  ohjaamo meeting minutes GROUP_ID MEETING_ID [--format md|html] [--lang fi|sv|en] [--public] [--out FILE]
  ohjaamo meeting schedule GROUP_ID --at TIME --place PLACE
  ohjaamo meeting plan-year GROUP_ID --year 2027 --at TIME,TIME,... --annual 4=TITLE
                                         plan the annual cycle (vuosikello)
  ohjaamo meeting cycle [GROUP_ID] [--year 2026] [--children]
                                         a year's meetings and their alignment between levels
  ohjaamo meeting add-item GROUP_ID MEETING_ID --title ... --proposal ...
  ohjaamo meeting edit-item GROUP_ID ITEM_ID --title ...   (only the flags given change)
  ohjaamo meeting move-item GROUP_ID ITEM_ID MEETING_ID
  ohjaamo meeting reorder GROUP_ID MEETING_ID --order ID,ID,...
  ohjaamo meeting open GROUP_ID MEETING_ID --lawful --quorate --present ID ...
  ohjaamo meeting reschedule GROUP_ID MEETING_ID --at TIME --place PLACE
  ohjaamo meeting approve-agenda|close|cancel GROUP_ID MEETING_ID
  ohjaamo meeting decide GROUP_ID ITEM_ID --outcome approved --text ...
  ohjaamo meeting withdraw-item GROUP_ID ITEM_ID
  ohjaamo meeting checkers GROUP_ID MEETING_ID MEMBERSHIP_ID MEMBERSHIP_ID
  ohjaamo meeting check-minutes GROUP_ID MEETING_ID MEMBERSHIP_ID
  ohjaamo meeting approve-minutes GROUP_ID MEETING_ID
  ohjaamo meeting correct GROUP_ID ITEM_ID --outcome ... --text ... --reason ...
  ohjaamo meeting escalate GROUP_ID ITEM_ID [--to-meeting ID]   send up to the parent group
  ohjaamo meeting refer GROUP_ID ITEM_ID [--to GROUP_ID ...]    refer a decision down to child groups
  ohjaamo meeting in-flight [GROUP_ID]   items between levels not yet decided, and their wait
  ohjaamo responsibility list [--group ID] [--member ID] [--person NAME] [--overdue] [--open]
                                         communication responsibilities (viestintävastuut)
  ohjaamo responsibility assign GROUP_ID ITEM_ID --member ID --audience families --channel ... --due 2026-05-01
  ohjaamo responsibility reassign GROUP_ID RESP_ID [--member ID] [--due DATE] [--reason ...]
  ohjaamo responsibility waive GROUP_ID RESP_ID --reason ...
  ohjaamo responsibility done GROUP_ID RESP_ID --by ID --on DATE --channel ... [--note ...] [--link URL]
  ohjaamo responsibility asks GROUP_ID MEETING_ID      what each representative brings to the meeting
  ohjaamo responsibility bring-up GROUP_ID MEETING_ID --member ID (--title ... | --nothing)
  ohjaamo voice record GROUP_ID --channel client-panel --summary ... --raised-on DATE --by ID
  ohjaamo voice list [--group ID] [--from DATE] [--to DATE]
  ohjaamo voice trace VOICE_ID           every hop of one family voice, and whether families were told
  ohjaamo voice report [--group ID] [--from DATE] [--to DATE] [--format table|csv|json]
  ohjaamo audit verify                   recompute every aggregate's hash chain
  ohjaamo audit history TYPE ID          who did what, when, on whose request (TYPE: group, meetings, voice)
  ohjaamo audit evidence (--voice ID | --group ID --item ID) [--out FILE]
  ohjaamo audit check-pack FILE          verify an evidence pack offline
  ohjaamo subscription create [--person ID] [--group ID --children] [--municipality 536] [--affects-me] ...
  ohjaamo subscription list [--person ID]
  ohjaamo subscription pause|resume|delete SUBSCRIPTION_ID
  ohjaamo subscription affected GROUP_ID ITEM_ID   who a decision affects, and why
  ohjaamo subscription feed [--person ID] (--group ID | --subscription ID) [--kind atom|ical]
                                         a secret Atom or iCalendar address for a feed reader or calendar
  ohjaamo subscription revoke-feed TOKEN_ID
  ohjaamo subscription webhook SUBSCRIPTION_ID --url https://... [--remove]
                                         post its decisions, signed per Standard Webhooks
  ohjaamo subscription deliveries SUBSCRIPTION_ID   the webhook's delivery log
  ohjaamo subscription redeliver SUBSCRIPTION_ID CURSOR
  ohjaamo digest show [--person ID] [--week DATE] [--html]   a person's weekly digest
  ohjaamo digest send [--week DATE] [--person ID]         mail the week's digests (serve --smtp-addr)
  ohjaamo watch (--subscription ID | filter flags) [--cursor N | --since DATE]
                                         decisions as they are recorded; resumes by itself
  ohjaamo search WORDS... [--task T2 --municipality 837 --year 2026 ...]
                                         find agenda items and decisions across the network
  ohjaamo whoami                         who your token says you are: roles and seats
  ohjaamo token create [--person ID | --member MEMBERSHIP_ID] [--label L] [--days N]
                                         a new API token, shown once
  ohjaamo token list [--person ID]       tokens with expiry, last use and state
  ohjaamo token revoke TOKEN_ID [--reason ...]
  ohjaamo user roles [--person ID] [--admin] [--auditor] [--org ...]   network-wide roles (admin)
  ohjaamo user list                      people with network-wide roles (admin)
  ohjaamo person forget PERSON_ID --reason ...
                                         forget a member: their name and e-mail are erased everywhere;
                                         minutes and histories show role and organisation
  ohjaamo projections rebuild            rebuild the read models from the stream
  ohjaamo projections status             stream and read-model positions

Client commands call with the API token of --token (OHJAAMO_TOKEN), else the
one in --token-file (default data/admin-token, which the first start writes),
else anonymously (public material only).
Every flag can also be set with an environment variable OHJAAMO_<FLAG>,
e.g. OHJAAMO_LISTEN=127.0.0.1:9090 or OHJAAMO_SERVER=http://host:8080.
Run "ohjaamo COMMAND -h" for a command's flags.
`

// exitUsage is the exit code of a command given wrong arguments.
const exitUsage = 2

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "group":
		err = groupCommand(ctx, args[1:], stdout, stderr)
	case "meeting":
		err = meetingCommand(ctx, args[1:], stdout, stderr)
	case "search":
		err = searchCommand(ctx, args[1:], stdout, stderr)
	case "responsibility":
		err = responsibilityCommand(ctx, args[1:], stdout, stderr)
	case "voice":
		err = voiceCommand(ctx, args[1:], stdout, stderr)
	case "audit":
		err = auditCommand(ctx, args[1:], stdout, stderr)
	case "subscription":
		err = subscriptionCommand(ctx, args[1:], stdout, stderr)
	case "watch":
		err = watchCommand(ctx, args[1:], stdout, stderr)
	case "digest":
		err = digestCommand(ctx, args[1:], stdout, stderr)
	case "person":
		err = personCommand(ctx, args[1:], stdout, stderr)
	case "projections":
		err = projectionsCommand(ctx, args[1:], stdout, stderr)
	case "token":
		err = tokenCommand(ctx, args[1:], stdout, stderr)
	case "user":
		err = userCommand(ctx, args[1:], stdout, stderr)
	case "whoami":
		err = whoamiCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ohjaamo: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ohjaamo: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "ohjaamo: %v\n", err)
		return 1
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// newFlags makes a flag set whose defaults can come from OHJAAMO_* variables.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ohjaamo "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, letting OHJAAMO_<NAME> set any flag not given on the
// command line.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "OHJAAMO_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = usagef("%s=%q: %v", env, v, serr)
			}
		}
	})
	return err
}
