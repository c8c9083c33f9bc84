/// Turns a cell into tokens.
///
/// - Whitespace is spaces, tabs and carriage returns; it sets `spaceBefore` on the next token.
/// - `#` starts a comment that runs to the end of the line (not inside a string).
/// - A `\` at the end of a line (only spaces may follow it) joins the next line: the newline is whitespace.
/// - Inside open `(` or `[` newlines are whitespace. Elsewhere (at the top of the cell, or directly inside a
///   `{` block) a newline ends the statement: it becomes a `newline` token when more tokens follow (at the
///   top the parser then reports "one statement per cell"; in a block it separates statements, as `;` does).
/// - Names are ASCII: `[A-Za-z_][A-Za-z0-9_]*`; the keywords are in `Lexer.keywords`.
/// - Numbers: digits with an optional fraction and exponent (`12`, `1.5`, `.5`, `2e-3`, `1E6`). A number
///   glued to letters, digits or a second fraction (`1e`, `1.2.3`, `2x`) is malformed. `1.` is the number 1
///   followed by `.`.
/// - Strings: double quotes, escapes `\"` `\\` `\n` `\t`, on one line.
public enum Lexer {
    public static let keywords: Set<String> = ["true", "false", "none", "def", "for", "in", "while", "if", "else",
                                              "break", "continue", "return"]

    /// The longest cell the lexer reads, in UTF-8 bytes: a longer one (a pasted file, a huge literal) is an
    /// error before it is copied.
    public static let maxCellBytes = 1 << 20

    /// The tokens of `source`, ending with an `end` token located just after the last token.
    public static func tokenize(_ source: String) throws -> [Token] {
        let bytes = source.utf8.count
        guard bytes <= maxCellBytes else {
            throw ShellError("the cell is \(bytes) bytes, over the limit of \(maxCellBytes)", at: SourceLocation(line: 1, column: 1),
                             hint: "keep long text in a file and load it with corpus(\"file.txt\")")
        }
        var state = LexerState(source)
        return try state.run()
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || isDigit(c) }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// A character for a message: quoted when printable, `U+XXXX` otherwise.
    static func show(_ c: Unicode.Scalar) -> String {
        let v = c.value
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) || c.properties.generalCategory == .format
            || c.properties.generalCategory == .lineSeparator || c.properties.generalCategory == .paragraphSeparator {
            var hex = String(v, radix: 16, uppercase: true)
            while hex.count < 4 { hex = "0" + hex }
            return "U+\(hex)"
        }
        if c == "'" { return "\"'\"" }
        return "'\(Character(c))'"
    }
}

struct LexerState {
    let s: [Unicode.Scalar]
    var i = 0
    var line = 1
    var column = 1
    var tokens: [Token] = []
    /// Open brackets, innermost last: newlines inside `(` and `[` are whitespace, inside `{` they separate.
    var open: [Unicode.Scalar] = []
    var newlineIsSpace: Bool { open.last.map { $0 != "{" } ?? false }
    var space = false
    /// A newline that ended the statement, emitted only if another token follows.
    var pendingNewline: SourceLocation?
    /// Just after the last token: where the `end` token goes.
    var lastEnd = SourceLocation(line: 1, column: 1)

    init(_ source: String) { s = Array(source.unicodeScalars) }

    var here: SourceLocation { SourceLocation(line: line, column: column) }

    func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    mutating func advance() {
        if s[i] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        i += 1
    }

    mutating func run() throws -> [Token] {
        while let c = peek() {
            switch c {
            case " ", "\t", "\r", "\u{0B}", "\u{0C}":
                space = true
                advance()
            case "\n":
                if !newlineIsSpace && !tokens.isEmpty && pendingNewline == nil { pendingNewline = here }
                space = true
                advance()
            case "#":
                while let d = peek(), d != "\n" { advance() }
                space = true
            case "\\":
                try continuation()
            case "\"":
                try lexString()
            default:
                if Lexer.isNameStart(c) {
                    lexName()
                } else if Lexer.isDigit(c) || (c == "." && peek(1).map(Lexer.isDigit) == true && !dotIsMember) {
                    try lexNumber()
                } else {
                    try lexOperator(c)
                }
            }
        }
        tokens.append(Token(.end, "", at: lastEnd, spaceBefore: space))
        return tokens
    }

    /// `.5` right after a name, `)`, `]`, a string or a keyword is a member access (an error later), not a number.
    var dotIsMember: Bool {
        guard !space, pendingNewline == nil, let last = tokens.last else { return false }
        switch last.kind {
        case .name, .string, .keyword: return true
        case .op: return last.text == ")" || last.text == "]"
        default: return false
        }
    }

    mutating func emit(_ kind: TokenKind, _ text: String, at start: SourceLocation, number: Double = 0,
                       string: String = "") {
        if let nl = pendingNewline {
            tokens.append(Token(.newline, "\n", at: nl, spaceBefore: true))
            pendingNewline = nil
        }
        tokens.append(Token(kind, text, at: start, spaceBefore: space, number: number, string: string))
        space = false
        lastEnd = here
    }

