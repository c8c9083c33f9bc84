/// A float32 tensor: row-major, contiguous storage of any rank, and a node in the autodiff graph.
///
/// `Tensor` is a class, like PyTorch's: `loss.backward()` fills `a.grad` of the very `a` that the
/// user (or the shell) holds. Its `data` is a Swift array, so a tensor that is copied for an in-place
/// update does not disturb the graph that captured the old values (copy-on-write).
public final class Tensor {
    /// Sizes along each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]
    /// Whether gradients flow into this tensor. Leaves made by the user set it; results of ops inherit it.
    public var requiresGrad: Bool
    /// The accumulated gradient after `backward()`; same shape as the tensor.
    public var grad: Tensor?
    /// Keep the gradient of a non-leaf tensor too (PyTorch's `retain_grad`), e.g. ∂loss/∂h_t.
    public var retainsGrad = false
    /// How this tensor was computed; `nil` for leaves and for results made without grad.
    var node: Node?

    /// Creates a tensor from a shape and its row-major elements.
    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) throws {
        let n = try Shape.count(shape)
        guard data.count == n else {
            throw TensorError("tensor: shape \(shapeString(shape)) needs \(n) elements, got \(data.count)")
        }
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    /// Internal initialiser for results whose size the op has already checked.
    init(uncheckedShape shape: [Int], data: [Float]) {
        self.shape = shape
        self.data = data
        self.requiresGrad = false
    }

    /// A scalar (rank 0) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(uncheckedShape: [], data: [value])
        self.requiresGrad = requiresGrad
    }

    /// A vector.
    public convenience init(_ values: [Float], requiresGrad: Bool = false) {
        self.init(uncheckedShape: [values.count], data: values)
        self.requiresGrad = requiresGrad
    }

    /// A matrix from its rows; throws when the rows differ in length.
    public convenience init(_ rows: [[Float]], requiresGrad: Bool = false) throws {
        try self.init(nested: .list(rows.map { .list($0.map { .scalar($0) }) }), requiresGrad: requiresGrad)
    }

    /// A tensor of any rank from a nested literal such as `[[1, 2], [3, 4]]`.
    public convenience init(nested: NestedFloats, requiresGrad: Bool = false) throws {
        let shape = try nested.shape()
        var flat: [Float] = []
        flat.reserveCapacity(try Shape.count(shape, op: "tensor literal"))
        nested.flatten(into: &flat)
        try self.init(shape: shape, data: flat, requiresGrad: requiresGrad)
    }

    public var rank: Int { shape.count }
    public var count: Int { data.count }
    public var strides: [Int] { Shape.strides(shape) }

    /// The single value of a one-element tensor.
    public func item() throws -> Float {
        guard data.count == 1 else {
            throw TensorError("item: the tensor has shape \(shapeString(shape)), not one element",
                              hint: "reduce it first, e.g. with sum or mean")
        }
        return data[0]
    }

    /// The element at a full multi-index (negative indices count from the end).
    public func value(at index: [Int]) throws -> Float {
        guard index.count == rank else {
            throw TensorError("index: \(index.count) indices for a tensor of rank \(rank)")
        }
        var offset = 0
        let st = strides
        for (axis, i) in index.enumerated() {
            let j = i < 0 ? i + shape[axis] : i
            guard j >= 0 && j < shape[axis] else {
                throw TensorError("index: \(i) is out of range for axis \(axis) of size \(shape[axis])")
            }
            offset += j * st[axis]
        }
        return data[offset]
    }

    /// A leaf that shares nothing with the graph: same values, no history, no grad.
    public func detached() -> Tensor {
        Tensor(uncheckedShape: shape, data: data)
    }

    /// A copy that is a new leaf requiring grad (a parameter).
    public func asParameter() -> Tensor {
        let t = Tensor(uncheckedShape: shape, data: data)
        t.requiresGrad = true
        return t
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Whether this tensor is a leaf of the graph (made by the user, not by an op).
    public var isLeaf: Bool { node == nil }
}

/// A nested list of numbers, as typed in a literal; `shape()` rejects ragged lists.
public indirect enum NestedFloats: Sendable, Equatable {
    case scalar(Float)
    case list([NestedFloats])

    public func shape() throws -> [Int] {
        switch self {
        case .scalar: return []
        case .list(let items):
            guard let first = items.first else { return [0] }
            let inner = try first.shape()
            for (i, item) in items.enumerated().dropFirst() {
                let s = try item.shape()
                if s != inner {
                    throw TensorError(
                        "tensor literal: element \(i) has shape \(shapeString(s)) but element 0 has \(shapeString(inner))",
                        hint: "every row of a literal must have the same length")
                }
            }
            return [items.count] + inner
        }
    }

    func flatten(into out: inout [Float]) {
        switch self {
        case .scalar(let v): out.append(v)
        case .list(let items): for item in items { item.flatten(into: &out) }
        }
    }
}
