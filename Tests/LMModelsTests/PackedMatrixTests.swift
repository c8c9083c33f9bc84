import LMCore
import Testing
@testable import LMModels

/// The panel kernel against BLAS on the same numbers: row counts around its 6-row blocks, column
/// counts around its 16-column panels, both packings, and C accumulated into (not overwritten).
@Suite("Packed panel kernel equals BLAS")
struct PackedMatrixTests {
    @Test(.enabled(if: PackedMatrix.kernelAvailable, "this CPU lacks AVX2/FMA, so the panel kernel is never used"),
          arguments: [(1, 5, 3), (5, 7, 16), (6, 16, 17), (7, 33, 40), (13, 8, 1), (25, 128, 512), (16, 64, 100)])
    func multiplyAddMatchesSgemm(_ shape: (m: Int, k: Int, n: Int)) throws {
        let (m, k, n) = shape
        var rng = RandomSource(seed: UInt64(m * 1000 + k * 10 + n))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextFloat() * 2 - 1 } }
        let a = random(m * k), w = random(n * k), start = random(m * n)
        // C += A·Wᵀ (W is [n × k], packed transposed), and C += A·V (V is [k × n], packed as it is).
        let v = random(k * n)
        for transposed in [true, false] {
            var expected = start, got = start
            let packed = PackedMatrix(k: k, n: n)
            let b = transposed ? w : v
            b.withUnsafeBufferPointer { pb in
                if transposed { packed.pack(transposeOf: pb.baseAddress!, ld: k) } else { packed.pack(pb.baseAddress!, ld: n) }
                a.withUnsafeBufferPointer { pa in
                    expected.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(transB: transposed, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!,
                                   ldb: transposed ? k : n, beta: 1, c: pc.baseAddress!, ldc: n)
                    }
                    got.withUnsafeMutableBufferPointer { pc in
                        packed.multiplyAdd(m: m, a: pa.baseAddress!, lda: k, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            let worst = zip(expected, got).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * Float(k), "\(m)×\(k)×\(n), transposed \(transposed): max difference \(worst)")
        }
    }
}
