package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Registry documents are read as streams with encoding/json's Decoder:
// the top-level object member by member, and any large member (npm's
// "versions", PyPI's "files", crates.io's "versions") element by element,
// so that the decoder's buffer holds one element at a time, never the
// document. Members nobody needs are skipped without being decoded.
// encoding/json bounds nesting depth (10,000) itself.

// skip is a decoding target that keeps nothing: Decode scans the value
// and hands it to UnmarshalJSON without building anything.
type skip struct{}

// UnmarshalJSON accepts any value and keeps none of it.
func (*skip) UnmarshalJSON([]byte) error { return nil }

// ctxEvery is how many elements a parser reads between checks of ctx.
const ctxEvery = 256

// openObject reads the '{' that starts a document.
func openObject(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return notJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	return nil
}

// notJSON describes a document that does not start as JSON, naming the
// usual cause (an HTML page from a proxy, a login form, a PEP 503 index).
func notJSON(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= 1 {
		return fmt.Errorf("not JSON (an HTML page?): %w", err)
	}
	return err
}

// memberKey reads the key of the next member of an object.
func memberKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("object key is %v, not a string", tok)
	}
	return k, nil
}

// skipValue skips the next value. An object or array is skipped member by
// member, so only its largest member is ever buffered.
func skipValue(ctx context.Context, dec *json.Decoder) error {
	return eachElement(ctx, dec, func(string) error {
		var s skip
		return dec.Decode(&s)
	}, true)
}

// eachElement walks the next value when it is an object (fn gets each
// member's key, and must consume its value) or an array (fn gets "" for
// each element). Any other value is consumed, and ignored when anyValue;
// otherwise it is an error, except null, which reads as empty.
func eachElement(ctx context.Context, dec *json.Decoder, fn func(key string) error, anyValue bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		if tok == nil || anyValue {
			return nil
		}
		return fmt.Errorf("%v where an object or array belongs", tok)
	}
	n := 0
	for dec.More() {
		n++
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		key := ""
		if d == '{' {
			if key, err = memberKey(dec); err != nil {
				return err
			}
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// closeObject reads the '}' that ends a document and checks nothing but
// whitespace follows it.
func closeObject(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errors.New("data after the JSON document")
		}
		return err
	}
	return nil
}

// Publish times are plausible between these years; outside them a time is
// garbage (and would not fit the cache's Unix nanoseconds).
const minYear, maxYear = 1990, 2200

// parseTime reads a registry time: RFC 3339 (npm, Go, crates.io with
// "+00:00", PyPI's upload_time_iso_8601), or PyPI's zoneless upload_time,
// which is UTC.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		t, err2 = time.Parse("2006-01-02T15:04:05.999999999", s)
		if err2 != nil {
			return time.Time{}, fmt.Errorf("time %.40q: %w", s, err)
		}
	}
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("time %.40q: implausible year %d", s, y)
	}
	return t.UTC(), nil
}
