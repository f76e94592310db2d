package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"awda/models"
)

// searchNames mixes scripts, accents, transliterations and words sharing prefixes and
// infixes, so that random queries hit every way a word can match.
var searchNames = []string{"Fatima", "Fatoumata", "Fatimata", "Aïcha", "Aisha", "Mohamed", "Muhammad", "Mamadou",
	"Diallo", "Ba", "Koné", "Coulibaly", "Ould Ahmed", "El Idrissi", "Ben Ali", "فاطمة", "محمد", "الزهراء", "عائشة",
	"Ndèye", "Ousmane", "Usman", "Li", "Amadou Tidiane", "Tima"}

// TestNameSearchIndexMatchesTheKey checks the suffix index against its definition: for
// random cases, random edits and random queries (whole words, prefixes, infixes, two
// words, identifiers, one or two letters), the list returns exactly the cases whose
// search key contains every word of the query, in scope, on this database.
func TestNameSearchIndexMatchesTheKey(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func() string { return searchNames[rng.IntN(len(searchNames))] }
	var cases []*models.Case
	for i := range 60 {
		in := validInput()
		in.FamilyName, in.GivenName = pick(), pick()
		in.ConfirmDifferent = true
		in.IDDocNumber, in.Phone = fmt.Sprintf("R%07d", rng.IntN(10_000_000)), ""
		u := f.cw
		if i%3 == 0 {
			u = f.oudCW
		}
		cs, err := f.s.Cases.Create(ctx, actorOf(u), u.Scope(), in)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs)
	}
	// Edits change the key: the index must follow them.
	for _, cs := range cases[:15] {
		in := models.InputOf(cs)
		in.FamilyName = pick()
		if _, err := f.s.Cases.Update(ctx, actorOf(f.sup), f.sup.Scope(), cs.ID, cs.Version, in); err != nil {
			t.Fatal(err)
		}
	}
	var keys []struct {
		ID       uint
		OfficeID uint
		Key      string
	}
	if err := f.s.DB.Read.Raw("SELECT id, office_id, search_key AS key FROM cases").Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	queries := []string{"fati", "tima", "fatima", "ati", "a", "li", "ba", "aisha", "muhamad", "فاطمه", "زهر",
		"ould ahmed", "mamadou diallo", "nonesuch", "ata", "dou", "id", "r00"}
	for range 40 {
		k := keys[rng.IntN(len(keys))].Key
		words := strings.Fields(k)
		w := []rune(words[rng.IntN(len(words))])
		from := rng.IntN(len(w))
		to := from + 1 + rng.IntN(len(w)-from)
		queries = append(queries, string(w[from:to]))
	}
	for _, q := range queries {
		for _, sc := range []models.Scope{f.sup.Scope(), f.cw.Scope(), f.oudCW.Scope()} {
			var want []uint
			for _, k := range keys {
				if sc.Allows(k.OfficeID) && containsEveryTerm(k.Key, models.SearchTerms(q)) {
					want = append(want, k.ID)
				}
			}
			got, total, err := f.s.Cases.List(ctx, sc, models.CaseFilter{Q: q, PerPage: 200, Sort: "created"})
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []uint
			for _, cs := range got {
				gotIDs = append(gotIDs, cs.ID)
			}
			slices.Sort(gotIDs)
			slices.Sort(want)
			if !slices.Equal(gotIDs, want) || total != int64(len(want)) {
				t.Errorf("q=%q scope %v: got %v (total %d), want %v", q, sc.OfficeID, gotIDs, total, want)
			}
		}
	}
}

// containsEveryTerm is the search's definition: every term inside some word of the key.
func containsEveryTerm(key string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(key, t) {
			return false
		}
	}
	return true
}

// TestNameSearchIndexHoldsEverySuffix compares the index, cut by SQL string functions
// in triggers, with the suffixes computed here by rune: the database counts characters,
// not bytes, in Arabic and accented words alike.
func TestNameSearchIndexHoldsEverySuffix(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	for _, name := range [][2]string{{"الزهراء", "فاطمة"}, {"Ndèye", "Aïcha Li"}, {"O'Brien-Smith", "Zoë"}} {
		in := validInput()
		in.FamilyName, in.GivenName, in.ConfirmDifferent = name[0], name[1], true
		if _, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in); err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		ID  uint
		Key string
	}
	if err := f.s.DB.Read.Raw("SELECT id, search_key AS key FROM cases ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var want []string
		for _, w := range strings.Fields(r.Key) {
			rs := []rune(w)
			for i := range rs {
				if len(rs)-i >= 3 {
					want = append(want, string(rs[i:]))
				}
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		var got []string
		if err := f.s.DB.Read.Raw("SELECT suffix FROM case_search_suffixes WHERE case_id = ? ORDER BY suffix", r.ID).
			Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		slices.Sort(got) // byte order on both databases
		if !slices.Equal(got, want) {
			t.Errorf("case %d (%q): index %q, want %q", r.ID, r.Key, got, want)
		}
		for _, s := range got {
			if !utf8.ValidString(s) {
				t.Errorf("case %d: suffix %q is not valid UTF-8", r.ID, s)
			}
		}
	}
}
