/// Terminal output with lmsh's colour escapes as HTML: SGR sequences for 24-bit and 256-colour
/// backgrounds and foregrounds become styled spans, so a session exported as a notebook keeps its
/// coloured cells and heatmaps. Other escapes are dropped; text is HTML-escaped.
public enum ANSIToHTML {
    /// The RGB of an xterm palette index (the 6×6×6 cube and the grey ramp; the 16 system colours approximated).
    static func palette(_ k: Int) -> RGB {
        if k >= 16 && k <= 231 {
            let steps = [0, 95, 135, 175, 215, 255], v = k - 16
            return RGB(steps[v / 36], steps[(v / 6) % 6], steps[v % 6])
        }
        if k >= 232 && k <= 255 { let g = 8 + 10 * (k - 232); return RGB(g, g, g) }
        let basic = [RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229)]
        return k >= 0 && k < 16 ? basic[k % 8] : RGB(0, 0, 0)
    }

    public static func convert(_ text: String) -> String {
        var out = "", background: RGB?, foreground: RGB?, open = false
        let s = Array(text.unicodeScalars)
        var i = 0
        func closeSpan() { if open { out += "</span>"; open = false } }
        func openSpan() {
            closeSpan()
            var style: [String] = []
            if let b = background { style.append("background:\(b.hex)") }
            if let f = foreground { style.append("color:\(f.hex)") }
            if !style.isEmpty { out += "<span style=\"\(style.joined(separator: ";"))\">"; open = true }
        }
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var j = i + 2, params = ""
                while j < s.count, !(s[j].value >= 0x40 && s[j].value <= 0x7E) { params.unicodeScalars.append(s[j]); j += 1 }
                if j < s.count && s[j] == "m" {
                    let codes = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                    var k = 0
                    while k < codes.count {
                        switch codes[k] {
                        case 0: background = nil; foreground = nil
                        case 48, 38:
                            let which = codes[k]
                            var colour: RGB?
                            if k + 4 < codes.count, codes[k + 1] == 2 {
                                colour = RGB(codes[k + 2], codes[k + 3], codes[k + 4]); k += 4
                            } else if k + 2 < codes.count, codes[k + 1] == 5 {
                                colour = palette(codes[k + 2]); k += 2
                            }
                            if which == 48 { background = colour } else { foreground = colour }
                        case 39: foreground = nil
                        case 49: background = nil
                        default: break
                        }
                        k += 1
                    }
                    openSpan()
                }
                i = j + 1
                continue
            }
            out += HTMLPage.escape(String(s[i]))
            i += 1
        }
        closeSpan()
        return out
    }
}
