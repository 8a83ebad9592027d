package domain

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// AggregateSubscription is the aggregate type of one saved subscription; its
// events go to ohjaamo.subscription.<id>.
const AggregateSubscription = "subscription"

// Subscription is a person's saved filter of the decisions they want to hear about.
type Subscription struct {
	ID, PersonID, Name string
	Filter             *v1.SubscriptionFilter
	Paused, Deleted    bool
	// WebhookURL and WebhookSecret: where its decisions are delivered, signed.
	WebhookURL, WebhookSecret string
}

// NewSubscription is the empty state of subscription id.
func NewSubscription(id string) *Subscription { return &Subscription{ID: id} }

// Clone copies the state for the next snapshot.
func (s *Subscription) Clone() *Subscription { c := *s; return &c }

// Exists reports whether the subscription was created and not deleted.
func (s *Subscription) Exists() bool { return s.Filter != nil && !s.Deleted }

// Apply folds one event into the state.
func (s *Subscription) Apply(ev proto.Message) error {
	switch e := ev.(type) {
	case *v1.SubscriptionCreated:
		s.PersonID, s.Name, s.Filter = e.GetPersonId(), e.GetName(), e.GetFilter()
	case *v1.SubscriptionPaused:
		s.Paused = true
	case *v1.SubscriptionResumed:
		s.Paused = false
	case *v1.SubscriptionDeleted:
		s.Deleted = true
	case *v1.WebhookSet:
		s.WebhookURL, s.WebhookSecret = e.GetUrl(), e.GetSecret()
	case *v1.WebhookRemoved:
		s.WebhookURL, s.WebhookSecret = "", ""
	default:
		return fmt.Errorf("subscription: unknown event %T", ev)
	}
	return nil
}

// Create decides a new subscription for personID.
func (s *Subscription) Create(personID, name string, f *v1.SubscriptionFilter) ([]proto.Message, error) {
	if s.Filter != nil {
		return nil, &Error{Code: CodeAlreadyExists, Field: "subscription_id", Message: "the subscription exists", MessageFI: "tilaus on jo olemassa"}
	}
	if err := checkID("person_id", personID, true); err != nil {
		return nil, err
	}
	if err := checkText("name", name, false, 100); err != nil {
		return nil, err
	}
	if err := CheckFilter(f); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.SubscriptionCreated{SubscriptionId: s.ID, PersonId: personID, Name: name, Filter: proto.CloneOf(f)}}, nil
}

// CheckFilter validates a subscription filter: at least one criterion, each well formed.
func CheckFilter(f *v1.SubscriptionFilter) *Error {
	if f == nil || (f.GetGroupId() == "" && f.GetOrganisation() == "" && f.GetMunicipality() == "" &&
		f.GetTask() == v1.FamilyCentreTask_FAMILY_CENTRE_TASK_UNSPECIFIED && f.GetTheme() == "" && !f.GetAffectsMe()) {
		return invalid("filter", "name at least one of group, organisation, municipality, task, theme or affects me",
			"anna vähintään yksi ehto: ryhmä, organisaatio, kunta, tehtävä, teema tai minua koskevat")
	}
	if err := checkID("filter.group_id", f.GetGroupId(), false); err != nil {
		return err
	}
	if f.GetIncludeChildren() && f.GetGroupId() == "" {
		return invalid("filter.include_children", "needs a group", "vaatii ryhmän")
	}
	if err := checkText("filter.organisation", f.GetOrganisation(), false, 200); err != nil {
		return err
	}
	if m := f.GetMunicipality(); m != "" && !municipalityCode.MatchString(m) {
		return invalid("filter.municipality", "must be an official three-digit municipality code", "pitää olla virallinen kolminumeroinen kuntanumero")
	}
	if t := f.GetTask(); t < 0 || t > v1.FamilyCentreTask_FAMILY_CENTRE_TASK_T7_MEETING_PLACE {
		return invalid("filter.task", "must be one of the family-centre tasks T1-T7", "pitää olla jokin perhekeskuksen tehtävistä T1–T7")
	}
	if th := f.GetTheme(); th != "" && (!themePattern.MatchString(th) || ContainsIdentityCode(th)) {
		return invalid("filter.theme", "must be a word or a few (letters, digits, spaces, hyphens; at most 60)",
			"pitää olla sana tai muutama (kirjaimia, numeroita, välilyöntejä, väliviivoja; enintään 60)")
	}
	return nil
}

