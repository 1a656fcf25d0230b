package load

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// Pipeline writes the pages of one run of one entity up to depth at a time,
// each in a transaction of its own on a connection of its own, and commits
// them in the order they were given, so that the checkpoint never passes a
// page that is not there: each page waits, in PostgreSQL, for the one before
// it to end before it moves the checkpoint, and fails unless that one
// committed (pageStatement, migration 00009). On two cores this about
// doubles the rate of a first load, whose pages the database spends most of
// its time on (BenchmarkPageWriter).
//
// Two transactions that write one record side by side would each replace
// its child rows without seeing the other's, so a page that shares a record
// with a page in flight waits for the pages before it; so does a page whose
// records' ids cannot all be read without decoding them (pageIDs), and the
// page after it waits for it.
//
// Results come back in page order, through the committed function, called
// from Write and Close on the caller's goroutine. A page that fails in the
// pipeline with an error of PostgreSQL (a record to quarantine, a page
// before it that had not committed, a deadlock) rolled back; it is written
// again alone (WritePage) once the pages before it have committed, and so
// are the pages that were in flight after it.
//
// A Pipeline is not safe for concurrent use. Close it when the run's pages
// are given, or when the run stops: it waits for the pages in flight.
type Pipeline struct {
	w         *Writer
	depth     int
	committed func(synctype.PageWrite, synctype.PageResult)
	inflight  []*inflightPage   // in page order
	ids       map[uuid.UUID]int // ids of the records in flight → pages in flight that hold them
	err       error             // the error that stopped the pipeline
}

// inflightPage is a page being written by a Pipeline.
type inflightPage struct {
	ctx     context.Context
	p       synctype.PageWrite
	ids     []uuid.UUID
	alone   bool // its ids could not be read: no other page is in flight beside it
	res     synctype.PageResult
	err     error
	started chan struct{} // closed when its goroutine sends the page
	done    chan struct{} // closed when the write ended
}

// Pipeline returns a Pipeline that writes up to depth pages side by side
// (1: one after the other, each with WritePage on the caller's goroutine)
// and gives each committed page's result to committed.
func (w *Writer) Pipeline(depth int, committed func(synctype.PageWrite, synctype.PageResult)) *Pipeline {
	return &Pipeline{w: w, depth: max(depth, 1), committed: committed, ids: map[uuid.UUID]int{}}
}

// Write puts page p in flight, with ctx for the whole of its write. It
// waits while depth pages are in flight, and for the pages before p when p
// must be written without them beside it; meanwhile it gives the results of
// the pages that committed to committed. Its error is that of p's checks or
// of an earlier page, which stopped the pipeline: no page after that one
// commits.
func (pl *Pipeline) Write(ctx context.Context, p synctype.PageWrite) error {
	if pl.err != nil {
		return pl.err
	}
	spec, err := checkPage(p)
	if err != nil {
		return pl.stop(err)
	}
	if p.Product == "" {
		p.Product = spec.Product
	}
	if pl.depth == 1 { // nothing to write beside it: on this goroutine, as WritePage does
		res, err := pl.w.WritePage(ctx, p)
		if err != nil {
			return pl.stop(err)
		}
		pl.committed(p, res)
		return nil
	}
	ids, sure := pageIDs(p.Records, spec.IDField)
	pg := &inflightPage{ctx: ctx, p: p, ids: ids, alone: !sure, started: make(chan struct{}), done: make(chan struct{})}
	for len(pl.inflight) > 0 && (pl.headDone() || len(pl.inflight) >= pl.depth || pg.alone ||
		pl.inflight[len(pl.inflight)-1].alone || pl.shares(ids)) {
		if err := pl.settle(); err != nil {
			return err
		}
	}
	pl.start(spec, pg)
	return nil
}

// Close waits for the pages in flight, gives the results of those that
// committed, and returns the error that stopped the pipeline, if any.
func (pl *Pipeline) Close() error {
	for len(pl.inflight) > 0 && pl.err == nil {
		_ = pl.settle()
	}
	return pl.err
}

