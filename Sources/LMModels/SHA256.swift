import Crypto
import Foundation

/// SHA-256 as lmsh uses it (checkpoint checksums, session checkpoints, trusted files), computed by
/// swift-crypto, a well-kept library, rather than by a hash of our own: streaming `update`/`finalize`,
/// and the usual 64-hex-digit spelling.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// The digest of one whole message.
    public static func hash(_ data: some DataProtocol) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: data))
    }

    /// The digest as 64 lowercase hexadecimal digits (the usual `sha256sum` spelling).
    public static func hexDigest(_ data: some DataProtocol) -> String {
        hex(hash(data))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    public mutating func update(_ data: some DataProtocol) {
        hasher.update(data: data)
    }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }
}
