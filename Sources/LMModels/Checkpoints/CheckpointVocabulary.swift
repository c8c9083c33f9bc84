import Foundation

extension Vocabulary {
    /// The vocabulary a checkpoint's metadata holds, for every model kind: `lmsh.vocabulary` is the list of
    /// symbols in id order (single characters, or words with `lmsh.unit` "word": <unk>, <eos>, then by
    /// frequency), `lmsh.lower` whether words were lower-cased.
    static func read(checkpointMetadata m: [String: String]) throws -> Vocabulary {
        guard let text = m["lmsh.vocabulary"] else {
            throw CheckpointError(.invalidMetadata, "metadata lmsh.vocabulary is missing: not an lmsh model checkpoint?")
        }
        let data = Data(text.utf8)
        if m["lmsh.unit"] == "word" {
            guard let list = try? JSONSerialization.jsonObject(with: data) as? [String] else {
                throw CheckpointError(.invalidMetadata, "lmsh.vocabulary is not a JSON list of words")
            }
            do { return try Vocabulary(words: list, lower: m["lmsh.lower"] == "true") } catch {
                throw CheckpointError(.invalidMetadata, "lmsh.vocabulary: \(error)")
            }
        }
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [String], list.allSatisfy({ $0.unicodeScalars.count == 1 }) else {
            throw CheckpointError(.invalidMetadata, "lmsh.vocabulary is not a JSON list of single characters")
        }
        let vocabulary = Vocabulary(scalars: list.compactMap { $0.unicodeScalars.first })
        guard vocabulary.count == list.count else { throw CheckpointError(.invalidMetadata, "lmsh.vocabulary repeats a symbol") }
        return vocabulary
    }
}
