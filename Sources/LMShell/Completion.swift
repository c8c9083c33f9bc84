import Foundation

/// Tab completion for the REPL, as a pure function of the line, the cursor and the interpreter's state
/// (the libedit glue lives in the `lmsh` executable).
///
/// What is completed at the cursor:
/// - inside an open double-quoted string: a file path, relative to `Interpreter.baseDirectory`
///   (folders end with `/`; hidden files only when the typed name starts with `.`);
/// - after `NAME.` (a plain dotted path such as `m.rnn.`): the members of the value the path names,
///   found without running anything (only variable lookups and member reads);
/// - a name: variables, builtins and `true false none def`, and, where an argument starts, the keywords
///   of the verb being called (`randn(3, se` → `seed=`) or run as a command (`train m text st` → `steps=`);
///   when the typed prefix matches keywords, only they are offered;
/// - after `:` at the start of a line: the meta commands; after `:help `, builtin names; after `:load `, paths.
///
/// Offsets (`cursor` and the returned `start`) count Unicode scalars, as libedit's wide-character
/// positions do. Each candidate replaces the text from `start` to the cursor.
public enum Completion {
    public static let metaCommands = [":help", ":vars", ":history", ":time", ":profile", ":save", ":export", ":reset", ":load", ":replay", ":trust", ":quit"]

    public static func candidates(line: String, cursor: Int, interpreter: Interpreter) -> (start: Int, candidates: [String]) {
        let s = Array(line.unicodeScalars.prefix(max(0, cursor)))
        let cursor = s.count

        // Meta commands (`:help tra`, `:load ex`).
        let leading = s.prefix(while: { $0 == " " || $0 == "\t" }).count
        if leading < s.count, s[leading] == ":" {
            return meta(s, from: leading, interpreter: interpreter)
        }

        // Strings and comments up to the cursor: inside a string, complete a path.
        var scan = Scan()
        for i in 0..<s.count { scan.feed(s, i) }
        if scan.inComment { return (cursor, []) }
        if let open = scan.stringStart {
            let typed = String(String.UnicodeScalarView(s[(open + 1)...]))
            return (open + 1, paths(typed, interpreter: interpreter))
        }

        // The name being typed.
        var ws = cursor
        while ws > 0 && isNameChar(s[ws - 1]) { ws -= 1 }
        let word = String(String.UnicodeScalarView(s[ws...]))
        if let first = word.unicodeScalars.first, isDigit(first) { return (cursor, []) }

        // Members after a dot.
        if ws > 0 && s[ws - 1] == "." {
            var ps = ws - 1
            while ps > 0 && (isNameChar(s[ps - 1]) || s[ps - 1] == ".") { ps -= 1 }
            let path = String(String.UnicodeScalarView(s[ps..<(ws - 1)]))
            if ps > 0 && (s[ps - 1] == ")" || s[ps - 1] == "]" || s[ps - 1] == "\"") { return (ws, []) }
            let names = interpreter.memberNames(ofExpression: path)
            return (ws, unique(names.filter { $0.hasPrefix(word) }.sorted()))
        }

        var result: [String] = []
        if let verb = verbTakingArgument(s, wordStart: ws, stack: scan.brackets) {
            let given = givenKeywords(s, from: verb.argsStart, to: ws)
            result += interpreter.keywordNames(of: verb.name)
                .filter { $0.hasPrefix(word) && !given.contains($0) }
                .sorted().map { $0 + "=" }
        }
        // A typed prefix that matches keywords means a keyword (`train m text st` → `steps=`, not `stack`).
        if !word.isEmpty && !result.isEmpty { return (ws, result) }
        // `def` only where a statement starts.
        let lineStart = s[..<ws].lastIndex(of: "\n").map { $0 + 1 } ?? 0
        let atStatementStart = scan.brackets.isEmpty && s[lineStart..<ws].allSatisfy { $0 == " " || $0 == "\t" }
        let names = interpreter.knownNames + Lexer.keywords.filter { $0 != "def" || atStatementStart }
        result += names.filter { $0.hasPrefix(word) }.sorted()
        return (ws, unique(result))
    }

    // MARK: - Contexts

