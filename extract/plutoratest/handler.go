package plutoratest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

const deniedBody = `{"message":"Authorization has been denied for this request."}`

// resp is an answer before faults are applied to it.
type resp struct {
	status     int
	ctype      string
	body       []byte
	retryAfter string
	location   string  // a redirect's target
	pooled     *[]byte // returned to bufPool after writing
}

func jsonResp(status int, body string) *resp {
	return &resp{status: status, ctype: "application/json; charset=utf-8", body: []byte(body)}
}

func messageResp(status int, msg string) *resp {
	w := &jw{}
	w.open('{').ks("message", msg).close('}')
	return &resp{status: status, ctype: "application/json; charset=utf-8", body: w.b}
}

func notFoundRoute(r *http.Request) *resp {
	return messageResp(http.StatusNotFound, fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", requestURL(r)))
}

func methodNotAllowed(r *http.Request) *resp {
	return messageResp(http.StatusMethodNotAllowed, fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
}

func requestURL(r *http.Request) string {
	return "http://" + r.Host + r.URL.RequestURI()
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// SandboxHeader is set to "1" on every answer of the sandbox, token
// endpoint and errors included. Plutora never sends it: it is how the worker
// tells the sandbox from a real site (a loopback URL may hide a proxy to one).
const SandboxHeader = synctype.SandboxHeader

// ServeHTTP serves the product's API: the token endpoint, the Swagger page
// and its OpenAPI document, and the API calls behind whitelist, auth,
// throttle and faults.
func (p *Product) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(SandboxHeader, "1")
	now := p.srv.opts.Now()
	path := strings.ToLower(strings.TrimRight(r.URL.Path, "/"))
	if path == "/oauth/token" {
		p.serveToken(w, r, now)
		return
	}
	if (path == "/swagger" || strings.HasPrefix(path, "/swagger/") || path == "/openapi.json") && p.serveSwagger(w, r, now, path) {
		return
	}
	seq := p.seq.Add(1)
	p.delay(r.Context(), seq)
	f := p.revokeIfDue(now, seq)
	if !p.admitted(r) {
		p.finish(w, r, now, "", jsonResp(p.denyStatus(), deniedBody))
		return
	}
	clientID, ok := p.authorize(r.Header.Get("Authorization"), now)
	if !ok {
		p.finish(w, r, now, "", jsonResp(http.StatusUnauthorized, deniedBody))
		return
	}
	if ok, wait := p.throttle(clientID, now); !ok {
		p.finish(w, r, now, clientID, p.throttled(wait))
		return
	}
	if p.fault(w, r, path, now, clientID, f, seq) {
		return
	}
	p.finish(w, r, now, clientID, p.variant(p.route(r, path, now)))
}

// denyStatus is the status of a whitelist denial.
func (p *Product) denyStatus() int {
	if p.srv.opts.Errors.Deny403 {
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

// variant rewrites a 400 or 404 answer with "Message" when
// Options.Errors.CapitalMessage asks for it.
func (p *Product) variant(rs *resp) *resp {
	const lower = `{"message":`
	if p.srv.opts.Errors.CapitalMessage && (rs.status == http.StatusBadRequest || rs.status == http.StatusNotFound) && bytes.HasPrefix(rs.body, []byte(lower)) {
		rs.body = append([]byte(`{"Message":`), rs.body[len(lower):]...)
	}
	return rs
}

var serverCodes = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}

// fault answers request seq with its fault, if it has one.
func (p *Product) fault(w http.ResponseWriter, r *http.Request, path string, now time.Time, clientID string, f Faults, seq int64) bool {
	switch p.decide(f, seq) {
	case faultReset:
		p.logRequest(now, clientID, r, 0)
		p.reset(w)
	case faultThrottle:
		wait := f.BurstRetryAfter
		if wait == 0 {
			wait = time.Second
		}
		p.finish(w, r, now, clientID, p.throttled(wait))
	case faultServer:
		p.finish(w, r, now, clientID, messageResp(serverCodes[int(p.unit(seq, 4)*3)], "An error has occurred."))
	case faultHTML:
		p.finish(w, r, now, clientID, &resp{status: serverCodes[int(p.unit(seq, 5)*3)], ctype: "text/html; charset=utf-8", body: []byte(htmlErrorPage)})
	case faultTruncated:
		rs := p.route(r, path, now)
		rs.body = append([]byte(nil), rs.body[:len(rs.body)/2]...)
		p.finish(w, r, now, clientID, rs)
	case faultGarbled:
		rs := p.route(r, path, now)
		rs.body = p.garble(rs.body, seq)
		p.finish(w, r, now, clientID, rs)
	default:
		return false
	}
	return true
}

func (p *Product) throttled(wait time.Duration) *resp {
	rs := messageResp(p.srv.opts.ThrottleStatus, "API calls quota exceeded! maximum admitted "+strconv.Itoa(p.srv.opts.Budget)+" per "+p.srv.opts.Window.String()+".")
	rs.retryAfter = retryAfter(wait)
	return rs
}

// reset closes the connection with RST (SO_LINGER 0) and no answer.
func (p *Product) reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// finish logs the request and writes rs.
// The request is logged first, so that a client that has its answer
// finds it in the log.
func (p *Product) finish(w http.ResponseWriter, r *http.Request, now time.Time, clientID string, rs *resp) {
	p.logRequest(now, clientID, r, rs.status)
	h := w.Header()
	h.Set("Content-Type", rs.ctype)
	h.Set("Content-Length", strconv.Itoa(len(rs.body)))
	if rs.retryAfter != "" {
		h.Set("Retry-After", rs.retryAfter)
	}
	if rs.location != "" {
		h.Set("Location", rs.location)
	}
	w.WriteHeader(rs.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rs.body)
	}
	if rs.pooled != nil {
		*rs.pooled = rs.body[:0]
		bufPool.Put(rs.pooled)
	}
}

// route dispatches an authorized API call.
func (p *Product) route(r *http.Request, path string, now time.Time) *resp {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	orig := strings.Split(strings.TrimPrefix(strings.TrimRight(r.URL.Path, "/"), "/"), "/")
	if len(segs) == 1 && segs[0] == "me" {
		if r.Method != http.MethodGet {
			return methodNotAllowed(r)
		}
		b, _ := json.Marshal(p.creds.Username)
		return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: b}
	}
	if p.Name == "plutoratest" {
		return p.routeTest(r, segs, orig, now)
	}
	return p.routePlutora(r, segs, orig)
}

func (p *Product) routePlutora(r *http.Request, segs, orig []string) *resp {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	if rs, ok := p.routeReference(r, segs, orig); ok {
		return rs
	}
	if len(segs) == 3 && segs[0] == Releases && segs[2] == Changes {
		if !get {
			return methodNotAllowed(r)
		}
		return p.releaseChanges(r, segs[1])
	}
	spec := specByName(segs[0])
	if spec == nil || spec.test || spec.child {
		return notFoundRoute(r)
	}
	st := p.srv.stores[spec.name]
	switch {
	case len(segs) == 1:
		if !get {
			return methodNotAllowed(r)
		}
		return p.getList(r, st)
	case len(segs) == 2 && segs[1] == "filter" && spec.filter:
		if r.Method != http.MethodPost {
			return methodNotAllowed(r)
		}
		return p.search(r, st, "camel", 100)
	case len(segs) == 2 && !spec.alwaysPaged:
		if !get {
			return methodNotAllowed(r)
		}
		return p.detail(r, st, segs[1])
	}
	return notFoundRoute(r)
}

func (p *Product) routeTest(r *http.Request, segs, orig []string, now time.Time) *resp {
	if segs[0] != Defects {
		return notFoundRoute(r)
	}
	st := p.srv.stores[Defects]
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case len(segs) == 1:
		if !get {
			return methodNotAllowed(r)
		}
		return p.getList(r, st)
	case len(segs) == 2 && segs[1] == "search":
		if r.Method != http.MethodPost {
			return methodNotAllowed(r)
		}
		return p.search(r, st, p.srv.opts.DefectEnvelope, 25)
	case len(segs) == 3 && segs[1] == "getbydisplayid":
		if !get {
			return methodNotAllowed(r)
		}
		rec, ok := st.getByDisplay(orig[2])
		if !ok {
			return messageResp(http.StatusNotFound, fmt.Sprintf("Defect with display id '%s' was not found.", orig[2]))
		}
		return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: st.raw(rec)}
	case len(segs) == 2:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			return p.detail(r, st, segs[1])
		case http.MethodPatch:
			return p.patchDefect(r, st, segs[1], now)
		}
		return methodNotAllowed(r)
	}
	return notFoundRoute(r)
}

