import Foundation

/// Numbers computed from a text, one per character, that an interpretable cell might track (Karpathy et al.
/// 2015): the value at position t describes the text after reading character t, as the state does.
///
/// Structural features come from a small C-aware scanner (strings and comments do not open each other);
/// single quotes are ignored so that prose apostrophes do not look like C character literals, except that
/// `'"'` is a character, not a string. A double-quoted string ends at its closing quote or at a blank line:
/// prose quotes run over hard-wrapped lines, and a quote that goes on into the next paragraph opens again
/// there (the Gutenberg convention), so a paragraph end is where an unclosed one stops.
public struct FeatureTracks: Sendable {
    public var names: [String]
    /// Per feature, one value per character.
    public var values: [[Double]]

    public subscript(name: String) -> [Double]? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// The built-in features, in the order `cells` lists them.
    public static let builtinNames = ["line_position", "quotes", "parens", "brace_depth", "comment", "if_body", "word_start"]

    /// Built-in tracks for `scalars`, then one 0/1 track per user regex (`(name, pattern)`).
    public static func compute(_ scalars: [Unicode.Scalar], user: [(String, String)] = []) throws -> FeatureTracks {
        let n = scalars.count
        var column = [Double](repeating: 0, count: n), quote = column, paren = column, brace = column
        var comment = column, ifBody = column, wordStart = column
        enum Mode { case code, string, lineComment, blockComment }
        var mode = Mode.code
        var col = 0, parenDepth = 0, braceDepth = 0
        var escaped = false
        var blockStart = 0
        // `if` tracking: after the keyword, wait for its condition's parentheses to close, then for the body.
        var pendingIfParen: Int?  // paren depth at which the condition opened
        var awaitingBody = false
        var bodyBraces: [Int] = []  // brace depths of open braced if-bodies
        var singleStatement = 0  // open unbraced if-bodies (end at ';')
        func isWord(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || s.properties.numericType != nil || s == "_" }
        for t in 0..<n {
            let s = scalars[t]
            let prev: Unicode.Scalar? = t > 0 ? scalars[t - 1] : nil
            let next: Unicode.Scalar? = t + 1 < n ? scalars[t + 1] : nil
            switch mode {
            case .string:
                if escaped { escaped = false } else if s == "\\" { escaped = true } else if s == "\"" { mode = .code }
                if s == "\n" && prev == "\n" { mode = .code; escaped = false }
            case .lineComment:
                if s == "\n" { mode = .code }
            case .blockComment:
                if s == "/" && prev == "*" && t >= blockStart + 3 { mode = .code }
            case .code:
                if s == "\"" && prev != "\\" && !(prev == "'" && next == "'") {
                    mode = .string
                } else if s == "/" && next == "*" {
                    mode = .blockComment
                    blockStart = t
                } else if s == "/" && next == "/" {
                    mode = .lineComment
                } else if awaitingBody && !(s == " " || s == "\t" || s == "\n" || s == "\r") {
                    awaitingBody = false
                    if s == "{" { bodyBraces.append(braceDepth + 1) } else { singleStatement += 1 }
                }
                switch s {
                case "(": parenDepth += 1
                case ")":
                    parenDepth = Swift.max(0, parenDepth - 1)
                    if let p = pendingIfParen, parenDepth == p { pendingIfParen = nil; awaitingBody = true }
                case "{": braceDepth += 1
                case "}":
                    if bodyBraces.last == braceDepth { bodyBraces.removeLast() }
                    braceDepth = Swift.max(0, braceDepth - 1)
                case ";":
                    if singleStatement > 0 && pendingIfParen == nil && !awaitingBody { singleStatement -= 1 }
                default: break
                }
                // The keyword `if` (a whole word) starts waiting for its condition.
                if s == "f", prev == "i", !(t >= 2 && isWord(scalars[t - 2])), !(next.map(isWord) ?? false) {
                    var k = t + 1
                    while k < n && (scalars[k] == " " || scalars[k] == "\t") { k += 1 }
                    if k < n && scalars[k] == "(" { pendingIfParen = parenDepth }
                }
            }
            column[t] = Double(col)
            col = s == "\n" ? 0 : col + 1
            quote[t] = mode == .string ? 1 : 0
            paren[t] = parenDepth > 0 ? 1 : 0
            brace[t] = Double(braceDepth)
            comment[t] = mode == .lineComment || mode == .blockComment ? 1 : 0
            ifBody[t] = !bodyBraces.isEmpty || singleStatement > 0 ? 1 : 0
            wordStart[t] = isWord(s) && !(prev.map(isWord) ?? false) ? 1 : 0
        }
        var names = builtinNames
        var values = [column, quote, paren, brace, comment, ifBody, wordStart]
        if !user.isEmpty {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            let string = String(text)
            // Map UTF-16 offsets (NSRegularExpression's) to scalar indices.
            var scalarAt = [Int](repeating: 0, count: string.utf16.count + 1)
            var u = 0
            for (k, sc) in scalars.enumerated() {
                let w = sc.utf16.count
                for q in 0..<w { scalarAt[u + q] = k }
                u += w
            }
            scalarAt[u] = scalars.count
            for (name, pattern) in user {
                let re: NSRegularExpression
                do { re = try NSRegularExpression(pattern: pattern) } catch {
                    throw FeatureError("feature \"\(name)\": \"\(pattern)\" is not a valid regular expression")
                }
                var track = [Double](repeating: 0, count: n)
                for match in re.matches(in: string, range: NSRange(location: 0, length: string.utf16.count)) {
                    let lo = scalarAt[match.range.location], hi = scalarAt[match.range.location + match.range.length]
                    for k in lo..<hi { track[k] = 1 }
                }
                names.append(name)
                values.append(track)
            }
        }
        return FeatureTracks(names: names, values: values)
    }
}

/// A feature the user declared cannot be computed (a bad regular expression).
public struct FeatureError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
