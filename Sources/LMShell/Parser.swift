/// A recursive-descent parser for the grammar in `Syntax.swift`, with one extension: the right side of a
/// binding may be a command, `r = train m text steps=10` (detected as at the start of a cell).
///
/// Every syntax error is a `ShellError` located at the offending token, whose message names what was
/// expected and what was found. Nesting deeper than `Parser.maxDepth` (parentheses, lists, operator chains,
/// postfix chains) is reported as "too deeply nested", so neither the parser nor a tree walker can overflow
/// the stack.
public enum Parser {
    /// The deepest nesting the parser accepts.
    public static let maxDepth = 200

    /// The statement of a cell, or nil when the cell holds only whitespace and comments.
    public static func parse(_ cell: String) throws -> Statement? {
        var p = ParserState(tokens: try Lexer.tokenize(cell))
        return try p.parseCell()
    }

    /// One expression (no statement forms), e.g. for tests or `eval`-like builtins.
    public static func parseExpression(_ text: String) throws -> Expr {
        var p = ParserState(tokens: try Lexer.tokenize(text))
        if p.tok.kind == .end {
            throw ShellError("expected an expression, found end of input", at: p.tok.location)
        }
        let e = try p.parseExpr()
        try p.expectEnd()
        return e
    }
}

struct ParserState {
    let tokens: [Token]
    var pos = 0
    var depth = 0
    /// The `(` of a parenthesized command argument, for a better hint on `f (a, b)`.
    var commandParen: SourceLocation?
    /// Where the statement's expression (the whole cell, the right of '=', or a body) begins: for hints.
    var bodyStart = 0
    /// Loops and function bodies around the statement being parsed (for `break`, `continue`, `return`).
    var loops = 0
    var functions = 0

    init(tokens: [Token]) { self.tokens = tokens }

    var tok: Token { tokens[pos] }

    func peek(_ k: Int) -> Token { tokens[min(pos + k, tokens.count - 1)] }

    var previous: Token? { pos > 0 ? tokens[pos - 1] : nil }

