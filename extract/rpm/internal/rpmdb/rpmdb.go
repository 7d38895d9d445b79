// Package rpmdb reads the package databases rpm has kept over the years,
// Berkeley DB hash (Packages) and rpm's own NDB (Packages.db), and the RPM
// headers they hold; extract/rpm reads the third, SQLite, and builds the
// inventory. The readers are plain Go over an io.ReaderAt, with no SQLite
// linked in, so their fuzz targets run at full speed.
//
// Readers never trust a length or a link they read: every offset is
// checked against the file size, every page or block is read for one
// record at most, and a damaged record is handed on as such (Record.Err)
// while the others are read.
package rpmdb

import "errors"

// Record is one header found in a database.
type Record struct {
	// Key is the header number: the BDB key, the NDB package index, the
	// SQLite hnum.
	Key uint32
	// At says where the record is, for errors: "page 4 item 3 (offset
	// 2048)".
	At   string
	Blob []byte
	// Err says why the record could not be read; Blob is then nil.
	Err error
}

// MaxRecords bounds the records of one database; real systems have a few
// thousand.
const MaxRecords = 1 << 20

// ErrTruncated is wrapped by errors about data cut short.
var ErrTruncated = errors.New("truncated")
