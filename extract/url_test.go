package extract

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://deploy:s3cr3t@pypi.corp.example.com/simple": "https://pypi.corp.example.com/simple",
		"https://TOKEN@github.com/acme/x.git":                "https://github.com/acme/x.git",
		"https://pypi.org/simple":                            "https://pypi.org/simple",
		"https://h/p?q=a@b":                                  "https://h/p?q=a@b",
		"../corelib":                                         "../corelib",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
