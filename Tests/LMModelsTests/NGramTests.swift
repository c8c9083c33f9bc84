import Foundation
import LMCore
import Testing
@testable import LMModels

/// Straightforward, slow interpolated modified Kneser-Ney written from the formulas with array keys
/// and linear scans, to check the fast model against on random text.
private struct ReferenceKN {
    let n: Int, v: Int
    var counts: [Int: [[Int32]: Int]] = [:]
    var discounts: [Int: (Double, Double, Double)] = [:]

    init(order n: Int, vocabularySize v: Int, text: [Int32]) {
        self.n = n
        self.v = v
        var raw: [Int: [[Int32]: Int]] = [:]
        for m in 1...n {
            var c: [[Int32]: Int] = [:]
            if text.count >= m {
                for i in (m - 1)..<text.count { c[Array(text[(i - m + 1)...i]), default: 0] += 1 }
            }
            raw[m] = c
        }
        counts[n] = raw[n]
        if n > 1 {
            for k in stride(from: n - 1, through: 1, by: -1) {
                var c: [[Int32]: Int] = [:]
                for g in raw[k + 1]!.keys { c[Array(g.dropFirst()), default: 0] += 1 }
                counts[k] = c
            }
        }
        for k in 1...n {
            let values = counts[k]!.values
            let n1 = values.filter { $0 == 1 }.count, n2 = values.filter { $0 == 2 }.count
            let n3 = values.filter { $0 == 3 }.count, n4 = values.filter { $0 == 4 }.count
            let d = NGramDiscounts(n1: n1, n2: n2, n3: n3, n4: n4)
            discounts[k] = (d.d1, d.d2, d.d3)
        }
    }

    func probability(_ w: Int32, _ context: [Int32]) -> Double {
        var p = 1 / Double(v)
        let ctx = Array(context.suffix(n - 1))
        for k in 1...(ctx.count + 1) {
            let h = Array(ctx.suffix(k - 1))
            let seen = counts[k]!.filter { Array($0.key.dropLast()) == h }
            if seen.isEmpty { continue }
            let total = Double(seen.values.reduce(0, +))
            let (d1, d2, d3) = discounts[k]!
            func d(_ c: Int) -> Double { c == 0 ? 0 : c == 1 ? d1 : c == 2 ? d2 : d3 }
            let mass = seen.values.reduce(0.0) { $0 + d($1) }
            let c = counts[k]![h + [w]] ?? 0
            p = (Double(c) - d(c)) / total + mass / total * p
        }
        return p
    }
}

private func randomText(count: Int, vocabularySize: Int, seed: UInt64) -> [Int32] {
    var rng = RandomSource(seed: seed)
    // Skewed toward small ids so that counts of 1, 2, 3 and 4+ all occur.
    return (0..<count).map { _ in
        let u = rng.nextDouble()
        return Int32(Double(vocabularySize) * u * u)
    }
}

