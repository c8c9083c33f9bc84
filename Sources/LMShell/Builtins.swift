/// A verb of the language: how `:help` shows it, which keywords it takes, and what it does.
struct Builtin: Sendable {
    var name: String
    /// Usage line, e.g. `randn(d1, d2, …, seed=0, grad=false)`.
    var usage: String
    var summary: String
    var keywords: [String]
    var run: @Sendable (Interpreter, inout CallArgs) throws -> Value
}

/// Every builtin, by name.
enum Builtins {
    static let table: [String: Builtin] = {
        var t: [String: Builtin] = [:]
        for b in tensorBuiltins + autodiffBuiltins + modelBuiltins + utilityBuiltins { t[b.name] = b }
        return t
    }()

    /// Usage and summary of a builtin, for `:help NAME`.
    public static func help(_ name: String) -> String? {
        guard let b = table[name] else { return nil }
        return "\(b.usage)\n  \(b.summary)"
    }

    /// One line per builtin, for `:help`.
    public static var overview: String {
        table.values.sorted { $0.name < $1.name }.map { "  \($0.usage)" }.joined(separator: "\n")
    }
}

extension Interpreter {
    /// Help for a topic (a builtin name) or the list of builtins.
    public func help(_ topic: String?) -> String {
        if let topic, !topic.isEmpty {
            return Builtins.help(topic) ?? "no help for '\(topic)'" + (Suggest.hint(for: topic, among: Array(Builtins.table.keys)).map { " (\($0))" } ?? "")
        }
        return "builtins:\n" + Builtins.overview
    }

    /// Keyword names of a builtin (for completion).
    public static func keywords(of name: String) -> [String] { Builtins.table[name]?.keywords ?? [] }

    /// Names of all builtins (for completion).
    public static var builtinNames: [String] { Builtins.table.keys.sorted() }
}