func (s *Subscription) live() *Error {
	if !s.Exists() {
		return notFound("subscription_id", "no such subscription", "tilausta ei ole")
	}
	return nil
}

// Pause stops delivery until resumed; pausing a paused subscription decides nothing.
func (s *Subscription) Pause() ([]proto.Message, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if s.Paused {
		return nil, nil
	}
	return []proto.Message{&v1.SubscriptionPaused{}}, nil
}

// Resume restarts delivery.
func (s *Subscription) Resume() ([]proto.Message, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if !s.Paused {
		return nil, nil
	}
	return []proto.Message{&v1.SubscriptionResumed{}}, nil
}

// Delete ends the subscription.
func (s *Subscription) Delete() ([]proto.Message, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	return []proto.Message{&v1.SubscriptionDeleted{}}, nil
}

// Network is the group network by group id, as the affects resolution reads it.
type Network map[string]*Group

// descendants lists the groups under id, nearest first.
func (n Network) descendants(id string) []*Group {
	var out []*Group
	queue := []string{id}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		var kids []*Group
		for _, g := range n {
			if g.ParentID == parent && g.Created {
				kids = append(kids, g)
			}
		}
		sort.Slice(kids, func(i, j int) bool { return kids[i].ID < kids[j].ID })
		for _, k := range kids {
			out = append(out, k)
			queue = append(queue, k.ID)
		}
	}
	return out
}

// Under reports whether group id is root or under it.
func (n Network) Under(id, root string) bool {
	for seen := 0; id != "" && seen < 100; seen++ {
		if id == root {
			return true
		}
		g, ok := n[id]
		if !ok {
			return false
		}
		id = g.ParentID
	}
	return false
}

// Affected resolves who a decision's affects reach, by person id with the
// reasons: the active members of each affected group and of every group
// under it; the members who represent an affected organisation (by name,
// ignoring case); and the members of the municipality actor type whose
// seat is for an affected municipality (the group they represent covers
// it, or, when they represent none, their own group does).
func Affected(a *v1.Affects, n Network) map[string][]string {
	out := map[string][]string{}
	add := func(m *Membership, reason string) {
		if !slices.Contains(out[m.PersonID], reason) {
			out[m.PersonID] = append(out[m.PersonID], reason)
		}
	}
	for _, gid := range a.GetGroupIds() {
		g, ok := n[gid]
		if !ok || !g.Created {
			continue
		}
		for _, m := range g.ActiveMembers() {
			add(m, "member of "+g.Name.GetFi())
		}
		for _, d := range n.descendants(gid) {
			for _, m := range d.ActiveMembers() {
				add(m, "member of "+d.Name.GetFi()+", under "+g.Name.GetFi())
			}
		}
	}
	ids := make([]string, 0, len(n))
	for id := range n {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		g := n[id]
		for _, m := range g.ActiveMembers() {
			for _, org := range a.GetOrganisations() {
				if strings.EqualFold(strings.TrimSpace(org), strings.TrimSpace(m.Organisation)) {
					add(m, "represents "+m.Organisation+" in "+g.Name.GetFi())
				}
			}
			if m.ActorType != v1.ActorType_ACTOR_TYPE_MUNICIPALITY {
				continue
			}
			covers := g.Municipalities
			if r, ok := n[m.Represents]; ok && m.Represents != "" {
				covers = r.Municipalities
			}
			for _, code := range a.GetMunicipalities() {
				if slices.Contains(covers, code) {
					add(m, "represents municipality "+code+" in "+g.Name.GetFi())
				}
			}
		}
	}
	return out
}

// DecisionFacts are what a subscription filter is matched against.
type DecisionFacts struct {
	GroupID string
	Affects *v1.Affects
	Tags    *v1.Tags
	// Affected is Affected(Affects, network) when the caller has it; nil
	// makes Matches compute it.
	Affected map[string][]string
}

