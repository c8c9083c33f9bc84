/// The symbols of a corpus: its distinct Unicode scalars, sorted by code point, numbered from 0.
///
/// Scalars, never `Character`s: Swift's `Character` is an extended grapheme cluster, so a CRLF pair,
/// a letter with a combining accent or a flag emoji would each be one symbol whose parts the model
/// could never see, and the vocabulary would depend on the Unicode version's segmentation rules.
/// Scalars are what char-rnn's bytes become once the text is decoded, and sorting them by code point
/// gives char-rnn's ids (1-based there, 0-based here) on ASCII text.
public struct Vocabulary: Sendable, Equatable {
    /// The symbols in id order.
    public let scalars: [Unicode.Scalar]
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
    }

    /// The vocabulary of the scalars that occur in `text`.
    public init(text: String) {
        self.init(scalars: text.unicodeScalars)
    }

    /// Number of symbols.
    public var count: Int { scalars.count }

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
    public func encode(_ text: String) throws -> [Int32] {
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
