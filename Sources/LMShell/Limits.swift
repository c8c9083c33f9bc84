import Foundation
import LMCore
import LMModels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one cell may use. Every limit is checked before the work or the allocation it guards, and going
/// over it is a positioned `ShellError`, so the session goes on.
///
/// The shell's defaults are generous (a student's real work never meets them); the fuzzer and the property
/// tests set tight ones so that every cell stays fast. `LMSH_MEMORY_BUDGET` (bytes, or with a suffix
/// `K`, `M`, `G`: `LMSH_MEMORY_BUDGET=512M`) lowers the largest tensor a cell may make.
public struct Limits: Sendable, Equatable {
    /// The most elements (float32) one tensor made by a cell may hold; nil keeps `Shape.elementBudget`.
    public var elements: Int?
    /// The most expression nodes one cell may evaluate (user functions can branch: `def f(x) = f(x) + f(x)`
    /// would otherwise run for ever). Ctrl-C is also checked every few thousand nodes.
    public var evaluations: Int = 100_000_000
    /// The most training steps one `train` cell may ask for.
    public var trainSteps: Int = Trainer.maxSteps
    /// The most characters one `sample` cell may ask for.
    public var sampleLength: Int = SampleSettings.maxLength
    /// When set, every `train` runs at most this many steps instead of failing (`LMSH_STEP_CAP`: the
    /// README's commands are run by a test this way, and a quick look at a long script needs no editing).
    public var stepCap: Int?

    public init(elements: Int? = nil, evaluations: Int = 100_000_000, trainSteps: Int = Trainer.maxSteps,
                sampleLength: Int = SampleSettings.maxLength) {
        self.elements = elements
        self.evaluations = evaluations
        self.trainSteps = trainSteps
        self.sampleLength = sampleLength
    }

    /// Tight limits for fuzzing and property tests: small tensors, short training and sampling.
    public static let tight = Limits(elements: 1 << 16, evaluations: 20_000, trainSteps: 3, sampleLength: 40)

    /// The defaults, with `elements` from `LMSH_MEMORY_BUDGET` when it is set and valid.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Limits {
        var l = Limits()
        if let text = env["LMSH_MEMORY_BUDGET"], let bytes = parseBytes(text) {
            l.elements = max(1, bytes / MemoryLayout<Float>.stride)
        }
        if let text = env["LMSH_STEP_CAP"], let cap = Int(text), cap >= 0 { l.stepCap = cap }
        return l
    }

    /// `"1000"`, `"64K"`, `"512M"`, `"2G"` (powers of 1024) as bytes; nil when malformed or absurd.
    public static func parseBytes(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("B") { t.removeLast() }
        var scale = 1
        if let last = t.last, let s = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40][String(last)] {
            scale = s
            t.removeLast()
        }
        guard let n = Int(t), n > 0 else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }

    /// Runs `body` with the element budget lowered to `elements` (for this task only: other tasks and
    /// threads keep theirs).
    func scoped<T>(_ body: () throws -> T) rethrows -> T {
        guard let elements else { return try body() }
        return try Shape.$scopedElementBudget.withValue(elements, operation: body)
    }
}

extension Interpreter {
    /// Counts one evaluated expression node against `limits.evaluations`; every 4096 nodes also polls
    /// Ctrl-C (`shouldStop`), so a runaway recursion can be stopped like a training run.
    func countEvaluation(at loc: SourceLocation) throws {
        evaluations += 1
        if evaluations > configuration.limits.evaluations {
            throw ShellError("the cell evaluated more than \(configuration.limits.evaluations) expressions", at: loc,
                             hint: "a function that calls itself more than once per call grows exponentially")
        }
        if StackGuard.here() < stackFloor {
            throw ShellError("the cell nests too deeply for the stack", at: loc,
                             hint: "a function whose body is deeply nested cannot also call itself deeply; split the body into functions")
        }
        if evaluations & 4095 == 0 && shouldStop() {
            throw ShellError("interrupted", at: loc, hint: "Ctrl-C stopped the cell before it finished")
        }
    }

    /// `steps` for `train`, checked against `limits.trainSteps`.
    func checkTrainSteps(_ steps: Int, at loc: SourceLocation) throws {
        guard steps >= 0 && steps <= configuration.limits.trainSteps else {
            throw ShellError("steps must be in 0...\(configuration.limits.trainSteps)", at: loc)
        }
    }

    /// A `sample` length, checked against `limits.sampleLength`.
    func checkSampleLength(_ length: Int, at loc: SourceLocation) throws {
        guard length >= 0 && length <= configuration.limits.sampleLength else {
            throw ShellError("sample length must be in 0...\(configuration.limits.sampleLength), got \(length)", at: loc)
        }
    }
}

extension Limits {
    /// Checks, before anything is allocated, that one window of `batch × seq` through `config` fits the
    /// element budget: per step every layer keeps its gate activations and states (at most 6·hidden
    /// values per stream), and the decoder its logits (vocabulary size). The window's batch and seq are
    /// at most the corpus size, so an absurd batch or seq meets this check or the corpus's size first.
    static func checkWindow(_ config: ModelConfig, batch: Int, seq: Int, op: String, at loc: SourceLocation) throws {
        try at(loc) {
            let perStep = config.layers.multipliedReportingOverflow(by: 6 * config.hidden)
            let (width, overflow) = perStep.partialValue.addingReportingOverflow(config.vocabSize)
            guard !perStep.overflow && !overflow else { throw TensorError("\(op): the model is too large") }
            _ = try Shape.count([batch, seq, width], op: "\(op) (batch × seq × activations per symbol)")
        }
    }
}

extension Interpreter {
    /// `resolve(path)`, refusing paths outside the base directory when `confinePaths` is set.
    func resolvePath(_ path: String, for use: FileAccess.Use, at loc: SourceLocation) throws -> URL {
        if configuration.confinePaths {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.hasPrefix("/"), !path.hasPrefix("~"), !parts.contains(".."), !path.contains("\0") else {
                throw ShellError("path \"\(path)\" leads outside this session's folder", at: loc,
                                 hint: "name a file inside \(configuration.baseDirectory.path)")
            }
        }
        guard !path.isEmpty, !path.contains("\0") else {
            throw ShellError(path.isEmpty ? "empty file path" : "a file path cannot hold a NUL character", at: loc)
        }
        let url = resolve(path)
        try checkAccess(url, for: use, path, at: loc)
        return url
    }
}

/// The lowest stack address the tree walker may reach on the current thread: the stack's end plus a
/// margin for the builtins a deep call may still run. Depth limits on calls and on expressions each
/// hold, but together (a function with a 150-deep body calling itself 200 times) they can still need
/// more stack than a thread has, so `eval` also checks how much is left.
enum StackGuard {
    static func floor() -> UInt {
        #if canImport(Glibc)
        // pthread_getattr_np needs _GNU_SOURCE, which the Glibc module does not define: look it up.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> CInt
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return 0 }
        let getattr = unsafeBitCast(symbol, to: GetAttr.self)
        var attr = pthread_attr_t()
        guard getattr(pthread_self(), &attr) == 0 else { return 0 }
        defer { pthread_attr_destroy(&attr) }
        var base: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &base, &size) == 0, let base else { return 0 }
        return UInt(bitPattern: base) + UInt(min(1 << 20, size / 4))
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return top - size + min(1 << 20, size / 4)
        #else
        return 0
        #endif
    }

    /// An address in the caller's frame.
    @inline(never)
    static func here() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }
}