    @discardableResult
    mutating func advance() -> Token {
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    // MARK: Nesting

    mutating func enter() throws {
        depth += 1
        if depth > Parser.maxDepth {
            throw ShellError("too deeply nested", at: tok.location,
                             hint: "at most \(Parser.maxDepth) levels; give parts of the expression names in separate cells")
        }
    }

    // MARK: Statements

    mutating func parseCell() throws -> Statement? {
        if tok.kind == .end { return nil }
        var statements = [try parseStatement()]
        while tok.isOp(";") {
            while tok.isOp(";") { advance() }
            if tok.kind == .end { break }
            statements.append(try parseStatement())
        }
        try expectEnd()
        return statements.count == 1 ? statements[0] : .sequence(statements)
    }

    mutating func parseStatement() throws -> Statement {
        try enter()
        defer { depth -= 1 }
        if tok.isKeyword("def") { return try parseDef() }
        if tok.isKeyword("for") { return try parseFor() }
        if tok.isKeyword("while") {
            let w = advance()
            let condition = try parseCondition(after: "while")
            return .whileLoop(condition, try parseLoopBody(), w.location)
        }
        if tok.isKeyword("if") { return try parseIf() }
        if tok.isKeyword("break") || tok.isKeyword("continue") {
            let t = advance()
            guard loops > 0 else {
                throw ShellError("'\(t.text)' outside a loop", at: t.location, hint: "\(t.text) goes inside for … { } or while … { }")
            }
            return t.text == "break" ? .breakLoop(t.location) : .continueLoop(t.location)
        }
        if tok.isKeyword("return") {
            let r = advance()
            guard functions > 0 else {
                throw ShellError("'return' outside a function", at: r.location, hint: "return goes inside def f(x) { … }")
            }
            if tok.kind == .end || tok.kind == .newline || tok.isOp(";") || tok.isOp("}") { return .returnValue(nil, r.location) }
            bodyStart = pos
            return .returnValue(try parseExpr(), r.location)
        }
        if tok.kind == .name && peek(1).isOp(","), let names = unpackTargets() {
            let first = tok
            pos += names.count * 2  // the names, their commas and the '='
            bodyStart = pos
            let value = isCommandStart ? try parseCommand() : try parseExpr()
            return .unpack(names, value, first.location)
        }
        if tok.kind == .name && peek(1).isOp("=") {
            let name = advance()
            advance()  // '='
            bodyStart = pos
            // `r = train m text steps=10`: a command may stand on the right of a binding.
            let value = isCommandStart ? try parseCommand() : try parseExpr()
            if tok.isOp("=") {
                throw ShellError("expected end of input, found '='", at: tok.location,
                                 hint: "one assignment per cell: split it into two cells")
            }
            return .assign(name.text, value, name.location)
        }
        if isCommandStart { return .expression(try parseCommand()) }
        let start = tok
        let e = try parseExpr()
        if tok.isOp("=") {
            throw ShellError("cannot assign to this", at: start.location, hint: assignHint(e))
        }
        return .expression(e)
    }

    /// `a, b, c =` at the cursor: the names, or nil when this is not an unpacking assignment.
    func unpackTargets() -> [String]? {
        var names: [String] = []
        var k = 0
        while peek(k).kind == .name {
            names.append(peek(k).text)
            if peek(k + 1).isOp("=") { return names.count > 1 ? names : nil }
            guard peek(k + 1).isOp(",") else { return nil }
            k += 2
        }
        return nil
    }

    mutating func parseFor() throws -> Statement {
        let f = advance()
        guard tok.kind == .name else {
            throw ShellError("expected a loop variable after 'for', found \(tok.quoted)", at: tok.location,
                             hint: keywordHint(tok) ?? "for i in range(10) { … }")
        }
        let name = advance()
        guard tok.isKeyword("in") else {
            throw ShellError("expected 'in' after 'for \(name.text)', found \(tok.quoted)", at: tok.location,
                             hint: "for \(name.text) in range(10) { … }")
        }
        advance()
        let sequence = try parseCondition(after: "for \(name.text) in")
        return .forLoop(name.text, sequence, try parseLoopBody(), f.location)
    }

    mutating func parseIf() throws -> Statement {
        let i = advance()
        let condition = try parseCondition(after: "if")
        let then = try parseBlock()
        // `}` then `else` on the next line of a block still belongs to this if.
        if tok.kind == .newline && peek(1).isKeyword("else") { advance() }
        guard tok.isKeyword("else") else { return .ifElse(condition, then, nil, i.location) }
        advance()
        if tok.isKeyword("if") {
            let nested = try parseIf()
            return .ifElse(condition, then, [nested], i.location)
        }
        return .ifElse(condition, then, try parseBlock(), i.location)
    }

    /// The expression after `if`, `while` or `for … in`, which a `{` must follow.
    mutating func parseCondition(after what: String) throws -> Expr {
        if tok.isOp("{") || tok.kind == .end || tok.kind == .newline {
            throw ShellError("expected an expression after '\(what)', found \(tok.quoted)", at: tok.location,
                             hint: "\(what) x > 0 { … }")
        }
        bodyStart = pos
        return try parseExpr()
    }

    mutating func parseLoopBody() throws -> [Statement] {
        loops += 1
        defer { loops -= 1 }
        return try parseBlock()
    }

    /// `{ statements }`, separated by newlines or `;`.
    mutating func parseBlock() throws -> [Statement] {
        guard tok.isOp("{") else {
            var hint = "a block is written { … }, as in if x > 0 { y = 1 }"
            if tok.kind == .end || tok.kind == .newline { hint = "open the block with '{' on the same line" }
            throw ShellError("expected '{', found \(tok.quoted)", at: tok.location, hint: hint)
        }
        let open = advance()
        var body: [Statement] = []
        while true {
            while tok.kind == .newline || tok.isOp(";") { advance() }
            if tok.isOp("}") { break }
            if tok.kind == .end { throw closeError("}", open: open, hint: nil) }
            body.append(try parseStatement())
            if tok.kind == .newline || tok.isOp(";") || tok.isOp("}") { continue }
            if tok.kind == .end { throw closeError("}", open: open, hint: nil) }
            throw ShellError("expected a new line, ';' or '}' after a statement, found \(tok.quoted)", at: tok.location,
                             hint: endHint() ?? "one statement per line in a block, or separate them with ';'")
        }
        advance()  // '}'
        return body
    }

    /// NAME followed, after whitespace, by a token that starts an argument.
    var isCommandStart: Bool { tok.kind == .name && peek(1).spaceBefore && peek(1).startsArgument }

    func assignHint(_ target: Expr) -> String {
        switch target {
        case .call(.name(let f, _), let args, _)
            where args.allSatisfy({ if $0.label == nil, case .name = $0.value { return true } else { return false } }):
            let params = args.compactMap { arg -> String? in
                if case .name(let n, _) = arg.value { return n } else { return nil }
            }
            return "to define a function write def \(f)(\(params.joined(separator: ", "))) = …"
        case .bool, .none:
            return "'\(tokenText(target))' is a keyword, not a name; only a plain name can be assigned: x = …"
        case .binary(let op, _, _, _) where Self.comparisons.contains(op):
            return "only a plain name can be assigned: x = …; '==' compares"
        default:
            return "only a plain name can be assigned: x = …"
        }
    }

    func tokenText(_ e: Expr) -> String {
        switch e {
        case .bool(let b, _): return b ? "true" : "false"
        case .none: return "none"
        default: return ""
        }
    }

    mutating func parseDef() throws -> Statement {
        let def = advance()
        guard tok.kind == .name else {
            throw ShellError("expected a function name after 'def', found \(tok.quoted)", at: tok.location,
                             hint: keywordHint(tok) ?? "def f(x) = x^2 defines f")
        }
        let name = advance()
        guard tok.isOp("(") else {
            throw ShellError("expected '(' after 'def \(name.text)', found \(tok.quoted)", at: tok.location,
                             hint: "list the parameters in parentheses: def \(name.text)(x) = …")
        }
        let open = advance()
        var params: [String] = []
        if !tok.isOp(")") {
            while true {
                if tok.kind == .end { throw closeError(")", open: open, hint: nil) }
                guard tok.kind == .name else {
                    throw ShellError("expected a parameter name, found \(tok.quoted)", at: tok.location,
                                     hint: keywordHint(tok) ?? "parameters are plain names: def f(x, h) = …")
                }
                let p = advance()
                if params.contains(p.text) {
                    throw ShellError("duplicate parameter '\(p.text)'", at: p.location,
                                     hint: "give each parameter its own name")
                }
                params.append(p.text)
                if tok.isOp(",") {
                    advance()
                    continue
                }
                if tok.isOp(")") { break }
                throw closeError(")", open: open, hint: tok.kind == .name ? "separate parameters with ','" : nil)
            }
        }
        advance()  // ')'
        if tok.isOp("{") {
            functions += 1
            let savedLoops = loops
            loops = 0
            defer { functions -= 1; loops = savedLoops }
            return .defineBlock(name.text, params, try parseBlock(), name.location)
        }
        guard tok.isOp("=") else {
            throw ShellError("expected '=' or '{' after the parameters of '\(name.text)', found \(tok.quoted)",
                             at: tok.location, hint: "def \(name.text)(\(params.joined(separator: ", "))) = expression, or a body in { … }")
        }
        advance()
        bodyStart = pos
        let body = try parseExpr()
        _ = def
        return .define(name.text, params, body, name.location)
    }

    func keywordHint(_ t: Token) -> String? {
        t.kind == .keyword ? "'\(t.text)' is a keyword and cannot be a name" : nil
    }

    /// `NAME arg {arg}`: the call NAME(arg, …).
    mutating func parseCommand() throws -> Expr {
        let verb = advance()
        var args: [Argument] = []
        var labels: Set<String> = []
        var sawKeyword = false
        while tok.kind != .end && tok.kind != .newline && !tok.isOp(";") && !tok.isOp("}") {
            guard tok.startsArgument else {
                throw ShellError("expected an argument of '\(verb.text)', found \(tok.quoted)", at: tok.location,
                                 hint: commandArgumentHint(verb: verb))
            }
            guard tok.spaceBefore else {
                throw ShellError("expected a space before the next argument of '\(verb.text)', found \(tok.quoted)",
                                 at: tok.location, hint: "separate the arguments of a command with spaces")
            }
            let start = tok
            if tok.kind == .name && peek(1).isOp("=") {
                let label = advance()
                let eq = advance()
                if labels.contains(label.text) {
                    throw repeatedKeyword(label)
                }
                guard tok.startsArgument else {
                    throw ShellError("expected a value after '\(label.text)=', found \(tok.quoted)",
                                     at: tok.location,
                                     hint: tok.isOp("-") ? "write a negative value in parentheses: \(label.text)=(-1)"
                                         : "a command's keyword value is a name, number, string, list, call or (expression)")
                }
                _ = eq
                let value = try parseArgumentValue()
                labels.insert(label.text)
                sawKeyword = true
                args.append(Argument(label: label.text, value: value, location: label.location))
            } else {
                let value = try parseArgumentValue()
                if sawKeyword { throw positionalAfterKeyword(start) }
                args.append(Argument(label: nil, value: value, location: start.location))
            }
        }
        return .call(.name(verb.text, verb.location), args, verb.location)
    }

    mutating func parseArgumentValue() throws -> Expr {
        let saved = commandParen
        if tok.isOp("(") { commandParen = tok.location }
        defer { commandParen = saved }
        return try parsePostfix(commandArgument: true)
    }

    func commandArgumentHint(verb: Token) -> String {
        if tok.isOp("-") {
            return "in a command, write a negative number or an expression in parentheses: \(verb.text) (-1), or call \(verb.text)(…)"
        }
        if tok.kind == .op && ["+", "*", "/", "@", "^", "==", "!=", "<", "<=", ">", ">="].contains(tok.text) {
            return "command arguments are names, numbers, strings, lists and calls; put an expression in parentheses, as in \(verb.text) (a \(tok.text) b), or call \(verb.text)(…)"
        }
        if tok.isOp(",") {
            return "in a command, arguments are separated by spaces, not commas; or call \(verb.text)(a, b)"
        }
        if tok.isOp(")") || tok.isOp("]") {
            return "unmatched '\(tok.text)': remove it or add the opening bracket"
        }
        return "command arguments are names, numbers, strings, lists, calls and name=value"
    }

    func repeatedKeyword(_ label: Token) -> ShellError {
        ShellError("keyword argument '\(label.text)' repeated", at: label.location,
                   hint: "give each keyword argument once")
    }

    func positionalAfterKeyword(_ start: Token) -> ShellError {
        ShellError("positional argument after keyword argument", at: start.location,
                   hint: "put positional arguments before keyword arguments, as in f(x, n=3)")
    }

    mutating func expectEnd() throws {
        switch tok.kind {
        case .end:
            return
        case .newline:
            let second = peek(1)
            throw ShellError("one statement per cell", at: second.location, hint: "split it into two cells")
        default:
            if tok.isOp(")") || tok.isOp("]") || tok.isOp("}") {
                let opening = tok.text == ")" ? "(" : tok.text == "]" ? "[" : "{"
                throw ShellError("unmatched '\(tok.text)'", at: tok.location,
                                 hint: "remove it or add the opening '\(opening)'")
            }
            throw ShellError("expected end of input, found \(tok.quoted)", at: tok.location, hint: endHint())
        }
    }

    /// Why a statement cannot go on at the cursor, for the error that says so.
    func endHint() -> String? {
        var hint: String?
            if tok.spaceBefore && tok.startsArgument {
                if tokens[bodyStart].kind == .name {
                    hint = "only a plain name starts a command; call with parentheses: f(a, b)"
                } else {
                    hint = "an operator is missing between two values"
                }
            } else if tok.isOp(":") {
                hint = "':' makes a slice, only inside an index: x[1:3]"
            } else if tok.isOp(",") {
                hint = "lmsh has no tuples; for a list write [a, b] (a, b = xs unpacks one)"
            } else if tok.isOp("{") {
                hint = "a block follows if, else, for, while or def only"
            } else if tok.kind == .keyword {
                hint = "'\(tok.text)' starts a statement of its own"
            }
        return hint
    }

    // MARK: Expressions

    mutating func parseExpr() throws -> Expr {
        try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let lhs = try parseAdditive()
        guard tok.kind == .op && Self.comparisons.contains(tok.text) else { return lhs }
        let op = advance()
        let rhs = try parseAdditive()
        if tok.kind == .op && Self.comparisons.contains(tok.text) {
            throw ShellError("comparisons do not chain: found \(tok.quoted) after a comparison", at: tok.location,
                             hint: "compare two at a time and multiply the 0/1 results: (a < b) * (b < c)")
        }
        return .binary(op.text, lhs, rhs, op.location)
    }

    mutating func parseAdditive() throws -> Expr {
        let saved = depth
        defer { depth = saved }
        var e = try parseTerm()
        while tok.isOp("+") || tok.isOp("-") {
            let op = advance()
            try enter()
            let rhs = try parseTerm()
            e = .binary(op.text, e, rhs, op.location)
        }
        return e
    }

    mutating func parseTerm() throws -> Expr {
        let saved = depth
        defer { depth = saved }
        var e = try parseUnary()
        while tok.isOp("*") || tok.isOp("/") || tok.isOp("@") {
            let op = advance()
            try enter()
            let rhs = try parseUnary()
            e = .binary(op.text, e, rhs, op.location)
        }
        return e
    }

    mutating func parseUnary() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        if tok.isOp("-") {
            let minus = advance()
            return .negate(try parseUnary(), minus.location)
        }
        return try parsePower()
    }

