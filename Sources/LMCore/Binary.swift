#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import RealModule

/// Elementwise functions of two tensors with NumPy broadcasting.
///
/// The backward pass accumulates each input's gradient straight into a buffer of the input's own
/// shape, reading it through broadcast strides (0 along broadcast axes), so the gradient of a
/// broadcast bias is summed over the broadcast axes without a separate reduction.
extension Tensor {
    /// Ops whose backward is written out inline (the hot ones of a recurrent step: bias adds, gate products),
    /// instead of calling the `da`/`db` closures once per element.
    enum InlineBackward { case add, sub, mul }

    func binary(
        _ other: Tensor, _ op: String,
        _ f: (Float, Float) -> Float,
        inline: InlineBackward? = nil,
        da: @escaping (_ a: Float, _ b: Float, _ y: Float) -> Float,
        db: @escaping (_ a: Float, _ b: Float, _ y: Float) -> Float
    ) throws -> Tensor {
        let a = self, b = other
        let outShape = a.shape == b.shape ? a.shape : try Shape.broadcast(a.shape, b.shape, op: op)
        let n = try Shape.count(outShape, op: op)
        var y = [Float](repeating: 0, count: n)
        let same = a.shape == b.shape
        let sa = Shape.broadcastStrides(a.shape, to: outShape)
        let sb = Shape.broadcastStrides(b.shape, to: outShape)
        let so = Shape.strides(outShape)
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                y.withUnsafeMutableBufferPointer { py in
                    if same {
                        for i in 0..<n { py[i] = f(pa[i], pb[i]) }
                    } else {
                        let ia = sa.last ?? 0, ib = sb.last ?? 0
                        forEachRow(shape: outShape, strides: [so, sa, sb]) { off, len in
                            for j in 0..<len { py[off[0] + j] = f(pa[off[1] + j * ia], pb[off[2] + j * ib]) }
                        }
                    }
                }
            }
        }
        let ad = a.data, bd = b.data
        let needA = a.requiresGrad, needB = b.requiresGrad
        return Tensor.result(op, shape: outShape, data: y, inputs: [a, b]) { [y] g in
            var ga = needA ? [Float](repeating: 0, count: ad.count) : []
            var gb = needB ? [Float](repeating: 0, count: bd.count) : []
            ad.withUnsafeBufferPointer { pa in
                bd.withUnsafeBufferPointer { pb in
                    y.withUnsafeBufferPointer { py in
                        g.withUnsafeBufferPointer { pg in
                            ga.withUnsafeMutableBufferPointer { pga in
                                gb.withUnsafeMutableBufferPointer { pgb in
                                    if same {
                                        switch inline {
                                        case .add?, .sub?:
                                            if needA { for i in 0..<n { pga[i] = pg[i] } }
                                            if needB {
                                                if inline == .add { for i in 0..<n { pgb[i] = pg[i] } } else { for i in 0..<n { pgb[i] = -pg[i] } }
                                            }
                                        case .mul?:
                                            if needA { for i in 0..<n { pga[i] = pg[i] * pb[i] } }
                                            if needB { for i in 0..<n { pgb[i] = pg[i] * pa[i] } }
                                        case nil:
                                            if needA { for i in 0..<n { pga[i] = pg[i] * da(pa[i], pb[i], py[i]) } }
                                            if needB { for i in 0..<n { pgb[i] = pg[i] * db(pa[i], pb[i], py[i]) } }
                                        }
                                        return
                                    }
                                    let ia = sa.last ?? 0, ib = sb.last ?? 0
                                    if let inline {
                                        let sign: Float = inline == .sub ? -1 : 1
                                        forEachRow(shape: outShape, strides: [so, sa, sb]) { off, len in
                                            let o = off[0], a0 = off[1], b0 = off[2]
                                            switch inline {
                                            case .add, .sub:
                                                if needA { for j in 0..<len { pga[a0 + j * ia] += pg[o + j] } }
                                                if needB { for j in 0..<len { pgb[b0 + j * ib] += sign * pg[o + j] } }
                                            case .mul:
                                                if needA { for j in 0..<len { pga[a0 + j * ia] += pg[o + j] * pb[b0 + j * ib] } }
                                                if needB { for j in 0..<len { pgb[b0 + j * ib] += pg[o + j] * pa[a0 + j * ia] } }
                                            }
                                        }
                                        return
                                    }
                                    forEachRow(shape: outShape, strides: [so, sa, sb]) { off, len in
                                        for j in 0..<len {
                                            let o = off[0] + j, ka = off[1] + j * ia, kb = off[2] + j * ib
                                            if needA { pga[ka] += pg[o] * da(pa[ka], pb[kb], py[o]) }
                                            if needB { pgb[kb] += pg[o] * db(pa[ka], pb[kb], py[o]) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [needA ? ga : nil, needB ? gb : nil]
        }
    }

    public func add(_ b: Tensor) throws -> Tensor {
        try binary(b, "add", { $0 + $1 }, inline: .add, da: { _, _, _ in 1 }, db: { _, _, _ in 1 })
    }
    public func sub(_ b: Tensor) throws -> Tensor {
        try binary(b, "sub", { $0 - $1 }, inline: .sub, da: { _, _, _ in 1 }, db: { _, _, _ in -1 })
    }
    public func mul(_ b: Tensor) throws -> Tensor {
        try binary(b, "mul", { $0 * $1 }, inline: .mul, da: { _, b, _ in b }, db: { a, _, _ in a })
    }
    /// Division; x/0 gives ±inf or NaN as IEEE says.
    public func div(_ b: Tensor) throws -> Tensor {
        try binary(b, "div", { $0 / $1 }, da: { _, b, _ in 1 / b }, db: { a, b, _ in -a / (b * b) })
    }
    /// a^b elementwise; ∂/∂b = a^b·log a (NaN for a < 0, as in PyTorch).
    public func pow(_ b: Tensor) throws -> Tensor {
        try binary(
            b, "pow", { powf($0, $1) },
            da: { a, b, _ in b == 0 ? 0 : b * powf(a, b - 1) },
            db: { a, _, y in a == 0 ? 0 : y * Float.log(a) })
    }
    /// The larger of a and b; on a tie the gradient goes to a.
    public func maximum(_ b: Tensor) throws -> Tensor {
        try binary(b, "maximum", { Swift.max($0, $1) }, da: { a, b, _ in a >= b ? 1 : 0 }, db: { a, b, _ in a >= b ? 0 : 1 })
    }
    /// The smaller of a and b; on a tie the gradient goes to a.
    public func minimum(_ b: Tensor) throws -> Tensor {
        try binary(b, "minimum", { Swift.min($0, $1) }, da: { a, b, _ in a <= b ? 1 : 0 }, db: { a, b, _ in a <= b ? 0 : 1 })
    }

    // Comparisons give masks of 0 and 1 and carry no gradient.
    func compare(_ b: Tensor, _ op: String, _ f: (Float, Float) -> Bool) throws -> Tensor {
        try Tensor.withoutGrad {
            try binary(b, op, { f($0, $1) ? 1 : 0 }, da: { _, _, _ in 0 }, db: { _, _, _ in 0 })
        }
    }
    public func eq(_ b: Tensor) throws -> Tensor { try compare(b, "eq", ==) }
    public func ne(_ b: Tensor) throws -> Tensor { try compare(b, "ne", !=) }
    public func lt(_ b: Tensor) throws -> Tensor { try compare(b, "lt", <) }
    public func le(_ b: Tensor) throws -> Tensor { try compare(b, "le", <=) }
    public func gt(_ b: Tensor) throws -> Tensor { try compare(b, "gt", >) }
    public func ge(_ b: Tensor) throws -> Tensor { try compare(b, "ge", >=) }

    /// Picks `a` where `condition` is non-zero and `b` elsewhere; all three broadcast together.
    /// The gradient goes to the side that was picked (so a NaN on the other side does not leak).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shape.broadcast(try Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let n = try Shape.count(shape, op: "where")
        let strides = [Shape.strides(shape)] + [condition, a, b].map { Shape.broadcastStrides($0.shape, to: shape) }
        let inner = strides.map { $0.last ?? 0 }
        let cd = condition.data, ad = a.data, bd = b.data
        var y = [Float](repeating: 0, count: n)
        forEachRow(shape: shape, strides: strides) { off, len in
            for j in 0..<len {
                y[off[0] + j] = cd[off[1] + j * inner[1]] != 0 ? ad[off[2] + j * inner[2]] : bd[off[3] + j * inner[3]]
            }
        }
        return Tensor.result("where", shape: shape, data: y, inputs: [condition, a, b]) { g in
            var ga = [Float](repeating: 0, count: ad.count), gb = [Float](repeating: 0, count: bd.count)
            forEachRow(shape: shape, strides: strides) { off, len in
                for j in 0..<len {
                    if cd[off[1] + j * inner[1]] != 0 {
                        ga[off[2] + j * inner[2]] += g[off[0] + j]
                    } else {
                        gb[off[3] + j * inner[3]] += g[off[0] + j]
                    }
                }
            }
            return [nil, ga, gb]
        }
    }
}

// Operators, so Swift code reads like the math. They throw on shapes that do not broadcast.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
    public static prefix func - (a: Tensor) -> Tensor { a.neg() }
    public static func + (a: Tensor, b: Float) -> Tensor { a.shifted(by: b) }
    public static func - (a: Tensor, b: Float) -> Tensor { a.shifted(by: -b) }
    public static func * (a: Tensor, b: Float) -> Tensor { a.scaled(by: b) }
    public static func * (a: Float, b: Tensor) -> Tensor { b.scaled(by: a) }
    public static func / (a: Tensor, b: Float) -> Tensor { a.scaled(by: 1 / b) }
}
