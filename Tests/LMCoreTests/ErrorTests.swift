import Testing
@testable import LMCore

/// Every mistake a user can make throws a `TensorError` with a readable message, and nothing traps.
@Suite("Errors are thrown, never crashes")
struct ErrorTests {
    let m23 = try! Tensor([[1, 2, 3], [4, 5, 6]])

    // MARK: Shape mismatches

    @Test func matmulInnerSizes() throws {
        let a = try Tensor.zeros([3, 4]), b = try Tensor.zeros([3, 2])
        let e = #expect(throws: TensorError.self) { try a.matmul(b) }
        #expect(e?.message == "matmul: [3,4] @ [3,2]: inner sizes 4 and 3 differ")
        #expect(e?.hint != nil)
        #expect(e?.description.hasPrefix("matmul: [3,4] @ [3,2]: inner sizes 4 and 3 differ (hint: ") == true)
    }

    @Test func matmulOtherMismatches() throws {
        // Vector operands and batch axes.
        #expect(throws: TensorError.self) { try Tensor.zeros([3]).matmul(Tensor.zeros([4, 2])) }
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 3]).matmul(Tensor.zeros([4])) }
        let e = #expect(throws: TensorError.self) { try Tensor.zeros([2, 3, 4]).matmul(Tensor.zeros([3, 4, 5])) }
        #expect(e?.message == "matmul (batch axes): shapes [2] and [3] do not broadcast: sizes 2 and 3 differ")
        let s = #expect(throws: TensorError.self) { try Tensor(2).matmul(Tensor.zeros([2, 2])) }
        #expect(s?.message.contains("scalars have no matrix product") == true)
    }

    @Test func broadcastingFailures() throws {
        let e = #expect(throws: TensorError.self) { try m23.add(Tensor([1, 2, 3, 4])) }
        #expect(e?.message == "add: shapes [2,3] and [4] do not broadcast: sizes 3 and 4 differ")
        #expect(e?.hint == "sizes must be equal or 1, aligned from the right")
        let m = #expect(throws: TensorError.self) { try m23 * Tensor.zeros([3, 2]) }
        #expect(m?.message == "mul: shapes [2,3] and [3,2] do not broadcast: sizes 2 and 3 differ")
        #expect(throws: TensorError.self) { try m23 - Tensor.zeros([2, 2]) }
        #expect(throws: TensorError.self) { try m23 / Tensor.zeros([3, 1]) }
        #expect(throws: TensorError.self) { try m23.pow(Tensor.zeros([2])) }
        #expect(throws: TensorError.self) { try m23.maximum(Tensor.zeros([5])) }
        #expect(throws: TensorError.self) { try m23.gt(Tensor.zeros([2])) }
        let w = #expect(throws: TensorError.self) { try Tensor.where(Tensor([1, 0, 1]), Tensor([1, 2]), Tensor([3, 4, 5])) }
        #expect(w?.message.hasPrefix("where: shapes [3] and [2] do not broadcast") == true)
    }

    @Test func reshapeCounts() throws {
        let e = #expect(throws: TensorError.self) { try m23.reshape([4, 2]) }
        #expect(e?.message == "reshape: [2,3] has 6 elements, [4,2] needs 8")
        let two = #expect(throws: TensorError.self) { try m23.reshape([-1, -1]) }
        #expect(two?.message == "reshape: only one size may be -1, got [-1,-1]")
        let infer = #expect(throws: TensorError.self) { try m23.reshape([4, -1]) }
        #expect(infer?.message == "reshape: cannot infer -1 in [4,-1] for 6 elements")
        #expect(throws: TensorError.self) { try m23.reshape([-2, -3]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([0, 3]).reshape([0, -1]) }
    }

    @Test func joiningMismatches() throws {
        let e = #expect(throws: TensorError.self) { try Tensor.concat([m23, Tensor.zeros([3, 2])], axis: 0) }
        #expect(e?.message == "concat: tensor 1 has shape [3,2], tensor 0 [2,3]: only axis 0 may differ")
        let r = #expect(throws: TensorError.self) { try Tensor.concat([m23, Tensor([1, 2, 3])]) }
        #expect(r?.message == "concat: tensor 1 has rank 1, tensor 0 has rank 2")
        let none = #expect(throws: TensorError.self) { try Tensor.concat([]) }
        #expect(none?.message == "concat: needs at least one tensor")
        let scalars = #expect(throws: TensorError.self) { try Tensor.concat([Tensor(1), Tensor(2)]) }
        #expect(scalars?.message == "concat: scalars have no axis to join")
        #expect(throws: TensorError.self) { try Tensor.concat([m23, m23], axis: 2) }
        let st = #expect(throws: TensorError.self) { try Tensor.stack([Tensor([1, 2]), Tensor([1, 2, 3])]) }
        #expect(st?.message == "stack: tensor 1 has shape [3], tensor 0 [2]")
        #expect(throws: TensorError.self) { try Tensor.stack([]) }
        #expect(throws: TensorError.self) { try Tensor.stack([m23, m23], axis: 3) }
        let sp = #expect(throws: TensorError.self) { try m23.split([1, 1], axis: 1) }
        #expect(sp?.message == "split: sizes [1, 1] do not add up to 3, the size of axis 1")
        #expect(throws: TensorError.self) { try m23.split([4, -1], axis: 1) }
        #expect(throws: TensorError.self) { try m23.split([Int.max, Int.max, 5], axis: 1) }  // no overflow trap
        let ch = #expect(throws: TensorError.self) { try Tensor.arange(0, 5).chunk(2) }
        #expect(ch?.message == "chunk: axis 0 of size 5 does not split into 2 equal parts")
        #expect(throws: TensorError.self) { try m23.chunk(0) }
        #expect(throws: TensorError.self) { try m23.chunk(-1) }
    }

    @Test func crossEntropyTargets() throws {
        let logits = try Tensor.zeros([2, 3])
        let count = #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([0, 1, 2])) }
        #expect(count?.message == "cross_entropy: 2 rows of logits but 3 targets")
        let range = #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([0, 3])) }
        #expect(range?.message == "cross_entropy: index 3.0 is not an integer in 0..<3")
        let frac = #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([0, 1.5])) }
        #expect(frac?.message == "cross_entropy: index 1.5 is not an integer in 0..<3")
        #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([-1, 0])) }
        #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([.nan, 0])) }
        #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([.infinity, 0])) }
        #expect(throws: TensorError.self) { try logits.crossEntropy(targets: Tensor([1e30, 0])) }  // no Int(Float) trap
        let rank = #expect(throws: TensorError.self) { try Tensor.zeros([2, 3, 4]).crossEntropy(targets: Tensor([0, 1])) }
        #expect(rank?.message == "cross_entropy: logits [2,3,4] need targets of shape [2,3], got [2]")
        #expect(throws: TensorError.self) { try Tensor(1).crossEntropy(targets: Tensor([0])) }
        #expect(throws: TensorError.self) { try Tensor.zeros([0, 3]).crossEntropy(targets: Tensor([Float]())) }
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 0]).crossEntropy(targets: Tensor([0, 0])) }
    }

    @Test func gatherAndOneHotIndices() throws {
        let w = try Tensor.zeros([5, 3])
        let e = #expect(throws: TensorError.self) { try w.gatherRows(Tensor([0, 5])) }
        #expect(e?.message == "gather: index 5.0 is not an integer in 0..<5")
        #expect(throws: TensorError.self) { try w.gatherRows(Tensor([0.5])) }
        #expect(throws: TensorError.self) { try w.gatherRows(Tensor([1e30])) }
        #expect(throws: TensorError.self) { try Tensor(3).gatherRows(Tensor([0])) }
        // The result's size is checked before it is allocated: 10^5 copies of a 10^5-long row.
        let wide = try Tensor.zeros([1, 100_000]), many = try Tensor.zeros([100_000])
        let big = #expect(throws: TensorError.self) { try wide.gatherRows(many) }
        #expect(big?.message.contains("over the budget") == true)
        #expect(throws: TensorError.self) { try Tensor.oneHot(Tensor([0, 3]), depth: 3) }
        #expect(throws: TensorError.self) { try Tensor.oneHot(Tensor([0]), depth: 0) }
    }

    // MARK: Bad axes

    @Test func axesOutOfRange() throws {
        let e = #expect(throws: TensorError.self) { try m23.sum(axes: [3]) }
        #expect(e?.message == "sum: axis 3 is out of range for a tensor of rank 2")
        #expect(e?.hint == "axes go from -2 to 1")
        let s = #expect(throws: TensorError.self) { try m23.softmax(axis: -3) }
        #expect(s?.message == "softmax: axis -3 is out of range for a tensor of rank 2")
        let ls = #expect(throws: TensorError.self) { try m23.logSoftmax(axis: 2) }
        #expect(ls?.message == "log_softmax: axis 2 is out of range for a tensor of rank 2")
        let p = #expect(throws: TensorError.self) { try Tensor.zeros([2, 3, 4]).permute([0, 2, 0]) }
        #expect(p?.message == "permute: [0, 2, 0] repeats an axis")
        let pn = #expect(throws: TensorError.self) { try m23.permute([1, -1]) }  // -1 is axis 1 again
        #expect(pn?.message == "permute: [1, -1] repeats an axis")
        let pc = #expect(throws: TensorError.self) { try m23.permute([0, 1, 2]) }
        #expect(pc?.message == "permute: 3 axes given for a tensor of rank 2")
        let rep = #expect(throws: TensorError.self) { try m23.sum(axes: [0, -2]) }
        #expect(rep?.message == "sum: axes [0, -2] repeat an axis")
        #expect(throws: TensorError.self) { try m23.mean(axes: [-3]) }
        #expect(throws: TensorError.self) { try m23.max(axes: [2]) }
        #expect(throws: TensorError.self) { try m23.min(axes: [0, 0]) }
        #expect(throws: TensorError.self) { try m23.norm(axes: [5]) }
        #expect(throws: TensorError.self) { try m23.argmax(axis: 2) }
        #expect(throws: TensorError.self) { try m23.argmax(axis: -3) }
        #expect(throws: TensorError.self) { try m23.transpose(0, 2) }
        #expect(throws: TensorError.self) { try m23.unsqueezing(axis: 3) }
        #expect(throws: TensorError.self) { try m23.unsqueezing(axis: -4) }
        let sq = #expect(throws: TensorError.self) { try m23.squeezing(axis: 0) }
        #expect(sq?.message == "squeeze: axis 0 has size 2, not 1")
        let t1 = #expect(throws: TensorError.self) { try Tensor([1, 2]).transpose(0, 1) }
        #expect(t1?.message == "transpose: a tensor of rank 1 has no axes 0 and 1 to swap")
    }

    /// A scalar has no axes: each of these used to index `shape[0]` of an empty shape and trap.
    @Test func scalarsHaveNoAxes() throws {
        let x = Tensor(3)
        let e = #expect(throws: TensorError.self) { try x.sum(axes: [0]) }
        #expect(e?.message == "sum: axis 0 is out of range for a tensor of rank 0")
        #expect(e?.hint == "a scalar has no axes")
        #expect(throws: TensorError.self) { try x.mean(axes: [0]) }
        #expect(throws: TensorError.self) { try x.max(axes: [0]) }
        #expect(throws: TensorError.self) { try x.min(axes: [-1]) }
        #expect(throws: TensorError.self) { try x.argmax(axis: 0) }
        #expect(throws: TensorError.self) { try x.squeezing(axis: 0) }
        #expect(throws: TensorError.self) { try x.split([1]) }
        #expect(throws: TensorError.self) { try x.chunk(1) }
        let s = #expect(throws: TensorError.self) { try x.softmax() }
        #expect(s?.message == "softmax: needs at least one axis")
        #expect(throws: TensorError.self) { try x.logSoftmax(axis: 0) }
        // Reducing over all (no) axes of a scalar is fine.
        #expect(try x.sum().item() == 3)
        #expect(try x.unsqueezing(axis: 0).shape == [1])
    }

    // MARK: Empty tensors

    @Test func emptyTensorsHaveNoMeanOrExtremum() throws {
        let empty = try Tensor.zeros([0])
        let m = #expect(throws: TensorError.self) { try empty.mean() }
        #expect(m?.message == "mean: of an empty tensor")
        let mx = #expect(throws: TensorError.self) { try empty.max() }
        #expect(mx?.message == "max: of an empty tensor has no value")
        #expect(throws: TensorError.self) { try empty.min() }
        let am = #expect(throws: TensorError.self) { try empty.argmax() }
        #expect(am?.message == "argmax: of an empty tensor has no value")
        let e2 = try Tensor.zeros([3, 0])
        #expect(throws: TensorError.self) { try e2.mean(axes: [1]) }
        #expect(throws: TensorError.self) { try e2.max(axes: [1]) }
        #expect(throws: TensorError.self) { try e2.argmax(axis: 1) }
        #expect(throws: TensorError.self) { try e2.item() }
        // The sum of nothing is 0, not an error.
        #expect(try empty.sum().item() == 0)
    }

    // MARK: Sizes

    @Test func elementBudgetAndNegativeSizes() throws {
        let huge = #expect(throws: TensorError.self) { try Tensor.zeros([1 << 40, 1 << 40]) }
        #expect(huge?.message == "full: shape [1099511627776,1099511627776] has too many elements")
        let over = #expect(throws: TensorError.self) { try Tensor.zeros([1 << 20, 1 << 20]) }
        #expect(over?.message == "full: shape [1048576,1048576] has 1099511627776 elements, over the budget of \(Shape.elementBudget)")
        #expect(throws: TensorError.self) { try Tensor.ones([Int.max, 2]) }
        #expect(throws: TensorError.self) { try Tensor.randn([1 << 32], seed: 1) }
        #expect(throws: TensorError.self) { try Tensor.rand([1 << 16, 1 << 16], seed: 1) }
        #expect(throws: TensorError.self) { try Tensor.eye(1 << 20) }
        #expect(throws: TensorError.self) { try Tensor.oneHot(Tensor([0]), depth: Int.max) }
        // Empty, but the other sizes still multiply past the budget: ops that keep those axes
        // (a reduction, the batch of a product) would overflow or allocate them.
        let emptyHuge = #expect(throws: TensorError.self) { try Tensor.zeros([0, 1 << 20, 1 << 20]) }
        #expect(emptyHuge?.message.contains("is empty but its other sizes multiply to") == true)
        let neg = #expect(throws: TensorError.self) { try Tensor.zeros([2, -3]) }
        #expect(neg?.message == "full: negative size -3 in shape [2,-3]")
        #expect(throws: TensorError.self) { try Tensor.randn([-1], seed: 1) }
        #expect(throws: TensorError.self) { try Tensor.eye(-2) }
        #expect(throws: TensorError.self) { try Tensor.eye(2, -1) }
        #expect(throws: TensorError.self) { try Tensor(shape: [-1], data: []) }
        let data = #expect(throws: TensorError.self) { try Tensor(shape: [2, 2], data: [1, 2, 3]) }
        #expect(data?.message == "tensor: shape [2,2] needs 4 elements, got 3")
    }

    @Test func arangeArguments() throws {
        #expect(throws: TensorError.self) { try Tensor.arange(0, 5, step: 0) }
        #expect(throws: TensorError.self) { try Tensor.arange(0, .infinity) }
        #expect(throws: TensorError.self) { try Tensor.arange(.nan, 1) }
        // Counts that do not fit an Int used to trap in Int(Float).
        let big = #expect(throws: TensorError.self) { try Tensor.arange(0, 1e30) }
        #expect(big?.message.contains("over the budget") == true)
        #expect(throws: TensorError.self) { try Tensor.arange(-3e38, 3e38) }
        #expect(throws: TensorError.self) { try Tensor.arange(0, 1, step: 1e-30) }
        #expect(try Tensor.arange(3e38, -3e38).shape == [0])
    }

    // MARK: Literals and indices

    @Test func raggedLiterals() throws {
        let e = #expect(throws: TensorError.self) { try Tensor([[1, 2], [3]]) }
        #expect(e?.message == "tensor literal: element 1 has shape [1] but element 0 has [2]")
        #expect(e?.hint == "every row of a literal must have the same length")
        let deep = NestedFloats.list([.list([.list([.scalar(1)])]), .list([.scalar(2)])])
        #expect(throws: TensorError.self) { try Tensor(nested: deep) }
        let mixed = NestedFloats.list([.scalar(1), .list([.scalar(2)])])
        #expect(throws: TensorError.self) { try mixed.shape() }
        let inner = NestedFloats.list([.list([.list([.scalar(1), .scalar(2)]), .list([.scalar(3)])])])
        #expect(throws: TensorError.self) { try Tensor(nested: inner) }
    }

    @Test func indicesOutOfRange() throws {
        let x = try Tensor.arange(0, 3)
        let e = #expect(throws: TensorError.self) { try x.slice([.at(3)]) }
        #expect(e?.message == "index: 3 is out of range for axis 0 of size 3")
        #expect(e?.hint == "valid indices are -3...2")
        #expect(throws: TensorError.self) { try x.slice([.at(-4)]) }
        #expect(throws: TensorError.self) { try x[.at(Int.min)] }
        #expect(throws: TensorError.self) { try m23[.at(0), .at(3)] }
        let many = #expect(throws: TensorError.self) { try m23.slice([.at(0), .at(0), .at(0)]) }
        #expect(many?.message == "index: 3 indices for a tensor of shape [2,3]")
        let step = #expect(throws: TensorError.self) { try x.slice([.range(nil, nil, step: 0)]) }
        #expect(step?.message == "slice: step 0 must be positive")
        #expect(throws: TensorError.self) { try x.slice([.range(2, 0, step: -1)]) }
        #expect(throws: TensorError.self) { try Tensor(1).slice([.at(0)]) }
        #expect(throws: TensorError.self) { try m23.value(at: [2, 0]) }
        #expect(throws: TensorError.self) { try m23.value(at: [0, -4]) }
        let rank = #expect(throws: TensorError.self) { try m23.value(at: [0]) }
        #expect(rank?.message == "index: 1 indices for a tensor of rank 2")
    }

    /// Extreme but valid arguments give results rather than overflow traps.
    @Test func extremeSlicesDoNotTrap() throws {
        let x = try Tensor.arange(0, 12).reshape([3, 4])
        #expect(try x.slice([.range(0, nil, step: Int.max)]).data == [0, 1, 2, 3])
        #expect(try x.slice([.all, .range(1, nil, step: Int.max)]).data == [1, 5, 9])
        #expect(try x.slice([.range(Int.min, Int.max)]).shape == [3, 4])
        #expect(try x.slice([.range(Int.max, Int.min)]).shape == [0, 4])
    }

    // MARK: Scalars and backward

    @Test func itemOfANonScalar() throws {
        let e = #expect(throws: TensorError.self) { try Tensor([1, 2]).item() }
        #expect(e?.message == "item: the tensor has shape [2], not one element")
        #expect(e?.hint != nil)
        #expect(throws: TensorError.self) { try Tensor.zeros([0]).item() }
        #expect(try Tensor([[5]]).item() == 5)  // one element of any rank is fine
    }

    @Test func backwardNeedsAScalarOrASeed() throws {
        let p = Tensor([1, 2]).asParameter()
        let y = p.square()
        let e = #expect(throws: TensorError.self) { try y.backward() }
        #expect(e?.message == "backward: the tensor has shape [2], not one element")
        #expect(p.grad == nil)  // nothing was accumulated
        let seed = #expect(throws: TensorError.self) { try y.backward(seed: Tensor([1, 1, 1])) }
        #expect(seed?.message == "backward: seed has shape [3], the tensor [2]")
        let noGrad = #expect(throws: TensorError.self) { try Tensor([1, 2]).sum().backward() }
        #expect(noGrad?.message == "backward: this tensor does not depend on anything that requires grad")
        try y.backward(seed: Tensor([1, 1]))
        #expect(p.grad?.data == [2, 4])
    }

    @Test func randomStateMustBeValid() throws {
        #expect(throws: TensorError.self) { try RandomSource(state: [0, 0, 0, 0]) }
        #expect(throws: TensorError.self) { try RandomSource(state: [1, 2, 3]) }
    }
}
