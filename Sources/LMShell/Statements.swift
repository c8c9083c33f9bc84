import LMCore

/// How a statement ended: normally, or by `break`, `continue` or `return`.
enum Flow {
    case normal
    case breakLoop
    case continueLoop
    case returned(Value)
}

/// Statements: bindings, definitions, blocks, loops and `if`. Expressions are in `Interpreter.eval`.
extension Interpreter {
    func exec(_ statement: Statement) throws -> Flow {
        switch statement {
        case .assign(let name, let expr, let loc):
            try bind(name, try eval(expr), at: loc)
        case .unpack(let names, let expr, let loc):
            let value = try eval(expr)
            let items = try unpacked(value, count: names.count, at: expr.location)
            for (name, item) in zip(names, items) { try bind(name, item, at: loc) }
        case .define(let name, let params, let body, let loc):
            try define(name, params, .expression(body), at: loc)
        case .defineBlock(let name, let params, let body, let loc):
            try define(name, params, .block(body), at: loc)
        case .expression(let expr):
            _ = try eval(expr)
        case .sequence(let items):
            return try runBlock(items)
        case .forLoop(let name, let sequence, let body, let loc):
            return try runFor(name, sequence, body, at: loc)
        case .whileLoop(let condition, let body, let loc):
            var iteration = 0
            while try truth(eval(condition), at: condition.location) {
                iteration += 1
                try checkIteration(iteration, at: loc)
                switch try runBlock(body) {
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                case .normal, .continueLoop: continue
                }
            }
        case .ifElse(let condition, let then, let otherwise, _):
            if try truth(eval(condition), at: condition.location) { return try runBlock(then) }
            if let otherwise { return try runBlock(otherwise) }
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .returnValue(let expr, _):
            return .returned(try expr.map(eval) ?? .none)
        }
        return .normal
    }

