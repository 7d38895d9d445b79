package repo

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/vouchdev/vouch/finding"
)

// riskKinds are the event kinds that raise a signal of their own.
var riskKinds = []string{
	KindSigningKeyChange, KindSigningStopped, KindContactChange, KindBuildByNewcomer, KindCIByNewcomer,
	KindCheckWeakened, KindGitignoreHidesBuild, KindBinaryTestFile,
}

var kindSummary = map[string]string{
	KindSigningKeyChange:    "a release was signed with a different key than the one before",
	KindSigningStopped:      "a release was not signed after signed ones",
	KindContactChange:       "where the project is reached or trusted changed",
	KindBuildByNewcomer:     "a newcomer changed the build system",
	KindCIByNewcomer:        "a newcomer changed CI or fuzzing configuration",
	KindCheckWeakened:       "a feature or hardening check was removed, broken or edited",
	KindGitignoreHidesBuild: ".gitignore hides a build input",
	KindBinaryTestFile:      "binary files were added under test directories",
}

func evidence(e *Event) string {
	ref := e.Commit
	if len(ref) > 12 {
		ref = ref[:12]
	}
	if e.Tag != "" && e.Kind != KindBinaryTestFile {
		ref = e.Tag
	}
	if ref != "" {
		ref += " "
	}
	return fmt.Sprintf("%s %s%s: %s", e.Time.Format("2006-01-02"), ref, e.Person, e.Summary)
}

func (a *analysis) report() *Report {
	r := &Report{Repo: a.dir, Head: a.head, Releases: a.releases, Notice: Notice}
	for _, p := range a.people {
		r.Contributors = append(r.Contributors, p.c)
	}
	first := func(c *Contributor) time.Time {
		t := c.FirstAuthored
		if t.IsZero() || !c.FirstCommitted.IsZero() && c.FirstCommitted.Before(t) {
			t = c.FirstCommitted
		}
		return t
	}
	slices.SortFunc(r.Contributors, func(x, y Contributor) int {
		return cmp.Or(first(&x).Compare(first(&y)), cmp.Compare(x.Email, y.Email), cmp.Compare(x.Name, y.Name))
	})
	slices.SortStableFunc(a.events, func(x, y Event) int {
		return cmp.Or(x.Time.Compare(y.Time), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Path, y.Path))
	})
	r.Events = a.events
	r.Health = a.health()
	r.Signals = a.signals(&r.Health)
	return r
}

func (a *analysis) health() Health {
	h := Health{LastCommit: a.last, Commits: a.commits}
	if a.commits > 0 {
		h.SignedCommitShare = float64(a.signed) / float64(a.commits)
	}
	if n := len(a.releases); n > 0 {
		s := 0
		for _, r := range a.releases {
			if r.Signed {
				s++
			}
		}
		h.SignedTagShare = float64(s) / float64(n)
	}
	// Bus factor over the twelve months ending with the last commit's.
	last := monthOf(a.last)
	counts := map[string]int{}
	total := 0
	for m := last - 11; m <= last; m++ {
		for k, n := range a.months[m] {
			counts[k] += n
			total += n
		}
	}
	type kc struct {
		k string
		n int
	}
	var list []kc
	for k, n := range counts {
		list = append(list, kc{k, n})
	}
	slices.SortFunc(list, func(x, y kc) int { return cmp.Or(cmp.Compare(y.n, x.n), cmp.Compare(x.k, y.k)) })
	sum := 0
	for _, e := range list {
		if 2*sum >= total {
			break
		}
		sum += e.n
		h.BusFactor++
		h.BusFactorAuthors = append(h.BusFactorAuthors, a.people[e.k].display())
	}
	// Single-maintainer periods: runs of quarters with one committer,
	// quarters without commits not breaking a run.
	qs := make([]int, 0, len(a.quarters))
	for q := range a.quarters {
		qs = append(qs, q)
	}
	slices.Sort(qs)
	runStart, runEnd, who := 0, 0, ""
	flush := func() {
		if who != "" && runEnd-runStart+1 >= 4 {
			h.SingleMaintainer = append(h.SingleMaintainer, Period{From: quarterStart(runStart),
				To: quarterStart(runEnd + 1).Add(-time.Second), Person: a.people[who].display()})
		}
		who = ""
	}
	for _, q := range qs {
		c := a.quarters[q]
		sole := ""
		if len(c) == 1 {
			for k := range c {
				sole = k
			}
		}
		if sole != "" && sole == who {
			runEnd = q
			continue
		}
		flush()
		if sole != "" {
			who, runStart, runEnd = sole, q, q
		}
	}
	flush()
	return h
}

