/// The names a piece of syntax reads (for the functions a typed step calls, which its model saves with it).
enum FreeNames {
    static func of(_ body: UserFunction.Body) -> Set<String> {
        var out: Set<String> = []
        switch body {
        case .expression(let e): collect(e, into: &out)
        case .block(let statements): for s in statements { collect(s, into: &out) }
        }
        return out
    }

    static func collect(_ s: Statement, into out: inout Set<String>) {
        switch s {
        case .assign(_, let e, _), .unpack(_, let e, _), .expression(let e):
            collect(e, into: &out)
        case .define(_, _, let e, _):
            collect(e, into: &out)
        case .defineBlock(_, _, let body, _), .sequence(let body):
            for x in body { collect(x, into: &out) }
        case .forLoop(_, let e, let body, _), .whileLoop(let e, let body, _):
            collect(e, into: &out)
            for x in body { collect(x, into: &out) }
        case .ifElse(let e, let then, let otherwise, _):
            collect(e, into: &out)
            for x in then + (otherwise ?? []) { collect(x, into: &out) }
        case .returnValue(let e, _):
            if let e { collect(e, into: &out) }
        case .breakLoop, .continueLoop:
            break
        }
    }

    static func collect(_ e: Expr, into out: inout Set<String>) {
        switch e {
        case .number, .string, .bool, .none:
            break
        case .name(let n, _):
            out.insert(n)
        case .list(let items, _):
            for x in items { collect(x, into: &out) }
        case .negate(let x, _), .member(let x, _, _):
            collect(x, into: &out)
        case .binary(_, let a, let b, _):
            collect(a, into: &out)
            collect(b, into: &out)
        case .call(let f, let args, _):
            collect(f, into: &out)
            for a in args { collect(a.value, into: &out) }
            // `x.f(a)` may call the function f.
            if case .member(_, let name, _) = f { out.insert(name) }
        case .index(let x, let items, _):
            collect(x, into: &out)
            for item in items {
                switch item {
                case .single(let i): collect(i, into: &out)
                case .slice(let a, let b, let c): for x in [a, b, c].compactMap({ $0 }) { collect(x, into: &out) }
                }
            }
        }
    }
}