    func runBlock(_ body: [Statement]) throws -> Flow {
        for statement in body {
            let flow = try exec(statement)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    /// Binds a name: in the running function's frame (where a local may shadow a builtin while the call
    /// runs), else in the session (where builtins keep their names; a loop variable shadows one only while
    /// its loop runs).
    func bind(_ name: String, _ value: Value, at loc: SourceLocation, loopVariable: Bool = false) throws {
        guard Builtins.table[name] == nil || !frames.isEmpty || loopVariable else {
            throw ShellError("'\(name)' is a builtin and cannot be rebound", at: loc, hint: "pick another name, e.g. '\(name)1'")
        }
        if frames.isEmpty {
            variables[name] = value
        } else {
            frames[frames.count - 1][name] = value
        }
    }

    func define(_ name: String, _ params: [String], _ body: UserFunction.Body, at loc: SourceLocation) throws {
        guard Builtins.table[name] == nil else {
            throw ShellError("'\(name)' is a builtin and cannot be redefined", at: loc, hint: "pick another name")
        }
        guard Set(params).count == params.count else {
            throw ShellError("parameters of '\(name)' repeat a name", at: loc)
        }
        // The cell is the definition's source when the definition is all the cell holds (at the top).
        let source = frames.isEmpty && cellDefinition == name ? cellSource : nil
        try bind(name, .function(UserFunction(name: name, parameters: params, body: body, source: source)), at: loc)
    }

    /// `a, b = value`: a list (or a tensor's rows) with exactly as many items as names.
    func unpacked(_ value: Value, count: Int, at loc: SourceLocation) throws -> [Value] {
        let items: [Value]
        switch value {
        case .list(let xs): items = xs
        case .tensor(let t) where t.rank >= 1: items = try (0..<t.shape[0]).map { .tensor(try t.slice([.at($0)])) }
        default:
            throw ShellError("cannot unpack a \(value.kind) into \(count) names", at: loc, hint: "the right side must be a list, as in h, c = [h0, c0]")
        }
        guard items.count == count else {
            throw ShellError("cannot unpack \(items.count) item\(items.count == 1 ? "" : "s") into \(count) names", at: loc,
                             hint: "give as many names as the list has items")
        }
        return items
    }

    /// `for name in sequence { body }`: over `range(…)` (counted, never built as a list), a list, a tensor's
    /// rows (numbers for a vector) or a string's characters.
    func runFor(_ name: String, _ sequence: Expr, _ body: [Statement], at loc: SourceLocation) throws -> Flow {
        var iteration = 0
        defer {
            // `for step in …` may use a builtin's name; after the loop the name is the builtin's again.
            if Builtins.table[name] != nil && frames.isEmpty { variables[name] = nil }
        }
        func run(_ item: Value) throws -> Bool {
            iteration += 1
            try checkIteration(iteration, at: loc)
            try bind(name, item, at: loc, loopVariable: true)
            switch try runBlock(body) {
            case .breakLoop: return false
            case .returned(let v): throw ReturnFromLoop(value: v)
            case .normal, .continueLoop: return true
            }
        }
        do {
            if case .call(.name("range", _), let args, let rloc) = sequence, frames.last?["range"] == nil, variables["range"] == nil {
                let r = try rangeBounds(try evalArgs(args), at: rloc)
                var i = r.start
                while r.step > 0 ? i < r.end : i > r.end {
                    guard try run(.number(Double(i))) else { break }
                    i += r.step
                }
                return .normal
            }
            let value = try eval(sequence)
            let items: [Value]
            switch value {
            case .list(let xs): items = xs
            case .string(let s): items = s.map { .string(String($0)) }
            case .tensor(let t) where t.rank == 1: items = t.data.map { .number(Double($0)) }
            case .tensor(let t) where t.rank > 1: items = try (0..<t.shape[0]).map { .tensor(try t.slice([.at($0)])) }
            default:
                throw ShellError("cannot loop over a \(value.kind)", at: sequence.location,
                                 hint: "loop over range(n), a list, a tensor or a string")
            }
            for item in items { guard try run(item) else { break } }
            return .normal
        } catch let r as ReturnFromLoop {
            return .returned(r.value)
        }
    }

    /// Every iteration counts as one evaluation (so `while true { }` ends at the limit) and polls Ctrl-C.
    func checkIteration(_ iteration: Int, at loc: SourceLocation) throws {
        try countEvaluation(at: loc)
        if shouldStop() {
            throw ShellError("interrupted in iteration \(iteration) of the loop", at: loc,
                             hint: "Ctrl-C stopped the loop between iterations; what it computed before is kept")
        }
    }

    /// The truth of a condition: a bool, a number (not 0), a one-element tensor (not 0), a non-empty list or string.
    func truth(_ v: Value, at loc: SourceLocation) throws -> Bool {
        switch v {
        case .bool(let b): return b
        case .number(let x): return x != 0 && !x.isNaN
        case .none: return false
        case .string(let s): return !s.isEmpty
        case .list(let xs): return !xs.isEmpty
        case .tensor(let t):
            guard t.count == 1 else {
                throw ShellError("a condition must be one value, got a tensor of shape \(shapeString(t.shape))", at: loc,
                                 hint: "reduce it first, e.g. sum(x > 0) > 0 or max(x) < 1")
            }
            return t.data[0] != 0 && !t.data[0].isNaN
        default:
            throw ShellError("a \(v.kind) is not a condition", at: loc, hint: "compare it, as in x > 0")
        }
    }

    /// `range(end)`, `range(start, end)`, `range(start, end, step)`: whole numbers.
    func rangeBounds(_ a: CallArgs, at loc: SourceLocation) throws -> (start: Int, end: Int, step: Int) {
        var a = a
        a.name = "range"
        a.location = loc
        try a.checkKeywords([])
        try a.expectCount(1...3)
        func whole(_ i: Int) throws -> Int {
            guard case .number(let x) = a.positional[i].0, x == x.rounded(), Swift.abs(x) < 1e15 else {
                throw ShellError("range takes whole numbers", at: a.location(i), hint: "range(10), range(2, 10) or range(0, 10, 2)")
            }
            return Int(x)
        }
        let r = a.count == 1 ? (0, try whole(0), 1) : (try whole(0), try whole(1), a.count == 3 ? try whole(2) : 1)
        guard r.2 != 0 else { throw ShellError("range's step must not be 0", at: a.location(2)) }
        return r
    }
}

/// `return` inside a `for` body, carried out of the item closure.
private struct ReturnFromLoop: Error {
    let value: Value
}
