/// Joining and splitting along an axis: concat, stack and split.
extension Tensor {
    /// Joins tensors along an existing axis; all other sizes must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("concat: needs at least one tensor") }
        guard first.rank > 0 else { throw TensorError("concat: scalars have no axis to join", hint: "use stack") }
        let ax = try Shape.axis(axis, rank: first.rank, op: "concat")
        for (i, t) in tensors.enumerated() {
            var a = t.shape, b = first.shape
            guard a.count == b.count else {
                throw TensorError("concat: tensor \(i) has rank \(t.rank), tensor 0 has rank \(first.rank)")
            }
            a[ax] = 0; b[ax] = 0
            guard a == b else {
                throw TensorError("concat: tensor \(i) has shape \(shapeString(t.shape)), tensor 0 \(shapeString(first.shape)): only axis \(ax) may differ")
            }
        }
        // View each tensor as [outer, size_i * inner] and interleave the rows.
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let widths = tensors.map { $0.shape[ax] * inner }
        let total = widths.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = tensors.map { $0.shape[ax] }.reduce(0, +)
        _ = try Shape.count(outShape, op: "concat")
        var y = [Float](repeating: 0, count: outer * total)
        var col = 0
        for (t, w) in zip(tensors, widths) {
            for o in 0..<outer {
                for j in 0..<w { y[o * total + col + j] = t.data[o * w + j] }
            }
            col += w
        }
        return Tensor.result("concat", shape: outShape, data: y, inputs: tensors) { g in
            var grads: [[Float]?] = []
            var col = 0
            for w in widths {
                var gi = [Float](repeating: 0, count: outer * w)
                for o in 0..<outer {
                    for j in 0..<w { gi[o * w + j] = g[o * total + col + j] }
                }
                grads.append(gi)
                col += w
            }
            return grads
        }
    }

    /// Joins equally shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("stack: needs at least one tensor") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError("stack: tensor \(i) has shape \(shapeString(t.shape)), tensor 0 \(shapeString(first.shape))")
        }
        return try concat(tensors.map { try $0.unsqueezing(axis: axis) }, axis: axis)
    }

    /// Cuts along an axis into pieces of the given sizes (which must add up to the axis size).
    public func split(_ sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let ax = try Shape.axis(axis, rank: rank, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= shape[ax] }), sizes.reduce(0, +) == shape[ax] else {
            throw TensorError("split: sizes \(sizes) do not add up to \(shape[ax]), the size of axis \(ax)")
        }
        var start = 0
        var pieces: [Tensor] = []
        for s in sizes {
            var idx = [TensorIndex](repeating: .all, count: rank)
            idx[ax] = .range(start, start + s)
            pieces.append(try slice(idx))
            start += s
        }
        return pieces
    }

    /// Cuts along an axis into `parts` equal pieces.
    public func chunk(_ parts: Int, axis: Int = 0) throws -> [Tensor] {
        let ax = try Shape.axis(axis, rank: rank, op: "chunk")
        guard parts > 0, shape[ax] % parts == 0 else {
            throw TensorError("chunk: axis \(ax) of size \(shape[ax]) does not split into \(parts) equal parts")
        }
        return try split([Int](repeating: shape[ax] / parts, count: parts), axis: ax)
    }
}
