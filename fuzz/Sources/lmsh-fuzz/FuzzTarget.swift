import Foundation
import LMHarness
import LMShell

/// libFuzzer's entry point: the bytes are decoded as UTF-8 (invalid bytes become U+FFFD, as a terminal
/// would show them) and run twice in fresh interpreters with tight limits: as a script (cell by cell)
/// and as one pasted cell. Any error that is not a positioned, one-line `ShellError` aborts, so libFuzzer
/// records the input as a crash; a trap anywhere does the same by itself.
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let harness = FuzzState.harness else { return 0 }
    for asOneCell in [false, true] {
        let outcome = harness.run(text, asOneCell: asOneCell)
        if let first = outcome.violations.first {
            FileHandle.standardError.write(Data("lmsh-fuzz: \(first)\n".utf8))
            abort()
        }
    }
    return 0
}

/// One working folder (with the small corpus) for the whole run, made on first use.
enum FuzzState {
    nonisolated(unsafe) static let harness: HostileInput? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-fuzz-\(getpid())")
        var h = try? HostileInput(directory: dir)
        h?.secondsPerCell = 0.2
        h?.maxCells = 32
        return h
    }()
}
