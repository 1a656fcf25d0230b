package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BudgetKey is the key under which a client's requests are counted: the
// budget belongs to an API key, so two keys of one product (a rotation) are
// paced apart. The client id is not stored in clear: the key is the product
// and the first 12 hex digits of its SHA-256 ("plutora:1a2b3c4d5e6f").
func BudgetKey(product synctype.Product, clientID string) string {
	sum := sha256.Sum256([]byte(clientID))
	return string(product) + ":" + hex.EncodeToString(sum[:])[:12]
}

// withLegacyKey makes a history also count, when read, the requests stored
// under the product's name alone: the key before BudgetKey. Without it, the
// first hour after an upgrade would ignore the hour's requests made before
// it. It can go once no deployment runs a version that wrote such counts.
func withLegacyKey(h BudgetHistory, product synctype.Product) BudgetHistory {
	if h == nil {
		return nil
	}
	return legacyHistory{BudgetHistory: h, legacy: string(product)}
}

type legacyHistory struct {
	BudgetHistory
	legacy string
}

// Recent returns key's counts plus the legacy key's, summed per minute.
func (h legacyHistory) Recent(ctx context.Context, key string, since time.Time) ([]synctype.MinuteCount, error) {
	own, err := h.BudgetHistory.Recent(ctx, key, since)
	if err != nil || key == h.legacy {
		return own, err
	}
	old, err := h.BudgetHistory.Recent(ctx, h.legacy, since)
	if err != nil {
		return nil, err
	}
	if len(old) == 0 {
		return own, nil
	}
	sum := map[time.Time]int{}
	for _, mc := range append(own, old...) {
		sum[mc.Minute] += mc.Count
	}
	out := make([]synctype.MinuteCount, 0, len(sum))
	for m, n := range sum {
		out = append(out, synctype.MinuteCount{Minute: m, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Minute.Before(out[j].Minute) })
	return out, nil
}
