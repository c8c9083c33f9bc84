/// The symbols of a corpus, numbered from 0: its distinct Unicode scalars sorted by code point (a character
/// vocabulary), or its most frequent words (a word vocabulary, `unit == .word`, see `WordTokenizer`).
///
/// Scalars, never `Character`s: Swift's `Character` is an extended grapheme cluster, so a CRLF pair,
/// a letter with a combining accent or a flag emoji would each be one symbol whose parts the model
/// could never see, and the vocabulary would depend on the Unicode version's segmentation rules.
/// Scalars are what char-rnn's bytes become once the text is decoded, and sorting them by code point
/// gives char-rnn's ids (1-based there, 0-based here) on ASCII text.
public struct Vocabulary: Sendable, Equatable {
    /// What a symbol is: a Unicode scalar or a word.
    public enum Unit: String, Sendable, Codable { case char, word }
    public let unit: Unit
    /// The symbols in id order (character vocabularies; empty for word ones).
    public let scalars: [Unicode.Scalar]
    /// The words in id order (word vocabularies: `<unk>` is 0, `<eos>` 1; empty for character ones).
    public let words: [String]
    /// Whether words were lower-cased when read (word vocabularies).
    public let lower: Bool
    private let wordIDs: [String: Int32]
    /// Ids of ASCII scalars by code point (-1: absent): most corpora are mostly ASCII, and an array
    /// lookup keeps encoding a million symbols cheap.
    private let asciiIDs: [Int32]
    /// Ids of the other scalars.
    private let otherIDs: [UInt32: Int32]

    /// A vocabulary of the distinct scalars of `scalars`, sorted by code point.
    public init(scalars: some Sequence<Unicode.Scalar>) {
        let sorted = Set(scalars).sorted { $0.value < $1.value }
        var ascii = [Int32](repeating: -1, count: 128)
        var others: [UInt32: Int32] = [:]
        for (i, s) in sorted.enumerated() {
            if s.value < 128 { ascii[Int(s.value)] = Int32(i) } else { others[s.value] = Int32(i) }
        }
        self.scalars = sorted
        self.asciiIDs = ascii
        self.otherIDs = others
        self.unit = .char
        self.words = []
        self.lower = false
        self.wordIDs = [:]
    }

    /// A word vocabulary of `words` in id order; it must start with `<unk>` and `<eos>` and not repeat.
    public init(words: [String], lower: Bool = false) throws {
        guard words.count >= 2, words[0] == WordTokenizer.unk, words[1] == WordTokenizer.eos else {
            throw CorpusError("a word vocabulary starts with \(WordTokenizer.unk) and \(WordTokenizer.eos)")
        }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(words.count)
        for (i, w) in words.enumerated() {
            guard ids[w] == nil else { throw CorpusError("the word vocabulary repeats \"\(w)\"") }
            ids[w] = Int32(i)
        }
        self.unit = .word
        self.scalars = []
        self.asciiIDs = []
        self.otherIDs = [:]
        self.words = words
        self.lower = lower
        self.wordIDs = ids
    }

    /// `"char"` or `"word"`, as `eval` names its unit.
    public var unitName: String { unit.rawValue }

    /// The id of `<unk>` in a word vocabulary.
    public static let unkID: Int32 = 0
    /// The id of `<eos>` in a word vocabulary.
    public static let eosID: Int32 = 1

    /// The id of a word (after lower-casing when the vocabulary does), or nil when it is out of vocabulary.
    public func id(ofWord w: String) -> Int32? { wordIDs[lower ? w.lowercased() : w] }

    /// The symbol of `id` as text: the word, or the character.
    public func token(_ id: Int) -> String {
        guard id >= 0 && id < count else { return "?" }
        return unit == .word ? words[id] : String(Character(scalars[id]))
    }

