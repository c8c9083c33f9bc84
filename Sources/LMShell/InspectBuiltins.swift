import LMCore
import LMInspect
import LMModels

/// Builtins that look inside: gradient tables, spectra, gradients through time, and text ↔ ids.
extension Builtins {
    static func ids(_ m: ModelValue, _ v: Value, at loc: SourceLocation) throws -> [Int] {
        switch v {
        case .string(let s): return try engine(loc) { try m.vocabulary.encode(s).map(Int.init) }
        case .tensor(let t): return try t.data.map { x in
            guard x >= 0, x == x.rounded(), x < Float(m.vocabulary.count) else {  // before Int(x), which traps on 1e30
                throw ShellError("\(Value.format(Double(x))) is not a symbol id of this model", at: loc)
            }
            return Int(x)
        }
        default: throw ShellError("expected a text in double quotes or a tensor of ids, got a \(v.kind)", at: loc)
        }
    }

    static let inspectBuiltins: [Builtin] = [
        Builtin(name: "grads", usage: "grads m", summary: "per parameter: shape, ‖w‖, ‖∇w‖, ‖∇w‖/‖w‖ and max|∇|, after the last step or backward; totals and the clip threshold",
                keywords: [], example: "text = corpus(\"input.txt\")\nm = rnn(text, hidden=16)\nstep m text batch=2 seq=8\ngrads m") { interp, a in
            try a.expectCount(1...1)
            let m = try modelArg(a, 0)
            let table = GradientTable(m.model.parameters, clip: m.trainer?.settings.clip)
            interp.write(table.description + "\n")
            return .record(table.rows.map { ($0.name, .number($0.gradNorm)) } + [("total", .number(table.totalGradNorm))])
        },
        Builtin(name: "spectrum", usage: "spectrum(W)", summary: "eigenvalues and singular values of a square matrix, ρ and σ_max, with Pascanu et al.'s reading for tanh",
                keywords: [], example: "spectrum(randn(8, 8, seed=1, std=0.3))") { interp, a in
            try a.expectCount(1...1)
            let w = try t(a, 0)
            let s = try at(a.location(0)) { try Spectrum.of(w) }
            interp.write(s.description + "\n")
            return .record([
                ("radius", .number(s.spectralRadius)), ("sigma_max", .number(s.largestSingularValue)),
                ("eigen_moduli", .list(s.eigenvalues.map { .number(($0.re * $0.re + $0.im * $0.im).squareRoot()) })),
                ("singular_values", .list(s.singularValues.map(Value.number))),
            ])
        },
        Builtin(name: "eig", usage: "eig(W)", summary: "the eigenvalues of a square matrix as a tensor [n, 2] of (real, imaginary), largest modulus first",
                keywords: [], example: "eig(tensor([[0, -0.9], [0.9, 0]]))") { _, a in
            try a.expectCount(1...1)
            let w = try t(a, 0)
            let s = try at(a.location(0)) { try Spectrum.of(w) }
            let values = s.eigenvalues.flatMap { [Float($0.re), Float($0.im)] }
            return .tensor(try Tensor(shape: [s.eigenvalues.count, 2], data: values))
        },
        Builtin(name: "with_radius", usage: "with_radius(W, r)", summary: "W scaled so that its spectral radius is r",
                keywords: [], example: "W = with_radius(randn(8, 8, seed=1), 0.9)\nspectrum(W).radius") { _, a in
            try a.expectCount(2...2)
            let w = try t(a, 0), r = try a.positional[1].0.number(at: a.location(1))
            return .tensor(try at(a.location) { try w.scaledToSpectralRadius(r) })
        },
        Builtin(name: "rescale", usage: "rescale m rho=1",
                summary: "scales V_h (rnn.weight_hh) of every layer to spectral radius rho, each gate's square block on its own; prints ρ before and after",
                keywords: ["rho"], example: "m = rnn(corpus(\"input.txt\"), hidden=8)\nrescale m rho=3\nspectrum(m.rnn.weight_hh_l0).radius") { interp, a in
            try a.expectCount(1...1)
            let m = try modelArg(a, 0)
            let rho = try num(a, "rho")
            guard rho.isFinite, rho > 0, rho <= 1e6 else { throw ShellError("rho must be a number in (0, 1e6]", at: a.keywordLocation("rho")) }
            let c = m.model.config, h = c.hidden
            var before: [Value] = [], after: [Value] = []
            for l in 0..<c.layers {
                guard let w = m.model.parameters["rnn.weight_hh_l\(l)"] else { continue }
                for (k, gate) in c.cell.gateNames.enumerated() {
                    let block = try Tensor(shape: [h, h], data: Array(w.data[(k * h * h)..<((k + 1) * h * h)]))
                    let scaled = try at(a.location) { try block.scaledToSpectralRadius(rho) }
                    let r0 = try at(a.location) { try Spectrum.of(block).spectralRadius }
                    w.data.replaceSubrange((k * h * h)..<((k + 1) * h * h), with: scaled.data)
                    let r1 = try at(a.location) { try Spectrum.of(scaled).spectralRadius }
                    interp.write(String(format: "layer %d%@: ρ(V_h) %.4f → %.4f\n", l + 1, c.cell.gates > 1 ? ", gate \(gate)" : "", r0, r1))
                    before.append(.number(r0))
                    after.append(.number(r1))
                }
            }
            return .record([("before", .list(before)), ("after", .list(after))])
        },
        Builtin(name: "assign", usage: "assign(target, values)", summary: "copies values into a tensor in place (e.g. a model's weight)",
                keywords: [], example: "w = zeros(2, 2)\nassign(w, eye(2))\nw") { _, a in
            try a.expectCount(2...2)
            let target = try t(a, 0), source = try t(a, 1)
            guard target.shape == source.shape else {
                throw ShellError("assign: target has shape \(shapeString(target.shape)), values \(shapeString(source.shape))", at: a.location(1))
            }
            target.data = source.data
            return .none
        },
        Builtin(name: "gradflow", usage: "gradflow m \"text\" rows=30 kind=\"h\"", summary: "‖∂cost_N/∂h_n‖ for n = N…1 in every layer (kind=\"c\": along an LSTM's cell, ‖∂cost_N/∂c_n‖): bars on a log scale, the decay per step and when it has fallen by 10³; a list of models [m1, m2] draws them side by side",
                keywords: ["rows", "kind"], example: "m = rnn(corpus(\"input.txt\"), hidden=16)\ngradflow m \"the cat sat on the mat. the dog ate the hat.\"") { interp, a in
            try a.expectCount(2...2)
            if case .list(let items) = a.positional[0].0 { return try gradflowSideBySide(interp, items, a) }
            if case .transformer(let t) = a.positional[0].0 {
                let (flow, chars) = try transformerFlow(t, a.positional[1].0, at: a.location(1), a)
                interp.write(flow.chart(maxRows: try int(a, "rows"), text: chars) + "\n")
                return try flowRecord(flow)
            }
            let m = try modelArg(a, 0)
            let ids = try ids(m, a.positional[1].0, at: a.location(1))
            let rows = try int(a, "rows")
            let through = try flowKind(a)
            let flow = try engine(a.location) { try GradientFlow.measure(m.model, ids: ids, through: through) }
            let chars = try ids.dropLast().map { try m.vocabulary.decode([$0]) }
            interp.write(flow.chart(maxRows: rows, text: chars) + "\n")
            let norms = try Tensor(shape: [flow.norms.count, flow.norms.first?.count ?? 0], data: flow.norms.flatMap { $0.map(Float.init) })
            return .record([
                ("factor_per_step", .list(flow.factorPerStep.map(Value.number))),
                ("steps_to_thousandth", .list(flow.stepsToThousandth.map { $0.map { .number(Double($0)) } ?? .none })),
                ("norms", .tensor(norms)),
            ])
        },
        Builtin(name: "encode", usage: "encode(m, \"text\")", summary: "the symbol ids of a text in a model's (or corpus's) vocabulary",
                keywords: [], example: "text = corpus(\"input.txt\")\nencode(text, \"the cat\")") { _, a in
            try a.expectCount(2...2)
            let s = try a.positional[1].0.string(at: a.location(1), "a text")
            let vocab: Vocabulary
            switch a.positional[0].0 {
            case .model(let m): vocab = m.vocabulary
            case .corpus(let c): vocab = c.vocabulary
            case let v: throw ShellError("encode takes a model or a corpus, got a \(v.kind)", at: a.location(0))
            }
            let ids = try engine(a.location(1)) { try vocab.encode(s) }
            return .tensor(Tensor(ids.map(Float.init)))
        },
    ]
}