// queryParam reads a query parameter by case-insensitive name.
func queryParam(r *http.Request, name string) (string, bool) {
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0], true
		}
	}
	return "", false
}

// paging reads pageNum and recordsPerPage (capped at 100); on error it
// names the parameter at fault.
func paging(pageStr, perStr string, defPer int) (page, per int, field string, err error) {
	page, err = strconv.Atoi(strings.TrimSpace(pageStr))
	if err != nil || page < 0 {
		return 0, 0, "pageNum", fmt.Errorf("pageNum %q is not a non-negative integer", pageStr)
	}
	per = defPer
	if perStr != "" {
		per, err = strconv.Atoi(strings.TrimSpace(perStr))
		if err != nil || per < 0 {
			return 0, 0, "recordsPerPage", fmt.Errorf("recordsPerPage %q is not a non-negative integer", perStr)
		}
		if per == 0 {
			per = defPer
		}
	}
	return page, min(per, 100), "", nil
}

// badRequest answers a request that fails validation; field names what
// failed, for the modelState variant.
func (p *Product) badRequest(field string, err error) *resp {
	if !p.srv.opts.Errors.ModelState {
		return messageResp(http.StatusBadRequest, "The request is invalid. "+err.Error())
	}
	w := &jw{}
	w.open('{').ks("message", "The request is invalid.").k("modelState").open('{')
	w.k(field).open('[').s(err.Error()).close(']').close('}').close('}')
	return &resp{status: http.StatusBadRequest, ctype: "application/json; charset=utf-8", body: w.b}
}

