/// Splits a script into cells the way the REPL reads them.
///
/// A cell starts at a line that is not blank and not a comment, and continues while brackets or braces are
/// open or its last line ends with `\`; a line starting with `else` joins the `if` cell before it. Blank lines and comment-only lines between cells are skipped; so are the
/// `#=` (output) and `#@` (metadata) lines of saved sessions, which are comments to the lexer. Brackets,
/// `#` and `\` inside strings and comments do not count. A line with an unterminated string ends its cell
/// (the cell is an error anyway, and the next line starts afresh).
public enum CellSplitter {
    /// The cells of `script`, each with the 1-based line where it starts. Lines end with `\n` or `\r\n`;
    /// a cell's text joins its lines with `\n`.
    public static func cells(_ script: String) -> [(text: String, line: Int)] {
        var result: [(text: String, line: Int)] = []
        var current: [Substring] = []
        var startLine = 0
        var scan = Scan()
        for (k, line) in splitLines(script).enumerated() {
            if current.isEmpty {
                let trimmed = line.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                if startsElse(trimmed), let last = result.popLast() {
                    // `}` then `else {` on the next line: still the same if.
                    current = [Substring(last.text)]
                    startLine = last.line
                } else {
                    startLine = k + 1
                }
                scan = Scan()
            }
            current.append(line)
            scan.feed(line)
            if !scan.continues {
                result.append((current.joined(separator: "\n"), startLine))
                current = []
            }
        }
        if !current.isEmpty { result.append((current.joined(separator: "\n"), startLine)) }
        return result
    }

    /// Does `text` go on to another line: are brackets open (outside strings and comments), or does its
    /// last line end with a `\` (outside a comment, only spaces after it)?
    public static func needsContinuation(_ text: String) -> Bool {
        var scan = Scan()
        for line in splitLines(text) { scan.feed(line) }
        return scan.continues
    }

    static func startsElse(_ line: Substring) -> Bool {
        guard line.hasPrefix("else") else { return false }
        let rest = line.dropFirst(4)
        return rest.isEmpty || rest.first == " " || rest.first == "{" || rest.first == "\t"
    }

    /// Lines split at `\n` and `\r\n` (one Character in Swift, so `split(separator: "\n")` misses it).
    static func splitLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// Line-by-line state: open brackets, and how the last line ended.
    struct Scan {
        var depth = 0
        var backslash = false
        var brokenString = false

        var continues: Bool { !brokenString && (depth > 0 || backslash) }

        mutating func feed(_ line: Substring) {
            backslash = false
            brokenString = false
            var inString = false
            var lastSignificant: Character?
            var it = line.unicodeScalars.makeIterator()
            while let c = it.next() {
                if inString {
                    if c == "\\" {
                        if it.next() == nil { break }
                    } else if c == "\"" {
                        inString = false
                    }
                    continue
                }
                switch c {
                case "#":
                    return  // a '\' before a comment is not a continuation
                case "\"": inString = true
                case "(", "[", "{": depth += 1
                case ")", "]", "}": depth = max(0, depth - 1)
                default: break
                }
                if c != " " && c != "\t" && c != "\r" { lastSignificant = Character(c) }
            }
            if inString {
                brokenString = true
                return
            }
            backslash = lastSignificant == "\\"
        }
    }
}
