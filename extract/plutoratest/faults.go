package plutoratest

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Faults are the failures a product injects into its API calls. Each
// decision is a pure function of (Options.Seed, product, request number),
// so a run that sends its requests in the same order meets the same faults.
// Shares are in [0,1]; they are exclusive and tried in the order Resets,
// ServerErrors, HTMLErrors, Truncated, Garbled.
type Faults struct {
	// ServerErrors answers 500, 502 or 503 with a JSON message.
	ServerErrors float64
	// HTMLErrors answers 500, 502 or 503 with an HTML error page
	// (text/html).
	HTMLErrors float64
	// Truncated answers 200 with the body cut in half (no longer JSON).
	Truncated float64
	// Garbled answers 200 with bytes of the body overwritten.
	Garbled float64
	// Resets closes the connection with a TCP reset, no answer.
	Resets float64
	// ThrottleBursts is the share of requests that start a burst of
	// BurstLength (default 5) answers of Options.ThrottleStatus with
	// Retry-After BurstRetryAfter (default 1s).
	ThrottleBursts  float64
	BurstLength     int
	BurstRetryAfter time.Duration
	// RevokeAtRequest revokes every token just before the product's
	// API request with this number (1-based) is checked.
	RevokeAtRequest int64
	// RevokeAt revokes every token at the first API request at or after
	// this time on the server clock.
	RevokeAt time.Time
}

func (f Faults) validate() error {
	for _, s := range []struct {
		name string
		v    float64
	}{{"ServerErrors", f.ServerErrors}, {"HTMLErrors", f.HTMLErrors}, {"Truncated", f.Truncated}, {"Garbled", f.Garbled}, {"Resets", f.Resets}, {"ThrottleBursts", f.ThrottleBursts}} {
		if s.v < 0 || s.v > 1 || math.IsNaN(s.v) {
			return fmt.Errorf("faults: %s = %v, want a share in [0,1]", s.name, s.v)
		}
	}
	if sum := f.ServerErrors + f.HTMLErrors + f.Truncated + f.Garbled + f.Resets; sum > 1 {
		return fmt.Errorf("faults: shares add up to %v, more than 1", sum)
	}
	if f.BurstLength < 0 || f.BurstRetryAfter < 0 || f.RevokeAtRequest < 0 {
		return fmt.Errorf("faults: negative BurstLength, BurstRetryAfter or RevokeAtRequest")
	}
	return nil
}

type faultKind int

const (
	faultNone faultKind = iota
	faultReset
	faultServer
	faultHTML
	faultTruncated
	faultGarbled
	faultThrottle
)

// unit maps (seed, product, request, salt) to [0,1).
func (p *Product) unit(seq int64, salt uint64) float64 {
	h := mix64(uint64(p.srv.opts.Seed) ^ strHash(p.Name) ^ mix64(uint64(seq)) ^ mix64(salt))
	return float64(h>>11) / (1 << 53)
}

// decide picks the fault of request seq.
func (p *Product) decide(f Faults, seq int64) faultKind {
	if f.ThrottleBursts > 0 {
		n := f.BurstLength
		if n == 0 {
			n = 5
		}
		for k := int64(0); k < int64(n) && seq-k > 0; k++ {
			if p.unit(seq-k, 2) < f.ThrottleBursts {
				return faultThrottle
			}
		}
	}
	u := p.unit(seq, 1)
	for _, c := range []struct {
		share float64
		kind  faultKind
	}{{f.Resets, faultReset}, {f.ServerErrors, faultServer}, {f.HTMLErrors, faultHTML}, {f.Truncated, faultTruncated}, {f.Garbled, faultGarbled}} {
		if u < c.share {
			return c.kind
		}
		u -= c.share
	}
	return faultNone
}

// latency is Latency plus a deterministic share of Jitter for request seq.
func (p *Product) latency(seq int64) time.Duration {
	d := p.srv.opts.Latency
	if j := p.srv.opts.Jitter; j > 0 {
		d += time.Duration(p.unit(seq, 3) * float64(j))
	}
	return d
}

// delay waits latency(seq), or until ctx ends.
func (p *Product) delay(ctx context.Context, seq int64) {
	d := p.latency(seq)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// revokeIfDue applies RevokeAtRequest and RevokeAt; it returns the faults
// in force.
func (p *Product) revokeIfDue(now time.Time, seq int64) Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	due := f.RevokeAtRequest > 0 && seq == f.RevokeAtRequest
	if !f.RevokeAt.IsZero() && !now.Before(f.RevokeAt) && !p.revoked {
		p.revoked, due = true, true
	}
	if due {
		p.tokens = map[string]tokenInfo{}
	}
	return f
}

// garble overwrites a deterministic handful of bytes of body.
func (p *Product) garble(body []byte, seq int64) []byte {
	out := append([]byte(nil), body...)
	if len(out) == 0 {
		return []byte{0xff}
	}
	for k := 0; k < 8; k++ {
		i := int(p.unit(seq, uint64(10+k)) * float64(len(out)))
		out[i] = "\x00\xff{]\"\\,:"[k]
	}
	return out
}

const htmlErrorPage = `<!DOCTYPE html>
<html><head><title>Runtime Error</title></head>
<body><h1>Server Error in '/' Application.</h1>
<h2><i>Runtime Error</i></h2><p>An application error occurred on the server.</p></body></html>
`
