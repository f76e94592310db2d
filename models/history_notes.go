package models

// The notes the portal writes itself into a case's status history are stored as
// catalogue keys, not as text in one language, so that each reader sees them in theirs.
const (
	// NoteFirstSupport: the case moved to reintegration because its first support
	// was delivered.
	NoteFirstSupport = "history.note.first_support"
)

// legacyNotes are system notes written as English text before they were keys.
var legacyNotes = map[string]string{
	"first support delivered": NoteFirstSupport,
}

// SystemNoteKey is the catalogue key of a note the portal wrote (a key, or the English
// text it once wrote), or "" for a note a person typed.
func SystemNoteKey(note string) string {
	switch note {
	case NoteFirstSupport:
		return note
	}
	return legacyNotes[note]
}