// Matches tells whether a decision matches a filter for personID.
func Matches(f *v1.SubscriptionFilter, personID string, d DecisionFacts, n Network) bool {
	if g := f.GetGroupId(); g != "" && d.GroupID != g && !(f.GetIncludeChildren() && n.Under(d.GroupID, g)) {
		return false
	}
	if o := f.GetOrganisation(); o != "" && !slices.ContainsFunc(d.Affects.GetOrganisations(), func(x string) bool {
		return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(o))
	}) {
		return false
	}
	if m := f.GetMunicipality(); m != "" && !slices.Contains(d.Affects.GetMunicipalities(), m) && !slices.Contains(d.Tags.GetMunicipalities(), m) {
		return false
	}
	if t := f.GetTask(); t != v1.FamilyCentreTask_FAMILY_CENTRE_TASK_UNSPECIFIED && !slices.Contains(d.Affects.GetTasks(), t) && !slices.Contains(d.Tags.GetTasks(), t) {
		return false
	}
	if th := f.GetTheme(); th != "" && !slices.ContainsFunc(append(slices.Clone(d.Affects.GetThemes()), d.Tags.GetThemes()...), func(x string) bool {
		return strings.EqualFold(x, th)
	}) {
		return false
	}
	if f.GetAffectsMe() {
		affected := d.Affected
		if affected == nil {
			affected = Affected(d.Affects, n)
		}
		if _, ok := affected[personID]; !ok {
			return false
		}
	}
	return true
}

// SetWebhook decides delivering the subscription's decisions to url, signed
// with secret. Only https, unless plainHTTP (a test or a trusted network).
func (s *Subscription) SetWebhook(rawURL, secret string, plainHTTP bool) ([]proto.Message, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || len(rawURL) > 2000 || (u.Scheme != "https" && !(plainHTTP && u.Scheme == "http")) || u.User != nil {
		return nil, invalid("url", "must be an https address without credentials", "pitää olla https-osoite ilman tunnuksia")
	}
	if ContainsIdentityCode(rawURL) {
		return nil, invalid("url", "contains a Finnish personal identity code; Ohjaamo never stores one",
			"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
	}
	if !strings.HasPrefix(secret, "whsec_") {
		return nil, invalid("secret", "must be a whsec_ secret", "pitää olla whsec_-salaisuus")
	}
	return []proto.Message{&v1.WebhookSet{Url: rawURL, Secret: secret}}, nil
}

// RemoveWebhook stops deliveries; removing none decides nothing.
func (s *Subscription) RemoveWebhook() ([]proto.Message, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if s.WebhookURL == "" {
		return nil, nil
	}
	return []proto.Message{&v1.WebhookRemoved{}}, nil
}

// AggregateWebhook is the aggregate type of one subscription's webhook
// delivery log; its events go to ohjaamo.webhook.<subscription id>.
const AggregateWebhook = "webhook"

// WebhookLog is a subscription's delivery log: only what a new attempt
// needs to know, the attempts are in the read model.
type WebhookLog struct {
	ID        string
	Delivered map[string]bool // by delivery id
}

// NewWebhookLog is the empty log of subscription id.
func NewWebhookLog(id string) *WebhookLog { return &WebhookLog{ID: id, Delivered: map[string]bool{}} }

// Clone copies the state for the next snapshot.
func (l *WebhookLog) Clone() *WebhookLog {
	return &WebhookLog{ID: l.ID, Delivered: maps.Clone(l.Delivered)}
}

// Apply folds one event into the state.
func (l *WebhookLog) Apply(ev proto.Message) error {
	e, ok := ev.(*v1.WebhookAttempted)
	if !ok {
		return fmt.Errorf("webhook log: unknown event %T", ev)
	}
	if e.GetState() == v1.DeliveryState_DELIVERY_STATE_DELIVERED {
		l.Delivered[e.GetDeliveryId()] = true
	}
	return nil
}

// Record decides logging one attempt.
func (l *WebhookLog) Record(a *v1.WebhookAttempted) ([]proto.Message, error) {
	return []proto.Message{proto.CloneOf(a)}, nil
}

// AggregateDigest is the aggregate type of one person's digests sent;
// its events go to ohjaamo.digest.<person id>.
const AggregateDigest = "digest"

// Digests are the weeks a person's digest was sent.
type Digests struct {
	PersonID string
	Sent     map[string]bool // by week (its Monday)
}

// NewDigests is the empty state of person id.
func NewDigests(id string) *Digests { return &Digests{PersonID: id, Sent: map[string]bool{}} }

// Clone copies the state for the next snapshot.
func (d *Digests) Clone() *Digests { return &Digests{PersonID: d.PersonID, Sent: maps.Clone(d.Sent)} }

// Apply folds one event into the state.
func (d *Digests) Apply(ev proto.Message) error {
	e, ok := ev.(*v1.DigestSent)
	if !ok {
		return fmt.Errorf("digests: unknown event %T", ev)
	}
	d.Sent[e.GetWeek()] = true
	return nil
}
