package domain_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ohjaamo/ohjaamo/internal/domain"
)

// hetuControl is the check-character alphabet of the henkilötunnus: the nine
// digits DDMMYYNNN modulo 31 index into it (G, I, O, Q and Z are left out).
const hetuControl = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// centurySigns maps each century sign of the 2023 reform to its century.
var centurySigns = map[byte]int{
	'+': 1800,
	'-': 1900, 'Y': 1900, 'X': 1900, 'W': 1900, 'V': 1900, 'U': 1900,
	'A': 2000, 'B': 2000, 'C': 2000, 'D': 2000, 'E': 2000, 'F': 2000,
}

// makeHetu builds an identity code with a correct check character.
func makeHetu(day, month, yy int, sign byte, individual int) string {
	n := (day*10000+month*100+yy)*1000 + individual
	return fmt.Sprintf("%02d%02d%02d%c%03d%c", day, month, yy, sign, individual, hetuControl[n%31])
}

func TestMakeHetuAgreesWithPublishedExamples(t *testing.T) {
	// Examples published by the Digital and Population Data Services Agency
	// (DVV), so the test's own helper is checked against an outside source.
	for _, c := range []struct {
		day, month, yy int
		sign           byte
		ind            int
		want           string
	}{
		{13, 10, 52, '-', 308, "131052-308T"},
		{1, 5, 94, 'Y', 903, "010594Y9032"},
		{2, 5, 94, 'X', 903, "020594X903P"},
		{3, 5, 94, 'W', 903, "030594W903B"},
		{4, 5, 94, 'V', 903, "040594V9030"},
		{5, 5, 94, 'U', 903, "050594U903M"},
		{1, 5, 16, 'B', 903, "010516B903X"},
		{2, 5, 16, 'C', 903, "020516C903K"},
		{3, 5, 16, 'D', 903, "030516D9037"},
		{1, 5, 1, 'E', 903, "010501E9032"},
		{2, 5, 3, 'F', 903, "020503F9037"},
	} {
		if got := makeHetu(c.day, c.month, c.yy, c.sign, c.ind); got != c.want {
			t.Errorf("makeHetu = %s, want %s", got, c.want)
		}
	}
}

func TestContainsIdentityCodeFindsValidCodes(t *testing.T) {
	codes := []string{
		"150480+123H", // 1800s
		"131052-308T", // 1900s
		"010594Y9032",
		"020594X903P",
		"030594W903B",
		"040594V9030",
		"050594U903M",
		"101010A010D", // 2000s
		"010516B903X",
		"020516C903K",
		"030516D9037",
		"010501E9032",
		"020503F9037",
		"311299-999E", // last day of the year, temporary-range individual number
		"290200A3088", // 29 February 2000, a leap year
	}
	contexts := []string{
		"%s",
		"Henkilötunnus: %s.",
		"(%s)",
		"%s, Tampere",
		"rivi\n%s\nrivi",
		"hetu=%s;",
		"Maija Meikäläinen %s",
		"ä%sö", // letters outside ASCII do not glue a code into a word
		"\t%s\t",
	}
	for _, code := range codes {
		for _, ctx := range contexts {
			s := fmt.Sprintf(ctx, code)
			if !domain.ContainsIdentityCode(s) {
				t.Errorf("ContainsIdentityCode(%q) = false, want true", s)
			}
		}
		if lower := strings.ToLower(code); !domain.ContainsIdentityCode("tunnus " + lower) {
			t.Errorf("ContainsIdentityCode(%q) = false, want true (written in lower case)", lower)
		}
	}
}

func TestContainsIdentityCodeEveryCenturySign(t *testing.T) {
	for sign := range centurySigns {
		code := makeHetu(24, 12, 98, sign, 234)
		if !domain.ContainsIdentityCode("syntynyt " + code + " jouluaattona") {
			t.Errorf("code with century sign %q not found: %s", sign, code)
		}
	}
}

func TestContainsIdentityCodeIgnores(t *testing.T) {
	tests := []struct{ name, s string }{
		{"empty", ""},
		{"plain text", "Perhekeskuksen ohjausryhmän kokous"},
		{"wrong check character", "131052-308U"},
		{"wrong check character after another individual number", "131052-309T"},
		{"check character from outside the alphabet", "131052-308G"},
		{"unknown century sign", "131052G308T"},
		{"century sign Z", "131052Z308T"},
		{"no century sign", "131052308T"},
		{"day 32", makeHetu(32, 10, 52, '-', 308)},
		{"day 00", makeHetu(0, 10, 52, '-', 308)},
		{"month 13", makeHetu(13, 13, 52, '-', 308)},
		{"month 00", makeHetu(13, 0, 52, '-', 308)},
		{"digit before", "9131052-308T"},
		{"digit after", "131052-308T9"},
		{"inside a longer digit run", "20131052-308T"},
		{"inside an account number", "FI4950009420131052-308T0"},
		{"letter before", "x131052-308T"},
		{"letter after", "131052-308TX"},
		{"too few date digits", "31052-308T"},
		{"too few individual digits", "131052-30T"},
		{"phone number", "puh. +358 40 123 4567"},
		{"Finnish date", "13.10.1952"},
		{"ISO date", "1952-10-13"},
		{"business id", "Y-tunnus 0201256-6"},
		{"spaces inside", "131052 - 308T"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if domain.ContainsIdentityCode(tt.s) {
				t.Errorf("ContainsIdentityCode(%q) = true, want false", tt.s)
			}
		})
	}
}

