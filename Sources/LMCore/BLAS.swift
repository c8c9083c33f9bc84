import CBLAS

/// The bridge to OpenBLAS: thread count and a Swift-typed `sgemm` over raw pointers.
public enum BLAS {
    /// Set once, before the first product: one BLAS thread by default, since on these 2-core machines
    /// a second thread slows the small products an RNN makes (measured in `make bench`).
    private static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Changes the number of threads OpenBLAS uses for one product.
    public static func setThreads(_ n: Int) {
        _ = configured
        openblas_set_num_threads(Int32(max(1, n)))
    }

    public static var threads: Int {
        _ = configured
        return Int(openblas_get_num_threads())
    }

    /// C = alpha·op(A)·op(B) + beta·C for row-major matrices, op(X) = X or Xᵀ.
    /// A is m×k after op, B is k×n after op; lda, ldb, ldc are the row lengths in memory.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = configured
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension BLAS {
    /// C = A·B for row-major m×k and k×n matrices of doubles (inspection's products of Jacobians).
    public static func dgemm(m: Int, n: Int, k: Int, a: [Double], b: [Double]) -> [Double] {
        _ = configured
        var c = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0, a.count >= m * k, b.count >= k * n else { return c }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        return c
    }

    /// y = alpha·A·x + beta·y for a row-major m×n matrix A (lda its row length): batch-1 products, where
    /// sgemm would repack A on every call.
    public static func sgemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        _ = configured
        if m == 0 { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