// filterFault answers a filter the sandbox cannot evaluate: 500 for an
// unknown field, as the real API (400 naming it under
// Options.Errors.UnknownField400), else 400 naming the fault.
func (p *Product) filterFault(field string, err error) *resp {
	var uf *unknownFieldError
	if !p.srv.opts.Errors.UnknownField400 && errors.As(err, &uf) {
		return messageResp(http.StatusInternalServerError, "An error has occurred.")
	}
	return p.badRequest(field, err)
}

// getList serves GET /{entity}: the envelope with pageNum, the bare array
// of every matching record without; items are full or summaries as
// Options.Lists says.
func (p *Product) getList(r *http.Request, st *store) *resp {
	var q query
	if fs, ok := queryParam(r, "filter"); ok {
		f, err := parseGetFilter(st.spec, fs)
		if err != nil {
			return p.filterFault("filter", err)
		}
		q.filter = f
	}
	pageStr, paged := queryParam(r, "pageNum")
	if !paged && st.spec.alwaysPaged {
		pageStr, paged = "0", true
	}
	if !paged {
		recs, _ := st.selectPage(q, 0, 1<<62)
		return p.listResp(st, recs, 0, 0, 0, "bare", p.srv.opts.getListFields(st.spec.name, true))
	}
	perStr, _ := queryParam(r, "recordsPerPage")
	page, per, field, err := paging(pageStr, perStr, 100)
	if err != nil {
		return p.badRequest(field, err)
	}
	recs, total := st.selectPage(q, page, per)
	env := "camel"
	if st.spec.test {
		env = p.srv.opts.DefectEnvelope
	}
	return p.listResp(st, recs, total, page, per, env, p.srv.opts.getListFields(st.spec.name, false))
}

// search serves POST /{entity}/filter and /defects/Search.
func (p *Product) search(r *http.Request, st *store, env string, defPer int) *resp {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return p.badRequest("request", fmt.Errorf("could not read the body: %w", err))
	}
	var body searchBody
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			return p.badRequest("request", fmt.Errorf("body is not a search request: %w", err))
		}
	}
	q, err := compileSearch(st.spec, body.SearchFilters)
	if err != nil {
		return p.filterFault("searchFilters", err)
	}
	page, per := 0, defPer
	if body.PageNum != nil {
		page = *body.PageNum
	}
	if body.RecordsPerPage != nil && *body.RecordsPerPage > 0 {
		per = *body.RecordsPerPage
	}
	if page < 0 {
		return p.badRequest("pageNum", fmt.Errorf("pageNum %d is negative", page))
	}
	per = min(per, 100)
	recs, total := st.selectPage(q, page, per)
	var fields []string
	if !st.spec.test {
		fields = p.srv.opts.filterFields(st.spec)
	}
	return p.listResp(st, recs, total, page, per, env, fields)
}

