import LMCore

/// One layer's parameters as a cell's step sees them, behind accessors (PyTorch's `CellParams`): the
/// input projection x·W_ihᵀ + b_ih, the recurrent projection h·W_hhᵀ + b_hh, gate blocks, and the cell's
/// extra parameters by name. The transposes are made once per unrolled sequence, not once per step.
public final class CellWeights {
    public let weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor
    public let extras: [String: Tensor]
    public let hidden: Int
    /// The layer reads symbol ids (one-hot input): x·W_ihᵀ is then a row of W_ihᵀ.
    public let oneHotInput: Bool
    private var wihT: Tensor?, whhT: Tensor?

    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor, extras: [String: Tensor] = [:],
                hidden: Int, oneHotInput: Bool) {
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
        self.extras = extras
        self.hidden = hidden
        self.oneHotInput = oneHotInput
    }

    /// x·W_ihᵀ + b_ih, [B, G·H]; for one-hot input x holds B symbol ids.
    public func input(_ x: Tensor) throws -> Tensor {
        let t = try wihT ?? weightIH.T
        wihT = t
        return try (oneHotInput ? t.gatherRows(x) : x.matmul(t)).add(biasIH)
    }

    /// h·W_hhᵀ + b_hh, [B, G·H].
    public func recurrent(_ h: Tensor) throws -> Tensor {
        let t = try whhT ?? weightHH.T
        whhT = t
        return try h.matmul(t).add(biasHH)
    }

    /// Gate block k of a [B, G·H] projection: columns k·H ..< (k+1)·H.
    public func gate(_ z: Tensor, _ k: Int) throws -> Tensor {
        try z.slice([.all, .range(k * hidden, (k + 1) * hidden)])
    }

    /// An extra parameter of the cell (see `RecurrentCell.extraParameters`).
    public subscript(_ name: String) -> Tensor {
        get throws {
            guard let t = extras[name] else { throw ModelError("cell: the layer has no parameter \(name)") }
            return t
        }
    }
}

extension Tensor {
    /// 1 − x, the complement of a gate (as in c = c_prev⊙f + g⊙(1 − f)).
    public var complement: Tensor { neg().shifted(by: 1) }
}
