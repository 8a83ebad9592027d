package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/smtp"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/ohjaamo/ohjaamo/internal/domain"
	"github.com/ohjaamo/ohjaamo/internal/eventstore"
	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// The weekly digest: per person, the week's decisions that affected them
// or matched their subscriptions, and their open communication
// responsibilities, as plain text and HTML, viewable through GetDigest and
// sent by SendDigests over SMTP (--smtp-addr, --smtp-from).

// weekOf is the Monday (Finland) of the week containing day (YYYY-MM-DD;
// empty: today), and the week's start and end instants.
func weekOf(day string) (string, time.Time, time.Time, error) {
	if day == "" {
		day = today()
	}
	t, err := time.ParseInLocation(domain.DateLayout, day, finland)
	if err != nil {
		return "", time.Time{}, time.Time{}, domain.Invalid("week_of", "must be a date YYYY-MM-DD", "pitää olla päivämäärä muodossa VVVV-KK-PP")
	}
	monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	return monday.Format(domain.DateLayout), monday, monday.AddDate(0, 0, 7), nil
}

// digest builds one person's digest of the week containing weekOfDay.
func (s *Server) digest(ctx context.Context, personID, weekOfDay string) (*v1.GetDigestResponse, error) {
	week, from, to, err := weekOf(weekOfDay)
	if err != nil {
		return nil, err
	}
	// The person's sight now, when the digest is read or sent.
	c, err := s.callerFor(ctx, personID)
	if err != nil {
		return nil, err
	}
	out := &v1.GetDigestResponse{Week: week}
	for _, n := range s.hub.DigestNotices(personID, c.viewer(), from, to) {
		out.Decisions = append(out.Decisions, n.Msg)
	}
	asOf := to.AddDate(0, 0, -1).Format(domain.DateLayout)
	if out.Responsibilities, err = s.rt.Responsibilities(ctx, projections.ResponsibilityFilter{PersonID: personID, OpenOnly: true, AsOf: asOf}); err != nil {
		return nil, err
	}
	if out.Responsibilities, err = s.visibleResponsibilities(ctx, c, out.Responsibilities); err != nil {
		return nil, err
	}
	if err := s.showPeople(ctx, out); err != nil { // before rendering
		return nil, err
	}
	out.Subject = fmt.Sprintf("Ohjaamo: viikon %s koonti – %d päätöstä, %d avointa viestintävastuuta", week, len(out.Decisions), len(out.Responsibilities))
	var text bytes.Buffer
	if err := digestText.Execute(&text, out); err != nil {
		return nil, err
	}
	var html bytes.Buffer
	if err := digestHTML.Execute(&html, out); err != nil {
		return nil, err
	}
	out.Text, out.Html = text.String(), html.String()
	return out, nil
}

var digestFuncs = template.FuncMap{"outcome": outcomeFI, "audience": audienceText}

func audienceText(r *v1.Responsibility) string {
	a := r.GetAudience()
	switch a.GetKind() {
	case v1.AudienceKind_AUDIENCE_KIND_CHILD_GROUP:
		return r.GetAudienceGroupName()
	case v1.AudienceKind_AUDIENCE_KIND_ORGANISATION:
		return a.GetOrganisation()
	case v1.AudienceKind_AUDIENCE_KIND_MUNICIPALITY_SERVICES:
		return "kunnan " + a.GetMunicipality() + " palvelut"
	case v1.AudienceKind_AUDIENCE_KIND_FAMILIES:
		return "perheet (" + a.GetChannel() + ")"
	}
	return "julkisesti"
}

// The text part is not HTML: text/template, which escapes nothing.
var digestText = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap(digestFuncs)).Parse(`Ohjaamo – viikon {{.Week}} koonti
{{if .Decisions}}
Päätökset, jotka koskevat sinua tai tilauksiasi:
{{range .Decisions}}
- {{.GroupName}} § {{.Section}}/{{.Year}} {{.Title}} ({{.HeldOn}}, {{outcome .Decision.Outcome}}{{if .Correction}}, korjattu{{end}})
  {{.Decision.Text}}
{{end}}{{else}}
Ei sinua koskevia päätöksiä tällä viikolla.
{{end}}{{if .Responsibilities}}
Avoimet viestintävastuusi:
{{range .Responsibilities}}
- {{.GroupName}} § {{.Section}} {{.ItemTitle}}: kerro – {{audience .}}, määräpäivä {{.DueOn}}{{if .Overdue}} (myöhässä {{.DaysLate}} pv){{end}}
{{end}}{{end}}`))

var digestHTML = template.Must(template.New("html").Funcs(digestFuncs).Parse(`<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>Ohjaamo – viikon {{.Week}} koonti</title></head>
<body style="font-family: sans-serif; max-width: 40em">
<h1>Ohjaamo – viikon {{.Week}} koonti</h1>
{{if .Decisions}}<h2>Päätökset, jotka koskevat sinua tai tilauksiasi</h2>
<ul>{{range .Decisions}}
<li><strong>{{.GroupName}} § {{.Section}}/{{.Year}} {{.Title}}</strong> ({{.HeldOn}}, {{outcome .Decision.Outcome}}{{if .Correction}}, korjattu{{end}})<br>{{.Decision.Text}}</li>{{end}}
</ul>{{else}}<p>Ei sinua koskevia päätöksiä tällä viikolla.</p>{{end}}
{{if .Responsibilities}}<h2>Avoimet viestintävastuusi</h2>
<ul>{{range .Responsibilities}}
<li>{{.GroupName}} § {{.Section}} {{.ItemTitle}}: kerro – {{audience .}}, määräpäivä {{.DueOn}}{{if .Overdue}} <strong>(myöhässä {{.DaysLate}} pv)</strong>{{end}}</li>{{end}}
</ul>{{end}}
</body></html>
`))

