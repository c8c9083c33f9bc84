import LMCore
/// Element types lmsh reads. Every one becomes Float: F32 exactly, F16 and BF16 exactly (both are
/// subsets of float32), F64 rounded to nearest.
enum SafeTensorsDType: String, Sendable {
    case F64, F32, F16, BF16

    /// Dtypes the safetensors format defines that lmsh does not convert: a file using them is valid
    /// but not a float checkpoint, which deserves a different message from a misspelt dtype.
    static let unsupported: Set<String> = [
        "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64",
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
    ]

    var size: Int {
        switch self {
        case .F64: 8
        case .F32: 4
        case .F16, .BF16: 2
        }
    }

    /// Converts `count` little-endian elements; `bytes.count == count * size` (checked by the layout).
    func floats(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        guard count > 0, bytes.count >= count * size else { return [] }
        switch self {
        case .F32:
            #if _endian(little)
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<count * 4]))
                initialized = count
            }
            #else
            return (0..<count).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
            #endif
        case .F64:
            return (0..<count).map {
                Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))))
            }
        case .BF16:
            return (0..<count).map {
                let h = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))
                return Float(bitPattern: UInt32(h) << 16)
            }
        case .F16:
            return (0..<count).map {
                Self.halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))
            }
        }
    }

    /// IEEE binary16 to binary32 by bits (Swift's `Float16` is not available on every platform lmsh
    /// builds for, e.g. macOS on Intel).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)  // inf or NaN (payload kept)
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
        }
    }
}

/// A header entry once its types are checked and its offsets are known to fit the data section.
struct SafeTensorsTensorInfo {
    var name: String
    var dtype: SafeTensorsDType
    var shape: [Int]
    /// Number of elements (the product of `shape`).
    var count: Int
    /// Byte range within the data section.
    var begin: Int
    var end: Int
}

/// The validated structure of a safetensors file: header parsed, every entry checked, the data
/// section proven to be exactly tiled by the tensors. Only after this are any tensor bytes read, and
/// all reads are inside ranges checked here.
struct SafeTensorsLayout {
    var dataStart: Int
    var metadata: [String: String]
    /// In data-section order.
    var tensors: [SafeTensorsTensorInfo]