func (a *analysis) signals(h *Health) []Signal {
	var out []Signal
	byKind := map[string][]*Event{}
	for i := range a.events {
		e := &a.events[i]
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
	for _, k := range riskKinds {
		evs := byKind[k]
		if len(evs) == 0 {
			continue
		}
		s := Signal{ID: k, Summary: kindSummary[k]}
		for _, e := range evs {
			s.Severity = max(s.Severity, e.Severity)
		}
		// Evidence from the most severe events first, each in time order.
		for sev := finding.Critical; sev >= finding.Low; sev-- {
			for _, e := range evs {
				if e.Severity == sev && len(s.Evidence) < maxEvidence {
					s.Evidence = append(s.Evidence, evidence(e))
				}
			}
		}
		out = append(out, s)
	}
	// A fast rise, alone or with the rest of the pattern by the same person.
	for _, e := range byKind[KindMainCommitter] {
		if e.Severity < finding.High {
			continue
		}
		related := []string{evidence(e)}
		kinds := map[string]bool{}
		for _, k := range riskKinds {
			for _, o := range byKind[k] {
				if o.Person == e.Person && o.Severity >= finding.Medium || k == KindSigningKeyChange && o.Person == e.Person {
					kinds[k] = true
					if len(related) < maxEvidence {
						related = append(related, evidence(o))
					}
				}
			}
		}
		out = append(out, Signal{ID: SignalFastRise, Severity: finding.High,
			Summary: e.Person + " became the main committer soon after their first commit", Evidence: related[:1]})
		if len(kinds) >= 2 {
			out = append(out, Signal{ID: SignalTakeover, Severity: finding.Critical,
				Summary:  fmt.Sprintf("%s rose fast to main committer and is behind %d other kinds of notable change, the combination seen in the xz-utils takeover", e.Person, len(kinds)),
				Evidence: related})
		}
	}
	switch h.BusFactor {
	case 1:
		out = append(out, Signal{ID: SignalBusFactor, Severity: finding.Medium,
			Summary: "one author made half of the last year's commits", Evidence: h.BusFactorAuthors})
	case 2:
		out = append(out, Signal{ID: SignalBusFactor, Severity: finding.Low,
			Summary: "two authors made half of the last year's commits", Evidence: h.BusFactorAuthors})
	}
	if len(a.releases) > 0 && h.SignedTagShare == 0 {
		out = append(out, Signal{ID: SignalNoSignedTags, Severity: finding.Low,
			Summary: fmt.Sprintf("none of the %d tags is signed", len(a.releases))})
	}
	if !a.last.IsZero() && a.opt.Now.Sub(a.last) > year {
		out = append(out, Signal{ID: SignalStale, Severity: finding.Low,
			Summary: "no commit in the last year", Evidence: []string{"last commit " + a.last.Format("2006-01-02")}})
	}
	if len(h.SingleMaintainer) > 0 {
		s := Signal{ID: SignalSingleMaintainer, Severity: finding.Low,
			Summary: "periods of a year or more in which one person committed everything"}
		for _, p := range h.SingleMaintainer {
			if len(s.Evidence) < maxEvidence {
				s.Evidence = append(s.Evidence, fmt.Sprintf("%s to %s: %s", p.From.Format("2006-01-02"), p.To.Format("2006-01-02"), p.Person))
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(x, y Signal) int { return cmp.Or(cmp.Compare(y.Severity, x.Severity), cmp.Compare(x.ID, y.ID)) })
	return out
}
