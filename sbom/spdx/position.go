package spdx

import (
	"bytes"
	"encoding/json"

	"github.com/vouchdev/vouch/extract"
)

// quotedLine returns the line of the first occurrence of s as a JSON
// string ("spdxVersion" as a key, an SPDXID as a value), 0 when absent.
func quotedLine(data []byte, s string) int {
	q, err := json.Marshal(s)
	if err != nil {
		return 0
	}
	i := bytes.Index(data, q)
	if i < 0 {
		return 0
	}
	line, _ := extract.NewLineIndex(data).Position(int64(i))
	return line
}
