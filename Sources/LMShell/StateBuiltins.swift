import Foundation
import LMCore
import LMInspect
import LMModels

/// Builtins that look at what a model computes while it reads a text: states, single cells, interpretable
/// cells, LSTMVis-style selections, gate saturation, next-character guesses and one-step Jacobians. Each
/// draws its picture through `write` (coloured per `colorMode`, `displayWidth` wide) and returns numbers.
extension Builtins {
    /// The text to inspect: a string, a tensor of ids, or a corpus split (its first `limit` symbols).
    static func inspectText(_ m: ModelValue, _ a: CallArgs, _ i: Int, limit: Int = 20_000) throws -> (ids: [Int], scalars: [Unicode.Scalar]) {
        let v = try a.value(i, "a text")
        guard m.vocabulary.unit == .char else {
            throw ShellError("\(a.name) colours a text character by character; this is a word model", at: a.location,
                             hint: "use prob, next or eval on word models, or a character model here")
        }
        let ids: [Int]
        if case .split(let s) = v {
            guard s.corpus.vocabulary == m.vocabulary else {
                throw ShellError("this text's corpus has another vocabulary than the model", at: a.location(i))
            }
            ids = (s.part.mapped?.prefix(limit) ?? Array(s.part.segments.joined().prefix(limit))).map(Int.init)
        } else {
            ids = try Builtins.ids(m, v, at: a.location(i))
        }
        guard !ids.isEmpty else { throw ShellError("the text is empty", at: a.location(i)) }
        guard ids.count <= limit else {
            throw ShellError("the text has \(ids.count) symbols; inspection reads at most \(limit)", at: a.location(i), hint: "pass a shorter text")
        }
        return (ids, ids.map { m.vocabulary.scalars[$0] })
    }

    static func trace(_ m: ModelValue, _ ids: [Int], at loc: SourceLocation) throws -> StateTrace {
        try engine(loc) { try StateTrace.run(m.model, ids: ids) }
    }

