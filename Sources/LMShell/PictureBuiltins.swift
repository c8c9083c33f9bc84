import Foundation
import LMCore
import LMInspect
import LMModels

/// Builtins that draw numbers (`plot`) and write pictures to files (`export`: HTML pages for cells and
/// states, SVG for curves, gradient flow and saturation). `export` reads the records the inspection verbs
/// return, so a script can draw first and save the same picture afterwards.
extension Builtins {
    /// A list of numbers or a 1-D tensor as doubles.
    static func series(_ v: Value, at loc: SourceLocation) throws -> [Double]? {
        switch v {
        case .list(let items): return try items.map { try $0.number(at: loc, "a number") }
        case .tensor(let t) where t.rank <= 1: return t.data.map(Double.init)
        default: return nil
        }
    }

    static func field(_ fields: [(String, Value)], _ name: String) -> Value? { fields.first { $0.0 == name }?.1 }

    static func norms(_ v: Value?) -> [[Double]]? {
        guard case .tensor(let t)? = v, t.rank == 2 else { return nil }
        let cols = t.shape[1]
        return (0..<t.shape[0]).map { r in t.data[(r * cols)..<((r + 1) * cols)].map(Double.init) }
    }

    /// The file contents for `value` in the format `ext` ("html" or "svg"), or nil when there is no picture
    /// of that value in that format.
    static func picture(_ value: Value, ext: String, title: String, text: String?, at loc: SourceLocation) throws -> String? {
        let scalars = text.map { Array($0.unicodeScalars) }
        func wrap(_ svg: String) -> String { ext == "svg" ? svg : HTMLPage.page(title: title, body: svg) }
        switch value {
        case .record(let fields):
            if case .tensor(let v)? = field(fields, "values"), case .string(let s)? = field(fields, "text") {
                let values = v.data.map(Double.init)
                if ext == "html" { return HTMLPage.coloredText(title: title, scalars: Array(s.unicodeScalars), values: values) }
                return SVGChart.lines([("cell", values)], title: title, xLabel: "position", yLabel: "activation")
            }
            if case .tensor(let w)? = field(fields, "weights"), w.rank == 2, ext == "html" {
                // attention's map, transposed so that the text runs across (keys) and each row down is a position that looks.
                let r = w.shape[0], k = w.shape[1]
                let across = (0..<(r * k)).map { Double(w.data[($0 % r) * k + $0 / r]) }
                return HTMLPage.heatmap(title: title, values: across, steps: k, units: r, text: scalars)
            }
            if let rows = norms(field(fields, "norms")) {
                let isFlow = field(fields, "factor_per_step") != nil
                return wrap(SVGChart.lines(rows.enumerated().map { ("layer \($0.offset + 1)", $0.element) }, title: title,
                                           xLabel: isFlow ? "step n" : "step n", yLabel: isFlow ? "‖∂cost_N/∂h_n‖" : "σ_max of the step Jacobian", logY: true))
            }
            if case .list(let gates)? = field(fields, "gates") {
                var groups: [(name: String, points: [(Double, Double)])] = []
                for g in gates {
                    guard case .record(let gf) = g, case .tensor(let l)? = field(gf, "left"), case .tensor(let r)? = field(gf, "right"),
                          case .string(let name)? = field(gf, "gate"), case .number(let layer)? = field(gf, "layer") else { continue }
                    groups.append(("layer \(Int(layer)) \(name)", zip(l.data, r.data).map { (Double($0), Double($1)) }))
                }
                return wrap(SVGChart.scatter(groups, title: title, xLabel: "fraction left-saturated (< 0.1)", yLabel: "fraction right-saturated (> 0.9)"))
            }
            return nil
        case .list(let items) where items.contains(where: { if case .record = $0 { return true } else { return false } }):
            // gradflow over several models: one series per model and layer.
            var series: [(name: String, values: [Double])] = []
            for (k, item) in items.enumerated() {
                guard case .record(let f) = item, let rows = norms(field(f, "norms")) else { return nil }
                for (l, row) in rows.enumerated() { series.append(("model \(k + 1)" + (rows.count > 1 ? " layer \(l + 1)" : ""), row)) }
            }
            return wrap(SVGChart.lines(series, title: title, xLabel: "step n", yLabel: "‖∂cost_N/∂h_n‖", logY: true))
        case .tensor(let t) where t.rank == 2:
            guard ext == "html" else { return nil }
            return HTMLPage.heatmap(title: title, values: t.data.map(Double.init), steps: t.shape[0], units: t.shape[1], text: scalars)
        default:
            guard let ys = try series(value, at: loc) else { return nil }
            return wrap(SVGChart.lines([("values", ys)], title: title, xLabel: "step", yLabel: "value"))
        }
    }

