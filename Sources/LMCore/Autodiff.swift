import Foundation
/// Define-by-run reverse-mode automatic differentiation.
///
/// Every op that has an input requiring grad records a `Node`: its inputs and a closure that maps the
/// gradient of the output to the gradients of the inputs. `backward()` orders the graph once
/// (iteratively, so a long unrolled RNN cannot overflow the stack) and walks it from the output,
/// summing the gradients that reach a tensor along every path (fan-out) and accumulating them into
/// `grad` of every leaf that requires it.
final class Node {
    let op: String
    let inputs: [Tensor]
    /// Maps ∂L/∂output to ∂L/∂input for each input (nil where an input needs none).
    let backward: ([Float]) -> [[Float]?]

    init(op: String, inputs: [Tensor], backward: @escaping ([Float]) -> [[Float]?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

public enum GradMode {
    /// Whether ops record the graph. Off inside `Tensor.withoutGrad` (sampling, evaluation).
    @TaskLocal public static var isEnabled = true
}

extension Tensor {
    /// Runs `body` without recording any graph, like PyTorch's `torch.no_grad()`.
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try GradMode.$isEnabled.withValue(false) { try body() }
    }

    /// Makes the result of an op, recording a node when grad mode is on and an input requires grad.
    static func result(
        _ op: String, shape: [Int], data: [Float], inputs: [Tensor],
        backward: @escaping ([Float]) -> [[Float]?]
    ) -> Tensor {
        let out = Tensor(uncheckedShape: shape, data: data)
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            out.requiresGrad = true
            out.node = Node(op: op, inputs: inputs, backward: backward)
            TapeMeter.current?.recordNode()
        }
        return out
    }

    /// The name of the op that made this tensor ("leaf" for leaves).
    public var opName: String { node?.op ?? "leaf" }

    /// Back-propagates from this tensor. Without a seed it must hold one element (a loss), whose
    /// gradient is 1; with a seed, the seed is ∂L/∂self. Gradients **accumulate** into `grad`.
    public func backward(seed: Tensor? = nil) throws {
        let seedData: [Float]
        if let seed {
            guard seed.shape == shape else {
                throw TensorError("backward: seed has shape \(shapeString(seed.shape)), the tensor \(shapeString(shape))")
            }
            seedData = seed.data
        } else {
            guard count == 1 else {
                throw TensorError("backward: the tensor has shape \(shapeString(shape)), not one element",
                                  hint: "call backward on a scalar loss, or pass a seed gradient")
            }
            seedData = [1]
        }
        guard requiresGrad else {
            throw TensorError("backward: this tensor does not depend on anything that requires grad",
                              hint: "make the inputs with requiresGrad (in the shell: param(x) or randn(..., grad=true))")
        }
        if let meter = TapeMeter.current {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = propagate(seedData, accumulate: true)
            meter.recordBackward(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        } else {
            _ = propagate(seedData, accumulate: true)
        }
    }

    /// The vector-Jacobian product seedᵀ·∂self/∂x for one tensor `x` the graph reaches (zeros when it does not),
    /// without touching any `grad` (PyTorch's `autograd.grad`): `jacobian` calls it once per output.
    public func vectorJacobianProduct(seed: Tensor, withRespectTo x: Tensor) throws -> Tensor {
        guard seed.shape == shape else {
            throw TensorError("vjp: seed has shape \(shapeString(seed.shape)), the tensor \(shapeString(shape))")
        }
        let g = requiresGrad ? propagate(seed.data, accumulate: false, capture: x) : nil
        return try Tensor(shape: x.shape, data: g ?? [Float](repeating: 0, count: x.count))
    }

    /// Walks the graph from this tensor with ∂L/∂self = `seedData`: accumulates into leaves' `grad` when
    /// `accumulate`, and returns the gradient that reached `capture`, if any.
    private func propagate(_ seedData: [Float], accumulate: Bool, capture: Tensor? = nil) -> [Float]? {

        // Topological order by an iterative depth-first search.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let node = t.node {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }

        var grads: [ObjectIdentifier: [Float]] = [ObjectIdentifier(self): seedData]
        var captured: [Float]?
        for t in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            if let capture, t === capture { captured = g }
            if accumulate && (t.node == nil || t.retainsGrad) {
                t.accumulateGrad(g)
            }
            guard let node = t.node else { continue }
            let inputGrads = node.backward(g)
            for (input, ig) in zip(node.inputs, inputGrads) {
                guard input.requiresGrad, let ig else { continue }
                let id = ObjectIdentifier(input)
                if var existing = grads[id] {
                    addInPlace(&existing, ig)
                    grads[id] = existing
                } else {
                    grads[id] = ig
                }
            }
        }
        return captured
    }

    func accumulateGrad(_ g: [Float]) {
        if let grad {
            addInPlace(&grad.data, g)
        } else {
            grad = Tensor(uncheckedShape: shape, data: g)
        }
    }
}

func addInPlace(_ a: inout [Float], _ b: [Float]) {
    a.withUnsafeMutableBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            for i in 0..<pa.count { pa[i] += pb[i] }
        }
    }
}
