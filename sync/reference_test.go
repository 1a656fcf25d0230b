package sync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// reference is one typed id of the warehouse and what it must join to: a
// live row of table, and for a lookup a value of lookupType.
type reference struct {
	from, col, table, lookupType string
	array                        bool // col is a uuid[]
}

// references lists every typed id of changes, releases, environments,
// systems and layers (and their child tables) that names reference data or
// another record, as the sandbox fills them.
var references = []reference{
	{from: "changes", col: "change_status_id", table: "lookup_values", lookupType: "ChangeStatus"},
	{from: "changes", col: "change_priority_id", table: "lookup_values", lookupType: "ChangePriority"},
	{from: "changes", col: "change_type_id", table: "lookup_values", lookupType: "ChangeType"},
	{from: "changes", col: "change_delivery_risk_id", table: "lookup_values", lookupType: "ChangeDeliveryRisk"},
	{from: "changes", col: "change_theme_id", table: "lookup_values", lookupType: "ChangeTheme"},
	{from: "changes", col: "raised_by_id", table: "users"},
	{from: "changes", col: "organization_id", table: "organizations"},
	{from: "change_stakeholders", col: "user_id", table: "users"},
	{from: "change_stakeholders", col: "stakeholder_role_ids", table: "lookup_values", lookupType: "StakeholderRole", array: true},
	{from: "change_systems", col: "system_id", table: "systems"},
	{from: "change_delivery_releases", col: "release_id", table: "releases"},
	{from: "releases", col: "release_type_id", table: "lookup_values", lookupType: "ReleaseType"},
	{from: "releases", col: "release_status_type_id", table: "lookup_values", lookupType: "ReleaseStatusType"},
	{from: "releases", col: "release_risk_level_id", table: "lookup_values", lookupType: "ReleaseRiskLevel"},
	{from: "releases", col: "organization_id", table: "organizations"},
	{from: "releases", col: "manager_id", table: "users"},
	{from: "environments", col: "environment_status_id", table: "lookup_values", lookupType: "EnvironmentStatus"},
	{from: "environments", col: "linked_system_id", table: "systems"},
	{from: "systems", col: "organization_id", table: "organizations"},
	{from: "hosts", col: "environment_id", table: "environments"},
	{from: "host_layers", col: "stack_layer_id", table: "lookup_values", lookupType: "StackLayer"},
	{from: "environment_group_members", col: "environment_id", table: "environments"},
}