    /// `plot m.update_ratio`: one sparkline per series, all on one scale, with each series' last value.
    static func plotRecord(_ interp: Interpreter, _ fields: [(String, Value)], at loc: SourceLocation) throws -> Value {
        var lines: [(String, [Double])] = []
        for (name, v) in fields {
            guard let ys = try series(v, at: loc) else {
                throw ShellError("plot: field \(name) is a \(v.kind), not a list of numbers", at: loc, hint: "e.g. plot m.update_ratio")
            }
            lines.append((name, ys))
        }
        let series = lines
        let all = series.flatMap(\.1).filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max() else {
            throw ShellError("nothing to plot: no finite values", at: loc, hint: "train the model first (train m text)")
        }
        let width = Swift.max(8, interp.configuration.displayWidth - 40)
        let nameWidth = Swift.min(24, series.map(\.0.count).max() ?? 0)
        interp.write(String(format: "%d series over %d steps, from %.3g (▁) to %.3g (█)\n", series.count, series.map(\.1.count).max() ?? 0, lo, hi))
        for (name, ys) in series {
            // Pin each line to the shared range by adding the range's ends, then dropping their two marks.
            let line = TerminalPictures.sparkline([lo, hi] + TerminalPictures.resample(ys, to: width)).dropFirst(2)
            let padded = name.count < nameWidth ? name + String(repeating: " ", count: nameWidth - name.count) : String(name.prefix(nameWidth))
            interp.write("  \(padded) \(line) \(ys.last.map { String(format: "%.2f", $0) } ?? "")\n")
        }
        return .record([("count", .number(Double(series.count))), ("min", .number(lo)), ("max", .number(hi))])
    }

    /// `plot [a, b, …] names=[…]`: the series overlaid on one scale, each with its own mark.
    static func plotOverlay(_ interp: Interpreter, _ items: [Value], _ a: CallArgs) throws -> Value {
        var names: [String] = []
        if let n = a.keyword("names") {
            guard case .list(let given) = n else { throw ShellError("names must be a list of strings", at: a.keywordLocation("names")) }
            names = try given.map { try $0.string(at: a.keywordLocation("names"), "a string") }
            guard names.count == items.count else {
                throw ShellError("names has \(names.count) entries for \(items.count) series", at: a.keywordLocation("names"))
            }
        }
        let list: [(name: String, values: [Double])] = try items.enumerated().map { k, v in
            guard let ys = try series(v, at: a.location(0)) else {
                throw ShellError("plot: item \(k + 1) is a \(v.kind), not a list of numbers", at: a.location(0),
                                 hint: "plot [a.loss_history, b.loss_history] overlays two curves")
            }
            return (names.isEmpty ? String(k + 1) : names[k], ys)
        }
        guard list.count <= TerminalPictures.markCount else {
            throw ShellError("plot overlays at most \(TerminalPictures.markCount) series, got \(list.count)", at: a.location(0))
        }
        let all = list.flatMap(\.values).filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max() else {
            throw ShellError("nothing to plot: no finite values", at: a.location(0), hint: "train the model first (train m text)")
        }
        let height = try int(a, "height")
        guard (2...40).contains(height) else { throw ShellError("height must be in 2...40", at: a.keywordLocation("height")) }
        let title = try str(a, "title")
        interp.write(TerminalPictures.lineChart(list, title: title.isEmpty ? "\(list.count) series" : title,
                                                width: interp.configuration.displayWidth, height: height) + "\n")
        return .record([("count", .number(Double(list.count))), ("min", .number(lo)), ("max", .number(hi))])
    }

