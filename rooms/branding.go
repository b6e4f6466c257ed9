package rooms

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// Branding: the room settings that dress its screens (room_set, host
// only): `accent` (a colour #rrggbb; "" the default), `theme` ("dark", the
// default, or "light": the stage's ground) and `logo` (a small image as a
// data: URL; "" none). Like the stage, a default is kept as "" and left
// out of `room` events.

// MaxLogoBytes bounds a logo's data: URL, so that a room_set carrying it
// fits one client frame (4 KiB) with room to spare.
const MaxLogoBytes = 3000

// Stage themes.
const (
	ThemeDark  = "dark"
	ThemeLight = "light"
)

// Refusals of the branding settings.
var (
	ErrBadAccent    = &Error{Code: CodeBadRequest, Message: "the accent must be a colour written #rrggbb"}
	ErrUnknownTheme = &Error{Code: CodeBadRequest, Message: "unknown theme; use dark or light"}
	ErrBadLogo      = &Error{Code: CodeBadRequest, Message: "the logo must be a PNG, JPEG, WebP or GIF image as a base64 data: URL of at most 3000 characters"}
)

var (
	accentPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	logoPattern   = regexp.MustCompile(`^data:image/(png|jpeg|webp|gif);base64,([A-Za-z0-9+/]+={0,2})$`)
)

// ValidAccent reports whether s is an accent setting: "" or #rrggbb.
func ValidAccent(s string) bool { return s == "" || accentPattern.MatchString(s) }

// ValidTheme reports whether s is a theme setting.
func ValidTheme(s string) bool { return s == ThemeDark || s == ThemeLight }

// ValidLogo reports whether s is a logo setting: "" or a raster image's
// base64 data: URL of at most MaxLogoBytes that decodes.
func ValidLogo(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > MaxLogoBytes {
		return false
	}
	m := logoPattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(m[2])
	return err == nil
}

// brandingError returns the refusal of the patch's branding fields, or nil.
func (p RoomPatch) brandingError() *Error {
	switch {
	case p.Accent != nil && !ValidAccent(*p.Accent):
		return ErrBadAccent
	case p.Theme != nil && !ValidTheme(*p.Theme):
		return ErrUnknownTheme
	case p.Logo != nil && !ValidLogo(*p.Logo):
		return ErrBadLogo
	}
	return nil
}

// storedTheme keeps ThemeDark, the default, as "".
func storedTheme(s string) string {
	if s == ThemeDark {
		return ""
	}
	return s
}

// storedAccent keeps an accent in lower case.
func storedAccent(s string) string { return strings.ToLower(s) }