@Suite struct NGramTests {
    /// The corpus "babccacdcacdacdbcd" (18 symbols; ids a=0 b=1 c=2 d=3, V = 4), bigram model.
    ///
    /// Bigram raw counts (order 2 is the highest order, so raw counts):
    ///   ab 1, ac 3, ba 1, bc 2, ca 2, cc 1, cd 4, da 1, db 1, dc 1   (17 bigrams, 10 distinct)
    ///   count-of-counts n1 = 6 (ab ba cc da db dc), n2 = 2 (bc ca), n3 = 1 (ac), n4 = 1 (cd)
    ///   Y  = n1 / (n1 + 2 n2) = 6 / 10 = 0.6
    ///   D1 = 1 - 2 Y n2/n1 = 1 - 2(0.6)(2/6) = 0.6
    ///   D2 = 2 - 3 Y n3/n2 = 2 - 3(0.6)(1/2) = 1.1
    ///   D3+ = 3 - 4 Y n4/n3 = 3 - 4(0.6)(1/1) = 0.6
    ///
    /// Unigram continuation counts N1+(•w), distinct left neighbours:
    ///   a: {b, c, d} = 3;  b: {a, d} = 2;  c: {a, b, c, d} = 4;  d: {c} = 1;  total 10
    ///   n1 = 1 (d), n2 = 1 (b), n3 = 1 (a), n4 = 1 (c)
    ///   Y = 1/3; D1 = 1 - 2(1/3)(1) = 1/3; D2 = 2 - 3(1/3)(1) = 1; D3+ = 3 - 4(1/3)(1) = 5/3
    ///   γ(ε) = (D1·N1 + D2·N2 + D3+·N3+) / 10 = (1/3·1 + 1·1 + 5/3·2) / 10 = (14/3)/10 = 7/15
    ///   P1(c) = (4 - 5/3)/10 + (7/15)(1/4) = 7/30 + 7/60 = 21/60 = 0.35
    ///   P1(a) = (3 - 5/3)/10 + 7/60 = 8/60 + 7/60 = 0.25
    ///
    /// Context "a": a is followed by b once and c three times: c(a·) = 4, N1 = 1, N2 = 0, N3+ = 1
    ///   γ(a) = (0.6·1 + 0.6·1) / 4 = 0.3
    ///   P(c | a) = (3 - D3+)/4 + γ(a)·P1(c) = (3 - 0.6)/4 + 0.3·0.35 = 0.6 + 0.105 = 0.705
    @Test func handComputedBigramProbability() throws {
        let corpus = try Corpus(text: "babccacdcacdacdbcd")
        #expect(corpus.vocabulary.scalars == ["a", "b", "c", "d"])
        let model = try NGramModel(order: 2, vocabularySize: 4, training: corpus.ids)
        let d2 = try #require(model.discounts(order: 2))
        #expect(d2.countOfCounts == [6, 2, 1, 1])
        #expect(abs(d2.d1 - 0.6) < 1e-12 && abs(d2.d2 - 1.1) < 1e-12 && abs(d2.d3 - 0.6) < 1e-12)
        let d1 = try #require(model.discounts(order: 1))
        #expect(d1.countOfCounts == [1, 1, 1, 1])
        #expect(abs(d1.d1 - 1.0 / 3) < 1e-12 && abs(d1.d2 - 1) < 1e-12 && abs(d1.d3 - 5.0 / 3) < 1e-12)
        #expect(abs(try model.probability(of: 2, after: []) - 0.35) < 1e-12)
        #expect(abs(try model.probability(of: 0, after: []) - 0.25) < 1e-12)
        #expect(abs(try model.probability(of: 2, after: [0]) - 0.705) < 1e-12)
        #expect(abs(try model.logProb(2, context: [3, 1, 0]) - log(0.705)) < 1e-12)
    }

    @Test(arguments: [1, 2, 3, 4, 6])
    func probabilitiesSumToOne(order: Int) throws {
        let text = randomText(count: 3000, vocabularySize: 12, seed: UInt64(order))
        let model = try NGramModel(order: order, vocabularySize: 12, training: text)
        #expect(model.usesPackedKeys)
        let contexts: [[Int32]] = [[], [0], [11], Array(text[100..<110]), Array(text[2000..<2003]),
                                   [11, 11, 11, 11, 11, 11], [5, 0, 11, 3, 7]]
        for context in contexts {
            let p = try model.distribution(after: context)
            #expect(abs(p.reduce(0, +) - 1) < 1e-12, "order \(order), context \(context)")
            #expect(p.allSatisfy { $0 > 0 })
            for w in [0, 5, 11] {
                #expect(abs(try model.probability(of: Int32(w), after: context) - p[w]) < 1e-15)
            }
        }
    }

    @Test func arrayKeysFallbackForLargeVocabularies() throws {
        // 3000^6 does not fit in 64 bits: keys fall back to arrays, with the same probabilities.
        let v = 3000
        let text = randomText(count: 2000, vocabularySize: v, seed: 7).map { $0 % 40 }
        let model = try NGramModel(order: 6, vocabularySize: v, training: text)
        #expect(!model.usesPackedKeys)
        let packed = NGramTables(
            packer: try #require(PackedKeys(vocabularySize: v, maxLength: 4)), order: 4, vocabularySize: v,
            segments: [text])
        let arrays = NGramTables(packer: ArrayKeys(), order: 4, vocabularySize: v, segments: [text])
        for context in [[], Array(text[10..<13]), [1, 2, 3]] as [[Int32]] {
            #expect(abs(try model.distribution(after: context).reduce(0, +) - 1) < 1e-9)
            for w: Int32 in [0, 1, 39, 2999] {
                let a = packed.probability(of: w, context: context[...])
                let b = arrays.probability(of: w, context: context[...])
                #expect(abs(a - b) < 1e-15)
            }
        }
    }

    @Test(arguments: [2, 3, 4])
    func matchesAReferenceImplementation(order: Int) throws {
        let text = randomText(count: 600, vocabularySize: 6, seed: 40 + UInt64(order))
        let model = try NGramModel(order: order, vocabularySize: 6, training: text)
        let reference = ReferenceKN(order: order, vocabularySize: 6, text: text)
        for context in [[], [0], [5], [1, 2], Array(text[50..<53]), [5, 5, 5, 5]] as [[Int32]] {
            for w: Int32 in 0..<6 {
                let expected = reference.probability(w, context)
                #expect(abs(try model.probability(of: w, after: context) - expected) < 1e-12)
            }
        }
    }