    func text(from start: Int) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s[start..<i])
        return String(v)
    }

    mutating func continuation() throws {
        let start = here
        var j = i + 1
        while j < s.count && (s[j] == " " || s[j] == "\t" || s[j] == "\r") { j += 1 }
        guard j == s.count || s[j] == "\n" else {
            throw ShellError("unexpected character '\\'", at: start,
                             hint: "a '\\' continues a line only at the very end of the line")
        }
        while i < min(j + 1, s.count) { advance() }
        space = true
    }

    mutating func lexName() {
        let start = here, startIndex = i
        while let c = peek(), Lexer.isNameChar(c) { advance() }
        let word = text(from: startIndex)
        emit(Lexer.keywords.contains(word) ? .keyword : .name, word, at: start)
    }

    mutating func lexNumber() throws {
        let start = here, startIndex = i
        while let c = peek(), Lexer.isDigit(c) { advance() }
        if peek() == ".", let d = peek(1), Lexer.isDigit(d) {
            advance()
            while let c = peek(), Lexer.isDigit(c) { advance() }
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if peek(1) == "+" || peek(1) == "-" { k = 2 }
            if let d = peek(k), Lexer.isDigit(d) {
                for _ in 0..<k { advance() }
                while let c = peek(), Lexer.isDigit(c) { advance() }
            }
        }
        // Glued to more of a number or a name: malformed.
        let glued: Bool
        if let c = peek() {
            glued = Lexer.isNameChar(c) || (c == "." && peek(1).map(Lexer.isDigit) == true)
        } else {
            glued = false
        }
        if glued {
            let wellFormedEnd = i
            while let c = peek(), Lexer.isNameChar(c) || c == "." { advance() }
            let bad = text(from: startIndex)
            let next = s[wellFormedEnd]
            let hint: String
            if next == "." {
                hint = "a number has at most one '.'"
            } else if (next == "e" || next == "E") && i == wellFormedEnd + 1 {
                hint = "an exponent needs digits, as in 2e-3"
            } else {
                hint = "put an operator between a number and a name, as in 2*x"
            }
            throw ShellError("malformed number '\(bad)'", at: start, hint: hint)
        }
        let spelled = text(from: startIndex)
        guard let value = Double(spelled), value.isFinite else {
            throw ShellError("number '\(spelled)' is too large", at: start,
                             hint: "numbers are 64-bit floats: at most about 1.8e308")
        }
        emit(.number, spelled, at: start, number: value)
    }

    mutating func lexString() throws {
        let start = here, startIndex = i
        advance()
        var value = String.UnicodeScalarView()
        while true {
            guard let c = peek(), c != "\n" else {
                throw ShellError("unterminated string", at: start,
                                 hint: "close it with '\"' on the same line; write \\n for a newline inside a string")
            }
            if c == "\"" {
                advance()
                break
            }
            if c == "\\" {
                let escape = here
                guard let e = peek(1), e != "\n" else {
                    throw ShellError("unterminated string", at: start,
                                     hint: "close it with '\"' on the same line; write \\\\ for a backslash")
                }
                switch e {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                default:
                    let shown = Lexer.show(e)
                    let what = shown.hasPrefix("U+") ? "\\ followed by \(shown)" : "'\\\(Character(e))'"
                    throw ShellError("unknown escape \(what) in string", at: escape,
                                     hint: "the escapes are \\\" \\\\ \\n and \\t; write \\\\ for a backslash")
                }
                advance()
                advance()
                continue
            }
            value.append(c)
            advance()
        }
        emit(.string, text(from: startIndex), at: start, string: String(value))
    }

    mutating func lexOperator(_ c: Unicode.Scalar) throws {
        let start = here
        if let d = peek(1), d == "=", c == "=" || c == "!" || c == "<" || c == ">" {
            advance()
            advance()
            emit(.op, "\(Character(c))=", at: start)
            return
        }
        switch c {
        case "+", "-", "*", "/", "@", "^", "=", "<", ">", ",", ".", ":", ";":
            advance()
            emit(.op, String(Character(c)), at: start)
        case "(", "[", "{":
            advance()
            open.append(c)
            emit(.op, String(Character(c)), at: start)
        case ")", "]", "}":
            advance()
            if !open.isEmpty { open.removeLast() }
            emit(.op, String(Character(c)), at: start)
        default:
            throw ShellError("unexpected character \(Lexer.show(c))", at: start, hint: Self.hint(for: c))
        }
    }

    static func hint(for c: Unicode.Scalar) -> String {
        switch c {
        case "'": return "strings use double quotes: \"text\""
        case "!": return "write != for 'not equal'"
        case "&", "|": return "there are no logical operators; multiply 0/1 masks instead: (a > 0) * (b > 0)"
        case "%": return "there is no '%' operator"
        case "`": return "strings use double quotes: \"text\""
        case "\u{201C}", "\u{201D}": return "strings use plain double quotes: \"text\""
        case "\u{2212}": return "write '-' for minus"
        case "\u{00D7}": return "write '*' for times (or '@' for a matrix product)"
        default:
            if c.value > 0x7F && c.properties.isAlphabetic {
                return "names use ASCII letters, digits and '_'"
            }
            return "the operators are + - * / @ ^ == != < <= > >= and = ( ) [ ] { } , . : ;"
        }
    }
}
