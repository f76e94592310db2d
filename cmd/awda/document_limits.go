package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"awda/models"
)

// documentLimitFlags are serve's flags for what may be attached to a case, each with
// its environment fallback; read as text so that a bad value, from either source, gets
// one clear sentence naming both.
type documentLimitFlags struct {
	maxBytes, perCase, perUpload, maxPixels *string
}

// The bounds of the document limits: beyond them a value is a typing mistake, not a
// policy. A file is read whole to be checked when it is a picture, and a picture's
// pixels take up to 8 bytes each while it is re-encoded, so both stay well under the
// memory of a small server.
const (
	minDocumentBytes  = 1 << 10
	maxDocumentBytes  = 1 << 30
	maxDocumentsCase  = 10_000
	maxDocumentPixels = 100_000_000
	minDocumentPixels = 10_000
)

func addDocumentLimitFlags(fs *flag.FlagSet, getenv env) documentLimitFlags {
	def := models.DefaultDocumentLimits()
	str := func(name, envName, fallback, usage string) *string {
		if v := getenv(envName); v != "" {
			fallback = v
		}
		return fs.String(name, fallback, usage+" (env "+envName+")")
	}
	return documentLimitFlags{
		maxBytes: str("document-max-bytes", "AWDA_DOCUMENT_MAX_BYTES", "10MB",
			"largest document accepted, in bytes or with KB or MB (1 KB = 1,024 bytes)"),
		perCase: str("documents-per-case", "AWDA_DOCUMENTS_PER_CASE", strconv.Itoa(def.MaxPerCase),
			"how many documents (not withdrawn) a case may hold"),
		perUpload: str("documents-per-upload", "AWDA_DOCUMENTS_PER_UPLOAD", "",
			fmt.Sprintf("how many files one upload may carry (default %d, or documents-per-case when fewer)", def.MaxPerUpload)),
		maxPixels: str("document-max-pixels", "AWDA_DOCUMENT_MAX_PIXELS", strconv.FormatInt(def.MaxPixels, 10),
			"largest picture accepted, in pixels (width × height)"),
	}
}

// limits checks the values and returns the limits the server starts with.
func (f documentLimitFlags) limits() (models.DocumentLimits, error) {
	l := models.DefaultDocumentLimits()
	var err error
	if l.MaxBytes, err = parseByteSize(*f.maxBytes); err != nil || l.MaxBytes < minDocumentBytes || l.MaxBytes > maxDocumentBytes {
		return l, fmt.Errorf("--document-max-bytes (AWDA_DOCUMENT_MAX_BYTES) %q: give a size from 1KB to 1024MB, such as 10MB or 10485760", *f.maxBytes)
	}
	count := func(name, envName, raw string, most int) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < 1 || n > most {
			return 0, fmt.Errorf("--%s (%s) %q: give a whole number from 1 to %d", name, envName, raw, most)
		}
		return n, nil
	}
	if l.MaxPerCase, err = count("documents-per-case", "AWDA_DOCUMENTS_PER_CASE", *f.perCase, maxDocumentsCase); err != nil {
		return l, err
	}
	if *f.perUpload == "" {
		l.MaxPerUpload = min(l.MaxPerUpload, l.MaxPerCase)
	} else if l.MaxPerUpload, err = count("documents-per-upload", "AWDA_DOCUMENTS_PER_UPLOAD", *f.perUpload, maxDocumentsCase); err != nil {
		return l, err
	}
	if l.MaxPerUpload > l.MaxPerCase {
		return l, fmt.Errorf("--documents-per-upload %d is more than --documents-per-case %d: an upload cannot carry more files than a case may hold",
			l.MaxPerUpload, l.MaxPerCase)
	}
	px, err := strconv.ParseInt(strings.TrimSpace(*f.maxPixels), 10, 64)
	if err != nil || px < minDocumentPixels || px > maxDocumentPixels {
		return l, fmt.Errorf("--document-max-pixels (AWDA_DOCUMENT_MAX_PIXELS) %q: give a whole number of pixels from %d to %d, such as 24000000 for a 6000 × 4000 photo",
			*f.maxPixels, minDocumentPixels, maxDocumentPixels)
	}
	l.MaxPixels = px
	return l, nil
}

// parseByteSize reads a size in bytes, or in KB or MB (binary, as the page shows
// them): "10485760", "10MB", "512 KB".
func parseByteSize(s string) (int64, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"MB", 1 << 20}, {"M", 1 << 20}, {"KB", 1 << 10}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, unit = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.size
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		return 0, fmt.Errorf("size %q", s)
	}
	return n * unit, nil
}
