import LMCore

/// Eigenvalues and singular values of a square matrix, with Pascanu et al.'s reading for a tanh RNN.
///
/// For h_n = tanh(V_h h_{n−1} + …), ∂h_N/∂h_1 is the product of diag(g′(z_n))·V_h with |g′| ≤ γ = 1. If the
/// largest singular value σ_max of V_h is below 1, every factor shrinks vectors and the gradient must
/// vanish; a spectral radius ρ above 1 is necessary (not sufficient) for it to explode.
public struct Spectrum: Sendable, CustomStringConvertible {
    /// Eigenvalues as (real, imaginary), sorted by modulus, largest first.
    public var eigenvalues: [(re: Double, im: Double)]
    /// Singular values, largest first.
    public var singularValues: [Double]

    public var spectralRadius: Double {
        var r = 0.0
        for e in eigenvalues { r = Swift.max(r, (e.re * e.re + e.im * e.im).squareRoot()) }
        return r
    }
    public var largestSingularValue: Double { singularValues.first ?? 0 }

    /// What the lecture says these numbers mean for gradients through a tanh RNN.
    public var reading: String {
        let s = largestSingularValue, r = spectralRadius
        if s < 1 {
            return String(format: "σ_max = %.4f < 1: gradients through time are guaranteed to vanish (tanh, γ = 1)", s)
        }
        if r > 1 {
            return String(format: "ρ = %.4f > 1: exploding gradients are possible (ρ > 1 is necessary, not sufficient)", r)
        }
        return String(format: "σ_max = %.4f ≥ 1 but ρ = %.4f ≤ 1: neither vanishing is guaranteed nor explosion possible in the long run", s, r)
    }

    public var description: String {
        func eig(_ e: (re: Double, im: Double)) -> String {
            e.im == 0 ? String(format: "%.4f", e.re) : String(format: "%.4f%@%.4fi", e.re, e.im < 0 ? "-" : "+", Swift.abs(e.im))
        }
        let shown = eigenvalues.prefix(8).map(eig).joined(separator: ", ") + (eigenvalues.count > 8 ? ", …" : "")
        let sv = singularValues.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ") + (singularValues.count > 8 ? ", …" : "")
        return """
            eigenvalues (by modulus): \(shown)
            singular values: \(sv)
            spectral radius ρ = \(String(format: "%.4f", spectralRadius)), largest singular value σ_max = \(String(format: "%.4f", largestSingularValue))
            \(reading)
            """
    }

    /// The spectrum of a square matrix (LAPACK through `LinearAlgebra`, in double precision).
    public static func of(_ m: Tensor) throws -> Spectrum {
        guard m.rank == 2, m.shape[0] == m.shape[1], m.shape[0] > 0 else {
            throw TensorError("spectrum: needs a non-empty square matrix, got \(shapeString(m.shape))")
        }
        guard m.data.allSatisfy(\.isFinite) else { throw TensorError("spectrum: the matrix holds NaN or Inf") }
        let n = m.shape[0]
        let values = m.data.map(Double.init)
        let wrap = { (e: Error) in TensorError("spectrum: \(e)") }
        let eigen: [(re: Double, im: Double)], s: [Double]
        do {
            eigen = try LinearAlgebra.eigenvalues(values, n: n)
            s = try LinearAlgebra.singularValues(values, rows: n, cols: n)
        } catch { throw wrap(error) }

        func modulus(_ e: (re: Double, im: Double)) -> Double { (e.re * e.re + e.im * e.im).squareRoot() }
        return Spectrum(eigenvalues: eigen.sorted { modulus($0) > modulus($1) }, singularValues: s)
    }
}

extension Tensor {
    /// The matrix scaled so that its spectral radius is `radius` (the lecture's demonstration path).
    public func scaledToSpectralRadius(_ radius: Double) throws -> Tensor {
        let r = try Spectrum.of(self).spectralRadius
        guard r > 0 else { throw TensorError("spectrum: the matrix has spectral radius 0 and cannot be rescaled") }
        return Tensor.withoutGrad { scaled(by: Float(radius / r)) }
    }
}
