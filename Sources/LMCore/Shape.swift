/// Shape arithmetic: element counts with overflow and budget checks, strides, axes and broadcasting.
public enum Shape {
    /// The largest number of elements one tensor may hold. A size above it is an error raised before any
    /// allocation (so a typo such as `zeros(100000, 100000)` does not take the machine down). 2^31 floats
    /// is 8 GiB; lower it for tests or small machines with `Shape.elementBudget = …` at start-up.
    public static var elementBudget: Int {
        get { Swift.min(processElementBudget, scopedElementBudget ?? .max) }
        set { processElementBudget = newValue }
    }

    /// The budget set for the whole process.
    nonisolated(unsafe) static var processElementBudget = 1 << 31

    /// A lower budget for the current task only (`Shape.$scopedElementBudget.withValue(n) { … }`): the shell
    /// runs each cell under its own limit without changing it for other tasks, threads or tests.
    @TaskLocal public static var scopedElementBudget: Int?

    /// Number of elements of `shape`, checking that no size is negative and that the product neither
    /// overflows nor exceeds `elementBudget`.
    ///
    /// The sizes other than 0 must multiply to at most the budget too, even when a 0 makes the tensor
    /// empty: ops derive shapes from this one (a reduction keeps the other axes, a product the batch axes)
    /// and must be able to multiply those out without overflow or a huge allocation.
    public static func count(_ shape: [Int], op: String = "tensor") throws -> Int {
        var nonZero = 1
        for d in shape {
            if d < 0 {
                throw TensorError("\(op): negative size \(d) in shape \(shapeString(shape))")
            }
            if d == 0 { continue }
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: d)
            if overflow {
                throw TensorError("\(op): shape \(shapeString(shape)) has too many elements")
            }
            nonZero = p
        }
        if nonZero > elementBudget {
            throw TensorError(
                shape.contains(0)
                    ? "\(op): shape \(shapeString(shape)) is empty but its other sizes multiply to \(nonZero), over the budget of \(elementBudget)"
                    : "\(op): shape \(shapeString(shape)) has \(nonZero) elements, over the budget of \(elementBudget)",
                hint: "use smaller sizes")
        }
        return shape.contains(0) ? 0 : nonZero
    }

    /// Row-major strides of a contiguous tensor.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Resolves a possibly negative axis (`-1` is the last) against a rank.
    public static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else {
            throw TensorError(
                "\(op): axis \(axis) is out of range for a tensor of rank \(rank)",
                hint: rank == 0 ? "a scalar has no axes" : "axes go from \(-rank) to \(rank - 1)")
        }
        return a
    }

    /// The NumPy broadcast of two shapes: align on the right; sizes must match or one of them be 1.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                throw TensorError(
                    "\(op): shapes \(shapeString(a)) and \(shapeString(b)) do not broadcast: sizes \(da) and \(db) differ",
                    hint: "sizes must be equal or 1, aligned from the right")
            }
        }
        return out
    }

    /// Strides that read a tensor of shape `shape` as if it had the (larger) broadcast shape `target`:
    /// 0 along every broadcast axis.
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let lead = target.count - shape.count
        var s = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + lead] == 1 {
            s[i + lead] = shape[i] == 1 ? 0 : own[i]
        }
        return s
    }
}

/// Walks a shape row by row (the last axis is the row) for several operands with their own strides.
///
/// `body(offsets, rowLength)` receives, for each row, the starting offset of every operand; inside a
/// row operand k advances by `innerStrides[k]`. This one routine drives broadcasting, reductions,
/// permutes and slicing, so each of those is a tight inner loop over unsafe pointers.
func forEachRow(
    shape: [Int], strides: [[Int]], bases: [Int]? = nil,
    _ body: (_ offsets: [Int], _ count: Int) -> Void
) {
    let rank = shape.count
    let k = strides.count
    var offsets = bases ?? [Int](repeating: 0, count: k)
    if rank == 0 {
        body(offsets, 1)
        return
    }
    if shape.contains(0) { return }
    let inner = shape[rank - 1]
    var counter = [Int](repeating: 0, count: max(rank - 1, 0))
    while true {
        body(offsets, inner)
        // Advance the odometer over the outer axes.
        var axis = rank - 2
        while axis >= 0 {
            counter[axis] += 1
            for j in 0..<k { offsets[j] += strides[j][axis] }
            if counter[axis] < shape[axis] { break }
            for j in 0..<k { offsets[j] -= strides[j][axis] * shape[axis] }
            counter[axis] = 0
            axis -= 1
        }
        if axis < 0 { return }
    }
}
