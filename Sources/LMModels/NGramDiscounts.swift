/// The three absolute discounts of one order of a modified Kneser-Ney model (Chen & Goodman 1998,
/// eq. 26), estimated from that order's count-of-counts: `n_r` is the number of distinct k-grams whose
/// count is exactly `r` (raw counts for the highest order, continuation counts below it).
///
///     Y = n1 / (n1 + 2 n2)
///     D1 = 1 - 2 Y n2/n1,   D2 = 2 - 3 Y n3/n2,   D3+ = 3 - 4 Y n4/n3
///
/// (D1 simplifies to Y.) Three discounts instead of one because k-grams seen once are far more often
/// flukes than ones seen three times: subtracting more from larger counts fits held-out data better.
public struct NGramDiscounts: Sendable, Equatable {
    /// Subtracted from a count of 1, of 2, and of 3 or more.
    public let d1: Double
    public let d2: Double
    public let d3: Double
    /// `[n1, n2, n3, n4]`.
    public let countOfCounts: [Int]

    /// The smallest discount allowed: a positive floor keeps every context's back-off weight, hence
    /// every symbol's probability, above zero when count-of-counts are degenerate (tiny corpora); on
    /// real text the estimates are far above it.
    public static let minimum = 0.01

    /// Chen & Goodman's estimates from `n1...n4`. When a denominator is zero (tiny corpora) the
    /// missing estimate falls back to the one below it (`Y = 0.5` when `n1 + 2 n2 = 0`); each
    /// discount is then clamped to `[minimum, r]` so that no count goes negative.
    public init(n1: Int, n2: Int, n3: Int, n4: Int) {
        let y = n1 + 2 * n2 > 0 ? Double(n1) / Double(n1 + 2 * n2) : 0.5
        var d1 = n1 > 0 ? 1 - 2 * y * Double(n2) / Double(n1) : y
        var d2 = n2 > 0 ? 2 - 3 * y * Double(n3) / Double(n2) : d1
        var d3 = n3 > 0 ? 3 - 4 * y * Double(n4) / Double(n3) : d2
        d1 = min(max(d1, NGramDiscounts.minimum), 1)
        d2 = min(max(d2, NGramDiscounts.minimum), 2)
        d3 = min(max(d3, NGramDiscounts.minimum), 3)
        self.d1 = d1
        self.d2 = d2
        self.d3 = d3
        self.countOfCounts = [n1, n2, n3, n4]
    }

    /// The discount for a k-gram of count `c` (0 for an unseen one).
    @inline(__always) public func discount(_ c: Int32) -> Double {
        c <= 0 ? 0 : c == 1 ? d1 : c == 2 ? d2 : d3
    }

    /// `max(c - D(c), 0)`: the count left after discounting.
    @inline(__always) func discounted(_ c: Int32) -> Double {
        c <= 0 ? 0 : Double(c) - discount(c)
    }
}
