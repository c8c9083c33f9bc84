/// The syntax tree of lmsh's command language.
///
/// # Grammar
///
/// One statement per cell (or several separated by `;`). A cell is one line, or several when brackets or
/// braces are open or a line ends with a `\`. `#` starts a comment (outside strings). Whitespace matters in
/// one place only: it separates the arguments of the command form. In a `{ … }` block, newlines and `;`
/// separate statements.
///
///     cell       := statement {';' statement}
///     statement  := 'def' NAME '(' [NAME {',' NAME}] ')' ('=' expr | block)   -- user function
///                 | 'for' NAME 'in' expr block                           -- over a list, range(…), tensor rows
///                 | 'while' expr block
///                 | 'if' expr block ['else' (block | if-statement)]        -- only the taken branch runs
///                 | 'break' | 'continue' | 'return' [expr]
///                 | NAME {',' NAME} '=' (command | expr)                 -- binding; several unpack a list
///                 | command
///                 | expr                                                -- printed, becomes `_`
///     block      := '{' {sep} [statement {sep {sep} statement}] {sep} '}'    sep := newline | ';'
///     command    := NAME arg {arg}        -- when NAME is followed, after whitespace, by a token that
///                                            starts an argument (NAME, NUMBER, STRING, '[' or '(')
///                                            and not by an operator; same call as NAME(arg, …)
///     arg        := NAME '=' postfix | postfix
///     expr       := compare
///     compare    := additive [('==' | '!=' | '<' | '<=' | '>' | '>=') additive]
///     additive   := term {('+' | '-') term}
///     term       := unary {('*' | '/' | '@') unary}
///     unary      := '-' unary | power
///     power      := postfix ['^' unary]                                 -- right-assoc, binds tighter than unary minus on its left: -x^2 = -(x^2)
///     postfix    := primary { '(' [callargs] ')' | '[' index {',' index} ']' | '.' NAME }
///     callargs   := callarg {',' callarg} [',']
///     callarg    := NAME '=' expr | expr
///     index      := expr | [expr] ':' [expr] [':' [expr]]
///     primary    := NUMBER | STRING | 'true' | 'false' | 'none' | NAME | '(' expr ')'
///                 | '[' [expr {',' expr} [',']] ']'                      -- list / tensor literal
///
/// `x.f(a)` is the same call as `f(x, a)` when `x` has no member or method `f`. Numbers are decimal with an
/// optional fraction and exponent (`2e-3`); strings use double quotes with `\"`, `\\`, `\n`, `\t`.
/// Names bound inside a function's body are local to the call; elsewhere (loops and ifs included) they are
/// the session's.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line within the cell.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A call argument, positional (`label` nil) or by keyword.
public struct Argument: Sendable, Equatable {
    public var label: String?
    public var value: Expr
    public var location: SourceLocation
    public init(label: String?, value: Expr, location: SourceLocation) {
        self.label = label
        self.value = value
        self.location = location
    }
}

/// One item between the brackets of an index: a single position or a slice.
public enum IndexItem: Sendable, Equatable {
    case single(Expr)
    case slice(start: Expr?, end: Expr?, step: Expr?)
}

public indirect enum Expr: Sendable, Equatable {
    case number(Double, SourceLocation)
    case string(String, SourceLocation)
    case bool(Bool, SourceLocation)
    case none(SourceLocation)
    case name(String, SourceLocation)
    case list([Expr], SourceLocation)
    /// `-x`
    case negate(Expr, SourceLocation)
    /// `a op b` with op one of + - * / @ ^ == != < <= > >=; the location is the operator's.
    case binary(String, Expr, Expr, SourceLocation)
    /// `f(args)` or the command form; the location is the callee's.
    case call(Expr, [Argument], SourceLocation)
    /// `x.name`; the location is the name's.
    case member(Expr, String, SourceLocation)
    /// `x[items]`; the location is the `[`.
    case index(Expr, [IndexItem], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .number(_, let l), .string(_, let l), .bool(_, let l), .none(let l), .name(_, let l), .list(_, let l),
             .negate(_, let l), .binary(_, _, _, let l), .call(_, _, let l), .member(_, _, let l), .index(_, _, let l):
            return l
        }
    }
}

public enum Statement: Sendable, Equatable {
    /// `name = expr`
    case assign(String, Expr, SourceLocation)
    /// `a, b = expr`: the list `expr` unpacked into the names.
    case unpack([String], Expr, SourceLocation)
    /// `def name(params) = body`
    case define(String, [String], Expr, SourceLocation)
    /// `def name(params) { statements }`
    case defineBlock(String, [String], [Statement], SourceLocation)
    /// An expression (or command) whose value is shown.
    case expression(Expr)
    /// `for name in expr { body }`; the location is the `for`.
    case forLoop(String, Expr, [Statement], SourceLocation)
    /// `while condition { body }`
    case whileLoop(Expr, [Statement], SourceLocation)
    /// `if condition { then } else { otherwise }` (`else if` nests an `.ifElse` as the only statement).
    case ifElse(Expr, [Statement], [Statement]?, SourceLocation)
    case breakLoop(SourceLocation)
    case continueLoop(SourceLocation)
    case returnValue(Expr?, SourceLocation)
    /// Statements of one cell separated by `;`.
    case sequence([Statement])
}

/// An error in a cell, with its position and a hint. `render(source:)` draws the one-line message,
/// the offending line and a caret under the column.
public struct ShellError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation?
    public var hint: String?

    public init(_ message: String, at location: SourceLocation? = nil, hint: String? = nil) {
        self.message = message
        self.location = location
        self.hint = hint
    }

    public var description: String {
        var s = "error"
        if let location { s += " at \(location)" }
        s += ": \(message)"
        if let hint { s += " (hint: \(hint))" }
        return s
    }

    /// The message, then the source line and a caret under the error's column.
    public func render(source: String) -> String {
        guard let location else { return description }
        // Lines as the lexer counts them: at every "\n" scalar ("\r\n" is one Character, so split scalars).
        let lines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1 && location.line <= lines.count else { return description }
        let line = String(String.UnicodeScalarView(lines[location.line - 1]))
        let caretPad = String(repeating: " ", count: Swift.max(0, location.column - 1))
        return "\(description)\n  \(line)\n  \(caretPad)^"
    }
}