    /// The tokens of a text (words and punctuation, no `<eos>` after an unterminated last line) with their ids;
    /// out-of-vocabulary words read as `<unk>` and are listed in `unknown` (once each, in order).
    public func encodeWords(_ text: String) -> (tokens: [String], ids: [Int32], unknown: [String]) {
        var tokens: [String] = [], ids: [Int32] = [], unknown: [String] = []
        WordTokenizer.forEachToken(in: text, lower: lower) { t in
            tokens.append(t)
            if let id = wordIDs[t] { ids.append(id) } else {
                ids.append(Vocabulary.unkID)
                if !unknown.contains(t) { unknown.append(t) }
            }
        }
        return (tokens, ids, unknown)
    }

    /// How a sampled symbol is written after the one before it (nil: the first): words are separated by
    /// spaces and `<eos>` is a line break; characters are themselves.
    public func piece(_ id: Int, after previous: Int?) -> String {
        guard unit == .word else { return token(id) }
        if Int32(id) == Vocabulary.eosID { return "\n" }
        if let previous, Int32(previous) != Vocabulary.eosID { return " " + token(id) }
        return token(id)
    }

    /// The vocabulary of the scalars that occur in `text`.
    public init(text: String) {
        self.init(scalars: text.unicodeScalars)
    }

    /// Number of symbols.
    public var count: Int { unit == .word ? words.count : scalars.count }

    /// The id of `scalar`, or nil when it is not in the vocabulary.
    @inlinable public func id(of scalar: Unicode.Scalar) -> Int32? {
        let id = lookup(scalar.value)
        return id >= 0 ? id : nil
    }

    @usableFromInline func lookup(_ value: UInt32) -> Int32 {
        if value < 128 { return asciiIDs[Int(value)] }
        return otherIDs[value] ?? -1
    }

    /// The scalar of `id`, or nil when the id is out of range.
    public func scalar(for id: Int32) -> Unicode.Scalar? {
        id >= 0 && Int(id) < scalars.count ? scalars[Int(id)] : nil
    }

    /// Encodes `text` scalar by scalar. A symbol that is not in the vocabulary is an error that names
    /// it and where it is (scalar offset, line and column), because a student typing a prompt needs to
    /// know which character the model has never seen.
    /// A word vocabulary tokenizes the text (`WordTokenizer`) and reads unknown words as `<unk>`.
    public func encode(_ text: String) throws -> [Int32] {
        if unit == .word { return encodeWords(text).ids }
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count)
        var line = 1, column = 1
        for (offset, s) in text.unicodeScalars.enumerated() {
            let id = lookup(s.value)
            guard id >= 0 else {
                throw CorpusError(
                    "symbol \(Vocabulary.describe(s)) at position \(offset) (line \(line), column \(column)) "
                        + "is not in the vocabulary of \(count) symbols")
            }
            ids.append(id)
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return ids
    }

    /// Decodes ids back to text; an id outside the vocabulary is an error naming it and its position.
    public func decode(_ ids: some Sequence<Int32>) throws -> String {
        if unit == .word {
            var out = "", previous: Int? = nil
            for (offset, id) in ids.enumerated() {
                guard id >= 0 && Int(id) < count else {
                    throw CorpusError("id \(id) at position \(offset) is outside the vocabulary (ids 0..<\(count))")
                }
                out += piece(Int(id), after: previous)
                previous = Int(id)
            }
            return out
        }
        var view = String.UnicodeScalarView()
        for (offset, id) in ids.enumerated() {
            guard let s = scalar(for: id) else {
                throw CorpusError(
                    "id \(id) at position \(offset) is outside the vocabulary (ids 0..<\(count))")
            }
            view.append(s)
        }
        return String(view)
    }

    /// Decodes `Int` ids (the form a REPL user types).
    public func decode(_ ids: [Int]) throws -> String {
        for (offset, id) in ids.enumerated() where id < 0 || id >= count {
            throw CorpusError("id \(id) at position \(offset) is outside the vocabulary (ids 0..<\(count))")
        }
        return try decode(ids.lazy.map { Int32($0) })
    }

    /// A scalar as a message shows it: quoted, with invisible ones escaped, and its code point, so
    /// that a stray tab or non-breaking space is recognisable.
    public static func describe(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return "'\(s.escaped(asASCII: false))' (\(code))"
    }
}
