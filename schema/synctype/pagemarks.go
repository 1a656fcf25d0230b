package synctype

import "sync"

// PageMarks remembers a fingerprint of every page a run read (the API
// client makes them: a hash of the page's place and ids), with the number
// of the page that first had it. The client's runaway guard fails a run
// whose page repeats an earlier page under another number: a server that
// answers A, B, A, B… with a huge totalCount would otherwise spend the
// key's budget until the run's deadline, and the next run would go on. A
// run makes one and passes it with every Query (a seek reads a page a
// call). Safe for concurrent use. Memory: one entry a page (a run of the
// hourly budget for three hours holds under 80,000).
type PageMarks struct {
	mu    sync.Mutex
	pages map[uint64]int
}

// Mark records that page num has fingerprint fp. When an earlier page with
// another number had it, Mark returns that number and repeat true.
func (m *PageMarks) Mark(fp uint64, num int) (earlier int, repeat bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil {
		m.pages = map[uint64]int{}
	}
	if n, ok := m.pages[fp]; ok {
		return n, n != num
	}
	m.pages[fp] = num
	return num, false
}
