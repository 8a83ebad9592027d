package domain

import "sync"

// memberList holds a group's memberships so that a snapshot can be copied
// in time independent of the group's size: the list is copied (pointers
// only), while the index from id to position is shared by every snapshot of
// the aggregate and only ever grows. A lookup trusts the index only when
// the position holds that id in this snapshot's list, so snapshots that
// diverge (two clones each adding a different membership) stay correct; a
// clone that would have to move an id to a new position takes its own index.
type memberList struct {
	list  []*Membership
	index *sync.Map // membership id → position in list
}

func (l memberList) clone() memberList {
	return memberList{list: append([]*Membership(nil), l.list...), index: l.index}
}

func (l *memberList) get(id string) (*Membership, bool) {
	if l.index == nil {
		return nil, false
	}
	v, ok := l.index.Load(id)
	if !ok {
		return nil, false
	}
	i := v.(int)
	if i >= len(l.list) || l.list[i].ID != id {
		return nil, false
	}
	return l.list[i], true
}

func (l *memberList) add(m *Membership) {
	if l.index == nil {
		l.index = &sync.Map{}
	}
	pos := len(l.list)
	if v, loaded := l.index.LoadOrStore(m.ID, pos); loaded && v.(int) != pos {
		// Another snapshot placed this id elsewhere: stop sharing.
		own := &sync.Map{}
		for i, o := range l.list {
			own.Store(o.ID, i)
		}
		own.Store(m.ID, pos)
		l.index = own
	}
	l.list = append(l.list, m)
}

// replace swaps in a new value for an existing membership.
func (l *memberList) replace(m *Membership) {
	v, _ := l.index.Load(m.ID)
	l.list[v.(int)] = m
}