// start writes pg on a goroutine of its own, after the page in flight
// before it, if any.
func (pl *Pipeline) start(spec *entitySpec, pg *inflightPage) {
	prev, started := sql.NullInt32{}, (<-chan struct{})(nil)
	if n := len(pl.inflight); n > 0 {
		prev = sql.NullInt32{Int32: int32(pl.inflight[n-1].p.PageNum), Valid: true}
		started = pl.inflight[n-1].started
	}
	order := pageOrder{key: pipelineKey(pg.p), prev: prev}
	for _, id := range pg.ids {
		pl.ids[id]++
	}
	pl.inflight = append(pl.inflight, pg)
	go func() {
		defer close(pg.done)
		// The page before must take its lock before this one waits on it,
		// or this one finds it uncommitted and is written again alone: let
		// it go first (it takes its lock first thing, this one waits after
		// its data are written).
		if started != nil {
			<-started
		}
		close(pg.started)
		err := pl.w.withStmt(pg.ctx, spec, func(stmt *sql.Stmt) error {
			var err error
			pg.res, err = writeFast(pg.ctx, stmt, pg.p, order)
			return err
		})
		if err != nil {
			pg.err = fmt.Errorf("write %s page %d: %w", pg.p.Entity, pg.p.PageNum, err)
		}
	}()
}

// settle waits for the oldest page in flight and gives its result. When it
// failed with an error of PostgreSQL (it rolled back, and so did every page
// after it), it and the pages after it are written again, alone and in
// order; any other error stops the pipeline.
func (pl *Pipeline) settle() error {
	pg := pl.inflight[0]
	<-pg.done
	pl.inflight = pl.inflight[1:]
	pl.forget(pg)
	if pg.err == nil {
		pl.committed(pg.p, pg.res)
		return nil
	}
	if pq.As(pg.err) == nil {
		return pl.stop(pg.err)
	}
	again := append([]*inflightPage{pg}, pl.inflight...)
	pl.w.logger.Info("page rolled back while written beside others; writing it again, alone",
		"entity", pg.p.Entity, "mode", pg.p.Mode, "run_id", pg.p.RunID, "page", pg.p.PageNum,
		"pages_after_it", len(pl.inflight), "error", pg.err)
	for _, later := range pl.inflight {
		<-later.done
		pl.forget(later)
	}
	pl.inflight = nil
	for _, r := range again {
		res, err := pl.w.WritePage(r.ctx, r.p)
		if err != nil {
			return pl.stop(err)
		}
		pl.committed(r.p, res)
	}
	return nil
}

// stop ends the pipeline with err, once the pages in flight have ended;
// those of them that committed are given to committed.
func (pl *Pipeline) stop(err error) error {
	for _, pg := range pl.inflight {
		<-pg.done
		pl.forget(pg)
		if pg.err == nil {
			pl.committed(pg.p, pg.res)
		}
	}
	pl.inflight = nil
	pl.err = err
	return err
}

// headDone reports whether the oldest page in flight has ended.
func (pl *Pipeline) headDone() bool {
	select {
	case <-pl.inflight[0].done:
		return true
	default:
		return false
	}
}

// shares reports whether a page in flight holds one of ids.
func (pl *Pipeline) shares(ids []uuid.UUID) bool {
	for _, id := range ids {
		if pl.ids[id] > 0 {
			return true
		}
	}
	return false
}

func (pl *Pipeline) forget(pg *inflightPage) {
	for _, id := range pg.ids {
		if pl.ids[id]--; pl.ids[id] <= 0 {
			delete(pl.ids, id)
		}
	}
}

// pipelineKey is the advisory lock key of p's pipeline: a hash of its
// product, entity, mode and run. Pipelines whose keys collide at worst wait
// for each other's pages, or find that the page before did not commit and
// write the page again alone.
func pipelineKey(p synctype.PageWrite) sql.NullInt32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s/%s/%d", p.Product, p.Entity, p.Mode, p.RunID)
	return sql.NullInt32{Int32: int32(h.Sum32()), Valid: true}
}
