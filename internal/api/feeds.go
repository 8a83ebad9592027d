package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
	"github.com/ohjaamo/ohjaamo/projections"
)

// Feeds for the tools people already use: GET /feeds/<token>.atom is an
// Atom feed (RFC 4287) of a group's or a subscription's decisions, and
// GET /feeds/<token>.ics an iCalendar feed (RFC 5545) of a group's
// meetings. The token is the secret: unknown, revoked or of the other kind
// answers 404, the same for each, so a guess learns nothing. A token's feed
// shows what its owner may see; GET /feeds/public/<group id>.atom|.ics
// shows anyone the group's public decisions and its meetings.

// feedEntries bounds an Atom feed: feed readers poll, they keep what they saw.
const feedEntries = 100

func feedPath(token string, kind v1.FeedKind) string {
	if kind == v1.FeedKind_FEED_KIND_ICALENDAR {
		return "/feeds/" + token + ".ics"
	}
	return "/feeds/" + token + ".atom"
}

// feedFile splits a feed's file name into its name and kind.
func feedFile(file string) (string, v1.FeedKind) {
	switch {
	case strings.HasSuffix(file, ".atom"):
		return strings.TrimSuffix(file, ".atom"), v1.FeedKind_FEED_KIND_ATOM
	case strings.HasSuffix(file, ".ics"):
		return strings.TrimSuffix(file, ".ics"), v1.FeedKind_FEED_KIND_ICALENDAR
	}
	return "", v1.FeedKind_FEED_KIND_UNSPECIFIED
}

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	token, kind := feedFile(r.PathValue("file"))
	if len(token) < 40 || len(token) > 64 {
		http.NotFound(w, r)
		return
	}
	if _, err := s.hubAt(r.Context(), 0); err != nil {
		http.Error(w, "catching up; try again", http.StatusServiceUnavailable)
		return
	}
	f, ok := s.hub.FeedBySecret(sha256.Sum256([]byte(token)))
	if !ok || f.Token.GetKind() != kind {
		http.NotFound(w, r)
		return
	}
	// The feed shows what its owner may see now, however long ago it was made.
	owner, err := s.callerFor(r.Context(), f.Token.GetPersonId())
	if err != nil {
		s.log.Error("feed: its owner", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	s.writeFeed(w, f, owner.viewer())
}

// servePublicFeed: GET /feeds/public/<group id>.atom is the group's public
// decisions and /feeds/public/<group id>.ics its meetings, for anyone.
func (s *Server) servePublicFeed(w http.ResponseWriter, r *http.Request) {
	group, kind := feedFile(r.PathValue("file"))
	if kind == v1.FeedKind_FEED_KIND_UNSPECIFIED {
		http.NotFound(w, r)
		return
	}
	if _, err := s.hubAt(r.Context(), 0); err != nil {
		http.Error(w, "catching up; try again", http.StatusServiceUnavailable)
		return
	}
	f, ok := s.hub.PublicFeed(group, kind)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	s.writeFeed(w, f, projections.Viewer{}) // public material only
}

// writeFeed writes feed f as viewer may see it.
func (s *Server) writeFeed(w http.ResponseWriter, f projections.Feed, viewer projections.Viewer) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if f.Token.GetKind() == v1.FeedKind_FEED_KIND_ICALENDAR {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		// The video link is for those invited, not for the public calendar.
		_, _ = w.Write(renderICalendar(f, s.hub.Meetings(f.Token.GetGroupId()), time.Now(), viewer.Sees(f.Token.GetGroupId(), v1.Openness_OPENNESS_INTERNAL)))
		return
	}
	body, err := renderAtom(f, s.hub.Recent(f, viewer, feedEntries), time.Now())
	if err != nil {
		s.log.Error("atom feed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(body)
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Summary    string         `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

// renderAtom writes the feed. Each decision and each correction is its own
// entry (a correction is news), identified by the stream position it was
// recorded at, so a reader never sees one entry change meaning.
func renderAtom(f projections.Feed, notices []*projections.Notice, now time.Time) ([]byte, error) {
	title := "Ohjaamo: " + f.GroupName
	id := "urn:ohjaamo:feed:group:" + f.Token.GetGroupId()
	if f.Token.GetSubscriptionId() != "" {
		title, id = "Ohjaamo: "+f.SubscriptionName, "urn:ohjaamo:feed:subscription:"+f.Token.GetSubscriptionId()
	}
	feed := atomFeed{ID: id, Title: title, Updated: now.UTC().Format(time.RFC3339), Author: atomPerson{Name: "Ohjaamo"}, Gen: "Ohjaamo"}
	if len(notices) > 0 {
		feed.Updated = notices[0].Recorded.UTC().Format(time.RFC3339)
	}
	for _, n := range notices {
		d := n.Msg
		kind := "Päätös"
		if d.GetCorrection() {
			kind = "Korjattu päätös"
		}
		e := atomEntry{ID: fmt.Sprintf("urn:ohjaamo:decision:%s:%d", d.GetItemId(), n.Seq),
			Title:   fmt.Sprintf("%s § %d/%d: %s", d.GetGroupName(), d.GetSection(), d.GetYear(), d.GetTitle()),
			Updated: n.Recorded.UTC().Format(time.RFC3339), Published: n.Recorded.UTC().Format(time.RFC3339),
			Summary: fmt.Sprintf("%s %s (%s)", kind, d.GetHeldOn(), outcomeFI(d.GetDecision().GetOutcome())),
			Content: atomText{Type: "text", Body: decisionBody(d)}}
		for _, t := range d.GetDecision().GetAffects().GetTasks() {
			e.Categories = append(e.Categories, atomCategory{Term: fmt.Sprintf("T%d", int32(t))})
		}
		for _, th := range d.GetDecision().GetAffects().GetThemes() {
			e.Categories = append(e.Categories, atomCategory{Term: th})
		}
		feed.Entries = append(feed.Entries, e)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func decisionBody(d *v1.DecisionNotice) string {
	body := d.GetDecision().GetText()
	if d.GetCorrection() {
		body += "\n\nKorjauksen syy: " + d.GetCorrectionReason()
	}
	return body
}

// outcomeFI is the outcome in Finnish words, as the minutes say it:
// "merkittiin tiedoksi".
func outcomeFI(o v1.Outcome) string {
	return lowerFirst(strings.TrimSuffix(minutesWords["fi"].Outcomes[o], "."))
}

// meetingLength is how long a meeting is assumed to take in the calendar.
const meetingLength = 2 * time.Hour

// renderICalendar writes a group's meetings, one VEVENT each with a stable
// UID; a rescheduled or cancelled meeting keeps its UID with a higher
// SEQUENCE (and STATUS:CANCELLED), so calendars update it in place.
// withLinks adds the meetings' video links (for those who read the group's internal
// material).
func renderICalendar(f projections.Feed, meetings []projections.CalendarMeeting, now time.Time, withLinks bool) []byte {
	var b bytes.Buffer
	line := func(name, value string) { foldLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Ohjaamo//Kokoukset//FI")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", icalText(f.GroupName))
	stamp := now.UTC().Format("20060102T150405Z")
	for _, m := range meetings {
		start, err := time.Parse(time.RFC3339, m.StartsAt)
		if err != nil {
			continue
		}
		line("BEGIN", "VEVENT")
		line("UID", m.ID+"@ohjaamo")
		line("DTSTAMP", stamp)
		line("DTSTART", start.UTC().Format("20060102T150405Z"))
		line("DTEND", start.Add(meetingLength).UTC().Format("20060102T150405Z"))
		line("SEQUENCE", fmt.Sprint(m.Sequence))
		line("SUMMARY", icalText(f.GroupName+": kokous"))
		if m.Place != "" {
			line("LOCATION", icalText(m.Place))
		}
		if m.VideoLink != "" && withLinks {
			line("URL", m.VideoLink)
		}
		desc := "Esityslistan määräpäivä " + m.Deadline()
		if m.Deadline() == "" {
			desc = "Kokous"
		}
		if m.State == v1.MeetingState_MEETING_STATE_CANCELLED {
			desc = "Peruttu: " + m.CancelReason
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("DESCRIPTION", icalText(desc))
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.Bytes()
}

// icalText escapes a TEXT value (RFC 5545 3.3.11); line breaks become \n
// and other control characters are dropped (a lone CR would start a new
// property in some readers).
func icalText(s string) string {
	s = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// foldLine writes one content line, folded at 75 octets without splitting
// a UTF-8 character, ending in CRLF (RFC 5545 3.1).
func foldLine(b *bytes.Buffer, l string) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(l)
	b.WriteString("\r\n")
}
