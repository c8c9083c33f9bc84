import Foundation
import LMCore

/// Small general builtins.
extension Builtins {
    static let utilityBuiltins: [Builtin] = [
        Builtin(name: "print", usage: "print(x, …)", summary: "writes values on one line", keywords: [], example: "print(\"loss\", 2.5, [1, 2])") { interp, a in
            interp.write(a.positional.map { $0.0.display }.joined(separator: " ") + "\n")
            return .none
        },
        Builtin(name: "len", usage: "len(x)", summary: "length of a list or string, size of a tensor's first axis", keywords: [], example: "len(\"hello\")") { _, a in
            try a.expectCount(1...1)
            switch a.positional[0].0 {
            case .list(let l): return .number(Double(l.count))
            case .string(let s): return .number(Double(s.unicodeScalars.count))
            case .tensor(let t):
                guard let n = t.shape.first else {
                    throw ShellError("a tensor of rank 0 has no length", at: a.location(0), hint: "x.size counts its elements")
                }
                return .number(Double(n))
            case let v: throw ShellError("a \(v.kind) has no length", at: a.location(0))
            }
        },
        Builtin(name: "env", usage: "env(\"NAME\", default)", summary: "an environment variable (QUICK=1 shrinks the examples)", keywords: [], example: "env(\"QUICK\", 0)") { interp, a in
            try a.expectCount(1...2)
            let name = try a.positional[0].0.string(at: a.location(0))
            if let v = interp.configuration.environment[name] {
                if let x = Double(v) { return .number(x) }
                return .string(v)
            }
            return a.count > 1 ? a.positional[1].0 : .none
        },
        Builtin(name: "pick", usage: "pick(condition, a, b)", summary: "a when the condition holds, else b (evaluates both)", keywords: [], example: "pick(env(\"QUICK\", 0), 20, 2000)") { _, a in
            try a.expectCount(3...3)
            return try a.positional[0].0.bool(at: a.location(0)) ? a.positional[1].0 : a.positional[2].0
        },
        Builtin(name: "range", usage: "range(end) or range(start, end, step)", summary: "whole numbers from start (0) up to, not including, end; for i in range(n) { … } counts without making the list", keywords: [], example: "range(5)\nrange(2, 10, 3)") { interp, a in
            let r = try interp.rangeBounds(a, at: a.location)
            let n = r.step > 0 ? Swift.max(0, (r.end - r.start + r.step - 1) / r.step) : Swift.max(0, (r.start - r.end - r.step - 1) / -r.step)
            let most = interp.configuration.limits.elements ?? Shape.elementBudget
            guard n <= most else {
                throw ShellError("range(…) would make a list of \(n) numbers, over the limit of \(most)", at: a.location,
                                 hint: "loop over it instead: for i in range(…) { … } never makes the list")
            }
            return .list((0..<n).map { .number(Double(r.start + $0 * r.step)) })
        },
        Builtin(name: "type", usage: "type(x)", summary: "the kind of a value", keywords: [], example: "type(randn(2))") { _, a in
            try a.expectCount(1...1)
            return .string(a.positional[0].0.kind)
        },
    ]
}
