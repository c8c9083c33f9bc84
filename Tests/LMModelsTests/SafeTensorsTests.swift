import Foundation
import LMCore
import Testing
@testable import LMModels

/// A safetensors file from a header text and data bytes, padded with spaces as the reference pads.
private func file(_ header: String, _ data: [UInt8] = [], pad: Bool = true) -> Data {
    var h = Array(header.utf8)
    if pad { h += Array(repeating: UInt8(ascii: " "), count: (8 - h.count % 8) % 8) }
    return file(headerBytes: h, data)
}

private func file(headerBytes h: [UInt8], _ data: [UInt8] = []) -> Data {
    var out = Data()
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: h)
    out.append(contentsOf: data)
    return out
}

private func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// The error kind `body` throws, or nil when it does not throw a `CheckpointError`.
private func kind(of body: () throws -> Void) -> CheckpointError.Kind? {
    do {
        try body()
        return nil
    } catch let e as CheckpointError {
        return e.kind
    } catch {
        return nil
    }
}

private func decodeKind(_ data: Data) -> CheckpointError.Kind? {
    kind { _ = try SafeTensorsFile(data: data) }
}

/// A fresh folder under the temporary directory, removed by the caller.
private func scratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("lmsh-safetensors-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private struct InjectedFailure: Error {}

private let sample = SafeTensorsFile(
    entries: [
        SafeTensorsEntry(name: "rnn.weight_ih_l0", shape: [2, 3], values: [1, -2, 0.5, 3.25, -0.0, 1e-3]),
        SafeTensorsEntry(name: "bias", shape: [], values: [3.5]),
        SafeTensorsEntry(name: "empty", shape: [0, 3], values: []),
        SafeTensorsEntry(
            name: "décodeur \"q\"", shape: [4],
            values: [.infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 42]),
    ],
    metadata: ["format": "lmsh", "note": "line\nbreak \u{01} é \"quoted\" \\"])

@Suite struct SafeTensorsTests {
    // MARK: Round trip and reference bytes

    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let bytes = try sample.encoded()
        let back = try SafeTensorsFile(data: bytes)
        // Entries come back in name order (bytewise), the checksum key is consumed.
        #expect(back.entries.map(\.name) == ["bias", "décodeur \"q\"", "empty", "rnn.weight_ih_l0"])
        #expect(back.metadata == sample.metadata)
        for e in sample.entries {
            let b = try #require(back[e.name])
            #expect(b.shape == e.shape)
            #expect(b.values.map(\.bitPattern) == e.values.map(\.bitPattern), "\(e.name)")
        }
        #expect(back["bias"]?.shape == [])
        #expect(back["empty"]?.values == [])
        // Writing what was read gives the same bytes.
        #expect(try back.encoded() == bytes)
    }

    @Test func headerIsPaddedAndChecksumStored() throws {
        let bytes = try sample.encoded()
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(n % 8 == 0)
        let header = try #require(String(data: bytes.subdata(in: 8..<(8 + n)), encoding: .utf8))
        let data = bytes.subdata(in: (8 + n)..<bytes.count)
        #expect(header.hasPrefix("{\"__metadata__\":{"))
        #expect(header.contains("\"lmsh.sha256\":\"\(SHA256.hexDigest(data))\""))
    }

    @Test func emptyFileRoundTrips() throws {
        let f = SafeTensorsFile()
        #expect(try SafeTensorsFile(data: f.encoded()) == f)
    }

    /// The exact bytes the reference writer (safetensors 0.8, `safetensors.numpy.save` with the same
    /// metadata) produces for one [1, 3] tensor: compact JSON, `__metadata__` first, 5 spaces of padding
    /// to 160 bytes, then the floats little-endian.
    @Test func byteExactAgainstReferenceLayout() throws {
        let f = SafeTensorsFile(entries: [SafeTensorsEntry(name: "w", shape: [1, 3], values: [1, -2, 0.5])])
        let json =
            #"{"__metadata__":{"lmsh.sha256":"2ce4bdb6b34a50ac7092eb9fee94337a27498e9eb9bae44192f15b88831b2422"},"#
            + #""w":{"dtype":"F32","shape":[1,3],"data_offsets":[0,12]}}"#
        #expect(json.utf8.count == 155)
        var expected: [UInt8] = [0xA0, 0, 0, 0, 0, 0, 0, 0]
        expected += Array(json.utf8) + Array(repeating: 0x20, count: 5)
        expected += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F]
        #expect(Array(try f.encoded()) == expected)
    }

    /// A file as the reference writes it without metadata (`save({"x": [1, 2]})`): no checksum to
    /// verify, two spaces of padding.
    @Test func readsReferenceFileWithoutMetadata() throws {
        var bytes: [UInt8] = [0x38, 0, 0, 0, 0, 0, 0, 0]
        bytes += Array(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  "#.utf8)
        bytes += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]
        let f = try SafeTensorsFile(data: Data(bytes))
        #expect(f.entries == [SafeTensorsEntry(name: "x", shape: [2], values: [1, 2])])
        #expect(f.metadata == [:])
    }

    @Test func readsHalfBFloatAndDoubleAsFloat() throws {
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000]
        let bf16: [UInt16] = [0x3F80, 0xC040]
        let f64: [Double] = [0.1, -1e300]
        var data: [UInt8] = []
        for h in half + bf16 { data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        for d in f64 { data += withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } }
        let header = #"{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"#
            + #""d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#
        let f = try SafeTensorsFile(data: file(header, data))
        #expect(f.entries.map(\.name) == ["h", "b", "d"])
        let h = try #require(f["h"]).values
        #expect(h[0] == 1 && h[1] == -2 && h[2] == 65504 && h[3] == 0x1p-24 && h[4] == .infinity)
        #expect(h[5] == 0 && h[5].sign == .minus)
        #expect(f["b"]?.values == [1, -3])
        #expect(f["d"]?.values == [Float(0.1), -.infinity])
    }

    @Test func escapedNamesAndUnknownFieldsAreRead() throws {
        let header = #"{"caf\u00e9 \ud83d\ude00":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":[1,{"a":null}]}}"#
        let f = try SafeTensorsFile(data: file(header, floatBytes([7])))
        #expect(f.entries.first?.name == "café 😀")
    }

    // MARK: Corruption: one distinct error each

    @Test func framingErrors() throws {
        let good = try sample.encoded()
        #expect(decodeKind(Data([1, 2, 3])) == .fileTooShort)
        #expect(decodeKind(Data()) == .fileTooShort)
        var huge = Data()
        withUnsafeBytes(of: UInt64(100_000_001).littleEndian) { huge.append(contentsOf: $0) }
        huge.append(contentsOf: Array("{}      ".utf8))
        #expect(decodeKind(huge) == .headerTooLarge)
        var maxLength = Data(repeating: 0xFF, count: 8)
        maxLength.append(contentsOf: Array("{}".utf8))
        #expect(decodeKind(maxLength) == .headerTooLarge)
        #expect(decodeKind(good.prefix(20)) == .headerBeyondFile)
        #expect(decodeKind(file(headerBytes: [0x7B, 0xFF, 0xFE, 0x7D])) == .headerNotUTF8)
        #expect(decodeKind(file(#"{"x":"#)) == .headerInvalidJSON)
        #expect(decodeKind(file(#"{"x":{}} garbage"#)) == .headerInvalidJSON)
        #expect(decodeKind(file("{}\u{0}\u{0}")) == .headerInvalidJSON)  // NUL padding is not JSON whitespace
        #expect(decodeKind(file(String(repeating: "[", count: 100_000))) == .headerInvalidJSON)
        #expect(decodeKind(file("[1,2]")) == .headerNotObject)
        #expect(decodeKind(file("\"text\"")) == .headerNotObject)
    }

    @Test func entryErrors() {
        let d8 = floatBytes([1, 2])
        func k(_ entry: String, _ data: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]) -> CheckpointError.Kind? {
            decodeKind(file("{\"x\":\(entry)}", data))
        }
        #expect(k(#"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, d8) == nil)
        #expect(k(#"{"shape":[2],"data_offsets":[0,8]}"#) == .missingField)
        #expect(k(#"{"dtype":"F32","data_offsets":[0,8]}"#) == .missingField)
        #expect(k(#"{"dtype":"F32","shape":[2]}"#) == .missingField)
        #expect(k(#"[1]"#) == .wrongFieldType)
        #expect(k(#"{"dtype":32,"shape":[2],"data_offsets":[0,8]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F32","shape":"2","data_offsets":[0,8]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}"#) == .wrongFieldType)
        #expect(k(#"{"dtype":"F33","shape":[2],"data_offsets":[0,8]}"#) == .unknownDType)
        #expect(k(#"{"dtype":"f32","shape":[2],"data_offsets":[0,8]}"#) == .unknownDType)
        #expect(k(#"{"dtype":"I64","shape":[1],"data_offsets":[0,8]}"#) == .unsupportedDType)
        #expect(k(#"{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}"#) == .negativeDimension)
        #expect(k(#"{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}"#) == .sizeOverflow)
        #expect(k(#"{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}"#, []) == .sizeOverflow)
        #expect(k(#"{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]}"#) == .sizeOverflow)
    }

    @Test func namesAndMetadataErrors() {
        let one = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        let d = floatBytes([1])
        #expect(decodeKind(file("{\"x\":\(one),\"x\":\(one)}", d)) == .duplicateName)
        #expect(decodeKind(file("{\"__metadata__\":{},\"__metadata__\":{},\"x\":\(one)}", d)) == .duplicateName)
        #expect(decodeKind(file("{\"__metadata__\":{\"a\":1},\"x\":\(one)}", d)) == .invalidMetadata)
        #expect(decodeKind(file("{\"__metadata__\":{\"a\":null},\"x\":\(one)}", d)) == .invalidMetadata)
        #expect(decodeKind(file("{\"__metadata__\":[\"a\"],\"x\":\(one)}", d)) == .invalidMetadata)
        #expect(decodeKind(file("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},\"x\":\(one)}", d)) == .invalidMetadata)
        #expect(decodeKind(file("{\"__metadata__\":{\"a\":\"1\"},\"x\":\(one)}", d)) == nil)
    }

    @Test func layoutErrors() {
        func t(_ name: String, _ shape: String, _ b: Int, _ e: Int) -> String {
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(b),\(e)]}"
        }
        func k(_ entries: [String], _ bytes: Int) -> CheckpointError.Kind? {
            decodeKind(file("{" + entries.joined(separator: ",") + "}", Array(repeating: 0, count: bytes)))
        }
        #expect(k([t("a", "[2]", 0, 8), t("b", "[1]", 8, 12)], 12) == nil)
        #expect(k([t("a", "[2]", 8, 0)], 8) == .offsetsReversed)
        #expect(k([t("a", "[2]", 0, 8), t("b", "[2]", 4, 12)], 12) == .overlappingTensors)
        #expect(k([t("a", "[2]", 0, 8), t("b", "[0]", 4, 4)], 8) == .overlappingTensors)
        #expect(k([t("a", "[1]", 0, 4), t("b", "[1]", 8, 12)], 12) == .gapInData)
        #expect(k([t("a", "[1]", 4, 8)], 8) == .gapInData)
        #expect(k([t("a", "[2]", 0, 8)], 4) == .offsetsOutOfBounds)
        #expect(k([t("a", "[2]", -8, 0)], 8) == .offsetsOutOfBounds)
        #expect(k([#""a":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999]}"#], 8) == .offsetsOutOfBounds)
        #expect(k([t("a", "[3]", 0, 8)], 8) == .sizeMismatch)
        #expect(k([t("a", "[2]", 0, 8)], 9) == .trailingBytes)
        #expect(k([], 1) == .trailingBytes)
        #expect(k([t("a", "[0,3]", 0, 0), t("b", "[]", 0, 4), t("c", "[0]", 4, 4)], 4) == nil)
    }

    @Test func corruptingAWrittenFile() throws {
        let good = try sample.encoded()
        let n = Int(good[0]) | Int(good[1]) << 8
        // Truncation inside the data section.
        #expect(decodeKind(good.dropLast()) == .offsetsOutOfBounds)
        // An extra byte at the end.
        #expect(decodeKind(good + Data([0])) == .trailingBytes)
        // A flipped data byte: only the checksum can tell.
        var flipped = good
        flipped[8 + n + 5] ^= 0x01
        let message = #expect(throws: CheckpointError.self) { try SafeTensorsFile(data: flipped) }
        #expect(message?.kind == .checksumMismatch)
        #expect(message?.description.contains("damaged") == true)
        // Hand-edited offsets of the same length: "[0,4]" (the scalar "bias") becomes "[0,8]".
        let text = try #require(String(data: good, encoding: .isoLatin1))
        let edited = text.replacingOccurrences(of: "\"data_offsets\":[0,4]", with: "\"data_offsets\":[0,8]")
        #expect(edited != text)
        #expect(decodeKind(try #require(edited.data(using: .isoLatin1))) == .sizeMismatch)
        // A corrupted checksum value.
        let badSum = text.replacingOccurrences(of: "\"lmsh.sha256\":\"", with: "\"lmsh.sha256\":\"0")
            .replacingOccurrences(of: "\"format\":\"lmsh\"", with: "\"format\":\"lms\"")
        #expect(decodeKind(try #require(badSum.data(using: .isoLatin1))) == .checksumMismatch)
    }

    @Test func encodingRejectsInvalidEntries() {
        func k(_ entries: [SafeTensorsEntry]) -> CheckpointError.Kind? {
            kind { _ = try SafeTensorsFile(entries: entries).encoded() }
        }
        #expect(k([SafeTensorsEntry(name: "x", shape: [2, 2], values: [1, 2, 3])]) == .invalidEntry)
        #expect(k([SafeTensorsEntry(name: "x", shape: [-1], values: [])]) == .invalidEntry)
        #expect(k([SafeTensorsEntry(name: "x", shape: [Int.max, 2], values: [])]) == .invalidEntry)
        #expect(k([SafeTensorsEntry(name: "__metadata__", shape: [], values: [1])]) == .invalidEntry)
        #expect(
            k([SafeTensorsEntry(name: "x", shape: [], values: [1]), SafeTensorsEntry(name: "x", shape: [], values: [2])])
                == .duplicateName)
    }

    @Test func callerChecksumKeyIsReplaced() throws {
        let f = SafeTensorsFile(
            entries: [SafeTensorsEntry(name: "x", shape: [1], values: [1])],
            metadata: [SafeTensorsFile.checksumKey: "not a checksum"])
        let back = try SafeTensorsFile(data: f.encoded())
        #expect(back.metadata == [:])
    }

    // MARK: Files and atomic writes

    @Test func writeAndReadFile() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try sample.write(to: url)
        let back = try SafeTensorsFile.read(from: url)
        #expect(try back.encoded() == sample.encoded())
        // Overwriting replaces the file and leaves no temporary behind.
        let other = SafeTensorsFile(entries: [SafeTensorsEntry(name: "y", shape: [1], values: [9])])
        try other.write(to: url)
        #expect(try SafeTensorsFile.read(from: url) == other)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test func readErrorsNameTheFile() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.safetensors")
        #expect(kind { _ = try SafeTensorsFile.read(from: missing) } == .io)
        let broken = folder.appendingPathComponent("broken.safetensors")
        try Data([1, 2]).write(to: broken)
        let e = #expect(throws: CheckpointError.self) { try SafeTensorsFile.read(from: broken) }
        #expect(e?.kind == .fileTooShort)
        #expect(e?.message.hasPrefix("broken.safetensors: ") == true)
    }

    @Test func failedWriteLeavesOldFileIntact() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try sample.write(to: url)
        let before = try Data(contentsOf: url)
        let other = SafeTensorsFile(entries: [SafeTensorsEntry(name: "y", shape: [1], values: [9])])

        // Failure injected after the temporary file is complete and synced, just before the rename.
        var hookRan = false
        #expect(throws: InjectedFailure.self) {
            try other.write(to: url, beforeRename: {
                hookRan = true
                // The complete temporary file exists next to the destination at this point.
                let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                #expect(names.count == 2)
                #expect(names.contains { $0.hasPrefix(".model.safetensors.tmp-") })
                throw InjectedFailure()
            })
        }
        #expect(hookRan)
        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])

        // A value that cannot be encoded: nothing is touched.
        let invalid = SafeTensorsFile(entries: [SafeTensorsEntry(name: "y", shape: [3], values: [9])])
        #expect(kind { try invalid.write(to: url) } == .invalidEntry)
        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    /// Real file-system failures that do not depend on permissions (the tests may run as root).
    @Test func fileSystemFailuresCleanUp() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The destination is a folder: rename fails, the folder and its content stay, no temporary remains.
        let dir = folder.appendingPathComponent("model.safetensors", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        try Data([1]).write(to: dir.appendingPathComponent("keep"))
        #expect(kind { try sample.write(to: dir) } == .io)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep"])
        // The folder does not exist.
        let nowhere = folder.appendingPathComponent("no/such/folder/model.safetensors")
        #expect(kind { try sample.write(to: nowhere) } == .io)
    }

    // MARK: Interoperability (run by Scripts/check_safetensors.py, skipped otherwise)

    /// Only when `LMSH_SAFETENSORS_INTEROP_DIR` is set (by `Scripts/check_safetensors.py`, which needs
    /// python3 with numpy and safetensors): writes `lmsh.safetensors` for the reference reader, reads
    /// `reference.safetensors` that the reference writer made, and writes it back as
    /// `roundtrip.safetensors` for the script to compare. The suite never depends on python.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LMSH_SAFETENSORS_INTEROP_DIR"] != nil))
    func interopWithReferenceImplementation() throws {
        let dir = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LMSH_SAFETENSORS_INTEROP_DIR"]))
        try sample.write(to: dir.appendingPathComponent("lmsh.safetensors"))
        let reference = try SafeTensorsFile.read(from: dir.appendingPathComponent("reference.safetensors"))
        #expect(reference.metadata == ["source": "safetensors.numpy"])
        #expect(reference["a"] == SafeTensorsEntry(name: "a", shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
        #expect(reference["half"] == SafeTensorsEntry(name: "half", shape: [3], values: [1, -2, 0.5]))
        #expect(reference["double"] == SafeTensorsEntry(name: "double", shape: [2], values: [0.25, Float(0.1)]))
        #expect(reference["scalar"] == SafeTensorsEntry(name: "scalar", shape: [], values: [7]))
        #expect(reference["empty"] == SafeTensorsEntry(name: "empty", shape: [0, 3], values: []))
        try reference.write(to: dir.appendingPathComponent("roundtrip.safetensors"))
    }

    // MARK: Fuzzing

    /// 2000 seeded random mutations of valid files: every one decodes or throws a `CheckpointError`,
    /// none traps. Half start from a file without checksum so that data mutations can still decode
    /// and reach the value conversion; mutations favour the header, where the parsing is.
    @Test func randomMutationsNeverCrash() throws {
        var rng = RandomSource(seed: 20_240_601)
        let withSum = Array(try sample.encoded())
        let header = #"{"h":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},"#
            + #""__metadata__":{"k":"v\u00e9"},"#
            + #""d":{"dtype":"F64","shape":[1],"data_offsets":[6,14]},"#
            + #""f":{"dtype":"F32","shape":[0,2],"data_offsets":[14,14]}}"#
        let withoutSum = Array(file(header, Array(repeating: 0x3C, count: 14)))
        #expect(try SafeTensorsFile(data: Data(withoutSum)).entries.count == 4)

        let interesting: [UInt8] = Array("{}[],:\"\\0123456789-.eEnulltruefalse ".utf8) + [0x00, 0xFF, 0x80, 0xC3]
        var decoded = 0, thrown = 0
        var kinds = Set<CheckpointError.Kind>()
        for round in 0..<2000 {
            var bytes = round % 2 == 0 ? withSum : withoutSum
            let originalHeaderEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
            let mutations = 1 + rng.nextInt(below: 3)
            for _ in 0..<mutations {
                let headerEnd = min(bytes.count, originalHeaderEnd)
                let inHeader = rng.nextInt(below: 4) != 0 && headerEnd > 8
                let position =
                    bytes.isEmpty ? 0 : (inHeader ? 8 + rng.nextInt(below: headerEnd - 8) : rng.nextInt(below: bytes.count))
                switch rng.nextInt(below: 7) {
                case 0 where !bytes.isEmpty && position < bytes.count:
                    bytes[position] ^= UInt8(1 << rng.nextInt(below: 8))
                case 1 where !bytes.isEmpty && position < bytes.count:
                    bytes[position] = interesting[rng.nextInt(below: interesting.count)]
                case 2:
                    bytes = Array(bytes.prefix(rng.nextInt(below: bytes.count + 1)))
                case 3:
                    let p = min(position, bytes.count)
                    bytes.insert(interesting[rng.nextInt(below: interesting.count)], at: p)
                case 4 where position < bytes.count:
                    let end = min(bytes.count, position + 1 + rng.nextInt(below: 8))
                    bytes.removeSubrange(position..<end)
                case 5 where bytes.count >= 8:
                    // Rewrite the header length.
                    let choices: [UInt64] = [0, 1, 7, UInt64(bytes.count), UInt64(bytes.count - 8), .max, rng.next()]
                    let v = choices[rng.nextInt(below: choices.count)]
                    for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) }
                default:
                    if !bytes.isEmpty && position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            do {
                let f = try SafeTensorsFile(data: Data(bytes))
                // Whatever decodes is consistent and can be written again.
                for e in f.entries { #expect(e.values.count == e.shape.reduce(1, *)) }
                #expect(throws: Never.self) { try f.encoded() }
                decoded += 1
            } catch let e as CheckpointError {
                thrown += 1
                kinds.insert(e.kind)
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        #expect(decoded + thrown == 2000)
        #expect(thrown > 0)
        #expect(decoded > 0)
        #expect(kinds.count >= 8, "mutations reach many checks: \(kinds)")
    }
}
