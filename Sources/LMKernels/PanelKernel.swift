/// The inner kernel of the recurrent products: C[m × n] += A[m × k] · B, with B already packed in
/// panels of 16 columns (for each panel, k rows of 16 floats, 64-byte aligned, zero-padded).
///
/// Why it exists: a recurrent step multiplies a few rows (the batch) by the same weight matrix W_hh at
/// every time step. A BLAS call repacks W_hh on every call, and for small batches that repacking took a
/// quarter of a forward pass (3×512 LSTM, profile in the closing note of issue 6). Packing once per
/// window and running this kernel at every step keeps only the multiply-adds.
///
/// This module is compiled for Haswell-class CPUs (AVX2, FMA; see Package.swift), so the `SIMD8` fused
/// multiply-adds become single instructions. It must only be called after `PackedMatrix.kernelAvailable`
/// has confirmed the CPU has them; everything else (packing, the check) lives in baseline code.
public enum PanelKernel {
    public typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        V(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    }

    @inline(__always)
    static func addStore(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        let s = v + load(p)
        p[0] = s[0]; p[1] = s[1]; p[2] = s[2]; p[3] = s[3]
        p[4] = s[4]; p[5] = s[5]; p[6] = s[6]; p[7] = s[7]
    }

    /// C[m × n] += A[m × k] · B for B packed as described above (`panels` = ⌈n / 16⌉).
    /// Rows of A and C are `lda` and `ldc` floats apart.
    public static func multiplyAdd(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        packed: UnsafePointer<V>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let panels = (n + 15) / 16
        // The last columns (fewer than 16) go through a zero-padded scratch block, allocated only when n is
        // not a whole number of panels (G·H is a multiple of 16 for every hidden size divisible by 4).
        let scratchC = UnsafeMutablePointer<Float>.allocate(capacity: n % 16 == 0 ? 0 : 6 * 16)
        defer { scratchC.deallocate() }
        // Panels outside, row blocks inside: a panel (k × 16 floats) is read from memory once and stays in
        // L1 for every block of rows, while the few rows of A stay in L1/L2 throughout.
        for p in 0..<panels {
            let n0 = p * 16, panel = packed + p * 2 * k
            let width = Swift.min(16, n - n0)
            // Rows in ⌈m/6⌉ blocks as even as can be (25 as 5+5+5+5+5, not 6+6+6+6+1): a block of one row has two
            // accumulators, whose FMA chains wait on their own latency, and took as long as a block of four.
            let blocks = (m + 5) / 6, small = m / Swift.max(blocks, 1), larger = m - small * blocks
            var m0 = 0
            for blockIndex in 0..<blocks {
                let rows = small + (blockIndex < larger ? 1 : 0)
                if width == 16 {
                    block(rows: rows, k: k, a: a + m0 * lda, lda: lda, b: panel, c: c + m0 * ldc + n0, ldc: ldc)
                } else {
                    scratchC.initialize(repeating: 0, count: 6 * 16)
                    block(rows: rows, k: k, a: a + m0 * lda, lda: lda, b: panel, c: scratchC, ldc: 16)
                    for r in 0..<rows {
                        for j in 0..<width { c[(m0 + r) * ldc + n0 + j] += scratchC[r * 16 + j] }
                    }
                }
                m0 += rows
            }
        }
    }

    /// One block of 1…6 rows: a copy of `rows(_:k:a:lda:b:c:ldc:)` specialised for each count, so that a batch of 25
    /// runs as 5+5+5+5+5 rows rather than padding a last row to six.
    @inline(__always)
    static func block(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<V>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch rows {
        case 6: Self.rows(6, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        case 5: Self.rows(5, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        case 4: Self.rows(4, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        case 3: Self.rows(3, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        case 2: Self.rows(2, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        default: Self.rows(1, k: k, a: a, lda: lda, b: b, c: c, ldc: ldc)
        }
    }

    /// `count` rows (1…6, a constant at each call site, so the unused accumulators fold away) by one
    /// 16-column panel: up to twelve accumulators, two panel loads and one broadcast per row per k.
    @inline(__always)
    static func rows(_ count: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<V>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        // Rows past `count` are never read: their pointers repeat row 0 and their FMAs are skipped.
        let a0 = a, a1 = count > 1 ? a + lda : a, a2 = count > 2 ? a + 2 * lda : a
        let a3 = count > 3 ? a + 3 * lda : a, a4 = count > 4 ? a + 4 * lda : a, a5 = count > 5 ? a + 5 * lda : a
        for kk in 0..<k {
            let b0 = b[2 * kk], b1 = b[2 * kk + 1]
            var x = V(repeating: a0[kk])
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            if count > 1 {
                x = V(repeating: a1[kk])
                c10.addProduct(x, b0); c11.addProduct(x, b1)
            }
            if count > 2 {
                x = V(repeating: a2[kk])
                c20.addProduct(x, b0); c21.addProduct(x, b1)
            }
            if count > 3 {
                x = V(repeating: a3[kk])
                c30.addProduct(x, b0); c31.addProduct(x, b1)
            }
            if count > 4 {
                x = V(repeating: a4[kk])
                c40.addProduct(x, b0); c41.addProduct(x, b1)
            }
            if count > 5 {
                x = V(repeating: a5[kk])
                c50.addProduct(x, b0); c51.addProduct(x, b1)
            }
        }
        addStore(c00, c); addStore(c01, c + 8)
        if count > 1 { addStore(c10, c + ldc); addStore(c11, c + ldc + 8) }
        if count > 2 { addStore(c20, c + 2 * ldc); addStore(c21, c + 2 * ldc + 8) }
        if count > 3 { addStore(c30, c + 3 * ldc); addStore(c31, c + 3 * ldc + 8) }
        if count > 4 { addStore(c40, c + 4 * ldc); addStore(c41, c + 4 * ldc + 8) }
        if count > 5 { addStore(c50, c + 5 * ldc); addStore(c51, c + 5 * ldc + 8) }
    }
}
