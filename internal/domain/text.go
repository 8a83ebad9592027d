package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// hetuPattern finds candidates for a Finnish personal identity code
// (henkilötunnus): DDMMYY, a century sign, a three-digit individual number
// and a check character. Century signs per the 2023 reform: + (1800s),
// - Y X W V U (1900s), A B C D E F (2000s). The boundaries around a
// candidate are checked by hand, so that candidates may touch.
var hetuPattern = regexp.MustCompile(`(?i)[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]`)

const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// ContainsIdentityCode reports whether s contains a valid Finnish personal
// identity code: a real calendar date in the century its sign names and a
// matching check character, so ordinary numbers are not refused by accident.
func ContainsIdentityCode(s string) bool {
	// Every code starts with six digits. Most text has no such run and is
	// answered without the regular expression: the API checks every string
	// of every request.
	if !hasDigitRun(s, 6) {
		return false
	}
	for pos := 0; pos < len(s); {
		m := hetuPattern.FindStringIndex(s[pos:])
		if m == nil {
			return false
		}
		start, end := pos+m[0], pos+m[1]
		pos = start + 1
		if start > 0 && isAlnum(s[start-1]) || end < len(s) && isAlnum(s[end]) {
			continue
		}
		code := s[start:end] // always 11 ASCII characters
		date, sign, ind, check := code[0:6], code[6], code[7:10], strings.ToUpper(code[10:11])
		if !realDate(date, sign) {
			continue
		}
		if string(hetuCheckChars[atoi(date+ind)%31]) == check {
			return true
		}
	}
	return false
}

// hasDigitRun reports whether s has n digits in a row. Any such run covers
// one of every n-th byte, so only those are looked at, and around a digit
// the run is measured.
func hasDigitRun(s string, n int) bool {
	for i := n - 1; i < len(s); i += n {
		if !isDigit(s[i]) {
			continue
		}
		lo, hi := i, i+1
		for lo > 0 && isDigit(s[lo-1]) && hi-lo < n {
			lo--
		}
		for hi < len(s) && isDigit(s[hi]) && hi-lo < n {
			hi++
		}
		if hi-lo >= n {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// realDate reports whether DDMMYY is a date in the century of sign.
func realDate(ddmmyy string, sign byte) bool {
	century := 0
	switch sign {
	case '+':
		century = 1800
	case '-', 'Y', 'X', 'W', 'V', 'U', 'y', 'x', 'w', 'v', 'u':
		century = 1900
	default: // A-F
		century = 2000
	}
	day, month, year := atoi(ddmmyy[0:2]), atoi(ddmmyy[2:4]), century+atoi(ddmmyy[4:6])
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 12, 0, 0, 0, time.UTC)
	return t.Day() == day && int(t.Month()) == month
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// checkText validates a free-text field: length in characters, no personal
// identity code. required says whether empty is an error.
func checkText(field, value string, required bool, max int) *Error {
	if strings.TrimSpace(value) == "" {
		if required {
			return invalid(field, "is required", "on pakollinen")
		}
		return nil
	}
	if !utf8.ValidString(value) {
		return invalid(field, "is not valid UTF-8", "ei ole kelvollista UTF-8-tekstiä")
	}
	if n := utf8.RuneCountInString(value); n > max {
		return invalid(field, "is too long (at most "+itoa(max)+" characters)", "on liian pitkä (enintään "+itoa(max)+" merkkiä)")
	}
	if ContainsIdentityCode(value) {
		return invalid(field, "contains a Finnish personal identity code; Ohjaamo never stores one",
			"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// DateLayout is the ISO date format used in events and requests.
const DateLayout = "2006-01-02"

func checkDate(field, value string, required bool) (time.Time, *Error) {
	if value == "" {
		if required {
			return time.Time{}, invalid(field, "is required (YYYY-MM-DD)", "on pakollinen (VVVV-KK-PP)")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(DateLayout, value)
	if err != nil {
		return time.Time{}, invalid(field, "must be a date YYYY-MM-DD", "pitää olla päivämäärä muodossa VVVV-KK-PP")
	}
	return t, nil
}

func checkEmail(field, value string) *Error {
	if value == "" {
		return nil
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || len(value) > 254 {
		return invalid(field, "must be a plain e-mail address", "pitää olla sähköpostiosoite")
	}
	if ContainsIdentityCode(value) {
		return invalid(field, "contains a Finnish personal identity code; Ohjaamo never stores one",
			"sisältää henkilötunnuksen; Ohjaamo ei tallenna henkilötunnuksia")
	}
	return nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether s has the form of an Ohjaamo id (a UUID in lower case).
func ValidID(s string) bool { return idPattern.MatchString(s) }

// RequireID refuses a value that is not an id, naming field.
func RequireID(field, value string) error {
	if err := checkID(field, value, true); err != nil {
		return err
	}
	return nil
}

// ValidMunicipalityCode reports whether code is an official three-digit municipality code.
func ValidMunicipalityCode(code string) bool { return municipalityCode.MatchString(code) }

func checkID(field, value string, required bool) *Error {
	if value == "" {
		if required {
			return invalid(field, "is required", "on pakollinen")
		}
		return nil
	}
	if !ValidID(value) {
		return invalid(field, "must be an id (a UUID)", "pitää olla tunniste (UUID)")
	}
	return nil
}
