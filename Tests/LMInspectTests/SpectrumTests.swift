import LMCore
import Testing
@testable import LMInspect

@Suite("Spectra of known matrices")
struct SpectrumTests {
    @Test func diagonalAndRotation() throws {
        let d = try Spectrum.of(try Tensor([[3, 0], [0, -0.5]]))
        #expect(Swift.abs(d.spectralRadius - 3) < 1e-12)
        #expect(Swift.abs(d.eigenvalues[1].re + 0.5) < 1e-12)
        #expect(d.singularValues.map { ($0 * 1e6).rounded() / 1e6 } == [3, 0.5])

        // A rotation by 90° scaled by 0.9: eigenvalues ±0.9i, both singular values 0.9.
        let r = try Spectrum.of(try Tensor([[0, -0.9], [0.9, 0]]))
        #expect(Swift.abs(r.spectralRadius - 0.9) < 1e-6)
        #expect(r.eigenvalues.allSatisfy { Swift.abs($0.re) < 1e-6 && Swift.abs(Swift.abs($0.im) - 0.9) < 1e-6 })
        #expect(r.reading.contains("guaranteed to vanish"))
    }

    @Test func nonNormalMatrixSeparatesRadiusFromNorm() throws {
        // Upper triangular: eigenvalues 0.5 and 0.5, but a large off-diagonal makes σ_max > 1.
        let s = try Spectrum.of(try Tensor([[0.5, 3], [0, 0.5]]))
        #expect(Swift.abs(s.spectralRadius - 0.5) < 1e-6)
        // σ of [[a, b], [0, a]]: sqrt of the eigenvalues of AᵀA.
        let a = 0.5, b = 3.0
        let tr = 2 * a * a + b * b, det = a * a * a * a
        let sMax = ((tr + (tr * tr - 4 * det).squareRoot()) / 2).squareRoot()
        #expect(Swift.abs(s.largestSingularValue - sMax) < 1e-6)
        #expect(s.reading.contains("neither"))
    }

    @Test func rescalingHitsTheRadius() throws {
        let w = try Tensor.randn([16, 16], seed: 4)
        for target in [0.9, 1.0, 1.1] {
            let r = try Spectrum.of(try w.scaledToSpectralRadius(target)).spectralRadius
            #expect(Swift.abs(r - target) < 1e-4)
        }
        #expect(throws: TensorError.self) { try Spectrum.of(try Tensor.zeros([2, 3])) }
    }
}
