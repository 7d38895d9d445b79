package repo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vouchdev/vouch/finding"
)

// ident is a scripted person.
type ident struct{ name, email string }

// step is one scripted commit, optionally followed by a tag.
type step struct {
	at        string // 2006-01-02
	author    ident
	committer ident // zero: the author
	files     map[string]string
	tag       string
	tagger    ident
	key       string // signing key fingerprint; "" for an unsigned annotated tag
}

// keyring is a throwaway GnuPG home with one key per person.
type keyring struct {
	home string
	fpr  map[string]string // email -> fingerprint
}

func newKeyring(t *testing.T, people ...ident) *keyring {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		return nil
	}
	// gpg-agent's socket path must stay short.
	home, err := os.MkdirTemp("", "vg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(home)
	})
	k := &keyring{home: home, fpr: map[string]string{}}
	for _, p := range people {
		cmd := exec.Command("gpg", "--batch", "--passphrase", "", "--quick-gen-key",
			p.name+" <"+p.email+">", "ed25519", "sign", "never")
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("gpg unusable, signed tags skipped: %v\n%s", err, out)
			return nil
		}
		cmd = exec.Command("gpg", "--with-colons", "--list-keys", p.email)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Split(l, ":"); f[0] == "fpr" && len(f) > 9 {
				k.fpr[p.email] = f[9]
				break
			}
		}
	}
	return k
}

