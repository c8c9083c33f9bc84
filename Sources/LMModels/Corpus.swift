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

    /// Number of symbols (Unicode scalars) in the text.
    public var count: Int { mapped?.count ?? ids.count }

    /// Reads a UTF-8 text file. Errors are thrown for a missing file (or a directory), unreadable
    /// bytes, bytes that are not UTF-8 (with the byte offset and line of the first bad byte, so the
    /// user can find it), an empty file and a file of a single symbol (nothing to predict).
    public init(contentsOfFile path: String, mapAtLeast: Int = MappedText.defaultThreshold) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusError("corpus: no such file: \(path)")
        }
        guard !isDirectory.boolValue else {
            throw CorpusError("corpus: \(path) is a directory, not a text file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size >= mapAtLeast {
            self.init(mapped: try MappedText(path: path))
            return
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
        try self.init(text: text, name: path)
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
