package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// hetuPattern finds a Finnish personal identity code (henkilötunnus):
// DDMMYY, a century sign, a three-digit individual number and a check
// character. Century signs per the 2023 reform: + (1800s), - Y X W V U
// (1900s), A B C D E F (2000s).
var hetuPattern = regexp.MustCompile(`(?i)(?:^|[^0-9A-Za-z])(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])(?:$|[^0-9A-Za-z])`)

const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// ContainsIdentityCode reports whether s contains something that is a valid
// Finnish personal identity code (the check character must match, so ordinary
// numbers are not refused by accident).
func ContainsIdentityCode(s string) bool {
	for _, m := range hetuPattern.FindAllStringSubmatch(s, -1) {
		date, ind, check := m[1], m[3], strings.ToUpper(m[4])
		day := atoi(date[0:2])
		month := atoi(date[2:4])
		if day < 1 || day > 31 || month < 1 || month > 12 {
			continue
		}
		n := atoi(date + ind)
		if string(hetuCheckChars[n%31]) == check {
			return true
		}
	}
	return false
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
	return nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether s has the form of an Ohjaamo id (a UUID in lower case).
func ValidID(s string) bool { return idPattern.MatchString(s) }

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
