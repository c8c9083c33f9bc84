/// Why a checkpoint could not be read or written.
///
/// `kind` tells the cases apart (tests and callers match on it); `message` says what was wrong and
/// where, in words a student can act on (`tensor "rnn.weight_ih_l0": data_offsets [0, 12] hold 12
/// bytes but shape [4, 4] of F32 needs 64`).
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        // Framing
        /// Fewer than the 8 bytes of the header length.
        case fileTooShort
        /// The header length is above `SafeTensorsFile.maxHeaderLength`.
        case headerTooLarge
        /// The header length runs past the end of the file.
        case headerBeyondFile
        // Header text
        /// The header bytes are not UTF-8.
        case headerNotUTF8
        /// The header is not well-formed JSON.
        case headerInvalidJSON
        /// The header is JSON but not an object.
        case headerNotObject
        // Entries
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
        case missingField
        /// A tensor entry or one of its fields has the wrong JSON type (or a field is repeated).
        case wrongFieldType
        /// A dtype that safetensors does not define.
        case unknownDType
        /// A safetensors dtype that lmsh cannot turn into Float (integers, bool, 8-bit floats, complex).
        case unsupportedDType
        /// A negative shape dimension.
        case negativeDimension
        /// An element or byte count that does not fit in an `Int`.
        case sizeOverflow
        /// The same tensor name twice in one header.
        case duplicateName
        /// `__metadata__` is not an object of strings to strings.
        case invalidMetadata
        // Data layout
        /// `data_offsets` with begin after end.
        case offsetsReversed
        /// A tensor whose bytes overlap another's.
        case overlappingTensors
        /// Bytes between two tensors that belong to none.
        case gapInData
        /// `data_offsets` pointing past the end of the data section.
        case offsetsOutOfBounds
        /// `data_offsets` spanning a different number of bytes than shape × dtype size.
        case sizeMismatch
        /// Bytes after the last tensor.
        case trailingBytes
        /// The `lmsh.sha256` metadata does not match the data section.
        case checksumMismatch
        // Writing
        /// A `SafeTensorsEntry` that cannot be encoded (value count against shape, reserved name).
        case invalidEntry
        /// The file system refused (open, write, sync, rename).
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "checkpoint: \(message)" }
}
