// Package static holds the browser pages served by the binary: the landing
// page, the audience page, the host console and the projector screen. They
// speak only the public protocol.
package static

import "embed"

// Pages are the page files, served at /, /r/CODE, /host/CODE, /screen/CODE
// and /static/ (styles and the icon at the top, ES modules under js/).
//
//go:embed *.html *.css *.svg js
var Pages embed.FS
