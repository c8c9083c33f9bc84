/// Reading parts of a tensor: integer indexing and slicing (`x[0]`, `x[1:3, :]`), row gathers
/// (an embedding lookup), and one-hot encoding. Backward passes scatter-add into zeros.
public enum TensorIndex: Sendable, Equatable {
    /// One position; the axis disappears from the result. Negative counts from the end.
    case at(Int)
    /// Python's start:end:step (step > 0); nil bounds mean the ends of the axis; bounds are clamped.
    case range(Int?, Int?, step: Int = 1)
    /// The whole axis (`:`).
    case all
}

extension Tensor {
    /// `x[indices…]`; axes not mentioned are taken whole.
    public func slice(_ indices: [TensorIndex]) throws -> Tensor {
        guard indices.count <= rank else {
            throw TensorError("index: \(indices.count) indices for a tensor of shape \(shapeString(shape))",
                              hint: "a tensor of rank \(rank) takes at most \(rank) indices")
        }
        let st = strides
        var outShape: [Int] = [], readStrides: [Int] = []
        var base = 0
        for axis in 0..<rank {
            let size = shape[axis]
            switch axis < indices.count ? indices[axis] : .all {
            case .at(let i):
                let j = i < 0 ? i + size : i
                guard j >= 0 && j < size else {
                    throw TensorError("index: \(i) is out of range for axis \(axis) of size \(size)",
                                      hint: "valid indices are \(-size)...\(size - 1)")
                }
                base += j * st[axis]
            case .all:
                outShape.append(size)
                readStrides.append(st[axis])
            case .range(let start, let end, let step):
                guard step > 0 else {
                    throw TensorError("slice: step \(step) must be positive")
                }
                func clampBound(_ b: Int?, _ dflt: Int) -> Int {
                    guard let b else { return dflt }
                    return Swift.min(Swift.max(b < 0 ? b + size : b, 0), size)
                }
                let s = clampBound(start, 0), e = clampBound(end, size)
                let len = e > s ? (e - s - 1) / step + 1 : 0
                base += s * st[axis]
                outShape.append(len)
                readStrides.append(len > 1 ? st[axis] * step : st[axis])  // len > 1: step < size, no overflow
            }
        }
        let y = Tensor.gatherStrided(data, shape: outShape, strides: readStrides, base: base)
        let inCount = count
        return Tensor.result("index", shape: outShape, data: y, inputs: [self]) { g in
            var gx = [Float](repeating: 0, count: inCount)
            Tensor.scatterStrided(g, into: &gx, shape: outShape, strides: readStrides, base: base)
            return [gx]
        }
    }

    public subscript(_ indices: TensorIndex...) -> Tensor {
        get throws { try slice(indices) }
    }

    /// Validates a tensor of indices: integral values in 0..<limit.
    static func indexList(_ t: Tensor, limit: Int, op: String) throws -> [Int] {
        try t.data.map { v in
            guard v.isFinite, v == v.rounded(), v >= 0, Double(v) < Double(limit) else {
                throw TensorError("\(op): index \(v) is not an integer in 0..<\(limit)")
            }
            return Int(v)
        }
    }

    /// Rows of a matrix (or slices along axis 0) picked by integer indices of any shape: the result has
    /// shape `indices.shape + self.shape[1...]`. This is an embedding lookup; its backward adds each
    /// output row's gradient into the row it came from.
    public func gatherRows(_ indices: Tensor) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("gather: cannot pick rows of a scalar") }
        let idx = try Tensor.indexList(indices, limit: shape[0], op: "gather")
        let rowLen = count / Swift.max(shape[0], 1)
        let outShape = indices.shape + shape.dropFirst()
        _ = try Shape.count(outShape, op: "gather")
        var y = [Float](repeating: 0, count: idx.count * rowLen)
        for (r, i) in idx.enumerated() {
            for j in 0..<rowLen { y[r * rowLen + j] = data[i * rowLen + j] }
        }
        let inCount = count
        return Tensor.result("gather", shape: outShape, data: y, inputs: [self]) { g in
            var gx = [Float](repeating: 0, count: inCount)
            for (r, i) in idx.enumerated() {
                for j in 0..<rowLen { gx[i * rowLen + j] += g[r * rowLen + j] }
            }
            return [gx]
        }
    }

    /// One-hot encoding: integer indices of any shape → `indices.shape + [depth]` of 0 and 1.
    public static func oneHot(_ indices: Tensor, depth: Int) throws -> Tensor {
        guard depth > 0 else { throw TensorError("one_hot: depth must be positive, got \(depth)") }
        let idx = try indexList(indices, limit: depth, op: "one_hot")
        let t = try zeros(indices.shape + [depth])
        for (r, i) in idx.enumerated() { t.data[r * depth + i] = 1 }
        return t
    }
}
