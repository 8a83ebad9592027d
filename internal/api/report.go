package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// ReportCSV renders a voice report as one tidy CSV table (section, key,
// name, metric, value), so a spreadsheet can pivot it.
func ReportCSV(r *v1.VoiceReportResponse) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	row := func(section, key, name, metric, value string) {
		_ = w.Write([]string{section, key, name, metric, value})
	}
	num := func(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
	dec := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	row("section", "key", "name", "metric", "value")
	for _, p := range [][2]string{{"from", r.GetFrom()}, {"to", r.GetTo()}, {"group_id", r.GetGroupId()},
		{"municipality", r.GetMunicipality()}, {"as_of", r.GetAsOf()}} {
		row("period", "", "", p[0], p[1])
	}
	for _, v := range []struct {
		metric string
		n      uint32
		share  float64
	}{{"voices", r.GetVoices(), 1}, {"reached_agenda", r.GetReachedAgenda(), r.GetShareAgenda()},
		{"reached_decision", r.GetReachedDecision(), r.GetShareDecision()}, {"reached_regional", r.GetReachedRegional(), r.GetShareRegional()},
		{"reached_provincial", r.GetReachedProvincial(), r.GetShareProvincial()}, {"loop_closed", r.GetLoopClosed(), r.GetShareLoopClosed()}} {
		row("voices", "", "", v.metric, num(v.n))
		if v.metric != "voices" {
			row("voices", "", "", "share_"+v.metric, dec(v.share))
		}
	}
	for _, h := range r.GetHops() {
		row("hops", h.GetHop(), "", "count", num(h.GetCount()))
		row("hops", h.GetHop(), "", "median_days", dec(h.GetMedianDays()))
		row("hops", h.GetHop(), "", "p90_days", dec(h.GetP90Days()))
	}
	for _, part := range []struct {
		section string
		rows    []*v1.ResponsibilityFigures
	}{{"responsibilities_by_group", r.GetByGroup()}, {"responsibilities_by_organisation", r.GetByOrganisation()}} {
		for _, f := range part.rows {
			for _, m := range []struct {
				metric string
				n      uint32
			}{{"total", f.GetTotal()}, {"done_on_time", f.GetDoneOnTime()}, {"done_late", f.GetDoneLate()},
				{"open_overdue", f.GetOpenOverdue()}, {"open_not_due", f.GetOpenNotDue()}, {"waived", f.GetWaived()}} {
				row(part.section, f.GetKey(), f.GetName(), m.metric, num(m.n))
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// ReportJSON renders a voice report as indented JSON with every field,
// zeros included, in a stable layout.
func ReportJSON(r *v1.VoiceReportResponse) ([]byte, error) {
	raw, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(r)
	if err != nil {
		return nil, err
	}
	// protojson varies its whitespace on purpose; re-indent for a stable file.
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent report: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
