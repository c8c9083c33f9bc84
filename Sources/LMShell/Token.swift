/// The kinds of token of lmsh's command language.
public enum TokenKind: String, Sendable, Equatable, CustomStringConvertible {
    /// `[A-Za-z_][A-Za-z0-9_]*`, other than a keyword.
    case name
    /// `12`, `1.5`, `.5`, `2e-3`; the value is in `Token.number`.
    case number
    /// `"text"`; the decoded contents are in `Token.string`.
    case string
    /// Operators and punctuation: `+ - * / @ ^ == != < <= > >= = ( ) [ ] { } , . : ;`.
    case op = "operator"
    /// `true`, `false`, `none`, `def`, `for`, `in`, `while`, `if`, `else`, `break`, `continue`, `return`.
    case keyword
    /// A newline outside brackets that is followed by more tokens: it ends the statement, so the parser
    /// reports what follows as a second statement. Leading and trailing newlines give no token.
    case newline
    /// The end of the cell; always the last token.
    case end

    public var description: String { rawValue }
}

/// One token of a cell.
public struct Token: Sendable, Equatable, CustomStringConvertible {
    public var kind: TokenKind
    /// The token as written in the source (a string keeps its quotes and escapes; `newline` is "\n",
    /// `end` is "").
    public var text: String
    /// Where the token starts (1-based line and column in Unicode scalars within the cell).
    public var location: SourceLocation
    /// Whitespace (spaces, tabs, a comment, a newline or a line continuation) precedes the token.
    public var spaceBefore: Bool
    /// The value of a `number` token (0 for other kinds).
    public var number: Double
    /// The decoded contents of a `string` token (empty for other kinds).
    public var string: String

    public init(_ kind: TokenKind, _ text: String, at location: SourceLocation, spaceBefore: Bool = false,
                number: Double = 0, string: String = "") {
        self.kind = kind
        self.text = text
        self.location = location
        self.spaceBefore = spaceBefore
        self.number = number
        self.string = string
    }

    /// Is this the operator or punctuation `symbol`?
    public func isOp(_ symbol: String) -> Bool { kind == .op && text == symbol }

    /// Is this the keyword `word`?
    public func isKeyword(_ word: String) -> Bool { kind == .keyword && text == word }

    /// Can this token start an argument of the command form (NAME, NUMBER, STRING, `true`/`false`/`none`,
    /// `[` or `(`)?
    public var startsArgument: Bool {
        switch kind {
        case .name, .number, .string: return true
        case .keyword: return text == "true" || text == "false" || text == "none"
        case .op: return text == "(" || text == "["
        case .newline, .end: return false
        }
    }

    /// How error messages name the token: `end of input`, `end of line`, or the text in quotes.
    public var quoted: String {
        switch kind {
        case .end: return "end of input"
        case .newline: return "end of line"
        default:
            let scalars = Array(text.unicodeScalars)
            if scalars.count <= 24 { return "'\(text)'" }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[0..<20])
            return "'\(String(s))…'"
        }
    }

    public var description: String {
        "\(kind) \(quoted) at \(location)\(spaceBefore ? " (space before)" : "")"
    }
}