func TestContainsIdentityCodeIgnoresImpossibleCalendarDates(t *testing.T) {
	for _, s := range []string{
		makeHetu(30, 2, 52, '-', 308), // 300252-308A
		makeHetu(31, 4, 52, '-', 308), // 310452-308K
		makeHetu(29, 2, 0, '-', 308),  // 290200-3088: 1900 was no leap year
		makeHetu(29, 2, 23, 'B', 308), // 2023 was no leap year
	} {
		if domain.ContainsIdentityCode(s) {
			t.Errorf("ContainsIdentityCode(%q) = true, want false: the date does not exist", s)
		}
	}
}

func TestContainsIdentityCodeAfterAnotherCandidate(t *testing.T) {
	for _, s := range []string{
		"131052-309T " + validHetu,  // a typo, then the right code
		"321052-3082\n" + validHetu, // an impossible day, then a code
		"131052-308U," + validHetu,  // a list without spaces
		"ks. 010101-0102 " + validHetu,
	} {
		if !domain.ContainsIdentityCode(s) {
			t.Errorf("ContainsIdentityCode(%q) = false, want true", s)
		}
	}
}

// looksLikeCode is the weakest thing a true answer must rest on: some window
// of s, not glued to ASCII letters or digits on either side, has the shape of
// a code whose check character matches and whose day and month are in range.
func looksLikeCode(s string) bool {
	isAlnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isDigits := func(w string) bool {
		for i := 0; i < len(w); i++ {
			if w[i] < '0' || w[i] > '9' {
				return false
			}
		}
		return true
	}
	for i := 0; i+11 <= len(s); i++ {
		if i > 0 && isAlnum(s[i-1]) || i+11 < len(s) && isAlnum(s[i+11]) {
			continue
		}
		w := s[i : i+11]
		if !isDigits(w[0:6]) || !isDigits(w[7:10]) {
			continue
		}
		if _, ok := centurySigns[strings.ToUpper(w[6:7])[0]]; !ok {
			continue
		}
		n, _ := strconv.Atoi(w[0:6] + w[7:10]) // digits checked above
		day, month := n/10000000, n/100000%100
		if day < 1 || day > 31 || month < 1 || month > 12 {
			continue
		}
		if strings.ToUpper(w[10:11]) == string(hetuControl[n%31]) {
			return true
		}
	}
	return false
}

// FuzzIdentityCode checks that ContainsIdentityCode never panics on any
// string, answers true only when a code-shaped window with a matching check
// character is there, and always finds a valid code built from the fuzzed
// date, century sign and individual number.
func FuzzIdentityCode(f *testing.F) {
	f.Add("Henkilötunnus 131052-308T", uint8(13), uint8(10), uint8(52), uint16(308), uint8(1))
	f.Add("", uint8(29), uint8(2), uint8(0), uint16(2), uint8(7))
	f.Add("puh. 040 123 4567", uint8(31), uint8(12), uint8(99), uint16(999), uint8(12))
	f.Add("\xff\xfe131052-308T", uint8(0), uint8(0), uint8(0), uint16(0), uint8(0))

	signs := "+-YXWVUABCDEF"
	f.Fuzz(func(t *testing.T, s string, day, month, year uint8, individual uint16, sign uint8) {
		if domain.ContainsIdentityCode(s) && !looksLikeCode(s) {
			t.Errorf("ContainsIdentityCode(%q) = true, but no window of it is a code", s)
		}

		sg := signs[int(sign)%len(signs)]
		yy := int(year) % 100
		m := 1 + int(month)%12
		// Days in the month of the full year, so 29 February appears only in leap years.
		days := time.Date(centurySigns[sg]+yy, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		code := makeHetu(1+int(day)%days, m, yy, sg, int(individual)%1000)

		// Two spaces on each side: the fuzzed text may end in a code-shaped
		// candidate that consumes one separator (see
		// TestContainsIdentityCodeAfterAnotherCandidate).
		for _, text := range []string{code, " " + code + " ", s + "  " + code + "  " + s} {
			if !domain.ContainsIdentityCode(text) {
				t.Fatalf("ContainsIdentityCode(%q) = false, want true (code %s)", text, code)
			}
		}

		// The same code with any other check character is no code.
		want := code[10]
		for i := 0; i < len(hetuControl); i++ {
			if c := hetuControl[i]; c != want {
				wrong := " " + code[:10] + string(c) + " "
				if domain.ContainsIdentityCode(wrong) {
					t.Fatalf("ContainsIdentityCode(%q) = true with a wrong check character (right: %c)", wrong, want)
				}
			}
		}
	})
}
