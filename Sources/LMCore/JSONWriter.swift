import Foundation

/// lmsh's one JSON writer (checkpoint headers and metadata, HTML pages, benchmark lines): compact output in
/// serde_json's style (what the safetensors reference writer produces), so that headers are byte-identical:
/// `"` and `\` escaped, control characters as `\n`-style or `\u00XX` escapes, everything else (including
/// non-ASCII) written as raw UTF-8.
public enum JSONWriter {
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A number with up to `digits` significant digits; NaN and infinities (which JSON lacks) as null.
    public static func number(_ x: Double, digits: Int = 17) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.\(digits)g", x)
    }

    public static func array(_ strings: [String]) -> String { "[" + strings.map(quoted).joined(separator: ",") + "]" }
    public static func array(_ numbers: [Double], digits: Int = 17) -> String {
        "[" + numbers.map { number($0, digits: digits) }.joined(separator: ",") + "]"
    }
}