    /// The verb whose argument starts at `ws`: the callee of the innermost open `(` when the word follows
    /// `(` or `,`, or, outside brackets, the command at the start of the statement when the word follows
    /// a space. `argsStart` is where its arguments begin (for keywords already given).
    static func verbTakingArgument(_ s: [Unicode.Scalar], wordStart ws: Int, stack: [Int]) -> (name: String, argsStart: Int)? {
        var p = ws
        while p > 0 && (s[p - 1] == " " || s[p - 1] == "\t" || s[p - 1] == "\n") { p -= 1 }
        if let open = stack.last {
            guard s[open] == "(", p > 0, s[p - 1] == "(" || s[p - 1] == "," else { return nil }
            var e = open
            while e > 0 && (s[e - 1] == " " || s[e - 1] == "\t") { e -= 1 }
            var b = e
            while b > 0 && isNameChar(s[b - 1]) { b -= 1 }
            guard b < e, !isDigit(s[b]) else { return nil }
            return (String(String.UnicodeScalarView(s[b..<e])), open + 1)
        }
        // A command: `[NAME =] VERB arg arg … word`, the word after whitespace.
        guard p < ws, p > 0 else { return nil }
        let statementStart = (s.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
        var i = statementStart
        func skipSpace() { while i < ws && (s[i] == " " || s[i] == "\t") { i += 1 } }
        func name() -> String? {
            let b = i
            guard i < ws, isNameStart(s[i]) else { return nil }
            while i < ws && isNameChar(s[i]) { i += 1 }
            return String(String.UnicodeScalarView(s[b..<i]))
        }
        skipSpace()
        guard var verb = name() else { return nil }
        let afterVerb = i
        skipSpace()
        if i < ws, s[i] == "=", i + 1 >= ws || s[i + 1] != "=" {
            i += 1
            skipSpace()
            guard let v = name() else { return nil }
            verb = v
        } else {
            i = afterVerb
        }
        // The verb must be followed by whitespace and must not be the word itself.
        guard i < ws, s[i] == " " || s[i] == "\t" else { return nil }
        return (verb, i)
    }

    /// Keyword names followed by `=` (not `==`) between `from` and `to`.
    static func givenKeywords(_ s: [Unicode.Scalar], from: Int, to: Int) -> Set<String> {
        var out: Set<String> = []
        var i = from
        while i < to {
            if isNameStart(s[i]) && (i == 0 || !isNameChar(s[i - 1])) {
                let b = i
                while i < to && isNameChar(s[i]) { i += 1 }
                if i < to, s[i] == "=", i + 1 >= to || s[i + 1] != "=" {
                    out.insert(String(String.UnicodeScalarView(s[b..<i])))
                }
            } else {
                i += 1
            }
        }
        return out
    }

    static func meta(_ s: [Unicode.Scalar], from colon: Int, interpreter: Interpreter) -> (start: Int, candidates: [String]) {
        let rest = s[colon...]
        if let space = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            let command = String(String.UnicodeScalarView(s[colon..<space]))
            var a = space
            while a < s.count && (s[a] == " " || s[a] == "\t") { a += 1 }
            let typed = String(String.UnicodeScalarView(s[a...]))
            switch command {
            case ":help":
                return (a, Interpreter.builtinNames.filter { $0.hasPrefix(typed) })
            case ":load", ":replay":
                return (a, paths(typed, interpreter: interpreter))
            default:
                return (s.count, [])
            }
        }
        let typed = String(String.UnicodeScalarView(rest))
        return (colon, metaCommands.filter { $0.hasPrefix(typed) })
    }

    // MARK: - Paths

    /// Entries of the folder named by `typed` up to its last `/`, whose names start with the rest.
    static func paths(_ typed: String, interpreter: Interpreter) -> [String] {
        let dirPart: String, namePart: String
        if let slash = typed.lastIndex(of: "/") {
            dirPart = String(typed[...slash])
            namePart = String(typed[typed.index(after: slash)...])
        } else {
            dirPart = ""
            namePart = typed
        }
        let folder: URL
        if dirPart.hasPrefix("/") {
            folder = URL(fileURLWithPath: dirPart)
        } else if dirPart.hasPrefix("~/") {
            folder = URL(fileURLWithPath: NSString(string: dirPart).expandingTildeInPath)
        } else {
            folder = interpreter.configuration.baseDirectory.appendingPathComponent(dirPart)
        }
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: folder.path) else { return [] }
        return entries
            .filter { $0.hasPrefix(namePart) && (namePart.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { entry in
                var isDir: ObjCBool = false
                let full = folder.appendingPathComponent(entry).path
                let dir = fm.fileExists(atPath: full, isDirectory: &isDir) && isDir.boolValue
                return dirPart + entry + (dir ? "/" : "")
            }
    }

    // MARK: - Scanning

    /// Open strings, comments and brackets up to the cursor.
    struct Scan {
        var stringStart: Int?
        var escaped = false
        var inComment = false
        /// Positions of the open `(` and `[`.
        var brackets: [Int] = []

        mutating func feed(_ s: [Unicode.Scalar], _ i: Int) {
            let c = s[i]
            if inComment {
                if c == "\n" { inComment = false }
                return
            }
            if stringStart != nil {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" || c == "\n" { stringStart = nil }
                return
            }
            switch c {
            case "\"": stringStart = i
            case "#": inComment = true
            case "(", "[": brackets.append(i)
            case ")", "]": if !brackets.isEmpty { brackets.removeLast() }
            default: break
            }
        }
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool { Lexer.isNameStart(c) }
    static func isNameChar(_ c: Unicode.Scalar) -> Bool { Lexer.isNameChar(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { Lexer.isDigit(c) }

    static func unique(_ xs: [String]) -> [String] {
        var seen: Set<String> = []
        return xs.filter { seen.insert($0).inserted }
    }
}

extension Interpreter {
    /// Members of the value a plain dotted path names (`m`, `m.rnn`, `text.train`), or none. Runs nothing:
    /// only variable lookups and member reads, never calls.
    public func memberNames(ofExpression text: String) -> [String] {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty, var value = variables[first] else { return [] }
        for part in parts.dropFirst() {
            guard !part.isEmpty, let next = Members.get(value, part, at: SourceLocation(line: 1, column: 1)) else { return [] }
            value = next
        }
        return Members.names(value)
    }

    /// Keywords a verb takes: a builtin's keywords, or a user function's parameters (for completion).
    public func keywordNames(of name: String) -> [String] {
        if case .function(let f)? = variables[name] { return f.parameters }
        return Interpreter.keywords(of: name)
    }
}
