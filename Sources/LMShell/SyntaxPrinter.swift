/// A compact S-expression form of syntax trees, without locations: for tests, debugging and error reports.
///
///     a + b * c              (+ a (* b c))
///     -x^2                   (neg (^ x 2))
///     f(a, n=2)              (call f a n=2)
///     loss.backward()        (call (. loss backward))
///     x[1:3, :, ::2, 0]      (index x (: 1 3) (: _ _) (: _ _ 2) 0)
///     [1, "a", true, none]   (list 1 "a" true none)
///     x = 1                  (= x 1)
///     def f(x, h) = x        (def f (x h) x)
///     for i in r { a; b }    (for i r (block a b))
///     h, c = s               (= (h c) s)
///
/// Numbers print as integers when they are whole (and not huge), else in Swift's shortest form (`0.002`);
/// strings print with double quotes and the lexer's escapes.
extension Expr: CustomDebugStringConvertible {
    public var sExpression: String {
        switch self {
        case .number(let v, _): return SyntaxPrinter.number(v)
        case .string(let s, _): return SyntaxPrinter.quote(s)
        case .bool(let b, _): return b ? "true" : "false"
        case .none: return "none"
        case .name(let n, _): return n
        case .list(let items, _): return SyntaxPrinter.form("list", items.map(\.sExpression))
        case .negate(let e, _): return "(neg \(e.sExpression))"
        case .binary(let op, let a, let b, _): return "(\(op) \(a.sExpression) \(b.sExpression))"
        case .call(let f, let args, _): return SyntaxPrinter.form("call", [f.sExpression] + args.map(\.sExpression))
        case .member(let e, let name, _): return "(. \(e.sExpression) \(name))"
        case .index(let e, let items, _): return SyntaxPrinter.form("index", [e.sExpression] + items.map(\.sExpression))
        }
    }

    public var debugDescription: String { sExpression }
}

extension Argument: CustomDebugStringConvertible {
    /// `value` or `label=value`.
    public var sExpression: String {
        if let label { return "\(label)=\(value.sExpression)" }
        return value.sExpression
    }

    public var debugDescription: String { sExpression }
}

extension IndexItem: CustomDebugStringConvertible {
    /// A position, or `(: start end)` / `(: start end step)` with `_` for a missing part.
    public var sExpression: String {
        switch self {
        case .single(let e):
            return e.sExpression
        case .slice(let start, let end, let step):
            var parts = [start?.sExpression ?? "_", end?.sExpression ?? "_"]
            if let step { parts.append(step.sExpression) }
            return SyntaxPrinter.form(":", parts)
        }
    }

    public var debugDescription: String { sExpression }
}

extension Statement: CustomDebugStringConvertible {
    /// `(= name value)`, `(def name (params) body)`, or the expression's form.
    public var sExpression: String {
        switch self {
        case .assign(let name, let value, _):
            return "(= \(name) \(value.sExpression))"
        case .unpack(let names, let value, _):
            return "(= (\(names.joined(separator: " "))) \(value.sExpression))"
        case .define(let name, let params, let body, _):
            return "(def \(name) (\(params.joined(separator: " "))) \(body.sExpression))"
        case .defineBlock(let name, let params, let body, _):
            return "(def \(name) (\(params.joined(separator: " "))) \(Statement.block(body)))"
        case .expression(let e):
            return e.sExpression
        case .forLoop(let name, let seq, let body, _):
            return "(for \(name) \(seq.sExpression) \(Statement.block(body)))"
        case .whileLoop(let cond, let body, _):
            return "(while \(cond.sExpression) \(Statement.block(body)))"
        case .ifElse(let cond, let then, let otherwise, _):
            return "(if \(cond.sExpression) \(Statement.block(then))" + (otherwise.map { " " + Statement.block($0) } ?? "") + ")"
        case .breakLoop: return "(break)"
        case .continueLoop: return "(continue)"
        case .returnValue(let e, _): return e.map { "(return \($0.sExpression))" } ?? "(return)"
        case .sequence(let items): return Statement.block(items)
        }
    }

    public var debugDescription: String { sExpression }

    static func block(_ body: [Statement]) -> String { SyntaxPrinter.form("block", body.map(\.sExpression)) }
}

enum SyntaxPrinter {
    static func form(_ head: String, _ parts: [String]) -> String {
        parts.isEmpty ? "(\(head))" : "(\(head) \(parts.joined(separator: " ")))"
    }

    static func number(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && Swift.abs(v) < 1e15 {
            return v == 0 && v.sign == .minus ? "-0" : String(Int64(v))
        }
        return "\(v)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
