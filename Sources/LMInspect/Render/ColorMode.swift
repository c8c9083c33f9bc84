/// How pictures may use colour. The shell's language never looks at the terminal: the executable decides
/// the mode (from `NO_COLOR`, whether output is a terminal, and `COLORTERM`) and hands it down.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour escapes (`ESC[48;2;r;g;bm`).
    case trueColor = "truecolor"
    /// The xterm 256-colour palette (its 6×6×6 cube), for terminals without 24-bit colour.
    case palette256 = "256"
    /// No escapes at all: pictures print numbers instead of shades.
    case none

    /// The mode for an output stream: none when `NO_COLOR` is set (any value, per no-color.org) or the output
    /// is not a terminal; 24-bit when `COLORTERM` says truecolor/24bit; otherwise the 256-colour palette.
    public static func detect(environment: [String: String], isTerminal: Bool) -> ColorMode {
        if environment["NO_COLOR"] != nil || !isTerminal { return .none }
        if environment["TERM"] == "dumb" { return .none }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        return colorterm == "truecolor" || colorterm == "24bit" ? .trueColor : .palette256
    }
}

/// An sRGB colour, 0...255 per channel.
public struct RGB: Sendable, Equatable {
    public var r: Int, g: Int, b: Int
    public init(_ r: Int, _ g: Int, _ b: Int) { self.r = r; self.g = g; self.b = b }

    /// The nearest entry of xterm's 6×6×6 colour cube (indices 16...231).
    public var paletteIndex: Int {
        func level(_ v: Int) -> Int {
            let steps = [0, 95, 135, 175, 215, 255]
            return steps.indices.min { Swift.abs(steps[$0] - v) < Swift.abs(steps[$1] - v) } ?? 0
        }
        return 16 + 36 * level(r) + 6 * level(g) + level(b)
    }

    public var hex: String {
        func h(_ v: Int) -> String { let s = String(Swift.max(0, Swift.min(255, v)), radix: 16); return s.count == 1 ? "0" + s : s }
        return "#" + h(r) + h(g) + h(b)
    }

    /// Perceived brightness in 0...1 (to pick black or white text on top).
    var luminance: Double { (0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)) / 255 }

    /// The diverging scale of Karpathy et al. (2015): −1 red, 0 white, +1 blue (values are clamped).
    public static func diverging(_ v: Double) -> RGB {
        let x = v.isFinite ? Swift.max(-1, Swift.min(1, v)) : 0
        func mix(_ a: Int, _ b: Int, _ t: Double) -> Int { Int((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        if x < 0 { return RGB(mix(255, 214, -x), mix(255, 39, -x), mix(255, 40, -x)) }
        return RGB(mix(255, 31, x), mix(255, 119, x), mix(255, 180, x))
    }

    /// A sequential scale for non-negative quantities: 0 dark blue, 1 yellow (viridis-like, 5 stops).
    public static func sequential(_ v: Double) -> RGB {
        let stops = [RGB(68, 1, 84), RGB(59, 82, 139), RGB(33, 145, 140), RGB(94, 201, 98), RGB(253, 231, 37)]
        let x = v.isFinite ? Swift.max(0, Swift.min(1, v)) * Double(stops.count - 1) : 0
        let k = Swift.min(Int(x), stops.count - 2), t = x - Double(k)
        let a = stops[k], b = stops[k + 1]
        func mix(_ p: Int, _ q: Int) -> Int { Int((Double(p) + Double(q - p) * t).rounded()) }
        return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
    }
}

/// ANSI escapes for a colour mode.
public struct ANSI: Sendable {
    public var mode: ColorMode
    public init(_ mode: ColorMode) { self.mode = mode }

    public static let reset = "\u{1B}[0m"

    /// Background colour with a readable foreground; empty in `.none`.
    public func background(_ c: RGB) -> String {
        let fg = c.luminance > 0.55 ? RGB(0, 0, 0) : RGB(255, 255, 255)
        switch mode {
        case .trueColor: return "\u{1B}[48;2;\(c.r);\(c.g);\(c.b)m\u{1B}[38;2;\(fg.r);\(fg.g);\(fg.b)m"
        case .palette256: return "\u{1B}[48;5;\(c.paletteIndex)m\u{1B}[38;5;\(fg.paletteIndex)m"
        case .none: return ""
        }
    }

    public func foreground(_ c: RGB) -> String {
        switch mode {
        case .trueColor: return "\u{1B}[38;2;\(c.r);\(c.g);\(c.b)m"
        case .palette256: return "\u{1B}[38;5;\(c.paletteIndex)m"
        case .none: return ""
        }
    }

    public var resetCode: String { mode == .none ? "" : ANSI.reset }
}