// TestReferenceDataJoins loads every Plutora entity from the sandbox into a
// real warehouse (real HTTP client and writer) and checks that every typed
// id listed in references joins a live row, of the right lookup type for a
// lookup, and that each join is used. The sandbox runs with its quirks on
// (docs/plutora-api.md, "Records"): the all-zero GUIDs it then puts in
// required references are NULL in typed columns and so join nothing, and
// null arrays load as no child rows. Then a census of users marks a user
// the API no longer lists deleted, though the API has no GET /users/{id} to
// confirm it with.
func TestReferenceDataJoins(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Quirks: plutoratest.AllQuirks(),
		Sizes: plutoratest.Sizes{Changes: 600, Releases: 120, Environments: 60, Hosts: 150, Systems: 40, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := sb.Plutora.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: sb.Plutora.URL, TokenURL: sb.Plutora.TokenURL},
		ClientID:  cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password,
		Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.1, ConfirmMax: 100, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
		Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: sb.Plutora.URL, Sandbox: true}}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(e synctype.Entity, mode synctype.Mode) synctype.RunResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := r.Run(ctx, e, mode)
		if err != nil || res.Outcome != synctype.OutcomeSuccess {
			t.Fatalf("%s %s: %s, %v", mode, e.Name, res.Outcome, err)
		}
		return res
	}
	for _, e := range synctype.Entities() {
		if e.Product != synctype.ProductPlutora {
			continue
		}
		mode := synctype.ModeSweep
		if e.Incremental() {
			mode = synctype.ModeIncremental
		}
		run(e, mode)
		var live int
		if err := db.Get(&live, `SELECT count(*) FROM plutora.`+e.Name+` WHERE _deleted_at IS NULL`); err != nil || live != sb.Count(e.Name) || live == 0 {
			t.Errorf("%s: %d live rows (%v), the sandbox has %d", e.Name, live, err, sb.Count(e.Name))
		}
	}
	for _, ref := range references {
		joined, missing, err := joinCoverage(t.Context(), db, ref)
		if err != nil {
			t.Fatal(err)
		}
		if missing != 0 || joined == 0 {
			t.Errorf("%s.%s → %s %s: %d ids join, %d do not", ref.from, ref.col, ref.table, ref.lookupType, joined, missing)
		}
	}
	var zero int
	if err := db.Get(&zero, `SELECT (SELECT count(*) FROM plutora.changes WHERE raw::text LIKE '%00000000-0000-0000-0000-000000000000%')
		+ (SELECT count(*) FROM plutora.releases WHERE raw::text LIKE '%00000000-0000-0000-0000-000000000000%')`); err != nil {
		t.Fatal(err)
	}
	if zero == 0 {
		t.Error("no change or release holds an all-zero GUID: the quirk is off, and the test checks less than it says")
	}
	t.Logf("%d changes and releases hold an all-zero GUID (NULL in their typed columns)", zero)

	// The reporting view resolves the same ids to sort orders.
	var unresolved int
	if err := db.Get(&unresolved, `SELECT count(*) FROM reporting.changes c JOIN reporting.change_references r USING (change_id)
		WHERE (c.status_id IS NOT NULL AND r.status_sort_order IS NULL)
		   OR (c.raised_by_id IS NOT NULL AND r.raised_by_email IS NULL)`); err != nil || unresolved != 0 {
		t.Errorf("reporting.change_references: %d changes unresolved (%v)", unresolved, err)
	}

	censusMarksGone(t, db, run)
}

// joinCoverage counts the non-NULL ids of ref that join a live row of its
// table (of its lookup type), and those that do not.
func joinCoverage(ctx context.Context, db *sqlx.DB, ref reference) (joined, missing int, err error) {
	ids := fmt.Sprintf("SELECT f.%s AS id FROM plutora.%s f", ref.col, ref.from)
	if ref.array {
		ids = fmt.Sprintf("SELECT u.id FROM plutora.%s f CROSS JOIN LATERAL unnest(f.%s) AS u(id)", ref.from, ref.col)
	}
	match := "t.id = i.id AND t._deleted_at IS NULL"
	if ref.lookupType != "" {
		match += " AND t.type = '" + ref.lookupType + "'"
	}
	q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM plutora.%[1]s t WHERE %[2]s)),
		count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM plutora.%[1]s t WHERE %[2]s))
		FROM (%[3]s) i WHERE i.id IS NOT NULL`, ref.table, match, ids)
	err = db.QueryRowContext(ctx, q).Scan(&joined, &missing)
	return joined, missing, err
}

// censusMarksGone: a user row the API does not list is marked deleted by a
// complete census of users, which cannot ask the API about one user.
func censusMarksGone(t *testing.T, db *sqlx.DB, run func(synctype.Entity, synctype.Mode) synctype.RunResult) {
	t.Helper()
	const gone = "0badc0de-0000-4000-8000-000000000001"
	if _, err := db.Exec(`INSERT INTO plutora.users (id, user_name, raw) VALUES ($1, 'left.company@example.com', '{"id":"0badc0de-0000-4000-8000-000000000001"}')`, gone); err != nil {
		t.Fatal(err)
	}
	users, _ := synctype.EntityByName("users")
	res := run(users, synctype.ModeCensus)
	if res.Deleted != 1 {
		t.Errorf("census of users: %d deleted (%s); want the one the API does not list", res.Deleted, res.DeleteNote)
	}
	var marked, live int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE _deleted_at IS NOT NULL AND id = $1),
		count(*) FILTER (WHERE _deleted_at IS NULL) FROM plutora.users`, gone).Scan(&marked, &live); err != nil {
		t.Fatal(err)
	}
	if marked != 1 || live == 0 {
		t.Errorf("after the census: gone user marked %d, %d live users", marked, live)
	}
}
