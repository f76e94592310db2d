package models

// MarkupInPieces runs the markup scan over data cut into pieces of step bytes, as an
// upload arrives (for the fuzz test, outside the package).
func MarkupInPieces(data []byte, step int) bool {
	var m markupScanner
	for len(data) > 0 {
		n := min(step, len(data))
		m.Write(data[:n])
		data = data[n:]
	}
	return m.found
}

// FileErrorKey exposes the message key of a refused file.
var FileErrorKey = fileErrorKey
