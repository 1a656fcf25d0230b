package plutoratest

import "time"

// window is one client's admitted requests within the rolling window.
type window struct {
	times []time.Time
	head  int
}

// admit counts a request at now if fewer than budget were admitted in the
// window before it; otherwise it says how long until one slot frees.
func (w *window) admit(now time.Time, budget int, win time.Duration) (bool, time.Duration) {
	cut := now.Add(-win)
	for w.head < len(w.times) && !w.times[w.head].After(cut) {
		w.head++
	}
	if w.head > 1024 && w.head > len(w.times)/2 {
		w.times = append(w.times[:0], w.times[w.head:]...)
		w.head = 0
	}
	if len(w.times)-w.head < budget {
		w.times = append(w.times, now)
		return true, 0
	}
	return false, w.times[w.head].Add(win).Sub(now)
}

// throttle admits or refuses one API request of clientID.
func (p *Product) throttle(clientID string, now time.Time) (bool, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.windows[clientID]
	if w == nil {
		w = &window{}
		p.windows[clientID] = w
	}
	return w.admit(now, p.srv.opts.Budget, p.srv.opts.Window)
}
