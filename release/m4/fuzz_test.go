package m4

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/finding"
)

// fuzzSeeds are the fixtures every fuzz target starts from.
var fuzzSeeds = []string{
	"testdata/reference/build-to-host.m4",
	"testdata/reference/amversion.m4",
	"testdata/reference/cond.m4",
	"testdata/shipped/build-to-host-backdoored.m4",
	"testdata/aclocal-excerpt.m4",
	"testdata/configure-backdoored.txt",
}

func addSeeds(f *testing.F) {
	for _, p := range fuzzSeeds {
		f.Add(readFile(f, p))
	}
}

var serialRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

func FuzzSerial(f *testing.F) {
	for _, p := range fuzzSeeds {
		f.Add(readFile(f, p), "3")
	}
	f.Fuzz(func(t *testing.T, data []byte, other string) {
		s, ok := Serial(data)
		if ok != (s != "") {
			t.Fatalf("Serial = %q, %v", s, ok)
		}
		if ok && (!serialRE.MatchString(s) || len(s) > maxSerialLen) {
			t.Fatalf("Serial = %q, not a serial", s)
		}
		if CompareSerial(s, s) != 0 || CompareSerial(other, other) != 0 {
			t.Fatalf("CompareSerial not reflexive on %q, %q", s, other)
		}
		if a, b := CompareSerial(s, other), CompareSerial(other, s); a != -b || a < -1 || a > 1 {
			t.Fatalf("CompareSerial(%q, %q) = %d but reversed %d", s, other, a, b)
		}
	})
}

func FuzzSplitAclocal(f *testing.F) {
	addSeeds(f)
	r := testReference(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, segs := range [][]Segment{SplitAclocal(data), r.Segments(data)} {
			joined(t, data, segs)
			for _, s := range segs {
				if s.Include != "" && s.Name != path.Base(s.Include) {
					t.Fatalf("include %q named %q", s.Include, s.Name)
				}
				if len(s.Data) == 0 {
					t.Fatalf("empty segment at line %d", s.Line)
				}
			}
		}
	})
}

var (
	fuzzRefOnce sync.Once
	fuzzRef     *Reference
)

func FuzzCheck(f *testing.F) {
	addSeeds(f)
	fuzzRefOnce.Do(func() { fuzzRef = testReference(f, nil) })
	r := fuzzRef
	valid := []Status{Matches, Older, UnknownSerial, BodyDiffers, NoSerial, NotInReference}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		serial, _ := Serial(data)
		for _, name := range []string{"build-to-host.m4", "amversion.m4", "other.m4"} {
			c := r.Check(name, data)
			if !slices.Contains(valid, c.Status) || c.Severity < finding.Low || c.Severity > finding.High || c.Summary == "" {
				t.Fatalf("bad check %+v", c)
			}
			if c.Serial != serial || c.Name != name {
				t.Fatalf("check names %q serial %q, want %q %q", c.Name, c.Serial, name, serial)
			}
			if len(c.Added) > maxReported || len(c.Removed) > maxReported || len(c.Added) > c.AddedCount || len(c.Removed) > c.RemovedCount {
				t.Fatalf("added %d/%d removed %d/%d", len(c.Added), c.AddedCount, len(c.Removed), c.RemovedCount)
			}
			if c.Status == Matches && (c.AddedCount != 0 || c.RemovedCount != 0) {
				t.Fatalf("matches with differences: %+v", c)
			}
			for i, l := range c.Added {
				if l.N < 1 || l.N > lines || (i > 0 && l.N <= c.Added[i-1].N) {
					t.Fatalf("added line %d out of order or range (%d lines)", l.N, lines)
				}
			}
		}
		for _, s := range r.Segments(data) {
			c := r.CheckSegment(s)
			for _, l := range c.Added {
				if l.N < s.Line || l.N > lines {
					t.Fatalf("segment at %d: added line %d outside", s.Line, l.N)
				}
			}
		}
		as := r.Explain(data, nil, map[string][]byte{"x.m4": data})
		for i, a := range as {
			if a.Line < 1 || a.Line > lines || (i > 0 && a.Line <= as[i-1].Line) {
				t.Fatalf("attribution line %d out of order or range", a.Line)
			}
		}
	})
}