    mutating func parsePower() throws -> Expr {
        let base = try parsePostfix(commandArgument: false)
        guard tok.isOp("^") else { return base }
        let op = advance()
        let exponent = try parseUnary()
        return .binary("^", base, exponent, op.location)
    }

    /// `primary { '(' callargs ')' | '[' index {',' index} ']' | '.' NAME }`. In a command argument a
    /// postfix operator must follow without a space (`f x [0]` has two arguments).
    mutating func parsePostfix(commandArgument: Bool) throws -> Expr {
        var e = try parsePrimary()
        let saved = depth
        defer { depth = saved }
        while tok.kind == .op && !(commandArgument && tok.spaceBefore) {
            if tok.isOp("(") {
                let open = advance()
                try enter()
                let args = try parseCallArguments(open: open)
                e = .call(e, args, e.location)
            } else if tok.isOp("[") {
                let open = advance()
                try enter()
                let items = try parseIndexItems(open: open)
                e = .index(e, items, open.location)
            } else if tok.isOp(".") {
                let dot = advance()
                guard tok.kind == .name else {
                    var hint = keywordHint(tok)
                    if case .number = e, hint == nil {
                        hint = "write a decimal number with a digit after the '.', as in 1.0"
                    }
                    throw ShellError("expected a name after '.', found \(tok.quoted)", at: tok.location,
                                     hint: hint ?? "a member is written x.name, as in a.grad or loss.backward()")
                }
                _ = dot
                try enter()
                let name = advance()
                e = .member(e, name.text, name.location)
            } else {
                break
            }
        }
        return e
    }

