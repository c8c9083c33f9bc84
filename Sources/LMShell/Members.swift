import LMCore
import LMModels

/// Member access: `t.grad`, `t.shape`, `t.T`, `text.train`, `m.rnn.weight_hh_l0`, `r.nats`.
enum Members {
    /// Methods a value has itself (an optimizer's `step`, `zero_grad`), resolved before `x.f(a)` falls back to
    /// the builtin or function `f(x, a)`, so neither can take them over.
    static func method(_ v: Value, _ name: String) -> ((Interpreter, CallArgs, SourceLocation) throws -> Value)? {
        switch v {
        case .optimizer(let o): return o.method(name)
        default: return nil
        }
    }

    static func names(_ v: Value) -> [String] {
        switch v {
        case .tensor: return ["grad", "shape", "T", "rank", "size", "requires_grad"]
        case .corpus: return ["train", "val", "test", "vocab", "vocab_size", "size", "path", "split", "unit", "unk_rate"]
        case .split: return ["size", "name"]
        case .model(let m):
            return Set(m.model.parameters.names.map { String($0.split(separator: ".").first ?? "") }).sorted()
                + ["parameters", "steps", "loss_history", "update_ratio", "grad_norm", "cell", "hidden", "layers", "vocab_size", "plan"]
        case .record(let fields): return fields.map(\.0)
        case .optimizer: return OptimizerValue.members
        default: return []
        }
    }

    static func get(_ v: Value, _ name: String, at loc: SourceLocation) -> Value? {
        switch v {
        case .tensor(let t):
            switch name {
            case "grad": return t.grad.map(Value.tensor) ?? Value.none
            case "shape": return .list(t.shape.map { .number(Double($0)) })
            case "T": return .tensor(t.T)
            case "rank": return .number(Double(t.rank))
            case "size": return .number(Double(t.count))
            case "requires_grad": return .bool(t.requiresGrad)
            default: return nil
            }
        case .corpus(let c):
            switch name {
            case "train": return .split(SplitValue(corpus: c, name: "train", part: c.splits.train))
            case "val": return .split(SplitValue(corpus: c, name: "val", part: c.splits.val))
            case "test": return .split(SplitValue(corpus: c, name: "test", part: c.splits.test))
            case "vocab":
                // A string of the characters for a character corpus; a list of the tokens for a word corpus.
                if c.vocabulary.unit == .word { return .list(c.vocabulary.words.map(Value.string)) }
                return .string(String(String.UnicodeScalarView(c.vocabulary.scalars)))
            case "unit": return .string(c.vocabulary.unitName)
            case "unk_rate": return .number(c.corpus.unkRate)
            case "vocab_size": return .number(Double(c.vocabulary.count))
            case "size": return .number(Double(c.corpus.count))
            case "path": return .string(c.path)
            case "split": return .string(c.splits.summary)
            default: return nil
            }
        case .split(let s):
            switch name {
            case "size": return .number(Double(s.part.count))
            case "name": return .string(s.name)
            default: return nil
            }
        case .model(let m):
            let c = m.model.config
            switch name {
            case "parameters": return .list(m.model.parameters.names.map(Value.string))
            case "steps": return .number(Double(m.steps))
            case "loss_history", "history": return .list(m.lossHistory.map { .number(Double($0)) })
            case "update_ratio":
                // Per parameter, the update-to-data ratio log10(‖lr·update‖/‖w‖) of every step (kept in checkpoints).
                let rows = m.updateRatios
                return .record(m.model.parameters.names.enumerated().map { k, name in
                    (name, .list(rows.map { .number(k < $0.count ? Double($0[k]) : .nan) }))
                })
            case "grad_norm":
                // Per step this session trained, the gradient's global norm before and after clipping.
                let norms = m.trainer?.gradNorms ?? []
                return .record([("before", .list(norms.map { .number(Double($0.before)) })),
                                ("after", .list(norms.map { .number(Double($0.after)) }))])
            case "cell": return .string(c.cell.rawValue)
            case "plan": return planValue(m)
            case "hidden": return .number(Double(c.hidden))
            case "layers": return .number(Double(c.layers))
            case "vocab_size": return .number(Double(c.vocabSize))
            default:
                // A group of parameters by its prefix: m.rnn, m.decoder, m.encoder.
                let prefix = name + "."
                let fields = m.model.parameters.entries.filter { $0.name.hasPrefix(prefix) }
                    .map { (String($0.name.dropFirst(prefix.count)), Value.tensor($0.tensor)) }
                return fields.isEmpty ? nil : .record(fields)
            }
        case .record(let fields):
            return fields.first { $0.0 == name }?.1
        case .optimizer(let o):
            return o.get(name)
        default:
            return nil
        }
    }
}

