import Foundation
import Glibc
import Testing

/// Training for many steps does not grow memory. The model trains in its own `lmsh` process (this test
/// process runs other tests in parallel, so its own resident size says nothing): the test reads the
/// child's resident size from /proc/PID/statm after a warm-up cell and for 4 s of a long training cell.
@Suite("Memory")
struct MemoryTests {
    static func residentBytes(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/statm"), "no /proc: memory test skipped"))
    func residentMemoryStaysFlatWhileTraining() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-memory-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let line = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
        try String(repeating: line, count: 400).write(to: dir.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = try #require(EndToEndTests.binary, "the lmsh binary was not built next to the tests")
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["LMSH_HISTORY"] = "/dev/null"
        env["LMSH_SESSIONS"] = dir.appendingPathComponent("sessions").path
        p.environment = env
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Warm-up: the first steps allocate the buffers, the optimizer moments and the caches.
        input.fileHandleForWriting.write(Data("""
            text = corpus("t.txt", val=0.1)
            m = rnn(text, hidden=8)
            train m text steps=300 batch=2 seq=4
            print("WARM")

            """.utf8))
        var seen = ""
        let start = Date()
        while !seen.contains("WARM") && Date().timeIntervalSince(start) < 120 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        try #require(seen.contains("WARM"), "the warm-up did not finish: \(seen.suffix(300))")
        // Far more steps than fit in the few seconds measured (a release binary runs tens of thousands a
        // second, a debug one a few hundred); the child is killed after the measurement.
        input.fileHandleForWriting.write(Data("train m text steps=5000000 batch=2 seq=4\n".utf8))
        input.fileHandleForWriting.closeFile()
        usleep(300_000)
        let baseline = try #require(Self.residentBytes(p.processIdentifier))
        var samples: [Int] = []
        let trainStart = Date()
        while p.isRunning && Date().timeIntervalSince(trainStart) < 4 {
            if let r = Self.residentBytes(p.processIdentifier) { samples.append(r) }
            usleep(100_000)
        }
        let seconds = Date().timeIntervalSince(trainStart)
        let peak = samples.max() ?? baseline
        let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1_048_576) }
        print("Memory: resident \(mb(baseline)) after warm-up, peak \(mb(peak)) over \(samples.count) samples in \(String(format: "%.1f", seconds)) s of training")
        #expect(samples.count >= 5, "training ended too soon to measure (\(seconds) s)")
        // Flat: a few MB of slack for the allocator, the checkpoint the autosave writes, and output buffers.
        #expect(peak - baseline < 24 << 20, "resident memory grew from \(mb(baseline)) to \(mb(peak))")
        // Growth over the second half against the first: a leak grows steadily.
        if samples.count >= 10 {
            let half = samples.count / 2
            let early = samples[..<half].max() ?? 0, late = samples[half...].max() ?? 0
            #expect(late - early < 8 << 20, "resident memory kept growing: \(mb(early)) → \(mb(late))")
        }
    }
}