    mutating func parseCallArguments(open: Token) throws -> [Argument] {
        var args: [Argument] = []
        var labels: Set<String> = []
        var sawKeyword = false
        while !tok.isOp(")") {
            if tok.kind == .end { throw closeError(")", open: open, hint: nil) }
            let start = tok
            if tok.kind == .name && peek(1).isOp("=") {
                let label = advance()
                advance()  // '='
                if labels.contains(label.text) { throw repeatedKeyword(label) }
                let value = try parseExpr()
                labels.insert(label.text)
                sawKeyword = true
                args.append(Argument(label: label.text, value: value, location: label.location))
            } else {
                let value = try parseExpr()
                if sawKeyword { throw positionalAfterKeyword(start) }
                args.append(Argument(label: nil, value: value, location: start.location))
            }
            if tok.isOp(",") {
                advance()
                continue
            }
            if tok.isOp(")") { break }
            var hint: String?
            if tok.isOp("=") {
                hint = "a keyword argument is written name=value"
            } else if tok.isOp(":") {
                hint = "':' makes a slice, only inside an index: x[1:3]"
            } else if tok.startsArgument {
                hint = "separate arguments with ','"
            }
            throw closeError(")", open: open, hint: hint)
        }
        advance()  // ')'
        return args
    }

    mutating func parseIndexItems(open: Token) throws -> [IndexItem] {
        if tok.isOp("]") {
            throw ShellError("expected an index after '[', found ']'", at: tok.location,
                             hint: "an index is a position or a slice, as in x[0], x[-1] or x[1:3, :]")
        }
        var items: [IndexItem] = []
        while true {
            if tok.kind == .end { throw closeError("]", open: open, hint: nil) }
            items.append(try parseIndexItem())
            if tok.isOp(",") {
                advance()
                continue
            }
            if tok.isOp("]") { break }
            throw closeError("]", open: open, hint: tok.startsArgument ? "separate indices with ','" : nil)
        }
        advance()  // ']'
        return items
    }

