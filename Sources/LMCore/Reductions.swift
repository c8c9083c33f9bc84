/// Reductions over all axes or chosen ones, with `keepdims`: sum, mean, max, min, argmax, norm.
///
/// Each walks the input once, reading the output through strides that are 0 along reduced axes, so a
/// reduction over any set of axes is one loop; the backward pass reads the output's gradient the same way.
extension Tensor {
    /// Output shape (kept dims) and the strides that map an input position to its output cell.
    func reductionPlan(_ axes: [Int]?, op: String) throws -> (kept: [Int], reduced: Set<Int>, outStrides: [Int]) {
        let list = try (axes ?? Array(0..<rank)).map { try Shape.axis($0, rank: rank, op: op) }
        let reduced = Set(list)
        guard reduced.count == list.count else {
            throw TensorError("\(op): axes \(axes ?? []) repeat an axis")
        }
        let kept = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        var outStrides = Shape.strides(kept)
        for a in reduced { outStrides[a] = 0 }
        return (kept, reduced, outStrides)
    }

    func finalShape(_ kept: [Int], _ reduced: Set<Int>, keepdims: Bool) -> [Int] {
        keepdims ? kept : kept.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
    }

    /// Σ over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let (kept, reduced, os) = try reductionPlan(axes, op: "sum")
        let outCount = kept.reduce(1, *)
        var y = [Float](repeating: 0, count: outCount)
        let inStrides = strides, inner = os.last ?? 0
        data.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                forEachRow(shape: shape, strides: [inStrides, os]) { off, len in
                    if inner == 0 {
                        var acc: Float = 0
                        for j in 0..<len { acc += px[off[0] + j] }
                        py[off[1]] += acc
                    } else {
                        for j in 0..<len { py[off[1] + j * inner] += px[off[0] + j] }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.result("sum", shape: finalShape(kept, reduced, keepdims: keepdims), data: y, inputs: [self]) { g in
            var gx = [Float](repeating: 0, count: inShape.reduce(1, *))
            gx.withUnsafeMutableBufferPointer { pgx in
                g.withUnsafeBufferPointer { pg in
                    forEachRow(shape: inShape, strides: [inStrides, os]) { off, len in
                        for j in 0..<len { pgx[off[0] + j] = pg[off[1] + j * inner] }
                    }
                }
            }
            return [gx]
        }
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let (kept, _, _) = try reductionPlan(axes, op: "mean")
        let n = count / Swift.max(kept.reduce(1, *), 1)
        guard n > 0 else { throw TensorError("mean: of an empty tensor", hint: "the shape is \(shapeString(shape))") }
        return try sum(axes: axes, keepdims: keepdims).scaled(by: 1 / Float(n))
    }

    /// Largest element over `axes`; the gradient goes to the maximal elements (shared evenly on ties).
    public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepdims: keepdims, op: "max", better: >)
    }

    /// Smallest element over `axes`; the gradient goes to the minimal elements (shared evenly on ties).
    public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepdims: keepdims, op: "min", better: <)
    }

    func extremum(axes: [Int]?, keepdims: Bool, op: String, better: @escaping (Float, Float) -> Bool) throws -> Tensor {
        guard count > 0 else { throw TensorError("\(op): of an empty tensor has no value") }
        let (kept, reduced, os) = try reductionPlan(axes, op: op)
        let outCount = kept.reduce(1, *)
        var y = [Float](repeating: .nan, count: outCount)
        var seen = [Bool](repeating: false, count: outCount)
        let inStrides = strides, inner = os.last ?? 0, x = data, inShape = shape
        forEachRow(shape: shape, strides: [inStrides, os]) { off, len in
            for j in 0..<len {
                let v = x[off[0] + j], o = off[1] + j * inner
                // NaN wins and stays, as in PyTorch.
                if !seen[o] {
                    y[o] = v
                    seen[o] = true
                } else if v.isNaN || (!y[o].isNaN && better(v, y[o])) {
                    y[o] = v
                }
            }
        }
        return Tensor.result(op, shape: finalShape(kept, reduced, keepdims: keepdims), data: y, inputs: [self]) { g in
            var ties = [Float](repeating: 0, count: outCount)
            forEachRow(shape: inShape, strides: [inStrides, os]) { off, len in
                for j in 0..<len where x[off[0] + j] == y[off[1] + j * inner] { ties[off[1] + j * inner] += 1 }
            }
            var gx = [Float](repeating: 0, count: x.count)
            forEachRow(shape: inShape, strides: [inStrides, os]) { off, len in
                for j in 0..<len {
                    let o = off[1] + j * inner
                    if x[off[0] + j] == y[o] { gx[off[0] + j] = g[o] / ties[o] }
                }
            }
            return [gx]
        }
    }

    /// Index of the largest element along `axis` (of the flattened tensor when nil); first on ties.
    public func argmax(axis: Int? = nil, keepdims: Bool = false) throws -> Tensor {
        guard count > 0 else { throw TensorError("argmax: of an empty tensor has no value") }
        guard let axis else {
            var best = 0
            for i in 1..<count where data[i] > data[best] { best = i }
            return Tensor(Float(best))
        }
        let ax = try Shape.axis(axis, rank: rank, op: "argmax")
        let (kept, reduced, os) = try reductionPlan([ax], op: "argmax")
        let outCount = kept.reduce(1, *)
        var best = [Float](repeating: -.infinity, count: outCount)
        var arg = [Float](repeating: 0, count: outCount)
        let st = strides
        // Walk with the reduced axis moved last, so each row is one argmax.
        var order = Array(0..<rank).filter { $0 != ax }
        order.append(ax)
        let pShape = order.map { shape[$0] }
        forEachRow(shape: pShape, strides: [order.map { st[$0] }, order.map { os[$0] }]) { off, len in
            let o = off[1]
            for j in 0..<len {
                let v = data[off[0] + j * st[ax]]
                if j == 0 || v > best[o] { best[o] = v; arg[o] = Float(j) }
            }
        }
        return Tensor(uncheckedShape: finalShape(kept, reduced, keepdims: keepdims), data: arg)
    }

    /// Euclidean (Frobenius) norm over `axes` (all when nil).
    public func norm(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        _ = try reductionPlan(axes, op: "norm")  // so that a bad axis is reported as norm's, not sum's
        return try square().sum(axes: axes, keepdims: keepdims).sqrt()
    }
}
