package plutoratest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// SimCommand is `plutora-sync sim`: it parses its own flags from args,
// serves the sandbox on fixed ports (default 127.0.0.1:8181 for Plutora and
// 127.0.0.1:8282 for Plutora Test) until ctx is cancelled, and prints the
// URLs, the credentials and ready-to-paste curl commands to stdout. -h
// goes to stderr; a bad flag returns an error naming it, printed by nobody
// but the caller.
func SimCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newSimFlags()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			simUsage(fs)
			return nil
		}
		return fmt.Errorf("sim: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sim: unexpected argument %q", fs.Arg(0))
	}
	o, err := f.options(stderr)
	if err != nil {
		return err
	}
	s, err := NewServer(o)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer s.Close()
	s.Plutora.SetWhitelist(strings.Split(f.whitelistPlutora, ",")...)
	s.Test.SetWhitelist(strings.Split(f.whitelistTest, ",")...)
	if f.churn > 0 {
		defer s.StartChurn(ChurnOptions{Interval: f.churn})()
	}
	printSimHelp(stdout, s)
	<-ctx.Done()
	return nil
}

// simGroups orders sim's flags for --help; a flag left out shows under "other".
var simGroups = []struct {
	title string
	flags []string
}{
	{"listening", []string{"plutora-addr", "test-addr"}},
	{"data", []string{"seed", "scale", "changes", "releases", "environments", "hosts", "systems", "defects", "bookings", "tecrs", "tebrs", "churn", "quirks"}},
	{"tokens and budget", []string{"token-ttl", "no-refresh-token", "budget", "window", "throttle-status"}},
	{"answers", []string{"lists", "summary-filters", "defect-envelope", "latency", "jitter"}},
	{"error variants", []string{"deny-403", "unknown-field-400", "capital-message", "model-state"}},
	{"faults", []string{"fault-5xx", "fault-html", "fault-truncated", "fault-garbled", "fault-reset",
		"fault-429-bursts", "burst-length", "revoke-at-request"}},
	{"access", []string{"whitelist-plutora", "whitelist-test", "whitelist-token"}},
	{"logging", []string{"log"}},
}

// simUsage prints what sim does and its flags by group, as the other
// plutora-sync commands print theirs.
func simUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `usage: plutora-sync sim [flags]

Serves the sandbox Plutora and Plutora Test APIs (generated data, OAuth
tokens, the budget, faults on demand) until interrupted, and prints their
URLs, credentials and curl commands to try them. Point PLUTORA_* and
PLUTORATEST_* at the printed URLs and credentials to sync from it.
`)
	shown := map[string]bool{}
	for _, g := range simGroups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, name := range g.flags {
			if f := fs.Lookup(name); f != nil {
				printFlag(w, f)
				shown[name] = true
			}
		}
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if !shown[f.Name] {
			if first {
				fmt.Fprint(w, "\nother:\n")
				first = false
			}
			printFlag(w, f)
		}
	})
}

// printFlag prints one flag as flag.PrintDefaults does.
func printFlag(w io.Writer, f *flag.Flag) {
	typ, usage := flag.UnquoteUsage(f)
	line := "  -" + f.Name
	if typ != "" {
		line += " " + typ
	}
	switch f.DefValue {
	case "", "0", "false", "0s":
	default:
		usage += fmt.Sprintf(" (default %s)", f.DefValue)
	}
	fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
}

// ScaledSizes are DefaultSizes times k (at least one record each), as
// `plutora-sync sim -scale k` serves them; bookings, TECRs and TEBRs are
// left zero, to follow the environments (see Sizes).
func ScaledSizes(k float64) Sizes { return scaled(Sizes{}, k) }

func scaled(s Sizes, k float64) Sizes {
	d := DefaultSizes()
	pick := func(v, def int) int {
		if v != 0 {
			return v
		}
		return max(int(float64(def)*k), 1)
	}
	return Sizes{
		Changes: pick(s.Changes, d.Changes), Releases: pick(s.Releases, d.Releases),
		Environments: pick(s.Environments, d.Environments), Hosts: pick(s.Hosts, d.Hosts),
		Systems: pick(s.Systems, d.Systems), Defects: pick(s.Defects, d.Defects),
		Bookings: s.Bookings, TECRs: s.TECRs, TEBRs: s.TEBRs,
	}
}

// tokenCurl is a curl command that prints a token of p.
func tokenCurl(p *Product) string {
	c := p.Credentials()
	form := "client_id=" + url.QueryEscape(c.ClientID) + "&client_secret=" + url.QueryEscape(c.ClientSecret) +
		"&grant_type=password&username=" + url.QueryEscape(c.Username) + "&password=" + url.QueryEscape(c.Password)
	return fmt.Sprintf("curl -s -X POST %s -d '%s'", p.TokenURL, form)
}

func printSimHelp(w io.Writer, s *Server) {
	line := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	for _, p := range []*Product{s.Plutora, s.Test} {
		c := p.Credentials()
		title := "Plutora"
		if p == s.Test {
			title = "Plutora Test"
		}
		line("%s", title)
		line("  API URL:       %s", p.URL)
		line("  token URL:     %s", p.TokenURL)
		line("  client id:     %s", c.ClientID)
		line("  client secret: %s", c.ClientSecret)
		line("  username:      %s", c.Username)
		line("  password:      %s", c.Password)
		line("  Swagger UI:    %s%s (OpenAPI: %s%s)", p.URL, swaggerUIPath, p.URL, swaggerDocsPath)
		line("")
	}
	line("Lists: %s (real: environments, systems and releases answer summaries; details are full)", s.opts.Lists)
	line("Records: %d changes, %d releases, %d environments, %d hosts, %d systems, %d defects",
		s.Count(Changes), s.Count(Releases), s.Count(Environments), s.Count(Hosts), s.Count(Systems), s.Count(Defects))
	line("         %d bookings, %d TECRs, %d TEBRs; releases' schedules: %d phases, %d gates, %d activities, %d criteria",
		s.Count(Bookings), s.Count(TECRs), s.Count(TEBRs), s.Count(Phases), s.Count(Gates), s.Count(Activities), s.Count(Criteria))
	line("")
	line("Try it:")
	line("  TOKEN=$(%s | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')", tokenCurl(s.Plutora))
	line("  curl -s -H \"Authorization: bearer $TOKEN\" '%s/changes?pageNum=0&recordsPerPage=100'", s.Plutora.URL)
	line("  curl -s -X POST -H \"Authorization: bearer $TOKEN\" -H 'Content-Type: application/json' %s/changes/filter \\", s.Plutora.URL)
	line(`    -d '{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2025-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":0}'`)
	line("  TTOKEN=$(%s | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')", tokenCurl(s.Test))
	line("  curl -s -X POST -H \"Authorization: bearer $TTOKEN\" -H 'Content-Type: application/json' %s/defects/Search -d '{\"recordsPerPage\":100,\"pageNum\":0}'", s.Test.URL)
	line("")
	line("Serving until interrupted.")
}
