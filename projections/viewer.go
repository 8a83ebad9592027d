package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	v1 "github.com/ohjaamo/ohjaamo/internal/gen/ohjaamo/v1"
)

// Viewer is whose eyes a read is for, as the read models need to know it:
// the groups whose internal and whose secret items they may see. The zero
// Viewer sees public items only. internal/api makes one from its caller;
// the read models know nothing of tokens or roles.
type Viewer struct {
	AllInternal, AllSecret bool
	Internal, Secret       []string // group ids
}

// Sees tells whether the viewer may see an item of groupID with openness o.
func (v Viewer) Sees(groupID string, o v1.Openness) bool {
	switch o {
	case v1.Openness_OPENNESS_SECRET:
		return v.AllSecret || slices.Contains(v.Secret, groupID)
	case v1.Openness_OPENNESS_INTERNAL:
		return v.AllInternal || slices.Contains(v.Internal, groupID)
	}
	return true
}

// args are the named arguments of the visibility condition in the SQL
// (search.sql): :all_internal, :internal, :all_secret, :secret.
func (v Viewer) args() []any {
	ids := func(s []string) string {
		b, _ := json.Marshal(append([]string{}, s...))
		return string(b)
	}
	return []any{sql.Named("all_internal", v.AllInternal), sql.Named("internal", ids(v.Internal)),
		sql.Named("all_secret", v.AllSecret), sql.Named("secret", ids(v.Secret))}
}

// ItemOpenness answers the group and openness of each of the items ids
// that exists, by id: for reads that carry items without their openness.
func (rt *Runtime) ItemOpenness(ctx context.Context, ids []string) (map[string]ItemAccess, error) {
	out := map[string]ItemAccess{}
	if len(ids) == 0 {
		return out, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	err = rt.View(ctx, func(db *sql.DB) error {
		return scanRows(ctx, db, q("item_openness"), []any{string(b)}, func(rows *sql.Rows) error {
			var id string
			var a ItemAccess
			var o int32
			if err := rows.Scan(&id, &a.GroupID, &o); err != nil {
				return err
			}
			a.Openness = v1.Openness(o)
			out[id] = a
			return nil
		})
	})
	return out, err
}

// ItemAccess is what decides who may see an item.
type ItemAccess struct {
	GroupID  string
	Openness v1.Openness
}
