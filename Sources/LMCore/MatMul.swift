/// Matrix products through `cblas_sgemm`.
///
/// 2-D: [m,k] @ [k,n] → [m,n]. Batched: [...,m,k] @ [...,k,n] with the batch axes broadcast as in
/// NumPy. A 1-D operand is read as a row (left) or a column (right) and that axis dropped from the result.
/// Backward: dA = G·Bᵀ and dB = Aᵀ·G, each one sgemm per batch, accumulated with beta = 1 so that a
/// broadcast operand sums its gradient over the batch.
extension Tensor {
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = self, b = other
        guard a.rank >= 1 && b.rank >= 1 else {
            throw TensorError("matmul: \(shapeString(a.shape)) @ \(shapeString(b.shape)): scalars have no matrix product",
                              hint: "use * to multiply by a scalar")
        }
        if a.rank == 1 || b.rank == 1 {
            // Check the inner sizes here, so the message shows the shapes the user gave.
            let k1 = a.shape[a.rank - 1], k2 = b.rank == 1 ? b.shape[0] : b.shape[b.rank - 2]
            guard k1 == k2 else { throw Tensor.innerSizeMismatch(a, b, k1, k2) }
        }
        if a.rank == 1 {
            // With a 1-D right operand too, the product is [1] here: drop its last axis (a dot product).
            return try a.reshape([1, a.shape[0]]).matmul(b).squeezing(axis: b.rank == 1 ? -1 : -2)
        }
        if b.rank == 1 {
            return try a.matmul(b.reshape([b.shape[0], 1])).squeezing(axis: -1)
        }
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        guard k == k2 else { throw Tensor.innerSizeMismatch(a, b, k, k2) }
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batch = try Shape.broadcast(aBatch, bBatch, op: "matmul (batch axes)")
        let outShape = batch + [m, n]
        let total = try Shape.count(outShape, op: "matmul")
        // Offsets of each batch's matrices in a, b and the output.
        let nb = batch.reduce(1, *)
        var offA = [Int](repeating: 0, count: nb), offB = offA
        if !batch.isEmpty {
            let sa = Shape.broadcastStrides(aBatch, to: batch), sb = Shape.broadcastStrides(bBatch, to: batch)
            var idx = 0
            forEachRow(shape: batch, strides: [sa, sb]) { off, len in
                for j in 0..<len {
                    offA[idx] = (off[0] + j * (sa.last ?? 0)) * m * k
                    offB[idx] = (off[1] + j * (sb.last ?? 0)) * k * n
                    idx += 1
                }
            }
        }
        var y = [Float](repeating: 0, count: total)
        // With an empty axis there is nothing to multiply (and k = 0 gives zeros, as in NumPy).
        let nonEmpty = m > 0 && n > 0 && k > 0
        if nonEmpty {
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    y.withUnsafeMutableBufferPointer { py in
                        guard let pa = pa.baseAddress, let pb = pb.baseAddress, let py = py.baseAddress else { return }
                        for i in 0..<nb {
                            BLAS.sgemm(m: m, n: n, k: k, a: pa + offA[i], lda: k, b: pb + offB[i], ldb: n,
                                       c: py + i * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        let ad = a.data, bd = b.data, needA = a.requiresGrad, needB = b.requiresGrad
        return Tensor.result("matmul", shape: outShape, data: y, inputs: [a, b]) { g in
            var ga = needA ? [Float](repeating: 0, count: ad.count) : []
            var gb = needB ? [Float](repeating: 0, count: bd.count) : []
            guard nonEmpty else { return [needA ? ga : nil, needB ? gb : nil] }
            g.withUnsafeBufferPointer { pg in
                ad.withUnsafeBufferPointer { pa in
                    bd.withUnsafeBufferPointer { pb in
                        ga.withUnsafeMutableBufferPointer { pga in
                            gb.withUnsafeMutableBufferPointer { pgb in
                                guard let pg = pg.baseAddress, let pa = pa.baseAddress, let pb = pb.baseAddress
                                else { return }
                                for i in 0..<nb {
                                    let gi = pg + i * m * n
                                    if needA, let ga = pga.baseAddress {  // dA[m,k] += G[m,n] · B[k,n]ᵀ
                                        BLAS.sgemm(transB: true, m: m, n: k, k: n, a: gi, lda: n, b: pb + offB[i], ldb: n,
                                                   beta: 1, c: ga + offA[i], ldc: k)
                                    }
                                    if needB, let gb = pgb.baseAddress {  // dB[k,n] += A[m,k]ᵀ · G[m,n]
                                        BLAS.sgemm(transA: true, m: k, n: n, k: m, a: pa + offA[i], lda: k, b: gi, ldb: n,
                                                   beta: 1, c: gb + offB[i], ldc: n)
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
}

extension Tensor {
    /// The error for operands whose inner sizes differ, naming the shapes the user gave.
    static func innerSizeMismatch(_ a: Tensor, _ b: Tensor, _ k1: Int, _ k2: Int) -> TensorError {
        TensorError(
            "matmul: \(shapeString(a.shape)) @ \(shapeString(b.shape)): inner sizes \(k1) and \(k2) differ",
            hint: "the last size of the left operand must equal the first matrix size of the right; transpose one?")
    }
}