    static let pictureBuiltins: [Builtin] = [
        Builtin(name: "plot", usage: "plot values title=\"\" height=8 names=[]",
                summary: "a line chart of a list of numbers or a 1-D tensor (e.g. `plot m.history`, the loss per training step) with its sparkline; a list of such series is overlaid on one scale (`names=` labels them); a record of series (`plot m.update_ratio`) draws one sparkline per field on a shared scale",
                keywords: ["title", "height", "names"], example: "plot [3, 2.5, 2.1, 1.9, 1.8, 1.75]\nplot [[3, 2.5, 2.1], [3, 2.8, 2.7, 2.6]] names=[\"a\", \"b\"]") { interp, a in
            try a.expectCount(1...1)
            try a.checkKeywords(["title", "height", "names"])
            if case .record(let fields) = a.positional[0].0 { return try plotRecord(interp, fields, at: a.location(0)) }
            if case .list(let items) = a.positional[0].0, let first = items.first, first.isSeries {
                return try plotOverlay(interp, items, a)
            }
            guard let ys = try series(a.positional[0].0, at: a.location(0)) else {
                throw ShellError("plot takes a list of numbers or a 1-D tensor, got a \(a.positional[0].0.kind)", at: a.location(0), hint: "e.g. plot m.history")
            }
            guard !ys.isEmpty else { throw ShellError("nothing to plot: the list is empty", at: a.location(0), hint: "train the model first (train m text)") }
            let height = try int(a, "height")
            guard (2...40).contains(height) else { throw ShellError("height must be in 2...40", at: a.keywordLocation("height")) }
            let title = try str(a, "title")
            interp.write(TerminalPictures.lineChart(ys, title: title.isEmpty ? "\(ys.count) values" : title, width: interp.configuration.displayWidth, height: height) + "\n")
            interp.write("  " + TerminalPictures.sparkline(TerminalPictures.resample(ys, to: Swift.max(8, interp.configuration.displayWidth - 4))) + "\n")
            let finite = ys.filter(\.isFinite)
            return .record([("count", .number(Double(ys.count))), ("first", .number(ys.first ?? .nan)), ("last", .number(ys.last ?? .nan)),
                            ("min", .number(finite.min() ?? .nan)), ("max", .number(finite.max() ?? .nan))])
        },
        Builtin(name: "export", usage: "export value \"file.html\" title=\"lmsh\" text=\"\" overwrite=false torch=false",
                summary: "writes a picture: .html for `cell` and `states` results (value under the pointer; text= labels a states tensor), .svg for curves, gradflow, jacobians and saturation; it replaces only a picture it wrote unless overwrite=true. `export m \"run/\" torch=true` writes a folder PyTorch continues training in (train.py for torchrun; load(\"run/\") reads it back)",
                keywords: ["title", "text", "overwrite", "torch"],
                example: "export [3, 2.5, 2.1, 1.9] \"loss.svg\" title=\"loss\"") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["title", "text", "overwrite", "torch"])
            let path = try a.positional[1].0.string(at: a.location(1), "a file path ending in .html or .svg")
            if try a.keyword("torch")?.bool(at: a.keywordLocation("torch")) ?? false {
                return try exportTorch(interp, a, path: path)
            }
            let ext = (path as NSString).pathExtension.lowercased()
            guard ext == "html" || ext == "svg" else {
                throw ShellError("export writes .html or .svg files, not \"\(path)\"", at: a.location(1), hint: "end the name with .html or .svg; a model goes to PyTorch with export m \"run/\" torch=true")
            }
            let text = try a.keyword("text").map { try $0.string(at: a.keywordLocation("text"), "a text") }
            let title = try str(a, "title")
            guard let content = try picture(a.positional[0].0, ext: ext, title: title, text: text, at: a.location(0)) else {
                throw ShellError("there is no .\(ext) picture of a \(a.positional[0].0.kind) like this one", at: a.location(0),
                                 hint: "export the result of cell/states as .html, and of plot data, gradflow, jacobians or saturation as .svg")
            }
            let url = try interp.resolvePath(path, for: .write, at: a.location(1))
            let overwrite = try a.keyword("overwrite")?.bool(at: a.keywordLocation("overwrite")) ?? false
            try interp.checkReplace(url, path, export: true, overwrite: overwrite, at: a.location(1))
            do {
                try AtomicFile.write(Data(content.utf8), to: url)
            } catch {
                throw ShellError("cannot write \(path): \(error.localizedDescription)", at: a.location(1))
            }
            interp.write("wrote \(path) (\(content.utf8.count) bytes)\n")
            return .string(path)
        },
    ]
}

