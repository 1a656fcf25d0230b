package deploy

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// performanceDoc is the one page that holds measured figures.
const performanceDoc = "docs/performance.md"

var (
	// measuredRate matches figures that only a measurement gives: rates,
	// CPU per unit of work, ratios to a ceiling.
	measuredRate = regexp.MustCompile(`\d[\d,]*(?:\.\d+)?\s?(?:records/s|rows/s|pages/s|µs|× the ceiling)`)
	// memoryFigure matches a size; on a line about a peak it is measured.
	memoryFigure = regexp.MustCompile(`\d[\d,]*(?:\.\d+)?\s?(?:MiB|MB|KiB|KB)\b`)
	peakLine     = regexp.MustCompile(`(?i)\bpeak|VmHWM|\bRSS\b`)
	inlineCode   = regexp.MustCompile("`[^`\n]*`")
	// oneFigure is a table cell holding a single figure.
	oneFigure = regexp.MustCompile(`^\d[\d,]*(?:\.\d+)?(?:\s?(?:records/s|rows/s|pages/s|µs|MiB|MB|%|× the ceiling|B per record))?$|^\d+m\d+s$`)
	dated     = regexp.MustCompile(`^Measured \d{4}-\d{2}-\d{2} with `)
)

// documentation returns the repository's documentation and deployment
// files that a reader may take a figure from: README.md, docs/ and the
// comments of deploy/'s manifests.
func documentation(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md"}
	for _, dir := range []string{"docs", "deploy"} {
		err := filepath.WalkDir("../"+dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch filepath.Ext(path) {
			case ".md", ".yaml", ".yml", ".env", ".service":
				files = append(files, strings.TrimPrefix(path, "../"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestFiguresInOnePlace keeps every measured figure on docs/performance.md:
// nowhere else does a page quote a rate, a CPU cost, a ratio to the ceiling
// or a peak of memory (a second copy is how the README came to give three
// peaks for one sync). On that page, every section with a table says when
// it was measured, with which command, and each fact has one row and one
// figure.
func TestFiguresInOnePlace(t *testing.T) {
	for _, path := range documentation(t) {
		if path == performanceDoc {
			continue
		}
		previous := ""
		for i, line := range strings.Split(readFile(t, path), "\n") {
			prose := inlineCode.ReplaceAllString(line, "")
			figures := measuredRate.FindAllString(prose, -1)
			if peakLine.MatchString(previous + " " + prose) { // a sentence about a peak may wrap
				figures = append(figures, memoryFigure.FindAllString(prose, -1)...)
			}
			previous = prose
			for _, f := range figures {
				t.Errorf("%s:%d quotes the measured figure %q: it belongs on %s only (link there)", path, i+1, f, performanceDoc)
			}
		}
	}

	sections := strings.Split(readFile(t, performanceDoc), "\n## ")
	facts := map[string]string{}
	for _, s := range sections[1:] {
		title, body, _ := strings.Cut(s, "\n")
		if !strings.Contains(body, "\n|") {
			continue
		}
		if !hasMeasuredLine(body) {
			t.Errorf("%s, %q: no paragraph starting \"Measured YYYY-MM-DD with `command`\" naming the machine", performanceDoc, title)
		}
		checkFigureTables(t, title, body, facts)
	}
	if len(facts) < 20 {
		t.Errorf("%s: %d figures in tables with a figure column, want the 20 or more it had", performanceDoc, len(facts))
	}
}

// hasMeasuredLine reports whether body has a paragraph that dates the
// measurement, names its command (or points at the table's command column)
// and the machine.
func hasMeasuredLine(body string) bool {
	for _, para := range strings.Split(body, "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		if dated.MatchString(para) && strings.Contains(para, "machine") &&
			(inlineCode.MatchString(para) || strings.Contains(para, "commands in the table")) {
			return true
		}
	}
	return false
}

// checkFigureTables checks the tables whose last column is "figure": one
// figure per cell, and each fact (the first cell) once on the page.
func checkFigureTables(t *testing.T, title, body string, facts map[string]string) {
	t.Helper()
	figureTable := false
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "|") {
			figureTable = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		last := strings.TrimSpace(cells[len(cells)-1])
		switch {
		case last == "figure":
			figureTable = true
		case !figureTable || strings.HasPrefix(last, "---"):
		default:
			fact := strings.TrimSpace(cells[0])
			if where, ok := facts[fact]; ok {
				t.Errorf("%s: %q is measured twice, in %q and %q", performanceDoc, fact, where, title)
			}
			facts[fact] = title
			if !oneFigure.MatchString(last) {
				t.Errorf("%s, %q: the figure of %q is %q, not one figure", performanceDoc, title, fact, last)
			}
		}
	}
}