    /// `expr | [expr] ':' [expr] [':' [expr]]`
    mutating func parseIndexItem() throws -> IndexItem {
        var start: Expr?
        if !tok.isOp(":") {
            let e = try parseExpr()
            guard tok.isOp(":") else { return .single(e) }
            start = e
        }
        advance()  // ':'
        var end: Expr?
        if !(tok.isOp(":") || tok.isOp(",") || tok.isOp("]")) { end = try parseExpr() }
        var step: Expr?
        if tok.isOp(":") {
            advance()
            if !(tok.isOp(",") || tok.isOp("]")) { step = try parseExpr() }
        }
        return .slice(start: start, end: end, step: step)
    }

    mutating func parsePrimary() throws -> Expr {
        let t = tok
        switch t.kind {
        case .number:
            advance()
            return .number(t.number, t.location)
        case .string:
            advance()
            return .string(t.string, t.location)
        case .name:
            advance()
            return .name(t.text, t.location)
        case .keyword where t.text == "true" || t.text == "false":
            advance()
            return .bool(t.text == "true", t.location)
        case .keyword where t.text == "none":
            advance()
            return .none(t.location)
        case .op where t.text == "(":
            let open = advance()
            if tok.kind == .end { throw closeError(")", open: open, hint: nil) }
            let e = try parseExpr()
            guard tok.isOp(")") else {
                var hint: String?
                if tok.isOp(",") {
                    hint = open.location == commandParen
                        ? "in a command, arguments are separated by spaces: f a b; or call with parentheses right after the name: f(a, b)"
                        : "lmsh has no tuples; for a list write [a, b]"
                } else if tok.isOp("=") {
                    hint = "keyword arguments go in a call: f(name=value)"
                } else if tok.startsArgument {
                    hint = "an operator is missing between two values"
                }
                throw closeError(")", open: open, hint: hint)
            }
            advance()
            return e
        case .op where t.text == "[":
            let open = advance()
            var items: [Expr] = []
            while !tok.isOp("]") {
                if tok.kind == .end { throw closeError("]", open: open, hint: nil) }
                items.append(try parseExpr())
                if tok.isOp(",") {
                    advance()
                    continue
                }
                if tok.isOp("]") { break }
                var hint: String?
                if tok.startsArgument {
                    hint = "separate list items with ','"
                } else if tok.isOp(":") {
                    hint = "':' makes a slice, only inside an index: x[1:3]"
                }
                throw closeError("]", open: open, hint: hint)
            }
            advance()
            return .list(items, open.location)
        default:
            throw expectedExpression()
        }
    }

