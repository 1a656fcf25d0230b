package load

import (
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Runs of one entity write side by side (a census beside the polls), so two
// transactions may write one record at once. The page statement takes the
// version it supersedes (history, status periods) from its snapshot; in READ
// COMMITTED the upsert, having waited for the other writer, would then
// update the row that writer left while history got the version before it
// (twice, and the other writer's version never), and a second status period
// stayed open. So a page's transaction runs in REPEATABLE READ (begin):
// PostgreSQL refuses, with a serialization failure, to update a row another
// transaction changed since the snapshot, or to upsert over one it inserted,
// and the transaction is tried again whole, with a snapshot that holds
// that writer's version (docs/design.md, "History and periods").

// concurrentAttempts bounds how many times a page's transaction is tried.
// Each refusal follows another writer's commit, so the writers as a whole
// move on, and two writers of one checkpoint row (which the runner never
// starts: one run per family) may refuse each other many times in a row;
// a hundred in a row means something else is wrong.
const concurrentAttempts = 100

// retryConcurrent calls fn, a whole transaction, again while it fails for
// a concurrent write (serialization failure), at most concurrentAttempts
// times in all; a deadline or cancellation of fn's context ends it sooner,
// as fn then fails otherwise.
func retryConcurrent(fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == concurrentAttempts || !isConcurrentWrite(err) {
			return err
		}
	}
}

// isConcurrentWrite reports whether err is PostgreSQL refusing a
// REPEATABLE READ transaction for another one's write.
func isConcurrentWrite(err error) bool {
	e := pq.As(err)
	return e != nil && e.Code == pqerror.TRSerializationFailure
}
