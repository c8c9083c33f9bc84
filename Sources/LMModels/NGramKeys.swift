/// Turns a run of symbol ids into a dictionary key. Runs of different lengths live in different
/// tables, so a key only has to be unique among runs of one length.
protocol NGramKeyPacker: Sendable {
    associatedtype Key: Hashable & Sendable
    /// The key of `context` followed by `last` (when given).
    func key(_ context: ArraySlice<Int32>, then last: Int32?) -> Key
    /// The key of `symbol` followed by the run `key` of length `length`.
    func prepend(_ symbol: Int32, to key: Key, length: Int) -> Key
    /// The run `key` of length `length` without its first (oldest) symbol.
    func dropFirst(_ key: Key, length: Int) -> Key
    /// The run `key` without its last symbol (an n-gram's context).
    func dropLast(_ key: Key) -> Key
}

/// Runs packed as the digits of a base-`vocabularySize` number, oldest symbol most significant: one
/// `UInt64` hashes and compares far faster than an array. Usable when `vocabularySize^order` fits in
/// 64 bits (order 6 with up to 1625 symbols, order 10 with up to 84).
struct PackedKeys: NGramKeyPacker {
    let base: UInt64
    /// `base^i` for `i` in `0...order`.
    let powers: [UInt64]

    /// Nil when runs of `maxLength` symbols do not fit in 64 bits.
    init?(vocabularySize: Int, maxLength: Int) {
        let base = UInt64(max(vocabularySize, 1))
        var powers: [UInt64] = [1]
        for _ in 0..<maxLength {
            let (p, overflow) = powers[powers.count - 1].multipliedReportingOverflow(by: base)
            if overflow { return nil }
            powers.append(p)
        }
        self.base = base
        self.powers = powers
    }

    @inline(__always) func key(_ context: ArraySlice<Int32>, then last: Int32?) -> UInt64 {
        var k: UInt64 = 0
        for s in context { k = k &* base &+ UInt64(UInt32(bitPattern: s)) }
        if let last { k = k &* base &+ UInt64(UInt32(bitPattern: last)) }
        return k
    }

    @inline(__always) func prepend(_ symbol: Int32, to key: UInt64, length: Int) -> UInt64 {
        key &+ UInt64(UInt32(bitPattern: symbol)) &* powers[length]
    }

    @inline(__always) func dropFirst(_ key: UInt64, length: Int) -> UInt64 {
        key % powers[length - 1]
    }

    @inline(__always) func dropLast(_ key: UInt64) -> UInt64 { key / base }
}

/// The fallback for vocabularies and orders too large to pack: the run itself is the key. Slower
/// (an allocation per key) but correct for any vocabulary and order.
struct ArrayKeys: NGramKeyPacker {
    func key(_ context: ArraySlice<Int32>, then last: Int32?) -> [Int32] {
        var k = Array(context)
        if let last { k.append(last) }
        return k
    }

    func prepend(_ symbol: Int32, to key: [Int32], length: Int) -> [Int32] { [symbol] + key }

    func dropFirst(_ key: [Int32], length: Int) -> [Int32] { Array(key.dropFirst()) }

    func dropLast(_ key: [Int32]) -> [Int32] { Array(key.dropLast()) }
}
