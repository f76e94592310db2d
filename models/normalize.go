package models

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// arabicFolds maps Arabic letter variants to one form, so spelling habits do not hide a
// match (alef forms, taa marbuta, alef maqsura).
var arabicFolds = map[rune]rune{
	'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ة': 'ه', 'ى': 'ي', 'ؤ': 'و', 'ئ': 'ي',
}

// nameFolds maps common transliterations (after the generic folds: "ou"→"u", double
// letters collapsed) to one spelling, so Mohamed, Mohammed and Muhammad meet.
var nameFolds = map[string]string{
	"mohamed": "mohamed", "muhamad": "mohamed", "mohamad": "mohamed", "muhamed": "mohamed",
	"mohammad": "mohamed", "mohamet": "mohamed", "mamadu": "mamadu", "mamadi": "mamadu",
	"fatumata": "fatumata", "fatimata": "fatumata", "fatoumata": "fatumata",
	"usman": "usman", "usmane": "usman", "osman": "usman", "othman": "usman", "uthman": "usman",
	"aicha": "aicha", "aisha": "aicha", "aicheh": "aicha", "aysha": "aicha", "aiesha": "aicha",
	"abdulaye": "abdulaye", "abdulahi": "abdulaye", "abdulai": "abdulaye", "abdalah": "abdulah", "abdelah": "abdulah",
	"ibrahima": "ibrahim", "ebrahim": "ibrahim", "brahim": "ibrahim",
	"yusef": "yusuf", "yusuf": "yusuf", "yousef": "yusuf", "yosef": "yusuf", "yussef": "yusuf",
	"fatima": "fatima", "fatma": "fatima", "fatimah": "fatima",
	"mariam": "mariam", "maryam": "mariam", "meriem": "mariam", "meryem": "mariam",
	"ahmed": "ahmed", "ahmad": "ahmed", "hamed": "hamed", "hamid": "hamed",
	"khadija": "khadija", "kadija": "khadija", "khadidja": "khadija", "hadja": "hadja",
	"amadu": "amadu", "ahmadu": "amadu",
}

// Normalize folds text for search: decomposed (NFD), combining marks and Arabic
// diacritics and tatweel removed, case-folded, Arabic letter variants folded,
// punctuation turned into spaces, spaces collapsed. Words in Latin letters also get the
// transliteration folds (FoldWord).
func Normalize(s string) string {
	return strings.Join(normalizeWords(s), " ")
}

func normalizeWords(s string) []string {
	var b strings.Builder
	// Invalid bytes separate words (as any other non-letter does) before decomposing.
	for _, r := range norm.NFD.String(strings.ToValidUTF8(s, " ")) {
		switch {
		case unicode.Is(unicode.Mn, r) || r == 'ـ':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if f, ok := arabicFolds[r]; ok {
				r = f
			}
			b.WriteRune(unicode.ToLower(unicode.SimpleFold(unicode.ToUpper(r))))
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(strings.ToLower(b.String()))
	for i, w := range words {
		words[i] = FoldWord(w)
	}
	return words
}

// FoldWord applies the transliteration folds to one lower-case word in Latin letters:
// "ou"→"u", "ph"→"f", double letters collapsed, then the table of known name variants.
// Words in other scripts, or with digits, are returned unchanged.
func FoldWord(w string) string {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return w
		}
	}
	// Until nothing changes: one pass can make a new pair ("oou" → "ou"), and a
	// normalised name must normalise to itself. Each change shortens the word.
	for {
		next := collapseDoubles(strings.ReplaceAll(strings.ReplaceAll(w, "ou", "u"), "ph", "f"))
		if next == w {
			break
		}
		w = next
	}
	if f, ok := nameFolds[w]; ok {
		return f
	}
	return w
}

// collapseDoubles turns each run of one letter into a single letter.
func collapseDoubles(w string) string {
	var b strings.Builder
	var prev rune
	for _, r := range w {
		if r != prev {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// SearchKey is the normalised text of every part, for LIKE search on both databases.
// Parts that are identifiers (case number, document number, phone) are also added
// without separators, so "RAB202100042" and "0612 34 56 78" find them.
func SearchKey(parts ...string) string {
	var words []string
	for _, p := range parts {
		ws := normalizeWords(p)
		words = append(words, ws...)
		if len(ws) > 1 {
			joined := strings.Join(ws, "")
			if hasDigit(joined) {
				words = append(words, joined)
			}
		}
	}
	return strings.Join(words, " ")
}

func hasDigit(s string) bool {
	return strings.ContainsFunc(s, unicode.IsDigit)
}

// NameKey is the normalised full name with its words sorted, so that the order of
// family and given names (often swapped in documents) does not matter.
func NameKey(family, given string) string {
	words := append(normalizeWords(family), normalizeWords(given)...)
	sort.Strings(words)
	return strings.Join(words, " ")
}

// SearchTerms splits a user's query into normalised words, each to be matched with LIKE.
func SearchTerms(q string) []string {
	words := normalizeWords(q)
	if len(words) > 1 {
		joined := strings.Join(words, "")
		if hasDigit(joined) {
			// An identifier typed with separators: match it as one.
			return []string{joined}
		}
	}
	return words
}
