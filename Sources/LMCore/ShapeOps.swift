/// Ops that change how elements are arranged: reshape, squeeze/unsqueeze, transpose and permute.
extension Tensor {
    /// Same elements, new shape; one size may be -1 and is then inferred.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        if unknown.count > 1 {
            throw TensorError("reshape: only one size may be -1, got \(shapeString(newShape))")
        }
        if let u = unknown.first {
            let known = newShape.enumerated().filter { $0.offset != u }.map(\.element)
            let rest = try Shape.count(known, op: "reshape")
            guard rest > 0, count % rest == 0 else {
                throw TensorError("reshape: cannot infer -1 in \(shapeString(newShape)) for \(count) elements")
            }
            target[u] = count / rest
        }
        let n = try Shape.count(target, op: "reshape")
        guard n == count else {
            throw TensorError(
                "reshape: \(shapeString(shape)) has \(count) elements, \(shapeString(newShape)) needs \(n)",
                hint: "the product of the sizes must stay the same")
        }
        return Tensor.result("reshape", shape: target, data: data, inputs: [self]) { g in [g] }
    }

    /// Removes an axis of size 1.
    public func squeezing(axis: Int) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "squeeze")
        guard shape[a] == 1 else {
            throw TensorError("squeeze: axis \(axis) has size \(shape[a]), not 1")
        }
        var s = shape
        s.remove(at: a)
        return try reshape(s)
    }

    /// Inserts an axis of size 1 before `axis` (which may equal the rank, to append).
    public func unsqueezing(axis: Int) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank + 1, op: "unsqueeze")
        var s = shape
        s.insert(1, at: a)
        return try reshape(s)
    }

    /// Reorders the axes: result axis i is input axis `order[i]`.
    public func permute(_ order: [Int]) throws -> Tensor {
        guard order.count == rank else {
            throw TensorError("permute: \(order.count) axes given for a tensor of rank \(rank)")
        }
        let axes = try order.map { try Shape.axis($0, rank: rank, op: "permute") }
        guard Set(axes).count == rank else {
            throw TensorError("permute: \(order) repeats an axis", hint: "give each axis exactly once")
        }
        let outShape = axes.map { shape[$0] }
        let inStrides = strides
        let readStrides = axes.map { inStrides[$0] }
        let y = Tensor.gatherStrided(data, shape: outShape, strides: readStrides, base: 0)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        let inShape = shape
        return Tensor.result("permute", shape: outShape, data: y, inputs: [self]) { g in
            // The inverse permutation of the gradient.
            let gs = Shape.strides(outShape)
            return [Tensor.gatherStrided(g, shape: inShape, strides: inverse.map { gs[$0] }, base: 0)]
        }
    }

    /// Swaps two axes (the last two by default).
    public func transpose(_ axis0: Int = -2, _ axis1: Int = -1) throws -> Tensor {
        guard rank >= 2 else {
            if rank == 1 && (axis0 == -2 && axis1 == -1) { return self }
            throw TensorError("transpose: a tensor of rank \(rank) has no axes \(axis0) and \(axis1) to swap")
        }
        let a = try Shape.axis(axis0, rank: rank, op: "transpose"), b = try Shape.axis(axis1, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return try permute(order)
    }

    /// Reversed axes (the matrix transpose for 2-D), like PyTorch's `.T`.
    public var T: Tensor {
        // Reversing all axes is a valid permutation for any rank.
        (try? permute(Array((0..<rank).reversed()))) ?? self
    }

    /// Copies the elements that `strides` and `base` select from `source`, laid out as `shape`.
    static func gatherStrided(_ source: [Float], shape: [Int], strides: [Int], base: Int) -> [Float] {
        let n = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: n)
        let inner = strides.last ?? 0
        var o = 0
        source.withUnsafeBufferPointer { ps in
            out.withUnsafeMutableBufferPointer { po in
                forEachRow(shape: shape, strides: [strides], bases: [base]) { off, len in
                    var k = off[0]
                    for _ in 0..<len {
                        po[o] = ps[k]
                        o += 1
                        k += inner
                    }
                }
            }
        }
        return out
    }

    /// Adds `source` (laid out as `shape`) into `target` at the places `strides` and `base` select.
    static func scatterStrided(_ source: [Float], into target: inout [Float], shape: [Int], strides: [Int], base: Int) {
        let inner = strides.last ?? 0
        var o = 0
        source.withUnsafeBufferPointer { ps in
            target.withUnsafeMutableBufferPointer { pt in
                forEachRow(shape: shape, strides: [strides], bases: [base]) { off, len in
                    var k = off[0]
                    for _ in 0..<len {
                        pt[k] += ps[o]
                        o += 1
                        k += inner
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// PyTorch's `diag`: a vector [n] becomes the n × n matrix with it on the diagonal (the lecture's
    /// diag(g′(z_n))); a square matrix gives its diagonal as a vector. Each is the other's gradient.
    public func diag() throws -> Tensor {
        if rank == 1 {
            let n = count
            _ = try Shape.count([n, n], op: "diag")
            var out = [Float](repeating: 0, count: n * n)
            for i in 0..<n { out[i * n + i] = data[i] }
            return Tensor.result("diag", shape: [n, n], data: out, inputs: [self]) { g in
                [(0..<n).map { g[$0 * n + $0] }]
            }
        }
        guard rank == 2, shape[0] == shape[1] else {
            throw TensorError("diag: needs a vector or a square matrix, got \(shapeString(shape))")
        }
        let n = shape[0]
        return Tensor.result("diag", shape: [n], data: (0..<n).map { data[$0 * n + $0] }, inputs: [self]) { g in
            var out = [Float](repeating: 0, count: n * n)
            for i in 0..<n { out[i * n + i] = g[i] }
            return [out]
        }
    }
}
