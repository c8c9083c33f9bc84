/// A verb of the language: how `:help` shows it, which keywords it takes, and what it does.
struct Builtin: Sendable {
    var name: String
    /// Usage line, e.g. `randn(d1, d2, …, seed=0, grad=false)`.
    var usage: String
    var summary: String
    var keywords: [String]
    /// Cells to try, one per line, each runnable in a fresh session (model examples read `input.txt`).
    var example: String
    var run: @Sendable (Interpreter, inout CallArgs) throws -> Value
}

/// Every builtin, by name.
enum Builtins {
    static let table: [String: Builtin] = {
        var t: [String: Builtin] = [:]
        for b in tensorBuiltins + autodiffBuiltins + modelBuiltins + inspectBuiltins + stateBuiltins + pictureBuiltins + utilityBuiltins + optimizerBuiltins + batchBuiltins + recurrentBuiltins + wordBuiltins + headBuiltins + attentionBuiltins + transformerBuiltins { t[b.name] = b }
        return t
    }()

    /// Usage, summary, keywords with their defaults and an example of a builtin, for `:help NAME`.
    public static func help(_ name: String) -> String? {
        guard let b = table[name] else { return nil }
        var lines = [b.usage, "  \(b.summary)"]
        if b.keywords.isEmpty {
            lines.append("  keywords: none")
        } else {
            let defaults = keywordDefaults(b.usage)
            lines.append("  keywords: " + b.keywords.map { k in defaults[k].map { "\(k)=\($0)" } ?? k }.joined(separator: ", "))
        }
        lines.append("  example:")
        lines += b.example.split(separator: "\n").map { "    \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Every builtin's keyword defaults, read once from its usage line: the one table of defaults, which
    /// `:help`, completion and the builtins themselves (`int(a, "hidden")`) all read.
    static let defaults: [String: [String: String]] = table.mapValues { keywordDefaults($0.usage) }

    /// The default of keyword `k` of the builtin `a` calls, as its usage line writes it.
    static func defaultValue(_ a: CallArgs, _ k: String) throws -> Value {
        guard let text = defaults[a.name]?[k] else {
            throw ShellError("\(a.name): keyword \(k) has no default in its usage line", at: a.location)
        }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { return .string(String(text.dropFirst().dropLast())) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        if text == "[]" { return .list([]) }
        if text == "none" { return .none }
        if let x = Double(text) { return .number(x) }
        throw ShellError("\(a.name): the default \(k)=\(text) in its usage line is not a value", at: a.location)
    }

    /// The `name=default` pairs written in a usage line (a default runs to the next `,`, `)` or space
    /// outside double quotes).
    static func keywordDefaults(_ usage: String) -> [String: String] {
        var out: [String: String] = [:]
        let s = Array(usage)
        var i = 0
        while i < s.count {
            guard s[i] == "=", i > 0 else { i += 1; continue }
            var j = i - 1
            while j >= 0 && (s[j].isLetter || s[j].isNumber || s[j] == "_") { j -= 1 }
            let name = String(s[(j + 1)..<i])
            var k = i + 1, quoted = false
            while k < s.count {
                if s[k] == "\"" { quoted.toggle() } else if !quoted && (s[k] == "," || s[k] == ")" || s[k] == " ") { break }
                k += 1
            }
            if !name.isEmpty && out[name] == nil { out[name] = String(s[(i + 1)..<k]) }
            i = k
        }
        return out
    }

    /// One line per builtin, for `:help`.
    public static var overview: String {
        table.values.sorted { $0.name < $1.name }.map { "  \($0.usage)" }.joined(separator: "\n")
    }
}

/// `:help for`, `:help def`, …: the statements of the language, as the grammar in `Syntax.swift` has them.
enum LanguageHelp {
    static let topics: [String: String] = [
        "for": """
            for NAME in SEQUENCE { … }
              runs the block once per item: range(n) (counted, never made into a list), a list, a tensor's rows, a string's characters
              example:
                for i in range(100) {
                  x, y = batch(text, i)
                  loss = cross_entropy(W[x], y)
                  loss.backward()
                  opt.step()
                  opt.zero_grad()
                }
            """,
        "while": """
            while CONDITION { … }
              runs the block while the condition holds (a bool, a number, or a one-element tensor that is not 0)
              example:
                while x > 1 { x = x / 2 }
            """,
        "if": """
            if CONDITION { … } else if CONDITION { … } else { … }
              runs only the branch taken (so a recursive def ends)
              example:
                if loss < best { best = loss } else { print("worse") }
            """,
        "def": """
            def NAME(PARAMS) = EXPRESSION    or    def NAME(PARAMS) { … return VALUE }
              a function; names bound in its body are local to the call
              example:
                def coupled_step(x, state) {
                  h, c = state
                  f = sigmoid(x @ Wxf + h @ Whf + bf)
                  ...
                  return [h2, c2]
                }
            """,
        "return": "return VALUE\n  leaves the function with VALUE (none without one); only in a def's { … } body",
        "break": "break\n  leaves the innermost for or while loop",
        "continue": "continue\n  goes on with the next iteration of the innermost for or while loop",
    ]

    static func text(_ topic: String) -> String? {
        topics[topic] ?? (["else", "in"].contains(topic) ? topics[topic == "in" ? "for" : "if"] : nil)
    }
}

extension Interpreter {
    /// Help for a topic (a builtin name or a statement keyword) or the list of builtins.
    public func help(_ topic: String?) -> String {
        if let topic, !topic.isEmpty {
            return Builtins.help(topic) ?? LanguageHelp.text(topic) ?? "no help for '\(topic)'" + (Suggest.hint(for: topic, among: Array(Builtins.table.keys)).map { " (\($0))" } ?? "")
        }
        return "builtins:\n" + Builtins.overview + "\nstatements (:help for, while, if, def, return, break, continue):\n  for i in range(n) { … }   while c { … }   if c { … } else { … }   def f(x) { … return y }   a, b = [x, y]   s1; s2"
    }

    /// Keyword names of a builtin (for completion).
    public static func keywords(of name: String) -> [String] { Builtins.table[name]?.keywords ?? [] }

    /// Names of all builtins (for completion).
    public static var builtinNames: [String] { Builtins.table.keys.sorted() }
}