// listResp serializes records into the envelope env ("camel", "pascal" or
// "bare"): each record whole, or only its members named by fields.
func (p *Product) listResp(st *store, recs []*record, total, page, per int, env string, fields []string) *resp {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	switch env {
	case "pascal":
		b = append(b, `{"Data":[`...)
	case "camel":
		b = append(b, `{"resultSet":[`...)
	default:
		b = append(b, '[')
	}
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		if fields != nil {
			b = append(b, project(st.raw(rec), fields)...)
		} else {
			b = append(b, st.raw(rec)...)
		}
	}
	b = append(b, ']')
	n := strconv.AppendInt
	switch env {
	case "pascal":
		b = append(b, `,"TotalCount":`...)
		b = n(b, int64(total), 10)
		b = append(b, `,"ReturnCount":`...)
		b = n(b, int64(len(recs)), 10)
		b = append(b, `,"PageNum":`...)
		b = n(b, int64(page), 10)
		b = append(b, `,"RecordsPerPage":`...)
		b = n(b, int64(per), 10)
		b = append(b, '}')
	case "camel":
		b = append(b, `,"returnCount":`...)
		b = n(b, int64(len(recs)), 10)
		b = append(b, `,"totalCount":`...)
		b = n(b, int64(total), 10)
		b = append(b, `,"pageNum":`...)
		b = n(b, int64(page), 10)
		b = append(b, `,"recordsPerPage":`...)
		b = n(b, int64(per), 10)
		b = append(b, '}')
	}
	*bp = b
	return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: b, pooled: bp}
}

func (p *Product) detail(r *http.Request, st *store, id string) *resp {
	rec, ok := st.get(id)
	if !ok {
		return messageResp(http.StatusNotFound, fmt.Sprintf("No %s record was found with id '%s'.", strings.TrimSuffix(st.spec.name, "s"), id))
	}
	return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: st.raw(rec)}
}

// releaseChanges serves GET /releases/{id}/changes: the changes whose
// deliveryReleases name the release; paged like a list with pageNum.
func (p *Product) releaseChanges(r *http.Request, releaseID string) *resp {
	if _, ok := p.srv.stores[Releases].get(releaseID); !ok {
		return messageResp(http.StatusNotFound, fmt.Sprintf("No release record was found with id '%s'.", releaseID))
	}
	st := p.srv.stores[Changes]
	st.mu.RLock()
	all := append([]*record(nil), st.order...)
	st.mu.RUnlock()
	needle := []byte(`"releaseId":"` + strings.ToLower(releaseID) + `"`)
	var recs []*record
	for _, rec := range all {
		if bytes.Contains(st.raw(rec), needle) {
			recs = append(recs, rec)
		}
	}
	return p.recordsList(r, st, recs)
}

// recordsList answers the records of a sub-resource list: a bare array
// without pageNum, the envelope with it.
func (p *Product) recordsList(r *http.Request, st *store, recs []*record) *resp {
	pageStr, paged := queryParam(r, "pageNum")
	if !paged {
		return p.listResp(st, recs, len(recs), 0, 0, "bare", nil)
	}
	perStr, _ := queryParam(r, "recordsPerPage")
	page, per, field, err := paging(pageStr, perStr, 100)
	if err != nil {
		return p.badRequest(field, err)
	}
	return p.listResp(st, pageOf(recs, false, page, per), len(recs), page, per, "camel", nil)
}

// patchDefect applies a delta such as {"Name":"…"} to a defect and stamps
// its LastModifiedDate.
func (p *Product) patchDefect(r *http.Request, st *store, id string, now time.Time) *resp {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return p.badRequest("request", fmt.Errorf("could not read the body: %w", err))
	}
	out, err := st.patch(id, raw, now)
	if errors.Is(err, ErrNotFound) {
		return messageResp(http.StatusNotFound, fmt.Sprintf("No defect record was found with id '%s'.", id))
	}
	if err != nil {
		return p.badRequest("request", err)
	}
	return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: out}
}
