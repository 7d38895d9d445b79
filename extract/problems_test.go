package extract

import (
	"errors"
	"testing"
)

func TestProblems(t *testing.T) {
	var p Problems
	if p.Err() != nil {
		t.Fatal("empty Problems has an error")
	}
	p.Add(nil)
	p.Add(Errorf("a.lock", 3, "first"))
	p.Add(Errorf("a.lock", 9, "second"))
	p.AddErr("a.lock", errors.New("third"))
	p.AddErr("a.lock", nil)
	err := p.Err()
	var e *Error
	if !errors.As(err, &e) || e.Path != "a.lock" || e.Line != 3 || e.Err.Error() != "first (and 2 more problems)" {
		t.Errorf("Err() = %v", err)
	}
}
