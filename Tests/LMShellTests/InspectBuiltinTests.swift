import Foundation
import LMCore
import LMInspect
import LMModels
import Testing
@testable import LMShell

/// The inspection verbs, checked against LMInspect called directly.
extension BuiltinTests {
    func failure(_ i: Interpreter, _ cell: String) -> ShellError? {
        do {
            _ = try i.run(cell)
            return nil
        } catch {
            return error as? ShellError
        }
    }

    func checkInspect(_ name: String) throws {
        let (i, out) = try shell()
        switch name {
        case "spectrum":
            try i.run("W = tensor([[0, -0.9], [0.9, 0]])")
            let r = try record(i, "spectrum(W)")
            guard case .number(let radius)? = r["radius"], case .number(let sigma)? = r["sigma_max"] else {
                Issue.record("spectrum gave no radius")
                return
            }
            #expect(Swift.abs(radius - 0.9) < 1e-6 && Swift.abs(sigma - 0.9) < 1e-6)
            #expect(out.text.contains("guaranteed to vanish"))
            let e = try #require(failure(i, "spectrum(zeros(2, 3))"))
            #expect(e.message.contains("square") && e.location == LMShell.SourceLocation(line: 1, column: 10))
        case "eig":
            // A rotation by 90° scaled by 0.9 has eigenvalues ±0.9i; a triangular matrix its diagonal.
            let rotation = try tensor(i, "eig(tensor([[0, -0.9], [0.9, 0]]))")
            #expect(rotation.shape == [2, 2])
            #expect(rotation.data.enumerated().allSatisfy { k, v in Swift.abs(Swift.abs(v) - (k % 2 == 0 ? 0 : 0.9)) < 1e-6 })
            #expect(Swift.abs(rotation.data[1] + rotation.data[3]) < 1e-6)
            let triangular = try tensor(i, "eig(tensor([[2, 1, 0], [0, -3, 5], [0, 0, 0.5]]))")
            #expect(zip(triangular.data, [-3, 0, 2, 0, 0.5, 0] as [Float]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
            let e = try #require(failure(i, "eig(zeros(2, 3))"))
            #expect(e.message.contains("square"))
        case "with_radius":
            try i.run("W = with_radius(randn(6, 6, seed=2), 1.1)")
            guard case .tensor(let w) = try value(i, "W") else { Issue.record("with_radius gave no tensor"); return }
            #expect(Swift.abs(try Spectrum.of(w).spectralRadius - 1.1) < 1e-4)
        case "rescale":
            try i.run("text = corpus(\"input.txt\")")
            for cell in ["rnn(text, hidden=6)", "lstm(text, hidden=6, layers=2)"] {
                try i.run("m = \(cell)")
                let r = try record(i, "rescale m rho=3")
                guard case .list(let after)? = r["after"] else { Issue.record("rescale gave no radii"); return }
                #expect(after.count == (cell.hasPrefix("rnn") ? 1 : 8))
                #expect(after.allSatisfy { if case .number(let x) = $0 { return Swift.abs(x - 3) < 1e-3 } else { return false } })
                guard case .model(let m) = try value(i, "m"), let w = m.model.parameters["rnn.weight_hh_l0"] else { return }
                let h = 6
                let block = try Tensor(shape: [h, h], data: Array(w.data[0..<(h * h)]))
                #expect(Swift.abs(try Spectrum.of(block).spectralRadius - 3) < 1e-3)
            }
            #expect(out.text.contains("ρ(V_h)") && out.text.contains("→ 3.0000"))
            let e = try #require(failure(i, "rescale m rho=0"))
            #expect(e.message.contains("rho"))
        case "assign":
            try i.run("w = zeros(2, 2)")
            try i.run("assign(w, eye(2))")
            expectTensor(try tensor(i, "w"), [2, 2], [1, 0, 0, 1])
            let e = try #require(failure(i, "assign(w, zeros(3))"))
            #expect(e.message.contains("shape"))
        case "encode":
            try i.run("text = corpus(\"input.txt\")")
            let ids = try tensor(i, "encode(text, \"the\")")
            let corpus = try Corpus(contentsOfFile: i.configuration.baseDirectory.appendingPathComponent("input.txt").path)
            #expect(ids.data == (try corpus.vocabulary.encode("the")).map(Float.init))
            let e = try #require(failure(i, "encode(text, \"xyz\")"))
            #expect(e.message.contains("x"))
        case "grads":
            try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
            try i.run("m = rnn(text, hidden=8)")
            try i.run("step m text batch=2 seq=8")
            let r = try record(i, "grads m")
            guard case .model(let m) = try value(i, "m"), case .number(let total)? = r["total"] else {
                Issue.record("grads gave no total")
                return
            }
            #expect(Swift.abs(total - GradientTable(m.model.parameters).totalGradNorm) < 1e-9)
            #expect(out.text.contains("rnn.weight_hh_l0") && out.text.contains("clip threshold 5"))
        case "gradflow":
            try i.run("text = corpus(\"input.txt\")")
            try i.run("m = rnn(text, hidden=8)")
            let r = try record(i, "gradflow m \"the cat sat on the mat.\"")
            guard case .tensor(let norms)? = r["norms"], case .model(let m) = try value(i, "m") else {
                Issue.record("gradflow gave no norms")
                return
            }
            let ids = try m.vocabulary.encode("the cat sat on the mat.").map(Int.init)
            let direct = try GradientFlow.measure(m.model, ids: ids)
            #expect(norms.shape == [1, ids.count - 1])
            #expect(zip(norms.data, direct.norms[0]).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-6 * Swift.max(1, $1) })
            #expect(out.text.contains("per step back"))
        default:
            Issue.record("no inspection check for \(name)")
        }
    }
}
