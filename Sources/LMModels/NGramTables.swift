/// What the probability of one context needs besides the k-gram's own count.
struct NGramContextStats: Sendable {
    /// `1 / c(h·)`, the context's total count (raw or continuation).
    var inverseTotal: Double
    /// The back-off weight `γ(h) = (D1 N1(h·) + D2 N2(h·) + D3 N3+(h·)) / c(h·)`: exactly the mass the
    /// discounts removed, which is why each order's distribution sums to 1.
    var gamma: Double
}

/// The counts of an interpolated modified Kneser-Ney model, generic over how runs of ids become
/// dictionary keys (packed integers when they fit, arrays otherwise). Index `k` of each table is for
/// order `k` (runs of `k` symbols, contexts of `k - 1`); index 0 is unused.
struct NGramTables<P: NGramKeyPacker>: Sendable {
    let packer: P
    let order: Int
    let vocabularySize: Int
    /// `counts[order]`: raw counts of n-grams. `counts[k]`, `k < order`: continuation counts
    /// `N1+(• w_{1..k})`, the number of distinct symbols seen before the k-gram.
    var counts: [[P.Key: Int32]]
    /// Per order, the statistics of every context seen in that order's counts.
    var contexts: [[P.Key: NGramContextStats]]
    /// Per order (index 0 unused).
    var discounts: [NGramDiscounts]

    init(packer: P, order: Int, vocabularySize: Int, segments: [[Int32]]) {
        self.packer = packer
        self.order = order
        self.vocabularySize = vocabularySize

        // 1. Raw counts of every run of length 2...order (or of single symbols for a unigram model),
        //    within each segment: pieces of a split are not adjacent in the file, so no run crosses
        //    from one to the next. Runs ending at position i are built by prepending one symbol at a
        //    time, so a position costs one key update per length.
        var raw = [[P.Key: Int32]](repeating: [:], count: order + 1)
        // Reserving room up front saves the rehashing of growing tables of up to a million keys: at
        // most one new run per position, and at most V^m distinct runs of length m.
        let positions = segments.reduce(0) { $0 + $1.count }
        var possible = 1
        for m in 1...order {
            possible = possible.multipliedReportingOverflow(by: vocabularySize).overflow
                ? Int.max : possible * vocabularySize
            if m >= 2 || order == 1 { raw[m].reserveCapacity(min(positions, possible)) }
        }
        for segment in segments {
            for i in segment.indices {
                var key = packer.key([], then: segment[i])
                if order == 1 { raw[1][key, default: 0] += 1 }
                let longest = min(order, i - segment.startIndex + 1)
                if longest >= 2 {
                    for m in 2...longest {
                        key = packer.prepend(segment[i - m + 1], to: key, length: m - 1)
                        raw[m][key, default: 0] += 1
                    }
                }
            }
        }

        // 2. The highest order keeps raw counts; each lower order k counts, for every k-gram, the
        //    distinct (k+1)-grams that end with it, i.e. its distinct left neighbours. A k-gram that
        //    follows many different symbols is a good guess in a new context even when it is frequent
        //    only after one ("Francisco" after "San"): that is Kneser-Ney's idea.
        var counts = [[P.Key: Int32]](repeating: [:], count: order + 1)
        counts[order] = raw[order]
        if order >= 2 {
            for k in stride(from: order - 1, through: 1, by: -1) {
                var c: [P.Key: Int32] = [:]
                c.reserveCapacity(raw[k + 1].count / 2)
                for key in raw[k + 1].keys { c[packer.dropFirst(key, length: k + 1), default: 0] += 1 }
                counts[k] = c
                raw[k + 1] = [:]
            }
        }

        // 3. Per order: discounts from count-of-counts, then per context its total and back-off weight.
        var contexts = [[P.Key: NGramContextStats]](repeating: [:], count: order + 1)
        var discounts = [NGramDiscounts(n1: 0, n2: 0, n3: 0, n4: 0)]
        for k in 1...order {
            var n = [0, 0, 0, 0, 0]
            for c in counts[k].values where c <= 4 { n[Int(c)] += 1 }
            let d = NGramDiscounts(n1: n[1], n2: n[2], n3: n[3], n4: n[4])
            discounts.append(d)
            var totals: [P.Key: (total: Int, n1: Int, n2: Int, n3: Int)] = [:]
            for (key, c) in counts[k] {
                let h = packer.dropLast(key)
                var t = totals[h] ?? (0, 0, 0, 0)
                t.total += Int(c)
                if c == 1 { t.n1 += 1 } else if c == 2 { t.n2 += 1 } else { t.n3 += 1 }
                totals[h] = t
            }
            contexts[k] = totals.mapValues { t in
                let total = Double(t.total)
                let mass = d.d1 * Double(t.n1) + d.d2 * Double(t.n2) + d.d3 * Double(t.n3)
                return NGramContextStats(inverseTotal: 1 / total, gamma: mass / total)
            }
        }
        self.counts = counts
        self.contexts = contexts
        self.discounts = discounts
    }

    /// `P(w | context)`, with `context` already cut to at most `order - 1` symbols. Built bottom-up:
    /// start from the uniform `1/V`, then for each order `k` whose context (the last `k - 1` symbols)
    /// was seen, `p = max(c(h w) - D(c), 0) / c(h·) + γ(h) p`. An unseen context passes `p` on
    /// unchanged (it has no counts to interpolate with).
    @inline(__always)
    func probability(of w: Int32, context: ArraySlice<Int32>) -> Double {
        var p = 1 / Double(vocabularySize)
        let usable = min(context.count, order - 1)
        for k in 1...(usable + 1) {
            let h = context.suffix(k - 1)
            guard let stats = contexts[k][packer.key(h, then: nil)] else { continue }
            let c = counts[k][packer.key(h, then: w)] ?? 0
            p = discounts[k].discounted(c) * stats.inverseTotal + stats.gamma * p
        }
        return p
    }

    /// `P(· | context)` over the whole vocabulary (one context lookup per order instead of one per
    /// symbol and order).
    func distribution(context: ArraySlice<Int32>) -> [Double] {
        var p = [Double](repeating: 1 / Double(vocabularySize), count: vocabularySize)
        let usable = min(context.count, order - 1)
        for k in 1...(usable + 1) {
            let h = context.suffix(k - 1)
            guard let stats = contexts[k][packer.key(h, then: nil)] else { continue }
            let d = discounts[k]
            for w in 0..<vocabularySize {
                let c = counts[k][packer.key(h, then: Int32(w))] ?? 0
                p[w] = d.discounted(c) * stats.inverseTotal + stats.gamma * p[w]
            }
        }
        return p
    }
}
