import LMCore

extension StepRunner {
    /// One symbol through a cell that has no fused kernel: every layer's `RecurrentCell.step` at batch 1,
    /// without a graph. Slower than the kernels, but the same definition that trains the model.
    func feedByDefinition(_ id: Int) throws -> [Float] {
        guard var state = definitionState else { return logits }
        let c = model.config, h = c.hidden
        let top: Tensor = try Tensor.withoutGrad {
            var x = try model.encoder.map { try $0.gatherRows(Tensor([Float(id)])) } ?? Tensor([Float(id)])
            for l in 0..<c.layers {
                let s = CellState(h: try Tensor(shape: [1, h], data: state.h[l]),
                                  c: c.cell.hasCell ? try Tensor(shape: [1, c.memoryWidth], data: state.c[l]) : Tensor(0))
                let out = try c.cell.definition.step(x, s, definitionWeights[l])
                state.h[l] = out.h.data
                if c.cell.hasCell, let cell = out.c { state.c[l] = cell.data }
                x = out.h
            }
            return x
        }
        definitionState = state
        logits = try Tensor.withoutGrad { try model.decode(top).data }
        return logits
    }
}
