/// PyTorch's `nn.Linear` as one op: y = x·Wᵀ + b for x [..., in], W [out, in] (PyTorch's layout, so a
/// weight exports as it is) and b [out]. One sgemm forward and two backward, with no transposed copy
/// of W as `x @ W.T` would make.
extension Tensor {
    public func linear(weight w: Tensor, bias b: Tensor? = nil) throws -> Tensor {
        guard rank >= 1, w.rank == 2 else {
            throw TensorError("linear: needs x [..., in] and a weight [out, in], got \(shapeString(shape)) and \(shapeString(w.shape))")
        }
        let inF = w.shape[1], outF = w.shape[0]
        guard shape[rank - 1] == inF else {
            throw TensorError("linear: x has \(shape[rank - 1]) features in its last axis, the weight \(shapeString(w.shape)) takes \(inF)",
                              hint: "the weight is [out, in], as PyTorch's nn.Linear keeps it")
        }
        if let b, b.shape != [outF] {
            throw TensorError("linear: the bias has shape \(shapeString(b.shape)), needs [\(outF)]")
        }
        let rows = inF == 0 ? 0 : count / inF
        let outShape = Array(shape.dropLast()) + [outF]
        var y = [Float](repeating: 0, count: try Shape.count(outShape, op: "linear"))
        if let b {
            for r in 0..<rows { for j in 0..<outF { y[r * outF + j] = b.data[j] } }
        }
        let xd = data, wd = w.data
        if rows > 0 && outF > 0 && inF > 0 {
            xd.withUnsafeBufferPointer { px in
                wd.withUnsafeBufferPointer { pw in
                    y.withUnsafeMutableBufferPointer { py in
                        guard let px = px.baseAddress, let pw = pw.baseAddress, let py = py.baseAddress else { return }
                        BLAS.sgemm(transB: true, m: rows, n: outF, k: inF, a: px, lda: inF, b: pw, ldb: inF,
                                   beta: 1, c: py, ldc: outF)
                    }
                }
            }
        }
        let needX = requiresGrad, needW = w.requiresGrad, needB = b?.requiresGrad ?? false
        let inputs = b.map { [self, w, $0] } ?? [self, w]
        return Tensor.result("linear", shape: outShape, data: y, inputs: inputs) { g in
            // Written whole by sgemm with beta = 0 (or left empty for a product with no elements to read), so not zeroed first.
            let nonEmpty = rows > 0 && outF > 0 && inF > 0
            var gx = needX ? Tensor.uninitialized(xd.count, zeroed: !nonEmpty) : []
            var gw = needW ? Tensor.uninitialized(wd.count, zeroed: !nonEmpty) : []
            var gb = needB ? [Float](repeating: 0, count: outF) : []
            if nonEmpty {
                g.withUnsafeBufferPointer { pg in
                    xd.withUnsafeBufferPointer { px in
                        wd.withUnsafeBufferPointer { pw in
                            gx.withUnsafeMutableBufferPointer { pgx in
                                gw.withUnsafeMutableBufferPointer { pgw in
                                    guard let pg = pg.baseAddress, let px = px.baseAddress, let pw = pw.baseAddress else { return }
                                    if needX, let pgx = pgx.baseAddress {  // dx[rows,in] = G[rows,out] · W[out,in]
                                        BLAS.sgemm(m: rows, n: inF, k: outF, a: pg, lda: outF, b: pw, ldb: inF, c: pgx, ldc: inF)
                                    }
                                    if needW, let pgw = pgw.baseAddress {  // dW[out,in] = Gᵀ · x
                                        BLAS.sgemm(transA: true, m: outF, n: inF, k: rows, a: pg, lda: outF, b: px, ldb: inF,
                                                   c: pgw, ldc: inF)
                                    }
                                }
                            }
                        }
                    }
                }
                if needB {
                    for r in 0..<rows { for j in 0..<outF { gb[j] += g[r * outF + j] } }
                }
            }
            return [needX ? gx : nil, needW ? gw : nil] + (b == nil ? [] : [needB ? gb : nil])
        }
    }
}

extension Tensor {
    /// An array of `n` floats for a BLAS call to overwrite (zeroed when asked: memset was 7% of a transformer step).
    static func uninitialized(_ n: Int, zeroed: Bool = false) -> [Float] {
        if zeroed { return [Float](repeating: 0, count: n) }
        return [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    }
}