    func expectedExpression() -> ShellError {
        let after = previous.map { " after \($0.quoted)" } ?? ""
        var hint: String?
        switch tok.kind {
        case .newline:
            hint = "a newline ends the cell; continue a line with '\\' at its end, or inside brackets"
        case .keyword where tok.text == "def":
            hint = "'def' starts a definition at the beginning of a cell: def f(x) = x^2"
        case .op:
            if let p = previous, p.isOp("*") || p.isOp("^"), tok.isOp("*") {
                hint = "write x^2 for a power"
            } else if tok.isOp("+") {
                hint = "leave out the unary '+'"
            } else if tok.isOp(":") {
                hint = "':' makes a slice, only inside an index: x[1:3]"
            } else if tok.isOp("=") {
                hint = "'=' assigns, only as in x = …; '==' compares"
            } else if tok.isOp(")") && previous?.isOp("(") == true {
                hint = "'()' is not a value"
            }
        default:
            break
        }
        return ShellError("expected an expression\(after), found \(tok.quoted)", at: tok.location, hint: hint)
    }

    func closeError(_ close: String, open: Token, hint: String?) -> ShellError {
        var hint = hint
        if hint == nil && (tok.isOp(")") || tok.isOp("]")) && tok.text != close {
            hint = "brackets do not match: '\(open.text)' at \(open.location) is closed by '\(tok.text)'"
        }
        return ShellError("expected '\(close)' to close '\(open.text)' at \(open.location), found \(tok.quoted)",
                          at: tok.location, hint: hint)
    }
}
