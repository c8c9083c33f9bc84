import Foundation

/// A text corpus as symbol ids: the whole file, its vocabulary, and where it came from.
///
/// The ids of the whole file are kept (4 bytes a symbol) so that splits, batchers and n-gram models
/// can all be cut from one array without reading the file again.
public struct Corpus: Sendable {
    /// Where the text came from (a file path, or a name given by the caller).
    public let name: String
    public let vocabulary: Vocabulary
    /// Every symbol of the text, in order (empty when the text is `mapped`).
    public let ids: [Int32]
    /// A file of `mapAtLeast` bytes or more, read through a memory map instead of into `ids` (`MappedText`).
    public let mapped: MappedText?

    /// Number of symbols (Unicode scalars, or words for a word corpus) in the text.
    public var count: Int { mapped?.count ?? ids.count }

    /// Reads a UTF-8 text file. Errors are thrown for a missing file (or a directory), unreadable
    /// bytes, bytes that are not UTF-8 (with the byte offset and line of the first bad byte, so the
    /// user can find it), an empty file and a file of a single symbol (nothing to predict).
    public init(contentsOfFile path: String, mapAtLeast: Int = MappedText.defaultThreshold) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
           let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size >= mapAtLeast {
            self.init(mapped: try MappedText(path: path))
            return
        }
        try self.init(text: try Corpus.readText(path), name: path)
    }

    /// Reads a UTF-8 text file with its paragraphs re-flowed to lines of at most `wrap` characters (`Reflow`).
    public init(contentsOfFile path: String, wrap: Int) throws {
        try self.init(text: Reflow.paragraphs(try Corpus.readText(path), width: wrap), name: path)
    }

    /// Reads a UTF-8 text file as words (`WordTokenizer`): the `vocab` most frequent tokens (counting
    /// `<unk>` and `<eos>`), the rest read as `<unk>`.
    public init(contentsOfFile path: String, words vocab: Int, lower: Bool = false) throws {
        try self.init(words: try Corpus.readText(path), vocab: vocab, lower: lower, name: path)
    }

    /// A word corpus of `text`. The vocabulary: `<unk>` (id 0), `<eos>` (id 1), then the `vocab - 2` most
    /// frequent other tokens by count, ties broken by the tokens' Unicode scalar order, so it is
    /// deterministic. Tokens are interned as they are read (4 bytes a token plus one string per distinct
    /// token), never kept as a list of strings.
    public init(words text: String, vocab: Int, lower: Bool = false, name: String = "text") throws {
        guard vocab >= 2 else { throw CorpusError("corpus: vocab \(vocab) must be at least 2 (<unk> and <eos>)") }
        var seen: [String: Int32] = [WordTokenizer.unk: 0, WordTokenizer.eos: 1]
        var spelled: [String] = [WordTokenizer.unk, WordTokenizer.eos]
        var counts: [Int] = [0, 0]
        var provisional: [Int32] = []
        provisional.reserveCapacity(text.utf8.count / 4)
        WordTokenizer.forEachToken(in: text, lower: lower, finalEOS: true) { t in
            if let id = seen[t] {
                provisional.append(id)
                counts[Int(id)] += 1
            } else {
                let id = Int32(spelled.count)
                seen[t] = id
                spelled.append(t)
                counts.append(1)
                provisional.append(id)
            }
        }
        guard !provisional.isEmpty else { throw CorpusError("corpus: \(name) has no words") }
        guard provisional.count > 1 else {
            throw CorpusError("corpus: \(name) holds a single token; a language model needs at least two")
        }
        let ranked = (2..<spelled.count).sorted {
            counts[$0] != counts[$1] ? counts[$0] > counts[$1]
                : spelled[$0].unicodeScalars.lexicographicallyPrecedes(spelled[$1].unicodeScalars) { $0.value < $1.value }
        }.prefix(vocab - 2)
        var remap = [Int32](repeating: Vocabulary.unkID, count: spelled.count)
        remap[1] = Vocabulary.eosID
        var words = [WordTokenizer.unk, WordTokenizer.eos]
        for p in ranked {
            remap[p] = Int32(words.count)
            words.append(spelled[p])
        }
        for i in provisional.indices { provisional[i] = remap[Int(provisional[i])] }
        self.name = name
        self.vocabulary = try Vocabulary(words: words, lower: lower)
        self.ids = provisional
        self.mapped = nil
    }

    /// The fraction of a word corpus's tokens read as `<unk>` (0 for a character corpus).
    public var unkRate: Double {
        guard vocabulary.unit == .word, !ids.isEmpty else { return 0 }
        var n = 0
        for id in ids where id == Vocabulary.unkID { n += 1 }
        return Double(n) / Double(ids.count)
    }

    /// The text of a UTF-8 file, with errors that name the problem.
    static func readText(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusError("corpus: no such file: \(path)")
        }
        guard !isDirectory.boolValue else {
            throw CorpusError("corpus: \(path) is a directory, not a text file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CorpusError("corpus: cannot read \(path): \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw CorpusError("corpus: \(path) is empty") }
        guard let text = String(validating: data, as: UTF8.self) else {
            let (offset, line) = Corpus.firstInvalidUTF8(in: data)
            throw CorpusError(
                "corpus: \(path) is not UTF-8 text: invalid byte 0x"
                    + String(data[data.startIndex + offset], radix: 16, uppercase: true)
                    + " at byte offset \(offset) (line \(line))")
        }
        return text
    }

    /// The corpus of a mapped file: no ids in memory.
    init(mapped m: MappedText) {
        (name, vocabulary, ids, mapped) = (m.path, m.vocabulary, [], m)
    }

    /// A corpus of `text` (for tests and for text typed into the shell).
    public init(text: String, name: String = "text") throws {
        let vocabulary = Vocabulary(text: text)
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            // Every scalar of the text is in its own vocabulary, so the lookup cannot fail.
            ids.append(vocabulary.id(of: s) ?? 0)
        }
        guard !ids.isEmpty else { throw CorpusError("corpus: \(name) is empty") }
        guard ids.count > 1 else {
            throw CorpusError(
                "corpus: \(name) holds a single character; a language model needs at least two "
                    + "(one to read, one to predict)")
        }
        self.name = name
        self.vocabulary = vocabulary
        self.ids = ids
        self.mapped = nil
    }

    /// Byte offset and 1-based line of the first byte that does not decode as UTF-8.
    static func firstInvalidUTF8(in data: Data) -> (offset: Int, line: Int) {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        var offset = 0, line = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == 0x0A { line += 1 }
                offset += encoded.count
            case .error:
                return (offset, line)
            case .emptyInput:
                return (offset, line)
            }
        }
    }
}
