package domain

import v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"

// coreActors are the actor types the seed wants represented equally on every
// level. Family representatives and experts by experience are counted
// together as the families' own voice.
var coreActors = []v1.ActorType{
	v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY,
	v1.ActorType_ACTOR_TYPE_MUNICIPALITY,
	v1.ActorType_ACTOR_TYPE_NGO,
	v1.ActorType_ACTOR_TYPE_PARISH,
	v1.ActorType_ACTOR_TYPE_KELA,
	v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE,
}

// Balance computes the representation balance of a group from the actor
// types of its active members.
func Balance(actors []v1.ActorType) *v1.RepresentationBalance {
	counts := map[v1.ActorType]uint32{}
	for _, a := range actors {
		counts[a]++
	}
	b := &v1.RepresentationBalance{}
	for t := v1.ActorType_ACTOR_TYPE_WELLBEING_COUNTY; t <= v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE; t++ {
		b.Counts = append(b.Counts, &v1.ActorCount{ActorType: t, Count: counts[t]})
	}
	families := counts[v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE] + counts[v1.ActorType_ACTOR_TYPE_EXPERT_BY_EXPERIENCE]
	var present, lo, hi uint32
	for _, t := range coreActors {
		n := counts[t]
		if t == v1.ActorType_ACTOR_TYPE_FAMILY_REPRESENTATIVE {
			n = families
		}
		if n == 0 {
			b.Missing = append(b.Missing, t)
			continue
		}
		if present == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
		present++
	}
	b.Coverage = float64(present) / float64(len(coreActors))
	if hi > 0 {
		b.Evenness = float64(lo) / float64(hi)
	}
	return b
}