// buildRepo makes a repository from steps, files accumulating; a file
// whose content is "" is removed.
func buildRepo(t testing.TB, steps []step, keys *keyring) string {
	t.Helper()
	dir := t.TempDir()
	git := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "core.hooksPath=/dev/null"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C")
		cmd.Env = append(cmd.Env, env...)
		if keys != nil {
			cmd.Env = append(cmd.Env, "GNUPGHOME="+keys.home)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(nil, "init", "-q", "-b", "main")
	for i, s := range steps {
		for p, content := range s.files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if content == "" {
				git(nil, "rm", "-q", "--", p)
				continue
			}
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		git(nil, "add", "-A")
		when := s.at + "T12:00:00Z"
		c := s.committer
		if c.name == "" {
			c = s.author
		}
		env := []string{"GIT_AUTHOR_NAME=" + s.author.name, "GIT_AUTHOR_EMAIL=" + s.author.email, "GIT_AUTHOR_DATE=" + when,
			"GIT_COMMITTER_NAME=" + c.name, "GIT_COMMITTER_EMAIL=" + c.email, "GIT_COMMITTER_DATE=" + when}
		git(env, "commit", "-q", "--allow-empty", "-m", "step "+string(rune('A'+i%26))+" "+s.at)
		if s.tag == "" {
			continue
		}
		tenv := []string{"GIT_COMMITTER_NAME=" + s.tagger.name, "GIT_COMMITTER_EMAIL=" + s.tagger.email,
			"GIT_COMMITTER_DATE=" + s.at + "T18:00:00Z"}
		if s.key != "" && keys != nil {
			git(tenv, "-c", "gpg.program=gpg", "-c", "user.signingkey="+s.key, "tag", "-s", "-m", "release "+s.tag, s.tag)
		} else {
			git(tenv, "tag", "-a", "-m", "release "+s.tag, s.tag)
		}
	}
	return dir
}

func needGit(t testing.TB) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

var (
	lasse = ident{"Lasse Collin", "lasse@tukaani.example"}
	jia   = ident{"Jia Tan", "jiat@example.net"}
	alice = ident{"Alice Keeper", "alice@proj.example"}
	bob   = ident{"Bob Steward", "bob@proj.example"}
	carol = ident{"Carol New", "carol@elsewhere.example"}
)

const landlockCheck = `project(xz C)
set(HOMEPAGE_URL "https://tukaani.example/xz/")
if(ENABLE_SANDBOX)
    check_c_source_compiles("
        #include <linux/landlock.h>
        #include <sys/syscall.h>
        #include <sys/prctl.h>

        int main(void)
        {
            (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            return 0;
        }
    "
    HAVE_LINUX_LANDLOCK)
endif()
`

// takeoverSteps compresses the xz-utils timeline: a maintainer alone for
// years, a newcomer whose patches he commits, who gets commit rights,
// becomes main committer, moves the contacts, breaks the Landlock check,
// adds binary test files, hides a build macro and signs the next release
// with a new key.
func takeoverSteps(k *keyring) []step {
	key := func(id ident) string {
		if k == nil {
			return ""
		}
		return k.fpr[id.email]
	}
	var s []step
	s = append(s, step{at: "2016-01-10", author: lasse, files: map[string]string{
		"README":         "XZ Utils\nhttps://tukaani.example/xz/\n",
		"SECURITY.md":    "Report security bugs to lasse@tukaani.example\n",
		"CMakeLists.txt": landlockCheck,
		"configure.ac":   "AC_INIT([XZ Utils], [5.0], [lasse@tukaani.example])\nAC_CONFIG_MACRO_DIR([m4])\n",
		".gitignore":     "*.o\n",
		"src/xz.c":       "int main(void) { return 0; }\n",
	}})
	for i, d := range []string{"2016-06-01", "2017-02-01", "2017-09-01", "2018-03-01", "2018-10-01", "2019-05-01", "2019-12-01", "2020-06-01"} {
		s = append(s, step{at: d, author: lasse, files: map[string]string{"src/xz.c": "int main(void) { return " + string(rune('1'+i)) + "; }\n"}})
	}
	s[3].tag, s[3].tagger, s[3].key = "v5.0.0", lasse, key(lasse)
	s[8].tag, s[8].tagger, s[8].key = "v5.2.0", lasse, key(lasse)
	// Patches by the newcomer, committed by the maintainer.
	for i, d := range []string{"2021-01-05", "2021-01-20", "2021-02-10"} {
		s = append(s, step{at: d, author: jia, committer: lasse, files: map[string]string{"src/lib.c": "// patch " + string(rune('a'+i)) + "\n"}})
	}
	// Commit rights, then most of the commits.
	for i, d := range []string{"2021-03-01", "2021-04-02", "2021-04-05", "2021-04-08", "2021-04-12", "2021-04-15"} {
		s = append(s, step{at: d, author: jia, files: map[string]string{"src/lib.c": "// own " + string(rune('a'+i)) + "\n"}})
	}
	s = append(s, step{at: "2021-04-18", author: lasse, files: map[string]string{"src/xz.c": "int main(void) { return 9; }\n"}})
	s = append(s,
		step{at: "2021-04-20", author: jia, files: map[string]string{
			"SECURITY.md": "Report security bugs to jiat@example.net\n",
			"README":      "XZ Utils\nhttps://xz.example.io/\n",
		}},
		step{at: "2021-04-25", author: jia, files: map[string]string{
			"CMakeLists.txt": strings.Replace(landlockCheck, "        #include <linux/landlock.h>\n", ".\n        #include <linux/landlock.h>\n", 1),
		}},
		step{at: "2021-04-28", author: jia, files: map[string]string{".github/workflows/ci.yml": "on: push\njobs: {}\n"}},
		step{at: "2021-05-05", author: jia, files: map[string]string{
			"tests/files/bad-3-corrupt_lzma2.xz":     "\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F\x02\x00!\x01",
			"tests/files/good-large_compressed.lzma": "]\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00",
		}},
		step{at: "2021-05-12", author: jia, files: map[string]string{".gitignore": "*.o\n/m4/build-to-host.m4\n"}},
		step{at: "2021-05-30", author: jia, files: map[string]string{"src/lib.c": "// 5.6.0\n"},
			tag: "v5.6.0", tagger: jia, key: key(jia)},
	)
	return s
}

// handoverSteps is a healthy hand-over: a contributor of seven years
// becomes maintainer, keeps signing releases (with their own key), and
// updates the contact; a newcomer touches CI.
func handoverSteps(k *keyring) []step {
	key := func(id ident) string {
		if k == nil {
			return ""
		}
		return k.fpr[id.email]
	}
	var s []step
	s = append(s, step{at: "2010-03-01", author: alice, files: map[string]string{
		"README":         "Proj\nhttps://proj.example/\n",
		"SECURITY.md":    "Report to alice@proj.example\n",
		"CMakeLists.txt": "project(proj C)\n",
		"src/p.c":        "int p;\n",
	}})
	n := 0
	for y := 2010; y <= 2021; y++ {
		for _, m := range []string{"02", "05", "08", "11"} {
			d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") + "-" + m + "-15"
			n++
			c := string(rune('a' + n%26))
			switch {
			case y < 2012:
				s = append(s, step{at: d, author: alice, files: map[string]string{"src/p.c": "int p" + c + ";\n"}})
			case y < 2016:
				s = append(s,
					step{at: d, author: alice, files: map[string]string{"src/p.c": "int p" + c + ";\n"}},
					step{at: d, author: bob, committer: alice, files: map[string]string{"src/q.c": "int q" + c + ";\n"}})
			case y < 2019:
				s = append(s,
					step{at: d, author: alice, files: map[string]string{"src/p.c": "int p" + c + ";\n"}},
					step{at: d, author: bob, files: map[string]string{"src/q.c": "int q" + c + ";\n"}})
			default:
				s = append(s,
					step{at: d, author: bob, files: map[string]string{"src/q.c": "int q" + c + ";\n"}},
					step{at: d, author: bob, files: map[string]string{"src/r.c": "int r" + c + ";\n"}})
			}
		}
	}
	s = append(s,
		step{at: "2019-12-01", author: bob, files: map[string]string{"SECURITY.md": "Report to bob@proj.example\n"}},
		step{at: "2021-06-01", author: carol, committer: bob, files: map[string]string{".github/workflows/ci.yml": "on: push\n"}},
		step{at: "2021-11-20", author: bob, files: map[string]string{"tests/data/sample.bin": "\x00\x01\x02"}},
		step{at: "2021-12-01", author: bob, files: map[string]string{"NEWS": "3.0\n"}, tag: "v3.0", tagger: bob, key: key(bob)},
	)
	// Alice's releases, signed with her key.
	for i := range s {
		if i > 0 && s[i-1].at == s[i].at {
			continue
		}
		switch s[i].at {
		case "2012-02-15":
			s[i].tag, s[i].tagger, s[i].key = "v1.0", alice, key(alice)
		case "2016-02-15":
			s[i].tag, s[i].tagger, s[i].key = "v2.0", alice, key(alice)
		}
	}
	return s
}

// brief is the part of an event a test pins down.
type brief struct {
	Kind, Person, Where string
	Severity            finding.Severity
}

func briefs(evs []Event, min finding.Severity) []brief {
	var out []brief
	for _, e := range evs {
		if e.Severity < min {
			continue
		}
		where := e.Path
		if e.Tag != "" && e.Path == "" {
			where = e.Tag
		}
		name, _, _ := strings.Cut(e.Person, " <")
		out = append(out, brief{e.Kind, name, where, e.Severity})
	}
	return out
}

type sigBrief struct {
	ID       string
	Severity finding.Severity
}

func TestTakeover(t *testing.T) {
	needGit(t)
	keys := newKeyring(t, lasse, jia)
	dir := buildRepo(t, takeoverSteps(keys), keys)
	r, err := Analyze(context.Background(), dir, Options{Now: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	got := briefs(r.Events, finding.Low)
	wantEvents := []brief{
		{KindFirstCommit, "Lasse Collin", "", finding.Low},
		{KindMainCommitter, "Lasse Collin", "", finding.Low},
		{KindRelease, "Lasse Collin", "v5.0.0", finding.Low},
		{KindRelease, "Lasse Collin", "v5.2.0", finding.Low},
		{KindFirstCommit, "Jia Tan", "", finding.Low},
		{KindCommitRights, "Jia Tan", "", finding.Medium},
		{KindMainCommitter, "Jia Tan", "", finding.High},
		{KindContactChange, "Jia Tan", "README", finding.High},
		{KindContactChange, "Jia Tan", "SECURITY.md", finding.High},
		{KindBuildByNewcomer, "Jia Tan", "CMakeLists.txt", finding.Medium},
		{KindCheckWeakened, "Jia Tan", "CMakeLists.txt", finding.High},
		{KindCIByNewcomer, "Jia Tan", ".github/workflows/ci.yml", finding.Medium},
		{KindBinaryTestFile, "Jia Tan", "tests/files/bad-3-corrupt_lzma2.xz", finding.High},
		{KindBinaryTestFile, "Jia Tan", "tests/files/good-large_compressed.lzma", finding.High},
		{KindGitignoreHidesBuild, "Jia Tan", ".gitignore", finding.High},
		{KindRelease, "Jia Tan", "v5.6.0", finding.Low},
		{KindSigningKeyChange, "Jia Tan", "v5.6.0", finding.High},
	}
	if keys == nil {
		wantEvents = slicesDelete(wantEvents, KindSigningKeyChange)
	}
	if diff := cmp.Diff(wantEvents, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantSignals := []sigBrief{
		{SignalTakeover, finding.Critical},
		{KindBinaryTestFile, finding.High},
		{KindCheckWeakened, finding.High},
		{KindContactChange, finding.High},
		{SignalFastRise, finding.High},
		{KindGitignoreHidesBuild, finding.High},
		{KindSigningKeyChange, finding.High},
		{KindBuildByNewcomer, finding.Medium},
		{KindCIByNewcomer, finding.Medium},
		{SignalBusFactor, finding.Medium},
		{SignalSingleMaintainer, finding.Low},
	}
	if keys == nil {
		wantSignals = slicesDeleteSig(wantSignals, KindSigningKeyChange)
	}
	var gotSignals []sigBrief
	for _, s := range r.Signals {
		gotSignals = append(gotSignals, sigBrief{s.ID, s.Severity})
		if s.Severity >= finding.Medium && len(s.Evidence) == 0 {
			t.Errorf("signal %s has no evidence", s.ID)
		}
	}
	if diff := cmp.Diff(wantSignals, gotSignals); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
	}
	if t.Failed() {
		for _, e := range r.Events {
			t.Logf("%s %-28s %-8s %s | %s | %s", e.Time.Format("2006-01-02"), e.Kind, e.Severity, e.Person, e.Path+e.Tag, e.Summary)
		}
		for _, s := range r.Signals {
			t.Logf("%s %s %s %q", s.Severity, s.ID, s.Summary, s.Evidence)
		}
	}
	// Details a reader relies on.
	for _, e := range r.Events {
		switch {
		case e.Kind == KindContactChange && e.Path == "SECURITY.md":
			if want := "SECURITY.md: removed lasse@tukaani.example; added jiat@example.net"; e.Summary != want {
				t.Errorf("contact summary = %q, want %q", e.Summary, want)
			}
		case e.Kind == KindBinaryTestFile:
			if e.Tag != "v5.6.0" {
				t.Errorf("binary test file %s: tag %q, want v5.6.0", e.Path, e.Tag)
			}
		case e.Kind == KindSigningKeyChange:
			if !strings.Contains(e.Summary, keys.fpr[jia.email]) || !strings.Contains(e.Summary, keys.fpr[lasse.email]) {
				t.Errorf("key change summary %q lacks the fingerprints", e.Summary)
			}
		}
	}
	if keys != nil {
		var gotRel []Release
		for _, rel := range r.Releases {
			rel.Commit, rel.Time = "", time.Time{}
			gotRel = append(gotRel, rel)
		}
		fl, fj := keys.fpr[lasse.email], keys.fpr[jia.email]
		wantRel := []Release{
			{Tag: "v5.0.0", Tagger: "Lasse Collin <lasse@tukaani.example>", Annotated: true, Signed: true, KeyID: fl[24:], Fingerprint: fl, Algorithm: "EdDSA"},
			{Tag: "v5.2.0", Tagger: "Lasse Collin <lasse@tukaani.example>", Annotated: true, Signed: true, KeyID: fl[24:], Fingerprint: fl, Algorithm: "EdDSA"},
			{Tag: "v5.6.0", Tagger: "Jia Tan <jiat@example.net>", Annotated: true, Signed: true, KeyID: fj[24:], Fingerprint: fj, Algorithm: "EdDSA"},
		}
		if diff := cmp.Diff(wantRel, gotRel); diff != "" {
			t.Errorf("releases (-want +got):\n%s", diff)
		}
	}
	var jiaC Contributor
	for _, c := range r.Contributors {
		if c.Email == jia.email {
			jiaC = c
		}
	}
	wantJia := Contributor{Name: "Jia Tan", Email: jia.email,
		FirstAuthored:  time.Date(2021, 1, 5, 12, 0, 0, 0, time.UTC),
		FirstCommitted: time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC),
		LastSeen:       time.Date(2021, 5, 30, 12, 0, 0, 0, time.UTC),
		Authored:       15, Committed: 12}
	if diff := cmp.Diff(wantJia, jiaC); diff != "" {
		t.Errorf("contributor Jia Tan (-want +got):\n%s", diff)
	}
	if r.Health.BusFactor != 1 || r.Health.Commits != 25 || r.Notice != Notice {
		t.Errorf("health = %+v, notice %q", r.Health, r.Notice)
	}
}

func TestHealthyHandover(t *testing.T) {
	needGit(t)
	keys := newKeyring(t, alice, bob)
	dir := buildRepo(t, handoverSteps(keys), keys)
	r, err := Analyze(context.Background(), dir, Options{Now: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Events {
		if e.Severity > finding.Medium {
			t.Errorf("event above medium: %+v", e)
		}
	}
	var got []sigBrief
	for _, s := range r.Signals {
		got = append(got, sigBrief{s.ID, s.Severity})
	}
	want := []sigBrief{
		{KindBinaryTestFile, finding.Medium},
		{KindCIByNewcomer, finding.Medium},
		{SignalBusFactor, finding.Medium},
		{KindSigningKeyChange, finding.Medium},
		{KindContactChange, finding.Low},
		{SignalSingleMaintainer, finding.Low},
	}
	if keys == nil {
		want = slicesDeleteSig(want, KindSigningKeyChange)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
		for _, s := range r.Signals {
			t.Logf("%s %s %q", s.Severity, s.ID, s.Evidence)
		}
	}
	wantMain := []brief{
		{KindMainCommitter, "Alice Keeper", "", finding.Low},
		{KindMainCommitter, "Bob Steward", "", finding.Low},
	}
	var gotMain []brief
	for _, b := range briefs(r.Events, finding.Low) {
		if b.Kind == KindMainCommitter {
			gotMain = append(gotMain, b)
		}
	}
	if diff := cmp.Diff(wantMain, gotMain); diff != "" {
		t.Errorf("main committers (-want +got):\n%s", diff)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	needGit(t)
	empty := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", empty).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	tests := []struct {
		name, dir string
		opt       Options
		want      string
	}{
		{"not-a-repo", t.TempDir(), Options{}, "no commit at HEAD or not a git repository"},
		{"empty-repo", empty, Options{}, "no commit at HEAD"},
		{"option-like", "-C", Options{}, "not a repository path"},
		{"negative-age", empty, Options{NewcomerAge: -1}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), tc.dir, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func slicesDelete(b []brief, kind string) []brief {
	var out []brief
	for _, x := range b {
		if x.Kind != kind {
			out = append(out, x)
		}
	}
	return out
}

func slicesDeleteSig(b []sigBrief, id string) []sigBrief {
	var out []sigBrief
	for _, x := range b {
		if x.ID != id {
			out = append(out, x)
		}
	}
	return out
}