    /// Order 1 uses raw counts: `P(w) = (c(w) - D(c(w))) / N + γ / V`, `γ = Σ_w D(c(w)) / N`, with
    /// the discounts from the unigram count-of-counts.
    @Test func unigramIsDiscountedCountsInterpolatedWithUniform() throws {
        // Counts: a 1, b 2, c 3, d 4, e 5, f 9; g is in the vocabulary but never seen.
        let text: [Int32] = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3] + Array(repeating: 4, count: 5)
            + Array(repeating: 5, count: 9)
        let v = 7, n = Double(text.count)
        let model = try NGramModel(order: 1, vocabularySize: v, training: text)
        let d = NGramDiscounts(n1: 1, n2: 1, n3: 1, n4: 1)
        #expect(model.discounts(order: 1) == d)
        let counts = [1, 2, 3, 4, 5, 9, 0]
        let gamma = (d.d1 + d.d2 + 4 * d.d3) / n
        for w in 0..<v {
            let c = counts[w]
            let expected = (c == 0 ? 0 : Double(c) - d.discount(Int32(c))) / n + gamma / Double(v)
            #expect(abs(try model.probability(of: Int32(w), after: [3, 4]) - expected) < 1e-12)
        }
        #expect(try model.probability(of: 6, after: []) > 0)
    }

    @Test func evaluationOnATinyText() throws {
        // The hand-computed model above: P1(a) = 0.25 (no context yet), P(c | a) = 0.705.
        let model = try NGramModel(order: 2, vocabularySize: 4, training: try Corpus(text: "babccacdcacdacdbcd").ids)
        let result = try model.evaluate([0, 2])
        let nats = -(log(0.25) + log(0.705)) / 2
        #expect(result.symbols == 2)
        #expect(abs(result.natsPerSymbol - nats) < 1e-12)
        #expect(abs(result.bitsPerSymbol - nats / log(2)) < 1e-12)
        #expect(abs(result.perplexity - exp(nats)) < 1e-9)
        // Pieces are read separately: [a, c] twice is the same loss, twice the symbols.
        let twice = try model.evaluate(segments: [[0, 2], [0, 2]])
        #expect(twice.symbols == 4 && abs(twice.natsPerSymbol - nats) < 1e-12)
        #expect(result.summary.hasPrefix(String(format: "%.4f nats/char", nats)))
    }

    @Test func trainingSegmentsDoNotJoin() throws {
        // "ab" + "ab" as two pieces has no bigram "ba"; as one text it has.
        let apart = try NGramModel(order: 2, vocabularySize: 2, segments: [[0, 1], [0, 1]])
        let joined = try NGramModel(order: 2, vocabularySize: 2, training: [0, 1, 0, 1])
        #expect(apart.entryCount(order: 2) == 1)
        #expect(joined.entryCount(order: 2) == 2)
    }

    @Test func samplingIsSeededAndFollowsTheText() throws {
        let corpus = try Corpus(text: String(repeating: "abcabd", count: 50))
        let model = try NGramModel(order: 3, vocabularySize: corpus.vocabulary.count, training: corpus.ids)
        var rng1 = RandomSource(seed: 42), rng2 = RandomSource(seed: 42)
        let a = try model.sample(count: 200, prompt: [0, 1], rng: &rng1)
        let b = try model.sample(count: 200, prompt: [0, 1], rng: &rng2)
        #expect(a == b)
        #expect(a.count == 200 && a.allSatisfy { $0 >= 0 && $0 < 4 })
        // At a low temperature, "ab" is followed by c or d and "bc"/"bd" by a, nearly always.
        var rng3 = RandomSource(seed: 1)
        let cold = try corpus.vocabulary.decode(try model.sample(count: 60, prompt: [0, 1], temperature: 0.2, rng: &rng3))
        #expect(cold.hasPrefix("ca") || cold.hasPrefix("da"))
        var rng4 = RandomSource(seed: 1)
        #expect(throws: NGramError.self) { try model.sample(count: 5, temperature: 0, rng: &rng4) }
    }

    @Test func idsOutsideTheVocabularyAreErrors() throws {
        #expect(throws: NGramError.self) { try NGramModel(order: 2, vocabularySize: 3, training: [0, 1, 3]) }
        #expect(throws: NGramError.self) { try NGramModel(order: 0, vocabularySize: 3, training: [0, 1]) }
        #expect(throws: NGramError.self) { try NGramModel(order: 2, vocabularySize: 3, training: []) }
        let model = try NGramModel(order: 2, vocabularySize: 3, training: [0, 1, 2])
        #expect(throws: NGramError.self) { try model.probability(of: 3, after: []) }
        #expect(throws: NGramError.self) { try model.evaluate([0, -1]) }
    }
}