    /// A 1-based layer number from the user, as a 0-based index.
    static func layerIndex(_ m: ModelValue, _ v: Value, at loc: SourceLocation) throws -> Int {
        let l = try v.int(at: loc, "a layer number")
        guard l >= 1 && l <= m.model.config.layers else {
            throw ShellError("layer \(l) is outside 1...\(m.model.config.layers)", at: loc, hint: "layers are numbered from 1")
        }
        return l - 1
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    static func column(_ values: [Float], units H: Int, unit j: Int) -> [Double] {
        stride(from: j, to: values.count, by: H).map { Double(values[$0]) }
    }

    static let stateBuiltins: [Builtin] = [
        Builtin(name: "states", usage: "states m \"text\" layer=1 kind=\"h\" units=16",
                summary: "a heatmap of one layer's states over a text (kind \"h\", \"c\" or a gate: \"i\" \"f\" \"g\" \"o\", \"r\" \"z\" \"n\"); returns the tensor [length, cells]",
                keywords: ["layer", "kind", "units"],
                example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\ns = states m \"the cat sat\" kind=\"c\"\ns.shape") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["layer", "kind", "units"])
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1)
            let layer = try layerIndex(m, a.keyword("layer") ?? .number(1), at: a.keywordLocation("layer"))
            let kind = try str(a, "kind")
            let tr = try trace(m, ids, at: a.location(0))
            let values = try engine(a.keywordLocation("kind")) { try tr.values(layer: layer, kind: kind) }
            let units = try int(a, "units")
            guard units >= 1 else { throw ShellError("units must be at least 1", at: a.keywordLocation("units")) }
            interp.write(TerminalPictures.heatmap(values.map(Double.init), steps: ids.count, units: tr.hidden, text: scalars,
                                                  mode: interp.configuration.colorMode, width: interp.configuration.displayWidth, maxUnits: units) + "\n")
            return .tensor(try Tensor(shape: [ids.count, tr.hidden], data: values))
        },
        // Named show_cell, not cell: `def cell(x, h) = …` is the lecture's own name for a recurrent step.
        Builtin(name: "show_cell", usage: "show_cell m layer unit \"text\"",
                summary: "the text coloured by one cell (tanh(c) for LSTMs, h otherwise: red negative, blue positive); returns {values, text, layer, unit}",
                keywords: [], example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\nshow_cell m 1 3 \"the cat sat on the mat.\"") { interp, a in
            try a.expectCount(4...4)
            let m = try modelArg(a, 0)
            let layer = try layerIndex(m, a.positional[1].0, at: a.location(1))
            let unit = try a.positional[2].0.int(at: a.location(2), "a unit number")
            guard unit >= 0 && unit < m.model.config.hidden else {
                throw ShellError("unit \(unit) is outside 0...\(m.model.config.hidden - 1)", at: a.location(2), hint: "units are numbered from 0")
            }
            let (ids, scalars) = try inspectText(m, a, 3)
            let tr = try trace(m, ids, at: a.location(0))
            let values = column(try engine(a.location) { try tr.activations(layer: layer) }, units: tr.hidden, unit: unit)
            interp.write("layer \(layer + 1), unit \(unit) (\(m.model.config.cell.hasCell ? "tanh(c)" : "h")):\n")
            interp.write(TerminalPictures.coloredText(scalars, values: values, mode: interp.configuration.colorMode, width: interp.configuration.displayWidth) + "\n")
            return .record([("values", .tensor(Tensor(values.map(Float.init)))), ("text", .string(string(scalars))),
                            ("layer", .number(Double(layer + 1))), ("unit", .number(Double(unit)))])
        },
        Builtin(name: "feature", usage: "feature(\"name\", \"regex\")",
                summary: "a user feature for `cells`: 1 on every character a regular expression matches, 0 elsewhere",
                keywords: [], example: "f = feature(\"the\", \"the\")\nf.pattern") { _, a in
            try a.expectCount(2...2)
            let name = try a.positional[0].0.string(at: a.location(0), "a feature name")
            let pattern = try a.positional[1].0.string(at: a.location(1), "a regular expression")
            guard !name.isEmpty else { throw ShellError("a feature needs a name", at: a.location(0)) }
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw ShellError("\"\(pattern)\" is not a valid regular expression", at: a.location(1), hint: "NSRegularExpression (ICU) syntax")
            }
            return .record([("name", .string(name)), ("pattern", .string(pattern))])
        },
        Builtin(name: "cells", usage: "cells m \"text\" top=3 show=0 features=[] kind=\"\"",
                summary: "finds interpretable cells: correlates every cell (tanh(c) for LSTMs, h otherwise; kind=\"h\", \"c\" or a gate picks another state) with line position, quotes, parens, brace depth, comments, if bodies, word starts and user features; lists the best per feature",
                keywords: ["top", "show", "features", "kind"],
                example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\nr = cells m \"the cat sat on the mat.\" features=[feature(\"t\", \"t\")]\nr.word_start") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["top", "show", "features", "kind"])
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1)
            let top = try int(a, "top"), show = try int(a, "show")
            let kind = try str(a, "kind")
            guard top >= 1 else { throw ShellError("top must be at least 1", at: a.keywordLocation("top")) }
            var user: [(String, String)] = []
            if let f = a.keyword("features") {
                guard case .list(let items) = f else {
                    throw ShellError("features must be a list of feature(\"name\", \"regex\")", at: a.keywordLocation("features"))
                }
                for item in items {
                    guard case .record(let fields) = item, case .string(let n)? = fields.first(where: { $0.0 == "name" })?.1,
                          case .string(let p)? = fields.first(where: { $0.0 == "pattern" })?.1 else {
                        throw ShellError("features must be a list of feature(\"name\", \"regex\")", at: a.keywordLocation("features"))
                    }
                    user.append((n, p))
                }
            }
            let tr = try trace(m, ids, at: a.location(0))
            let features = try engine(a.keywordLocation("features")) { try FeatureTracks.compute(scalars, user: user) }
            let finder = try engine(a.keyword("kind") == nil ? a.location : a.keywordLocation("kind")) {
                try CellFinder.find(tr, features: features, top: top, kind: kind.isEmpty ? nil : kind)
            }
            interp.write(finder.description + "\n")
            if show > 0 {
                let best = finder.top.compactMap(\.first).sorted { Swift.abs($0.correlation) > Swift.abs($1.correlation) }
                var seen = Set<[Int]>()
                for hit in best where seen.insert([hit.layer, hit.unit]).inserted && seen.count <= show {
                    let act = try engine(a.location) { kind.isEmpty ? try tr.activations(layer: hit.layer) : try tr.values(layer: hit.layer, kind: kind) }
                    let name = features.names[finder.top.firstIndex { $0.first == hit } ?? 0]
                    interp.write(String(format: "\nlayer %d, unit %d (%@, r = %+.3f):\n", hit.layer + 1, hit.unit, name, hit.correlation))
                    interp.write(TerminalPictures.coloredText(scalars, values: column(act, units: tr.hidden, unit: hit.unit),
                                                              mode: interp.configuration.colorMode, width: interp.configuration.displayWidth) + "\n")
                }
            }
            return .record(zip(features.names, finder.top).map { name, hits in
                (name, .list(hits.map { .record([("layer", .number(Double($0.layer + 1))), ("unit", .number(Double($0.unit))),
                                                 ("r", .number($0.correlation))]) }))
            })
        },
        Builtin(name: "select", usage: "select m \"text\" from to threshold=0.3 layer=1 off=0",
                summary: "LSTMVis selection: the cells (h) on above threshold over positions from…to (0-based, inclusive), and off over the `off` positions before when off > 0",
                keywords: ["threshold", "layer", "off"],
                example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\ns = select m \"the cat sat on the mat.\" 4 6 threshold=0\ns.units") { interp, a in
            try a.expectCount(4...4)
            try a.checkKeywords(["threshold", "layer", "off"])
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1)
            let from = try a.positional[2].0.int(at: a.location(2), "a position"), to = try a.positional[3].0.int(at: a.location(3), "a position")
            let threshold = try num(a, "threshold"), off = try int(a, "off")
            let layer = try layerIndex(m, a.keyword("layer") ?? .number(1), at: a.keywordLocation("layer"))
            let tr = try trace(m, ids, at: a.location(0))
            let h = try engine(a.location) { try tr.values(layer: layer, kind: "h") }
            let sel = try engine(a.location(2)) {
                try Selection.select(h, hidden: tr.hidden, layer: layer, from: from, to: to, threshold: Float(threshold), offBefore: off)
            }
            let range = string(Array(scalars[from...to])).debugDescription
            interp.write("layer \(layer + 1): \(sel.units.count) cell\(sel.units.count == 1 ? "" : "s") above \(Value.format(threshold)) over \(from)…\(to) \(range)"
                         + (off > 0 ? " and not over the \(off) before" : "") + ": \(sel.units.map(String.init).joined(separator: " "))\n")
            return .record([("layer", .number(Double(layer + 1))), ("units", .list(sel.units.map { .number(Double($0)) })),
                            ("from", .number(Double(from))), ("to", .number(Double(to))), ("threshold", .number(threshold))])
        },
        Builtin(name: "match", usage: "match m \"text\" selection top=5",
                summary: "other places in a text where the cells of a `select` are on together, ranked by the fraction on; returns their ranges",
                keywords: ["top"],
                example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\ns = select m \"the cat sat on the mat.\" 0 2 threshold=0\nmatch m \"the cat sat on the mat.\" s top=2") { interp, a in
            try a.expectCount(3...3)
            try a.checkKeywords(["top"])
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1)
            guard case .record(let fields) = a.positional[2].0,
                  case .number(let layerNumber)? = fields.first(where: { $0.0 == "layer" })?.1,
                  case .list(let unitValues)? = fields.first(where: { $0.0 == "units" })?.1,
                  case .number(let from)? = fields.first(where: { $0.0 == "from" })?.1,
                  case .number(let to)? = fields.first(where: { $0.0 == "to" })?.1,
                  case .number(let threshold)? = fields.first(where: { $0.0 == "threshold" })?.1 else {
                throw ShellError("expected the result of select", at: a.location(2), hint: "s = select m \"text\" 10 20, then match m \"text\" s")
            }
            let layer = try layerIndex(m, .number(layerNumber), at: a.location(2))
            let units = try unitValues.map { try $0.int(at: a.location(2), "a unit") }
            guard units.allSatisfy({ $0 >= 0 && $0 < m.model.config.hidden }) else { throw ShellError("the selection's units do not fit this model", at: a.location(2)) }
            let top = try int(a, "top")
            let tr = try trace(m, ids, at: a.location(0))
            let h = try engine(a.location) { try tr.values(layer: layer, kind: "h") }
            // The selected range only sets the window length (and is excluded) when it lies inside this text.
            let length = Int(to) - Int(from)
            let lo = Int(from) < ids.count ? Int(from) : ids.count + 1
            let sel = Selection(layer: layer, units: units, from: lo, to: lo + length, threshold: Float(threshold))
            let matches = sel.match(h, hidden: tr.hidden, top: top)
            if matches.isEmpty { interp.write("no place where those cells are on\n") }
            for mt in matches {
                interp.write(String(format: "%6d…%-6d %5.1f%% on  ", mt.from, mt.to, 100 * mt.score) + string(Array(scalars[mt.from...mt.to])).debugDescription + "\n")
            }
            return .list(matches.map { .record([("from", .number(Double($0.from))), ("to", .number(Double($0.to))), ("score", .number($0.score)),
                                                ("text", .string(string(Array(scalars[$0.from...$0.to]))))]) })
        },
        Builtin(name: "saturation", usage: "saturation m \"text\"",
                summary: "per layer and sigmoid gate, the fraction of time left-saturated (< 0.1) and right-saturated (> 0.9), with a scatter plot per gate",
                keywords: [], example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\nsaturation m \"the cat sat on the mat.\"") { interp, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0)
            let (ids, _) = try inspectText(m, a, 1)
            let tr = try trace(m, ids, at: a.location(0))
            let s = try engine(a.location) { try Saturation.measure(tr) }
            interp.write(s.description + "\n")
            for g in s.gates {
                interp.write("\nlayer \(g.layer + 1), gate \(g.name): one point per unit\n")
                interp.write(TerminalPictures.scatter(Array(zip(g.left, g.right)), xLabel: "fraction left-saturated", yLabel: "fraction right-saturated",
                                                      width: Swift.min(41, Swift.max(11, interp.configuration.displayWidth - 30)), height: 11) + "\n")
            }
            return .record([("gates", .list(s.gates.map { g in
                .record([("layer", .number(Double(g.layer + 1))), ("gate", .string(g.name)),
                         ("left", .tensor(Tensor(g.left.map(Float.init)))), ("right", .tensor(Tensor(g.right.map(Float.init)))),
                         ("mean_left", .number(g.meanLeft)), ("mean_right", .number(g.meanRight))])
            }))])
        },
        Builtin(name: "predict", usage: "predict m \"text\" top=5",
                summary: "after each character, the model's top guesses for the next one with probabilities (the one that came is marked *)",
                keywords: ["top"], example: "m = lstm(corpus(\"input.txt\"), hidden=8, layers=1)\np = predict m \"the cat\" top=3\np.probs") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["top"])
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1, limit: 5000)
            let top = Swift.min(try int(a, "top"), m.vocabulary.count)
            guard top >= 1 else { throw ShellError("top must be at least 1", at: a.keywordLocation("top")) }
            let tr = try trace(m, ids, at: a.location(0))
            let p = Prediction.of(tr, top: top)
            func show(_ id: Int) -> String { m.vocabulary.scalars[id] == " " ? "␣" : TerminalPictures.glyph(m.vocabulary.scalars[id]) }
            for (t, guesses) in p.guesses.enumerated() {
                var line = String(format: "%5d %@ →", t, show(ids[t]))
                for g in guesses {
                    let came = t + 1 < ids.count && g.id == ids[t + 1]
                    line += String(format: "  %@%@ %.3f", came ? "*" : " ", show(g.id), g.probability)
                }
                if t + 1 < ids.count { line += String(format: "   (%@ came: %.3f)", show(ids[t + 1]), p.actual[t]) }
                interp.write(line + "\n")
            }
            return .record([
                ("ids", .tensor(try Tensor(shape: [ids.count, top], data: p.guesses.flatMap { $0.map { Float($0.id) } }))),
                ("probs", .tensor(try Tensor(shape: [ids.count, top], data: p.guesses.flatMap { $0.map { Float($0.probability) } }))),
                ("actual", .tensor(Tensor(p.actual.map(Float.init)))),
            ])
        },
        Builtin(name: "jacobians", usage: "jacobians m \"text\"",
                summary: "σ_max of each one-step Jacobian ∂h_n/∂h_{n−1} (of (h, c) for LSTMs) along a text, per layer: a sparkline and the geometric mean",
                keywords: [], example: "m = rnn(corpus(\"input.txt\"), hidden=8)\nj = jacobians m \"the cat sat on the mat.\"\nj.norms.shape") { interp, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0)
            let (ids, scalars) = try inspectText(m, a, 1, limit: 5000)
            let tr = try trace(m, ids, at: a.location(0))
            let j = try engine(a.location) { try Jacobians.measure(m.model, trace: tr) }
            var means: [Value] = [], products: [Value] = []
            for (l, row) in j.norms.enumerated() {
                let logs = row.filter { $0 > 0 && $0.isFinite }.map(log)
                let mean = logs.isEmpty ? 0 : exp(logs.reduce(0, +) / Double(logs.count))
                means.append(.number(mean))
                interp.write(String(format: "layer %d: σ_max of ∂%@_n/∂%@_{n−1}: geometric mean %.4g, min %.4g, max %.4g\n", l + 1,
                                    j.stateName, j.stateName, mean, row.min() ?? 0, row.max() ?? 0))
                let whole = j.productLog10[l]
                products.append(.number(whole))
                if whole.isFinite {
                    interp.write(String(format: "  the product over all %d steps: ‖∏ J‖ = 10^%.2f, × %.4g per step (one factor's σ_max bounds one step; the product of many decays or grows by its own rate)\n",
                                        row.count, whole, pow(10, whole / Double(row.count))))
                }
                let w = Swift.max(8, interp.configuration.displayWidth - 2)
                for start in stride(from: 0, to: row.count, by: w) {
                    let end = Swift.min(row.count, start + w)
                    interp.write("  " + scalars[start..<end].map(TerminalPictures.glyph).joined() + "\n")
                    interp.write("  " + TerminalPictures.sparkline(Array(row[start..<end])) + "\n")
                }
            }
            return .record([("norms", .tensor(try Tensor(shape: [j.norms.count, ids.count], data: j.norms.flatMap { $0.map(Float.init) }))),
                            ("geometric_mean", .list(means)), ("product_log10", .list(products)), ("state", .string(j.stateName))])
        },
    ]
}
