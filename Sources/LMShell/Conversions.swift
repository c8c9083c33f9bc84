import LMCore

/// Reading argument values as the types builtins need, with positioned errors.
extension Value {
    func tensor(at loc: SourceLocation, _ what: String = "a tensor") throws -> Tensor {
        switch self {
        case .tensor(let t): return t
        case .number(let x): return Tensor(Float(x))
        case .bool(let b): return Tensor(b ? 1 : 0)
        case .list: return try Value.literalTensor(self, at: loc)
        default: throw ShellError("expected \(what), got a \(kind)", at: loc)
        }
    }

    func number(at loc: SourceLocation, _ what: String = "a number") throws -> Double {
        switch self {
        case .number(let x): return x
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t) where t.count == 1: return Double(t.data[0])
        default: throw ShellError("expected \(what), got a \(kind)", at: loc)
        }
    }

    func int(at loc: SourceLocation, _ what: String = "a whole number") throws -> Int {
        let x = try number(at: loc, what)
        guard x.isFinite, x == x.rounded(), Swift.abs(x) < 9e15 else {
            throw ShellError("expected \(what), got \(Value.format(x))", at: loc)
        }
        return Int(x)
    }

    func string(at loc: SourceLocation, _ what: String = "a string") throws -> String {
        guard case .string(let s) = self else { throw ShellError("expected \(what) in double quotes, got a \(kind)", at: loc) }
        return s
    }

    func bool(at loc: SourceLocation) throws -> Bool {
        switch self {
        case .bool(let b): return b
        case .number(let x): return x != 0
        default: throw ShellError("expected true or false, got a \(kind)", at: loc)
        }
    }

    /// A nested list of numbers as a tensor (ragged lists are an error).
    static func literalTensor(_ v: Value, at loc: SourceLocation) throws -> Tensor {
        func nest(_ v: Value, depth: Int) throws -> NestedFloats {
            guard depth < 64 else { throw ShellError("tensor literal nested too deeply", at: loc) }
            switch v {
            case .number(let x): return .scalar(Float(x))
            case .bool(let b): return .scalar(b ? 1 : 0)
            case .list(let items): return .list(try items.map { try nest($0, depth: depth + 1) })
            case .tensor(let t) where t.rank == 0: return .scalar(t.data[0])
            default: throw ShellError("a tensor literal holds numbers, not a \(v.kind)", at: loc)
            }
        }
        do {
            return try Tensor(nested: nest(v, depth: 0))
        } catch let e as TensorError {
            throw ShellError(e.message, at: loc, hint: e.hint)
        }
    }
}

/// Runs tensor code, turning a `TensorError` into a positioned `ShellError`.
func at<T>(_ loc: SourceLocation, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as TensorError {
        throw ShellError(e.message, at: loc, hint: e.hint)
    } catch let e as ShellError {
        throw e
    } catch {
        throw ShellError("\(error)", at: loc)
    }
}
