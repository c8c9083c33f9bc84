import LMCore

/// The infix and prefix operators on numbers, tensors, strings and lists.
enum Operators {
    static func negate(_ v: Value, at loc: SourceLocation) throws -> Value {
        switch v {
        case .number(let x): return .number(-x)
        case .tensor(let t): return .tensor(t.neg())
        case .list: return .tensor(try Value.literalTensor(v, at: loc).neg())
        default: throw ShellError("cannot negate a \(v.kind)", at: loc)
        }
    }

    static func binary(_ op: String, _ a: Value, _ b: Value, at loc: SourceLocation) throws -> Value {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            switch op {
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            case "/": return .number(x / y)
            case "^": return .number(Foundation.pow(x, y))
            case "==": return .bool(x == y)
            case "!=": return .bool(x != y)
            case "<": return .bool(x < y)
            case "<=": return .bool(x <= y)
            case ">": return .bool(x > y)
            case ">=": return .bool(x >= y)
            case "@": throw ShellError("@ multiplies matrices, not numbers", at: loc, hint: "use * for numbers")
            default: break
            }
        case (.string(let x), .string(let y)):
            switch op {
            case "+": return .string(x + y)
            case "==": return .bool(x == y)
            case "!=": return .bool(x != y)
            default: throw ShellError("strings support + (join), == and !=, not \(op)", at: loc)
            }
        case (.bool(let x), .bool(let y)) where op == "==" || op == "!=":
            return .bool((x == y) == (op == "=="))
        case (.list(let x), .list(let y)) where op == "+":
            return .list(x + y)
        default:
            break
        }
        // Tensor arithmetic; numbers and literal lists become tensors.
        let ta = try a.tensor(at: loc, "a number or tensor on the left of \(op)")
        let tb = try b.tensor(at: loc, "a number or tensor on the right of \(op)")
        return .tensor(try at(loc) {
            switch op {
            case "+": return try ta.add(tb)
            case "-": return try ta.sub(tb)
            case "*": return try ta.mul(tb)
            case "/": return try ta.div(tb)
            case "@": return try ta.matmul(tb)
            case "^":
                if case .number(let p) = b { return ta.pow(Float(p)) }
                return try ta.pow(tb)
            case "==": return try ta.eq(tb)
            case "!=": return try ta.ne(tb)
            case "<": return try ta.lt(tb)
            case "<=": return try ta.le(tb)
            case ">": return try ta.gt(tb)
            case ">=": return try ta.ge(tb)
            default: throw ShellError("unknown operator \(op)", at: loc)
            }
        })
    }
}

import Foundation
