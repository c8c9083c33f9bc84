import Foundation
import Glibc
import LMModels
import Testing
@testable import LMShell

/// Faults on the real binary: SIGKILL in the middle of training (and a killed training resumed from its
/// `checkpoint_every` checkpoint), a full disk while saving, Ctrl-C during
/// `train`, `sample` and `eval`. (An altered checkpoint on replay is `EndToEndTests.saveReplayVerifyAndTamperDetection`.)
@Suite("Faults", .serialized)
struct FaultTests {
    /// lmsh at a prompt in `dir` with its autosave in `sessions`, reading cells from the returned pipe.
    static func startShell(in dir: URL, sessions: URL) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = try #require(EndToEndTests.binary, "the lmsh binary was not built next to the tests")
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["LMSH_HISTORY"] = "/dev/null"
        env["LMSH_SESSIONS"] = sessions.path
        p.environment = env
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, input)
    }

    static func folder(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-fault-\(tag)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let line = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
        try String(repeating: line, count: 300).write(to: dir.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        return dir
    }

    static func waitUntil(_ seconds: Double, _ ready: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if ready() { return true }
            usleep(50_000)
        }
        return ready()
    }

    @Test("SIGKILL during a training cell: the autosave keeps every finished cell and the last checkpoint loads")
    func killDuringTraining() throws {
        let dir = try Self.folder("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sessions = dir.appendingPathComponent("sessions")
        let (p, input) = try Self.startShell(in: dir, sessions: sessions)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let finished = """
            text = corpus("t.txt", val=0.1, batch=4, seq=8)
            m = lstm(text, hidden=16, layers=1)
            train m text steps=5 batch=4 seq=8

            """
        input.fileHandleForWriting.write(Data(finished.utf8))
        // Wait for the third cell (and its checkpoint line) in the autosave file.
        func autosave() -> URL? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? []
            return names.first { $0.hasPrefix("autosave-") && $0.hasSuffix(".lmsh") }.map { sessions.appendingPathComponent($0) }
        }
        let recorded = Self.waitUntil(60) {
            guard let url = autosave(), let text = try? String(contentsOf: url, encoding: .utf8) else { return false }
            return text.contains("#@ checkpoint m ")
        }
        try #require(recorded, "the autosave never recorded the training cell")
        // A long training cell, killed while it runs.
        input.fileHandleForWriting.write(Data("train m text steps=1000000 batch=4 seq=8\n".utf8))
        usleep(1_500_000)
        #expect(p.isRunning, "lmsh ended before it was killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)

        let url = try #require(autosave())
        let record = SessionRecord.parse(try String(contentsOf: url, encoding: .utf8))
        #expect(record.cells.map(\.source) == ["text = corpus(\"t.txt\", val=0.1, batch=4, seq=8)",
                                               "m = lstm(text, hidden=16, layers=1)", "train m text steps=5 batch=4 seq=8"])
        let checkpoint = try #require(record.cells.last?.checkpoints.first)
        let file = url.deletingLastPathComponent().appendingPathComponent(checkpoint.path)
        #expect(try SessionRecorder.sha256(of: file) == checkpoint.sha256)
        let (model, info, _) = try ModelCheckpoint.load(from: file)
        #expect(model.config.hidden == 16 && info.step == 5)
        // And the session replays from it.
        let replay = try EndToEndTests.run(["replay", url.path], cwd: dir, sessions: sessions)
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        #expect(replay.stdout.contains("1 restored from checkpoints"), "\(replay.stdout)")
    }

    @Test("SIGKILL after 500 of 2,000 steps (checkpoint_every=100): replay resumes there and ends as an unbroken run")
    func killedTrainingResumesExactly() throws {
        let dir = try Self.folder("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Words in a pseudo-random order, so the loss stays well above zero for the whole run (about 3 s).
        let words = ["the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "to", "it", "First", "Citizen:"]
        var x: UInt32 = 12345, text = ""
        for _ in 0..<4000 {
            x = x &* 1_103_515_245 &+ 12345
            text += words[Int(x >> 16) % words.count] + ((x >> 8) % 7 == 0 ? "\n" : " ")
        }
        try text.write(to: dir.appendingPathComponent("w.txt"), atomically: true, encoding: .utf8)
        let setup = """
            text = corpus("w.txt", val=0.1, batch=8, seq=16)
            m = lstm(text, hidden=16, layers=1)

            """
        let training = "train m text steps=2000 batch=8 seq=16 checkpoint_every=100"
        func autosave(_ sessions: URL) -> URL? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? []
            return names.first { $0.hasPrefix("autosave-") && $0.hasSuffix(".lmsh") }.map { sessions.appendingPathComponent($0) }
        }
        /// The training checkpoint the autosave in `sessions` recorded last.
        func lastCheckpoint(_ sessions: URL) throws -> (model: RecurrentModel, info: ModelCheckpoint.Info) {
            let url = try #require(autosave(sessions))
            let c = try #require(SessionRecord.parse(try String(contentsOf: url, encoding: .utf8)).cells.last?.checkpoints.first)
            let (model, info, _) = try ModelCheckpoint.load(from: sessions.appendingPathComponent(c.path))
            return (model, info)
        }

        // The unbroken run.
        let unbrokenSessions = dir.appendingPathComponent("unbroken")
        let unbroken = try EndToEndTests.run([], stdin: setup + training + "\n", cwd: dir, sessions: unbrokenSessions)
        #expect(unbroken.status == 0, "\(unbroken.stdout)\n\(unbroken.stderr)")
        let straight = try lastCheckpoint(unbrokenSessions)
        #expect(straight.info.step == 2000 && straight.info.lossHistory.count == 2000)

        // The same training, killed once the autosave holds its checkpoint after 500 or more steps.
        let sessions = dir.appendingPathComponent("sessions")
        let (p, input) = try Self.startShell(in: dir, sessions: sessions)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        input.fileHandleForWriting.write(Data((setup + training + "\n").utf8))
        var done = 0
        let end = Date().addingTimeInterval(120)
        while Date() < end && p.isRunning {
            if let url = autosave(sessions), let text = try? String(contentsOf: url, encoding: .utf8),
               let last = SessionRecord.parse(text).cells.last, last.source == training {
                if let u = last.unfinished, u.done >= 500 {
                    done = u.done
                    break
                }
                if last.unfinished == nil { break }  // finished before it could be killed
            }
            usleep(2_000)
        }
        try #require(done >= 500, "the autosave never recorded the unfinished training after 500 steps")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)
        print("Faults: killed after the checkpoint at step \(done) of 2000")

        // The autosave: the finished cells, then the training marked unfinished with its checkpoint.
        let url = try #require(autosave(sessions))
        let record = SessionRecord.parse(try String(contentsOf: url, encoding: .utf8))
        #expect(record.cells.map(\.source) == ["text = corpus(\"w.txt\", val=0.1, batch=8, seq=16)", "m = lstm(text, hidden=16, layers=1)", training])
        let cell = try #require(record.cells.last)
        #expect(cell.unfinished == SessionRecord.Unfinished(variable: "m", done: done, steps: 2000))
        let checkpoint = try #require(cell.checkpoints.first)
        #expect(try SessionRecorder.sha256(of: url.deletingLastPathComponent().appendingPathComponent(checkpoint.path)) == checkpoint.sha256)
        #expect(try lastCheckpoint(sessions).info.step == done)

        // `lmsh replay` restores it and says how far the cell got.
        let replay = try EndToEndTests.run(["replay", url.path], cwd: dir, sessions: dir.appendingPathComponent("replayed"))
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        #expect(replay.stdout.contains("restored its training after \(done) of the cell's 2000 steps"), "\(replay.stdout)")
        #expect(replay.stdout.contains("(1 restored from checkpoints, 1 of them unfinished)"), "\(replay.stdout)")

        // Restored at the prompt, trained the remaining steps: the same run as the unbroken one.
        let resumedSessions = dir.appendingPathComponent("resumed")
        let resumed = try EndToEndTests.run([], stdin: ":replay \(url.path)\ntrain m text steps=\(2000 - done) batch=8 seq=16\n",
                                            cwd: dir, sessions: resumedSessions)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(!resumed.stdout.contains("reset"), "the continuation restarted something: \(resumed.stdout)")
        let again = try lastCheckpoint(resumedSessions)
        #expect(again.info.step == 2000 && again.info.lossHistory.count == 2000)
        let worst = zip(again.info.lossHistory, straight.info.lossHistory).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "the resumed loss curve differs from the unbroken one by up to \(worst)")
        let final = (again.info.lossHistory.last ?? .nan, straight.info.lossHistory.last ?? .nan)
        #expect(abs(final.0 - final.1) <= 1e-5, "final loss \(final.0) resumed, \(final.1) unbroken")
        var parameterDifference: Float = 0
        for (a, b) in zip(again.model.parameters.tensors, straight.model.parameters.tensors) {
            #expect(a.shape == b.shape)
            parameterDifference = max(parameterDifference, zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(parameterDifference <= 1e-5, "the parameters differ by up to \(parameterDifference)")
        print("Faults: resumed from step \(done): final loss \(final.0) resumed, \(final.1) unbroken; largest loss difference \(worst), parameter difference \(parameterDifference)")
    }

    @Test("A full disk while saving: a clear error, and the previous file intact")
    func diskFullWhileSaving() throws {
        guard getuid() == 0 else {
            print("Faults: disk-full test skipped: mounting a small tmpfs needs root (uid \(getuid()))")
            return
        }
        let dir = try Self.folder("disk")
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard mount("tmpfs", disk.path, "tmpfs", 0, "size=256k") == 0 else {
            print("Faults: disk-full test skipped: cannot mount a tmpfs here (\(String(cString: strerror(errno))))")
            return
        }
        defer {
            umount(disk.path)
            try? FileManager.default.removeItem(at: dir)
        }
        let first = try EndToEndTests.run(["-c", "text = corpus(\"t.txt\"); m = lstm(text, hidden=8, layers=1); save m \"disk/m.safetensors\""],
                                          cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let target = disk.appendingPathComponent("m.safetensors")
        let before = try Data(contentsOf: target)
        // Fill the disk to the last block.
        let filler = open(disk.appendingPathComponent("filler").path, O_WRONLY | O_CREAT, 0o644)
        try #require(filler >= 0)
        let block = [UInt8](repeating: 7, count: 4096)
        while block.withUnsafeBytes({ write(filler, $0.baseAddress, $0.count) }) > 0 {}
        #expect(errno == ENOSPC)
        close(filler)
        let second = try EndToEndTests.run(["-c", "text = corpus(\"t.txt\"); m = lstm(text, hidden=64, layers=2); save m \"disk/m.safetensors\""],
                                           cwd: dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("No space left on device"), "\(second.stderr)")
        #expect(try Data(contentsOf: target) == before, "the previous checkpoint changed")
        let names = try FileManager.default.contentsOfDirectory(atPath: disk.path)
        #expect(names.sorted() == ["filler", "m.safetensors"], "left behind: \(names)")
        _ = try ModelCheckpoint.load(from: target)
    }

    @Test("Ctrl-C during train, sample and eval: back at the prompt with a consistent model",
          .enabled(if: Terminal.tmux != nil, "tmux is not installed: Ctrl-C fault test skipped"))
    func interruptTrainSampleEval() throws {
        let t = try Terminal()
        defer { t.close() }
        let line = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
        try String(repeating: line, count: 3000).write(to: t.folder.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        try t.cell(1, "text = corpus(\"t.txt\", val=0.5, batch=4, seq=8)")
        try t.cell(2, "m = lstm(text, hidden=64, layers=2)")
        try t.cell(3, "train m text steps=1000000 batch=4 seq=8")
        try t.wait(for: "ETA")
        t.keys("C-c")
        try t.wait(for: "interrupted: true")
        try t.cell(4, "sample m 10000000 prime=\"First\"")
        usleep(800_000)
        t.keys("C-c")
        try t.waitPrompt(5)
        try t.cell(5, "eval m text.val batch=1 seq=4")
        usleep(800_000)
        t.keys("C-c")
        try t.waitPrompt(6)
        // The model answers, trains on and evaluates normally.
        try t.cell(6, "s = m.steps")
        try t.cell(7, "eval(m, \"First Citizen\").bits < 100")
        try t.wait(for: "Out[7]: true")
        try t.cell(8, "r = train m text steps=2 batch=4 seq=8")
        try t.cell(9, "r.total_steps == s + 2")
        try t.wait(for: "Out[9]: true")
    }
}
