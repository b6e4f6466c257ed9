package rooms

import (
	"strings"
	"testing"
)

// TestMachineBranding: the accent, theme and logo settings, step by step:
// valid values are kept (defaults as absent fields of the room event),
// and each bad value is refused with its named error, changing nothing.
func TestMachineBranding(t *testing.T) {
	f := newFeed(t, openRoom())
	logo := "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
	steps := []struct {
		name    string
		patch   RoomPatch
		wantErr *Error
		want    Room // Accent, Theme, Logo after the step
		event   []string
	}{
		{"accent", RoomPatch{Accent: ptr("#FF5A1F")}, nil, Room{Accent: "#ff5a1f"}, []string{`"accent":"#ff5a1f"`}},
		{"accent without #", RoomPatch{Accent: ptr("ff5a1f")}, ErrBadAccent, Room{Accent: "#ff5a1f"}, nil},
		{"accent by name", RoomPatch{Accent: ptr("red")}, ErrBadAccent, Room{Accent: "#ff5a1f"}, nil},
		{"light", RoomPatch{Theme: ptr(ThemeLight)}, nil, Room{Accent: "#ff5a1f", Theme: ThemeLight}, []string{`"theme":"light"`}},
		{"unknown theme", RoomPatch{Theme: ptr("sepia")}, ErrUnknownTheme, Room{Accent: "#ff5a1f", Theme: ThemeLight}, nil},
		{"logo", RoomPatch{Logo: ptr(logo)}, nil, Room{Accent: "#ff5a1f", Theme: ThemeLight, Logo: logo}, []string{`"logo":"data:image/png;base64,`}},
		{"svg logo", RoomPatch{Logo: ptr("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=")}, ErrBadLogo, Room{Accent: "#ff5a1f", Theme: ThemeLight, Logo: logo}, nil},
		{"logo too large", RoomPatch{Logo: ptr("data:image/png;base64," + strings.Repeat("A", MaxLogoBytes))}, ErrBadLogo, Room{Accent: "#ff5a1f", Theme: ThemeLight, Logo: logo}, nil},
		{"logo not base64", RoomPatch{Logo: ptr("data:image/png;base64,@@@")}, ErrBadLogo, Room{Accent: "#ff5a1f", Theme: ThemeLight, Logo: logo}, nil},
		{"a link, not an image", RoomPatch{Logo: ptr("https://example.com/logo.png")}, ErrBadLogo, Room{Accent: "#ff5a1f", Theme: ThemeLight, Logo: logo}, nil},
		{"defaults again", RoomPatch{Accent: ptr(""), Theme: ptr(ThemeDark), Logo: ptr("")}, nil, Room{}, nil},
	}
	for _, s := range steps {
		rec := Record{Op: OpRoomSet, Staff: true, Patch: &s.patch}
		if s.wantErr != nil {
			if err := f.refused(rec, s.wantErr.Code); err != s.wantErr {
				t.Errorf("%s: %v, want %v", s.name, err, s.wantErr)
			}
		} else {
			evs, _ := f.ok(rec)
			data := string(evs[0].Data)
			for _, w := range s.event {
				if !strings.Contains(data, w) {
					t.Errorf("%s: the room event %.200s lacks %s", s.name, data, w)
				}
			}
			if s.want == (Room{}) && (strings.Contains(data, `"accent"`) || strings.Contains(data, `"theme"`) || strings.Contains(data, `"logo"`)) {
				t.Errorf("%s: defaults still in the room event %s", s.name, data)
			}
		}
		r := f.m.Room()
		if r.Accent != s.want.Accent || r.Theme != s.want.Theme || r.Logo != s.want.Logo {
			t.Errorf("%s: accent %q theme %q logo %.30q, want %q %q %.30q", s.name, r.Accent, r.Theme, r.Logo, s.want.Accent, s.want.Theme, s.want.Logo)
		}
	}
}