extension Builtins {
    /// `gradflow [m1, m2] "text"`: each model's flow over the same text, side by side on one log scale;
    /// returns one record per model, as `gradflow m "text"` does.
    static func gradflowSideBySide(_ interp: Interpreter, _ items: [Value], _ a: CallArgs) throws -> Value {
        guard !items.isEmpty else { throw ShellError("gradflow needs at least one model in the list", at: a.location(0)) }
        var flows: [GradientFlow] = [], names: [String] = [], chars: [String] = []
        for item in items {
            if case .transformer(let t) = item {
                let (flow, text) = try transformerFlow(t, a.positional[1].0, at: a.location(1), a)
                flows.append(flow)
                names.append("transformer ∂x")
                if chars.isEmpty { chars = text }
                continue
            }
            guard case .model(let m) = item else {
                throw ShellError("gradflow takes a model or a list of models, and the list holds a \(item.kind)", at: a.location(0))
            }
            let ids = try ids(m, a.positional[1].0, at: a.location(1))
            let c = m.model.config
            // kind="c" reads LSTMs along the cell; a tanh RNN or GRU in the same list keeps its h.
            let through: GradientFlow.Through = c.cell.hasCell ? try flowKind(a) : .hidden
            flows.append(try engine(a.location) { try GradientFlow.measure(m.model, ids: ids, through: through) })
            names.append("\(c.cell.name) \(c.hidden)" + (through == .cell ? " ∂c" : ""))
            if chars.isEmpty { chars = try ids.dropLast().map { try m.vocabulary.decode([$0]) } }
        }
        guard Set(flows.map { $0.norms.first?.count ?? 0 }).count == 1 else {
            throw ShellError("the models read the text into different lengths", at: a.location(1))
        }
        let rows = try int(a, "rows")
        interp.write(GradientFlow.sideBySide(flows, names: names, width: interp.configuration.displayWidth, maxRows: rows, text: chars) + "\n")
        return .list(try flows.map(flowRecord))
    }

    /// What gradflow returns for one model: the fitted decay per step, the fall by 10³, and the norms [layers, N].
    static func flowRecord(_ flow: GradientFlow) throws -> Value {
        .record([
            ("factor_per_step", .list(flow.factorPerStep.map(Value.number))),
            ("steps_to_thousandth", .list(flow.stepsToThousandth.map { $0.map { .number(Double($0)) } ?? .none })),
            ("norms", .tensor(try Tensor(shape: [flow.norms.count, flow.norms.first?.count ?? 0], data: flow.norms.flatMap { $0.map(Float.init) }))),
        ])
    }
}

extension Builtins {
    /// The `kind=` of gradflow: "h" (the default) or "c".
    static func flowKind(_ a: CallArgs) throws -> GradientFlow.Through {
        let s = try str(a, "kind")
        guard let through = GradientFlow.Through(rawValue: s), through != .input else {
            throw ShellError("gradflow: kind is \"h\" (hidden state) or \"c\" (an LSTM's cell), not \"\(s)\"", at: a.keywordLocation("kind"))
        }
        return through
    }
}

extension Interpreter {
    /// Picture settings for an output stream, for front ends that do not import LMInspect: colour from
    /// `NO_COLOR`, `COLORTERM`, `TERM` and whether the output is a terminal; the width in columns (kept
    /// within 20...400 so that a bogus size cannot make pictures unreadable).
    public func configurePictures(environment: [String: String], outputIsTerminal: Bool, columns: Int?) {
        configuration.colorMode = ColorMode.detect(environment: environment, isTerminal: outputIsTerminal)
        configuration.displayWidth = Swift.max(20, Swift.min(400, columns ?? 80))
    }
}

extension SessionRecord {
    /// The session as a static HTML notebook (`:export NAME.html`): cells, their outputs, coloured
    /// pictures kept.
    public func notebookHTML(title: String) -> String {
        HTMLPage.notebook(title: title, cells: cells.map { ($0.source, $0.output) })
    }
}

extension Value {
    /// A list or a tensor: something `plot` can draw as one series of an overlaid chart.
    var isSeries: Bool {
        switch self {
        case .list, .tensor: return true
        default: return false
        }
    }
}
