import Foundation
import LMCore

/// One named tensor of a safetensors file, as plain values: float32, row-major, `shape` `[]` for a
/// scalar (one value) and any dimension may be 0 (no values).
public struct SafeTensorsEntry: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A checkpoint in the safetensors format (https://github.com/huggingface/safetensors), the format
/// PyTorch and Hugging Face tools load without running code from the file:
///
///     [8 bytes: header length N, little-endian UInt64]
///     [N bytes: UTF-8 JSON, padded with spaces to a multiple of 8]
///     [data section: raw little-endian tensor bytes]
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// relative to the data section) plus an optional `"__metadata__"` of strings.
///
/// **Writing** follows the reference writer byte for byte: header keys sorted by name (bytewise
/// UTF-8, as Rust sorts `String`s), data laid out contiguously in that order, compact JSON,
/// `__metadata__` first with its keys sorted, spaces to 8-byte alignment. Only F32 is written.
/// The metadata also gets `"lmsh.sha256"`: the SHA-256 of the data section, so a file damaged on
/// disk or in transfer is noticed instead of silently giving a broken model.
///
/// **Reading** accepts F32, F16, BF16 and F64 (converted to Float) and validates everything the
/// reference reader validates, with one distinct `CheckpointError.Kind` per problem: the data
/// section must be covered exactly by the tensors, with no overlap, no gap and no trailing bytes
/// (the reference rejects gaps and trailing bytes too, as "file not fully covered"); a stored
/// `lmsh.sha256` must match. Stricter than the reference (0.8): a name given twice is an error (it
/// silently keeps one), as is a field repeated inside an entry. As lenient: unknown fields in an
/// entry are ignored, and JSON whitespace is allowed before the header object as well as after it. Entries come back in data-section order (name order for files lmsh or
/// the reference wrote) and the checksum key is removed from `metadata` once verified, so reading
/// what was written gives back an equal value. Whatever the bytes, reading throws or succeeds: it
/// never traps.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The tensors, in file order.
    public var entries: [SafeTensorsEntry]
    /// Free-form string metadata (`"__metadata__"`), without the reserved checksum key.
    public var metadata: [String: String]

    /// The metadata key holding the hex SHA-256 of the data section. Reserved: `encoded()` replaces
    /// any value the caller put there.
    public static let checksumKey = "lmsh.sha256"

    /// Largest header accepted, as the reference reader (100 MB): a header length beyond it is
    /// corruption or hostile, and refusing it early avoids a giant allocation.
    public static let maxHeaderLength = 100_000_000

    public init(entries: [SafeTensorsEntry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The entry with this name.
    public subscript(name: String) -> SafeTensorsEntry? {
        entries.first { $0.name == name }
    }

    // MARK: - Files

    /// Reads and validates a file.
    public static func read(from url: URL) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
        do {
            return try SafeTensorsFile(data: data)
        } catch var e as CheckpointError {
            e.message = "\(url.lastPathComponent): \(e.message)"
            throw e
        }
    }

    /// Writes the file atomically: the bytes go to a temporary file in the same folder, which is
    /// synced and then renamed over `url`, and the folder is synced. A reader (or a crash) sees
    /// either the old file or the complete new one, never half of one; on failure the temporary file
    /// is removed and any previous file is left as it was.
    public func write(to url: URL) throws {
        try write(to: url, beforeRename: {})
    }

    /// `write(to:)` with a hook run after the temporary file is complete and synced, just before the
    /// rename: tests throw from it to check that a failed write leaves the old file intact (running
    /// as root makes permission-based failures unreliable).
    func write(to url: URL, beforeRename: () throws -> Void) throws {
        let bytes = try encoded()
        try AtomicFile.write(bytes, to: url, beforeRename: beforeRename)
    }

    // MARK: - Encoding

    /// The file's bytes. Throws `.invalidEntry` when a shape is negative, overflows or does not match
    /// the number of values, or a name is `"__metadata__"`; `.duplicateName` when two entries share
    /// a name.
    public func encoded() throws -> Data {
        var seen = Set<String>()
        for e in entries {
            guard e.name != "__metadata__" else {
                throw CheckpointError(.invalidEntry, "tensor name \"__metadata__\" is reserved for metadata")
            }
            guard seen.insert(e.name).inserted else {
                throw CheckpointError(.duplicateName, "tensor name \(JSONWriter.quoted(e.name)) appears twice")
            }
            var count = 1
            for d in e.shape {
                guard d >= 0 else {
                    throw CheckpointError(
                        .invalidEntry, "tensor \(JSONWriter.quoted(e.name)): negative dimension in shape \(e.shape)")
                }
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else {
                    throw CheckpointError(.invalidEntry, "tensor \(JSONWriter.quoted(e.name)): shape \(e.shape) overflows")
                }
                count = p
            }
            guard count == e.values.count else {
                throw CheckpointError(
                    .invalidEntry,
                    "tensor \(JSONWriter.quoted(e.name)): shape \(e.shape) holds \(count) values, not \(e.values.count)")
            }
        }
        let sorted = entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }

        var body = Data()
        body.reserveCapacity(sorted.reduce(0) { $0 + 4 * $1.values.count })
        var offsets: [(Int, Int)] = []
        for e in sorted {
            let begin = body.count
            appendLittleEndian(e.values, to: &body)
            offsets.append((begin, body.count))
        }

        var meta = metadata
        meta[Self.checksumKey] = SHA256.hexDigest(body)
        let metaKeys = meta.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

        var json = "{\"__metadata__\":{"
        json += metaKeys.map { "\(JSONWriter.quoted($0)):\(JSONWriter.quoted(meta[$0] ?? ""))" }
            .joined(separator: ",")
        json += "}"
        for (e, (begin, end)) in zip(sorted, offsets) {
            let shape = e.shape.map(String.init).joined(separator: ",")
            json += ",\(JSONWriter.quoted(e.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
            json += "\"data_offsets\":[\(begin),\(end)]}"
        }
        json += "}"
        var header = Array(json.utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var out = Data()
        out.reserveCapacity(8 + header.count + body.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        out.append(body)
        return out
    }

    private func appendLittleEndian(_ values: [Float], to data: inout Data) {
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for v in values {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        #endif
    }

    // MARK: - Decoding

    /// Parses and validates a whole file held in memory. See the type's documentation for what is
    /// checked; every failure is a `CheckpointError` with its own `kind`.
    public init(data: Data) throws {
        self = try data.withUnsafeBytes { raw in try SafeTensorsFile.decode(raw) }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws -> SafeTensorsFile {
        let layout = try SafeTensorsLayout(raw)
        let dataStart = layout.dataStart
        let section = UnsafeRawBufferPointer(rebasing: raw[dataStart..<raw.count])

        var metadata = layout.metadata
        if let stored = metadata.removeValue(forKey: checksumKey) {
            var hasher = SHA256()
            hasher.update(bytes: section)
            let actual = SHA256.hex(hasher.finalize())
            guard stored.lowercased() == actual else {
                throw CheckpointError(
                    .checksumMismatch,
                    "data section checksum mismatch: \(checksumKey) says \(stored) but the data hashes to \(actual) "
                        + "(the file is damaged)")
            }
        }

        var entries: [SafeTensorsEntry] = []
        entries.reserveCapacity(layout.tensors.count)
        for t in layout.tensors {
            // The layout checked begin ≤ end ≤ section.count and end − begin = count × dtype size.
            let bytes = UnsafeRawBufferPointer(rebasing: section[t.begin..<t.end])
            entries.append(SafeTensorsEntry(name: t.name, shape: t.shape, values: t.dtype.floats(bytes, count: t.count)))
        }
        return SafeTensorsFile(entries: entries, metadata: metadata)
    }
}
