import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UTF-8 text file larger than memory: the vocabulary is built in one pass that reads the file in chunks
/// (validating it and recording where every 1024th symbol starts when it is not all ASCII), and the ids are
/// decoded from a memory map when a batch asks for them, so nothing per symbol is kept. The pages a batch has
/// read are given back (`madvise(MADV_DONTNEED)`): a mapped file's pages count as the process's resident
/// memory once touched, and for a read-only private map giving them back only costs a page-cache lookup.
public final class MappedText: @unchecked Sendable {
    /// Files at least this large are mapped by `Corpus(contentsOfFile:)` rather than read.
    public static let defaultThreshold = 256 << 20
    /// Symbols between two recorded byte offsets (for texts that are not all ASCII).
    static let stride = 1024
    public static let chunk = 16 << 20

    public let path: String
    public let vocabulary: Vocabulary
    /// Number of symbols (Unicode scalars).
    public let count: Int
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    /// Byte offset of every `stride`-th symbol; nil when every byte is an ASCII symbol (symbol i is byte i).
    let offsets: [Int]?
    let asciiIDs: [Int32]

    /// `chunk`: bytes read at a time by the pass (small in tests, so symbols straddle the chunks).
    public init(path: String, chunk: Int = MappedText.chunk) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CorpusError("corpus: cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CorpusError("corpus: cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size > 0 else { throw CorpusError("corpus: \(path) is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CorpusError("corpus: cannot map \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = UnsafePointer<UInt8>(p.assumingMemoryBound(to: UInt8.self))
        // ASCII bytes seen (a flag each: one store per byte, no branch), other scalars in a set.
        let seen = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)
        seen.initialize(repeating: 0, count: 128)
        defer { seen.deallocate() }
        var others = Set<UInt32>()
        var offsets: [Int] = []
        offsets.reserveCapacity(size / Self.stride + 1)
        var symbols = 0, i = 0
        // The message reads the bytes (lines are counted only for it), so it is made before the map goes.
        func bad(_ at: Int) -> CorpusError {
            var line = 1
            for k in 0..<at where bytes[k] == 0x0A { line += 1 }
            let e = CorpusError("corpus: \(path) is not UTF-8 text: invalid byte 0x" + String(bytes[at], radix: 16, uppercase: true)
                        + " at byte offset \(at) (line \(line))")
            munmap(p, size)
            return e
        }
        // One pass, front to back, read in chunks (the kernel's readahead serves read() better than faults on
        // the map, and nothing of it stays resident); the map is for the batches.
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        let chunk = Swift.max(8, chunk)
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buf.deallocate() }
        var start = 0, have = 0, eof = false  // buf holds file bytes start ..< start + have; i indexes buf
        while true {
            if have - i < 8 && !eof {
                let left = have - i
                if left > 0 { memmove(buf, buf + i, left) }
                (start, have, i) = (start + i, left, 0)
                while have < chunk && !eof {
                    let n = pread(fd, buf + have, chunk - have, off_t(start + have))
                    if n < 0 && errno == EINTR { continue }
                    guard n >= 0 else {
                        munmap(p, size)
                        throw CorpusError("corpus: cannot read \(path): \(String(cString: strerror(errno)))")
                    }
                    if n == 0 { eof = true } else { have += n }
                }
            }
            guard i < have else { break }
            // Eight ASCII bytes at a time (most of most texts).
            if i + 8 <= have {
                let w = UnsafeRawPointer(buf + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 {
                    for k in 0..<8 { seen[Int(truncatingIfNeeded: w >> (8 * UInt64(k))) & 0x7F] = 1 }
                    let next = (symbols + Self.stride - 1) / Self.stride * Self.stride
                    if next < symbols + 8 { offsets.append(start + i + next - symbols) }
                    symbols += 8
                    i += 8
                    continue
                }
            }
            if symbols % Self.stride == 0 { offsets.append(start + i) }
            let b = buf[i]
            if b < 0x80 {
                seen[Int(b)] = 1
                i += 1
            } else {
                let n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0
                guard n > 0, b <= 0xF4, i + n <= have else { throw bad(start + i) }
                var v = UInt32(b) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
                for k in 1..<n {
                    let c = buf[i + k]
                    guard c & 0xC0 == 0x80 else { throw bad(start + i) }
                    v = v << 6 | UInt32(c & 0x3F)
                }
                // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
                guard (n != 3 || v >= 0x800), (n != 4 || (v >= 0x10000 && v <= 0x10FFFF)), !(0xD800...0xDFFF).contains(v) else {
                    throw bad(start + i)
                }
                others.insert(v)
                i += n
            }
            symbols += 1
        }
        guard symbols > 1 else {
            munmap(p, size)
            throw CorpusError("corpus: \(path) holds a single character; a language model needs at least two (one to read, one to predict)")
        }
        let scalars = (0..<128).filter { seen[$0] != 0 }.compactMap { Unicode.Scalar(UInt32($0)) } + others.compactMap(Unicode.Scalar.init)
        let vocab = Vocabulary(scalars: scalars)
        vocabulary = vocab
        asciiIDs = (0..<128).map { vocab.id(of: Unicode.Scalar(UInt8($0))) ?? -1 }
        self.offsets = others.isEmpty ? nil : offsets
        self.path = path
        self.count = symbols
        self.base = p
        self.byteCount = size
    }

    deinit { munmap(base, byteCount) }

    var bytes: UnsafePointer<UInt8> { UnsafePointer(base.assumingMemoryBound(to: UInt8.self)) }

    /// The scalar at byte `i` and its length in bytes (the file was validated when mapped).
    @inline(__always) func scalar(at i: Int) -> (UInt32, Int) {
        let b = bytes[i]
        if b < 0x80 { return (UInt32(b), 1) }
        let n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        var v = UInt32(b) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
        for k in 1..<n { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
        return (v, n)
    }

    /// Appends the ids of symbols `start ..< start + n` to `out`; returns the bytes read (to release).
    @discardableResult
    func read(from start: Int, count n: Int, into out: inout [Int32]) -> Range<Int> {
        guard let offsets else {
            for j in start..<(start + n) { out.append(asciiIDs[Int(bytes[j])]) }
            return start..<(start + n)
        }
        var i = offsets[start / Self.stride]
        for _ in 0..<(start % Self.stride) { i += scalar(at: i).1 }
        let first = i
        for _ in 0..<n {
            let (v, len) = scalar(at: i)
            out.append(v < 128 ? asciiIDs[Int(v)] : (Unicode.Scalar(v).flatMap { vocabulary.id(of: $0) } ?? 0))
            i += len
        }
        return first..<i
    }

    /// Gives back the pages of `bytes` (they are re-read from the page cache when needed again).
    func release(_ bytes: Range<Int>) {
        let lo = bytes.lowerBound & ~4095, hi = Swift.min(byteCount, bytes.upperBound)
        if hi > lo { madvise(base + lo, hi - lo, MADV_DONTNEED) }
    }

    /// The id of symbol `i`.
    func id(at i: Int) -> Int32 {
        var out: [Int32] = []
        let r = read(from: i, count: 1, into: &out)
        release(r)
        return out[0]
    }
}

/// One part of a split of a mapped text: its pieces as ranges of symbols, each with the symbol that follows
/// it (as `CorpusSplit.followers`), read when a batch needs them.
public struct MappedPieces: Sendable, Equatable {
    public let text: MappedText
    public let ranges: [Range<Int>]
    public let followers: [Int32]
    /// Where each piece starts in the part's concatenation.
    let starts: [Int]
    public let count: Int

    init(text: MappedText, ranges: [Range<Int>], kept: Int) {
        self.text = text
        self.ranges = ranges
        followers = ranges.map { text.id(at: $0.upperBound < kept ? $0.upperBound : 0) }
        var s: [Int] = [], total = 0
        for r in ranges { s.append(total); total += r.count }
        starts = s
        count = total
    }

    public static func == (a: MappedPieces, b: MappedPieces) -> Bool { a.text === b.text && a.ranges == b.ranges }

    /// Inputs and targets of positions `start ..< start + n` of the concatenation (targets as the batcher's:
    /// the next symbol, or the piece's follower at its end).
    func window(from start: Int, count n: Int, inputs: inout [Int32], targets: inout [Int32]) {
        var p = start
        while p < start + n {
            // The piece holding position p (pieces are few: the batch's streams at most).
            var k = starts.count - 1
            while starts[k] > p { k -= 1 }
            let offset = p - starts[k], take = Swift.min(start + n - p, ranges[k].count - offset)
            let from = ranges[k].lowerBound + offset
            let atEnd = offset + take == ranges[k].count
            var ids: [Int32] = []
            ids.reserveCapacity(take + 1)
            let touched = text.read(from: from, count: atEnd ? take : take + 1, into: &ids)
            text.release(touched)
            inputs.append(contentsOf: ids[0..<take])
            targets.append(contentsOf: ids[1..<take])
            targets.append(atEnd ? followers[k] : ids[take])
            p += take
        }
    }

    /// The first `n` symbols (for inspection verbs given a split).
    public func prefix(_ n: Int) -> [Int32] {
        var inputs: [Int32] = [], targets: [Int32] = []
        window(from: 0, count: Swift.min(n, count), inputs: &inputs, targets: &targets)
        return inputs
    }
}
