/// "Did you mean …?" hints from edit distance.
enum Suggest {
    /// Levenshtein distance over Unicode scalars.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }

    /// The closest candidate within a distance that grows with the word's length, as a hint.
    static func hint(for word: String, among candidates: [String]) -> String? {
        let limit = Swift.max(1, word.count / 3)
        var best: (name: String, d: Int)?
        for c in candidates where c != "_" && c != word {
            let d = distance(word, c)
            guard d <= limit else { continue }
            if let b = best, b.d < d || (b.d == d && b.name <= c) { continue }
            best = (c, d)
        }
        return best.map { "did you mean '\($0.name)'?" }
    }
}
