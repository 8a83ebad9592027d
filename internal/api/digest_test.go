package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/ohjaamo/ohjaamo/internal/api"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1/ohjaamov1connect"
	"github.com/ohjaamo/ohjaamo/internal/testenv"
)

// smtpSink is an in-process SMTP server that keeps what it is sent.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	to   string
	data string
}

func startSMTP(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// serve speaks just enough SMTP (RFC 5321) for net/smtp.SendMail.
func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	reply("220 sink ESMTP")
	var to string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			reply("250 sink")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			reply("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			to = strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go on")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, sunkMail{to: to, data: data.String()})
			s.mu.Unlock()
			reply("250 queued")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

func (s *smtpSink) sent() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

// TestWeeklyDigestOverSMTP: a member (with an e-mail address) affected by a decision of the week and
// responsible for telling families gets one mail with a text and an HTML
// part naming both; sending the week again sends nothing more.
func TestWeeklyDigestOverSMTP(t *testing.T) {
	sink := startSMTP(t)
	app, err := api.Start(context.Background(), api.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), ReadWait: 3 * time.Second,
		SMTPAddr: sink.ln.Addr().String(), SMTPFrom: "ohjaamo@perhekeskus.example", Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer stopApp(t, app)
	c := clients{url: app.URL(), http: testHTTP(app), groups: ohjaamov1connect.NewGroupServiceClient(testHTTP(app), app.URL()),
		admin: ohjaamov1connect.NewAdminServiceClient(testHTTP(app), app.URL())}
	m := meetingFixture{c: c, f: setup(t, c), meetings: ohjaamov1connect.NewMeetingServiceClient(testHTTP(app), app.URL())}
	ctx := context.Background()
	added, err := c.groups.AddMember(ctx, connect.NewRequest(&v1.AddMemberRequest{GroupId: m.f.p, PersonName: "Mervi Jäsen",
		Email: "mervi.jasen@kunta.example", Organisation: "Nokian kaupunki", ActorType: v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
		Role: v1.Role_ROLE_MEMBER, TermStart: "2025-01-01"}))
	if err != nil {
		t.Fatal(err)
	}
	member := added.Msg
	meeting := m.schedule(t, "digest", "2026-03-10T13:00:00+02:00")
	itemID, err := m.addItem(t, meeting, "Perhekahviloiden aukiolo", false)
	if err != nil {
		t.Fatal(err)
	}
	m.open(t, meeting)
	if _, err := m.meetings.RecordDecision(ctx, connect.NewRequest(&v1.RecordDecisionRequest{GroupId: m.f.p, ItemId: itemID,
		Decision: &v1.Decision{Outcome: v1.Outcome_OUTCOME_APPROVED_AS_PROPOSED, Text: "Aukiolo laajenee & iltaisin <klo 20>.",
			Affects: &v1.Affects{GroupIds: []string{m.f.p}}}})); err != nil {
		t.Fatal(err)
	}
	comm := ohjaamov1connect.NewCommunicationServiceClient(testHTTP(app), app.URL())
	if _, err := comm.AssignResponsibility(ctx, connect.NewRequest(&v1.AssignResponsibilityRequest{GroupId: m.f.p, ItemId: itemID,
		MembershipId: member.GetMembershipId(), DueOn: "2030-01-31", Audience: &v1.Audience{Kind: v1.AudienceKind_AUDIENCE_KIND_FAMILIES, Channel: "asiakasraati"}})); err != nil {
		t.Fatal(err)
	}
	subs := ohjaamov1connect.NewSubscriptionServiceClient(m.c.as(t, member.GetPersonId()), app.URL()) // a digest is its person's only
	var digest *v1.GetDigestResponse
	testenv.Eventually(t, 5*time.Second, func() error {
		res, err := subs.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{PersonId: member.GetPersonId()}))
		if err != nil {
			return err
		}
		if len(res.Msg.GetDecisions()) != 1 || len(res.Msg.GetResponsibilities()) != 1 {
			return fmt.Errorf("digest %d decisions, %d responsibilities", len(res.Msg.GetDecisions()), len(res.Msg.GetResponsibilities()))
		}
		digest = res.Msg
		return nil
	})
	if !strings.Contains(digest.GetText(), "Aukiolo laajenee & iltaisin <klo 20>.") || !strings.Contains(digest.GetHtml(), "Aukiolo laajenee &amp; iltaisin &lt;klo 20&gt;.") {
		t.Fatalf("the text part must not be HTML-escaped and the HTML part must be:\n%s\n%s", digest.GetText(), digest.GetHtml())
	}
	lastWeek := time.Now().AddDate(0, 0, -7).Format("2006-01-02")
	old, err := subs.GetDigest(ctx, connect.NewRequest(&v1.GetDigestRequest{PersonId: member.GetPersonId(), WeekOf: lastWeek}))
	if err != nil {
		t.Fatal(err)
	}
	if len(old.Msg.GetDecisions()) != 0 {
		t.Fatalf("last week's digest has this week's decision")
	}

	admin := ohjaamov1connect.NewSubscriptionServiceClient(testHTTP(app), app.URL())
	res, err := admin.SendDigests(ctx, connect.NewRequest(&v1.SendDigestsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetSent() != 1 {
		t.Fatalf("sent %d digests, want Mervi's one (the chair has no e-mail address) (%v)", res.Msg.GetSent(), res.Msg)
	}
	mails := sink.sent()
	if len(mails) != 1 || mails[0].to != "mervi.jasen@kunta.example" {
		t.Fatalf("mails %v, want one to Mervi", mails)
	}
	msg, err := mail.ReadMessage(strings.NewReader(mails[0].data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "1 päätöstä, 1 avointa viestintävastuuta") {
		t.Fatalf("subject %q: %v", subject, err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mediaType, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[typ] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "Perhekahviloiden aukiolo") || !strings.Contains(parts["text/plain"], "perheet (asiakasraati)") ||
		!strings.Contains(parts["text/html"], "<strong>Maakunnallinen ohjausryhmä § 4/2026 Perhekahviloiden aukiolo</strong>") {
		t.Fatalf("parts:\n%v", parts)
	}

	again, err := admin.SendDigests(ctx, connect.NewRequest(&v1.SendDigestsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if again.Msg.GetSent() != 0 || again.Msg.GetSkipped() != 1 || len(sink.sent()) != 1 {
		t.Fatalf("sending the week again: %v, %d mails", again.Msg, len(sink.sent()))
	}
}
