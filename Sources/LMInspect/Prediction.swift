import Foundation

/// The model's guesses for the next character after each position: the top k with probabilities, from the
/// trace's logits (softmax over the vocabulary).
public struct Prediction: Sendable {
    public struct Guess: Sendable { public var id: Int; public var probability: Double }
    /// Per position, the best guesses, most likely first.
    public var guesses: [[Guess]]
    /// Per position but the last, the probability the model gave the character that actually came next.
    public var actual: [Double]

    public static func of(_ trace: StateTrace, top k: Int = 5) -> Prediction {
        let V = trace.vocabSize
        var guesses: [[Guess]] = [], actual: [Double] = []
        for t in 0..<trace.steps {
            let row = trace.logits[(t * V)..<((t + 1) * V)].map(Double.init)
            let m = row.max() ?? 0
            let e = row.map { Foundation.exp($0 - m) }
            let z = e.reduce(0, +)
            let p = e.map { $0 / z }
            guesses.append(p.enumerated().sorted { $0.element > $1.element }.prefix(k).map { Guess(id: $0.offset, probability: $0.element) })
            if t + 1 < trace.steps { actual.append(p[trace.ids[t + 1]]) }
        }
        return Prediction(guesses: guesses, actual: actual)
    }
}