extension Interpreter {
    func member(_ v: Value, _ name: String, at loc: SourceLocation) throws -> Value {
        if case .tensor(let t) = v, name == "grad", t.grad == nil {
            // `none` shows nothing at the prompt: say why there is no gradient, as PyTorch warns.
            let why = !t.requiresGrad ? "it does not require grad (make it with param(x) or grad=true)"
                : (!t.isLeaf && !t.retainsGrad ? "it is not a leaf: backward() keeps .grad on leaves (parameters) only"
                   : "no backward() has reached it yet (or zero_grad cleared it)")
            write("note: .grad is none: \(why)\n")
            return .none
        }
        if let r = Members.get(v, name, at: loc) { return r }
        throw ShellError("\(v.kind) has no member '\(name)'", at: loc,
                         hint: Suggest.hint(for: name, among: Members.names(v))
                            ?? (Members.names(v).isEmpty ? nil : "members: \(Members.names(v).joined(separator: ", "))"))
    }

    func index(_ v: Value, _ items: [IndexItem], at loc: SourceLocation) throws -> Value {
        switch v {
        case .list(let list):
            guard items.count == 1 else {
                throw ShellError("a list takes one index", at: loc, hint: "index a nested list twice: x[i][j]")
            }
            guard case .single(let e) = items[0] else {
                guard case .slice(let s, let e, let st) = items[0] else { return v }
                // Python's rules for a positive step: bounds are clamped, negative ones count from the end.
                func bound(_ x: Expr?, _ d: Int) throws -> Int {
                    guard let x else { return d }
                    let i = try eval(x).int(at: x.location, "a slice bound")
                    return Swift.min(Swift.max(i < 0 ? i + list.count : i, 0), list.count)
                }
                let step = try st.map { try eval($0).int(at: $0.location, "a slice step") } ?? 1
                guard step > 0 else { throw ShellError("slice: step \(step) must be positive", at: st?.location ?? loc) }
                let lo = try bound(s, 0), hi = try bound(e, list.count)
                return .list(lo < hi ? Swift.stride(from: lo, to: hi, by: step).map { list[$0] } : [])
            }
            let i = try eval(e).int(at: e.location, "an index")
            let j = i < 0 ? i + list.count : i
            guard j >= 0 && j < list.count else {
                throw ShellError("index \(i) is out of range for a list of \(list.count)", at: e.location)
            }
            return list[j]
        case .tensor(let t):
            var first: Value?
            if items.count == 1, case .single(let e) = items[0] {
                // W[x] with a tensor (or list) of ids: the rows they pick, as gather(W, x) (an embedding lookup).
                let v = try eval(e)
                switch v {
                case .tensor(let ids) where ids.rank >= 1:
                    return .tensor(try at(e.location) { try t.gatherRows(ids) })
                case .list:
                    return .tensor(try at(e.location) { try t.gatherRows(try Value.literalTensor(v, at: e.location)) })
                default:
                    first = v
                }
            }
            let idx: [TensorIndex] = try items.map { item in
                switch item {
                case .single(let e): return .at(try (first ?? eval(e)).int(at: e.location, "an index"))
                case .slice(let s, let e, let st):
                    func opt(_ x: Expr?) throws -> Int? { try x.map { try eval($0).int(at: $0.location, "a slice bound") } }
                    return .range(try opt(s), try opt(e), step: try opt(st) ?? 1)
                }
            }
            return .tensor(try at(loc) { try t.slice(idx) })
        default:
            throw ShellError("a \(v.kind) cannot be indexed", at: loc)
        }
    }
}

extension Members {
    /// `m.plan`: how a training window of the model runs (its trainer's batch, else the default 50) and why.
    static func planValue(_ m: ModelValue) -> Value {
        let plan = m.trainingPlan
        return .record([
            ("path", .string(plan.path.rawValue)), ("reason", .string(plan.reason)),
            ("shards", .number(Double(plan.shards))), ("batch", .number(Double(plan.batch))),
            ("layers", .list(plan.layers.map { .string($0.reason) })),
        ])
    }
}
