import CBLAS

/// Eigenvalues and singular values of dense matrices through LAPACK (OpenBLAS), in double precision.
/// Matrices are row-major; LAPACK reads column-major and so sees the transpose, which has the same
/// eigenvalues and singular values.
public enum LinearAlgebra {
    /// The singular values of a rows × cols matrix, largest first (dgesdd, values only).
    public static func singularValues(_ a: [Double], rows: Int, cols: Int) throws -> [Double] {
        guard rows > 0, cols > 0, a.count == rows * cols else {
            throw TensorError("singular values: \(a.count) numbers do not make a \(rows)×\(cols) matrix")
        }
        var m = Int32(cols), n = Int32(rows), lda = Int32(cols)
        var b = a
        var s = [Double](repeating: 0, count: Swift.min(rows, cols))
        var u = [Double](repeating: 0, count: 1), vt = u
        var ld1: Int32 = 1, info: Int32 = 0, lwork: Int32 = -1
        var query = [Double](repeating: 0, count: 1)
        var iwork = [Int32](repeating: 0, count: 8 * Swift.min(rows, cols))
        dgesdd_("N", &m, &n, &b, &lda, &s, &u, &ld1, &vt, &ld1, &query, &lwork, &iwork, &info, 1)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Swift.max(Int(lwork), 1))
        dgesdd_("N", &m, &n, &b, &lda, &s, &u, &ld1, &vt, &ld1, &work, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw TensorError("the singular value iteration did not converge (LAPACK info \(info))") }
        return s.sorted(by: >)
    }

    /// The eigenvalues of a square n × n matrix as (real, imaginary), in LAPACK's order (dgeev, no vectors).
    public static func eigenvalues(_ a: [Double], n: Int) throws -> [(re: Double, im: Double)] {
        guard n > 0, a.count == n * n else { throw TensorError("eigenvalues: \(a.count) numbers do not make a \(n)×\(n) matrix") }
        var n32 = Int32(n)
        var b = a
        var wr = [Double](repeating: 0, count: n), wi = wr
        var vl = [Double](repeating: 0, count: 1), vr = vl
        var ld1: Int32 = 1, info: Int32 = 0, lwork: Int32 = -1
        var query = [Double](repeating: 0, count: 1)
        dgeev_("N", "N", &n32, &b, &n32, &wr, &wi, &vl, &ld1, &vr, &ld1, &query, &lwork, &info, 1, 1)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Swift.max(Int(lwork), 1))
        dgeev_("N", "N", &n32, &b, &n32, &wr, &wi, &vl, &ld1, &vr, &ld1, &work, &lwork, &info, 1, 1)
        guard info == 0 else { throw TensorError("the eigenvalue iteration did not converge (LAPACK info \(info))") }
        return (0..<n).map { (re: wr[$0], im: wi[$0]) }
    }
}