    init(_ raw: UnsafeRawBufferPointer) throws {
        // Framing. The length is checked against the bound before the file size, as the reference does,
        // so that an absurd length is reported as such.
        guard raw.count >= 8 else {
            throw CheckpointError(.fileTooShort, "file is \(raw.count) bytes, shorter than the 8-byte header length")
        }
        let n = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard n <= UInt64(SafeTensorsFile.maxHeaderLength) else {
            throw CheckpointError(
                .headerTooLarge, "header length \(n) is over the \(SafeTensorsFile.maxHeaderLength)-byte limit")
        }
        let headerLength = Int(n)  // ≤ 100 MB: fits
        guard headerLength <= raw.count - 8 else {
            throw CheckpointError(
                .headerBeyondFile,
                "header length \(headerLength) runs past the end of the file (\(raw.count - 8) bytes follow it)")
        }
        dataStart = 8 + headerLength
        let dataLength = raw.count - dataStart

        // Header text.
        let headerBytes = Array(raw[8..<dataStart])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw CheckpointError(.headerNotUTF8, "header is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes)
        } catch {
            throw CheckpointError(.headerInvalidJSON, "header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = json else {
            throw CheckpointError(.headerNotObject, "header is \(json.kindName), not a JSON object")
        }

        // Entries.
        var metadata: [String: String]?
        var infos: [SafeTensorsTensorInfo] = []
        var names = Set<String>()
        for (key, value) in members {
            guard names.insert(key).inserted else {
                throw CheckpointError(.duplicateName, "header names \(JSONWriter.quoted(key)) twice")
            }
            if key == "__metadata__" {
                metadata = try Self.metadata(value)
            } else {
                infos.append(try Self.entry(key, value))
            }
        }
        self.metadata = metadata ?? [:]

        // Data layout: each range inside the section and of the right size …
        for t in infos {
            let place = "tensor \(JSONWriter.quoted(t.name)): data_offsets [\(t.begin), \(t.end)]"
            guard t.begin <= t.end else {
                throw CheckpointError(.offsetsReversed, "\(place) end before begin")
            }
            guard t.end <= dataLength else {
                throw CheckpointError(
                    .offsetsOutOfBounds, "\(place) go past the end of the \(dataLength)-byte data section")
            }
            let bytes = t.count * t.dtype.size  // checked for overflow in `entry`
            guard t.end - t.begin == bytes else {
                throw CheckpointError(
                    .sizeMismatch,
                    "\(place) hold \(t.end - t.begin) bytes but shape \(t.shape) of \(t.dtype.rawValue) needs \(bytes)")
            }
        }
        // … and together the ranges tile the section exactly, as the reference requires.
        let order = infos.indices.sorted {
            (infos[$0].begin, infos[$0].end, $0) < (infos[$1].begin, infos[$1].end, $1)
        }
        var cursor = 0
        var previous: String?
        for i in order {
            let t = infos[i]
            if t.begin < cursor {
                throw CheckpointError(
                    .overlappingTensors,
                    "tensor \(JSONWriter.quoted(t.name)) (bytes \(t.begin)..<\(t.end)) overlaps "
                        + "tensor \(JSONWriter.quoted(previous ?? "")) (which ends at \(cursor))")
            }
            if t.begin > cursor {
                throw CheckpointError(
                    .gapInData,
                    "data bytes \(cursor)..<\(t.begin) belong to no tensor (before \(JSONWriter.quoted(t.name)))")
            }
            cursor = t.end
            previous = t.name
        }
        guard cursor == dataLength else {
            throw CheckpointError(
                .trailingBytes, "\(dataLength - cursor) bytes after the last tensor belong to no tensor")
        }
        tensors = order.map { infos[$0] }
    }

    private static func metadata(_ value: JSONValue) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw CheckpointError(.invalidMetadata, "__metadata__ is \(value.kindName), not an object")
        }
        var out: [String: String] = [:]
        for (key, v) in members {
            guard case .string(let s) = v else {
                throw CheckpointError(
                    .invalidMetadata, "__metadata__ value for \(JSONWriter.quoted(key)) is \(v.kindName), not a string")
            }
            guard out.updateValue(s, forKey: key) == nil else {
                throw CheckpointError(.invalidMetadata, "__metadata__ has the key \(JSONWriter.quoted(key)) twice")
            }
        }
        return out
    }

    private static func entry(_ name: String, _ value: JSONValue) throws -> SafeTensorsTensorInfo {
        let label = "tensor \(JSONWriter.quoted(name))"
        guard case .object(let members) = value else {
            throw CheckpointError(.wrongFieldType, "\(label) is \(value.kindName), not an object")
        }
        var fields: [String: JSONValue] = [:]
        for (key, v) in members {
            // Unknown fields are ignored, as the reference reader does; repeated ones are ambiguous.
            guard fields.updateValue(v, forKey: key) == nil else {
                throw CheckpointError(.wrongFieldType, "\(label) has the field \(JSONWriter.quoted(key)) twice")
            }
        }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields[key] else {
                throw CheckpointError(.missingField, "\(label) has no \"\(key)\"")
            }
            return v
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw CheckpointError(.wrongFieldType, "\(label): dtype is \(try field("dtype").kindName), not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            if SafeTensorsDType.unsupported.contains(dtypeName) {
                throw CheckpointError(
                    .unsupportedDType, "\(label): dtype \(dtypeName) is not supported (lmsh reads F32, F16, BF16, F64)")
            }
            throw CheckpointError(.unknownDType, "\(label): unknown dtype \(JSONWriter.quoted(dtypeName))")
        }

        guard case .array(let dims) = try field("shape") else {
            throw CheckpointError(.wrongFieldType, "\(label): shape is \(try field("shape").kindName), not an array")
        }
        var shape: [Int] = []
        for d in dims {
            switch d.integerReading {
            case .value(let v): shape.append(v)
            case .negative: throw CheckpointError(.negativeDimension, "\(label): negative dimension in shape")
            case .tooLarge: throw CheckpointError(.sizeOverflow, "\(label): a shape dimension is too large")
            case .notInteger:
                throw CheckpointError(.wrongFieldType, "\(label): shape holds \(d.kindName), not only integers")
            }
        }
        // Multiplied left to right with overflow checks, like the reference (so [2^40, 2^40, 0]
        // is an overflow even though the product is 0).
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw CheckpointError(.sizeOverflow, "\(label): shape \(shape) overflows") }
            count = p
        }
        guard !count.multipliedReportingOverflow(by: dtype.size).overflow else {
            throw CheckpointError(.sizeOverflow, "\(label): shape \(shape) of \(dtypeName) overflows in bytes")
        }

        guard case .array(let offsets) = try field("data_offsets") else {
            throw CheckpointError(
                .wrongFieldType, "\(label): data_offsets is \(try field("data_offsets").kindName), not an array")
        }
        guard offsets.count == 2 else {
            throw CheckpointError(.wrongFieldType, "\(label): data_offsets has \(offsets.count) numbers, not 2")
        }
        var bounds: [Int] = []
        for o in offsets {
            switch o.integerReading {
            case .value(let v): bounds.append(v)
            case .negative, .tooLarge:
                throw CheckpointError(.offsetsOutOfBounds, "\(label): data_offsets outside the data section")
            case .notInteger:
                throw CheckpointError(.wrongFieldType, "\(label): data_offsets holds \(o.kindName), not integers")
            }
        }
        return SafeTensorsTensorInfo(
            name: name, dtype: dtype, shape: shape, count: count, begin: bounds[0], end: bounds[1])
    }
}