func (s subscriptionService) GetDigest(ctx context.Context, req *connect.Request[v1.GetDigestRequest]) (*connect.Response[v1.GetDigestResponse], error) {
	forCaller(ctx, &req.Msg.PersonId)
	if err := domain.RequireID("person_id", req.Msg.GetPersonId()); err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	if _, err := s.hubAt(ctx, req.Msg.GetMinPosition()); err != nil {
		return nil, err
	}
	d, err := s.digest(ctx, req.Msg.GetPersonId(), req.Msg.GetWeekOf())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(d), nil
}

func (s subscriptionService) SendDigests(ctx context.Context, req *connect.Request[v1.SendDigestsRequest]) (*connect.Response[v1.SendDigestsResponse], error) {
	m := req.Msg
	if s.smtpAddr == "" {
		return nil, &domain.Error{Code: domain.CodeFailedPrecondition, Message: "no SMTP server is configured (--smtp-addr)",
			MessageFI: "SMTP-palvelinta ei ole määritetty (--smtp-addr)"}
	}
	if err := optionalID("person_id", m.GetPersonId()); err != nil {
		return nil, err
	}
	week, _, _, err := weekOf(m.GetWeekOf())
	if err != nil {
		return nil, err
	}
	// Everything written so far is in both the read models and the hub,
	// or a digest sent now would be marked sent with decisions missing.
	last, err := s.hubAt(ctx, 0)
	if err != nil {
		return nil, err
	}
	if err := s.waitRead(ctx, last); err != nil {
		return nil, err
	}
	out := &v1.SendDigestsResponse{}
	for _, p := range s.hub.People() {
		if m.GetPersonId() != "" && p.ID != m.GetPersonId() {
			continue
		}
		shown, err := s.openPersonal(ctx, p.ID, p.Name, p.Email, p.Sealed)
		if err != nil {
			return nil, err
		}
		if shown.Forgotten || shown.Email == "" { // a forgotten person has no address
			out.Empty++
			continue
		}
		d, err := s.digest(ctx, p.ID, week)
		if err != nil {
			return nil, err
		}
		if len(d.GetDecisions())+len(d.GetResponsibilities()) == 0 {
			out.Empty++
			continue
		}
		sent, _, err := s.digests.Get(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if sent.Sent[week] {
			out.Skipped++
			continue
		}
		// Sent, then recorded: a crash in between sends it once more on the
		// next run (at least once, never silently lost).
		if err := s.mail(shown.Email, d); err != nil {
			// An SMTP error often quotes the address: log and answer without it.
			s.log.ErrorContext(ctx, "digest not sent", "person", p.ID, "err", strings.ReplaceAll(err.Error(), shown.Email, "<address>"))
			return nil, &domain.Error{Code: domain.CodeUnavailable, Message: "the mail server refused the digest of person " + p.ID + "; see the server log",
				MessageFI: "sähköpostipalvelin ei ottanut vastaan henkilön " + p.ID + " koontia; katso palvelimen loki"}
		}
		sealed, err := s.sealPersonal(ctx, p.ID, "", shown.Email) // the address, never in the clear
		if err != nil {
			return nil, err
		}
		meta := eventstore.Meta{RequestID: "digest." + p.ID + "." + week, Actor: "digest"}
		if _, err := s.digests.Execute(ctx, p.ID, meta, nil, func(ds *domain.Digests) ([]proto.Message, error) {
			if ds.Sent[week] {
				return nil, nil
			}
			return []proto.Message{&v1.DigestSent{Week: week, SealedPersonal: sealed, Decisions: uint32(len(d.GetDecisions())),
				Responsibilities: uint32(len(d.GetResponsibilities()))}}, nil
		}); err != nil {
			return nil, err
		}
		out.Sent++
	}
	return connect.NewResponse(out), nil
}

// mail sends a digest as multipart/alternative (text, then HTML).
func (s *Server) mail(to string, d *v1.GetDigestResponse) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ typ, content string }{{"text/plain; charset=utf-8", d.GetText()}, {"text/html; charset=utf-8", d.GetHtml()}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.content)); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return err
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	var msg bytes.Buffer
	for _, h := range [][2]string{
		{"From", s.smtpFrom}, {"To", to}, {"Subject", mime.QEncoding.Encode("utf-8", d.GetSubject())},
		{"Date", time.Now().Format(time.RFC1123Z)}, {"Message-ID", "<" + hex.EncodeToString(id) + "@ohjaamo>"},
		{"MIME-Version", "1.0"}, {"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	} {
		fmt.Fprintf(&msg, "%s: %s\r\n", h[0], h[1])
	}
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	if strings.ContainsAny(to, "\r\n") {
		return fmt.Errorf("bad address %q", to)
	}
	return smtp.SendMail(s.smtpAddr, nil, s.smtpFrom, []string{to}, msg.Bytes())
}
