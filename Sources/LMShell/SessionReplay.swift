import Foundation
import LMModels

/// `lmsh replay FILE.lmsh`: runs a saved session's cells again. A training cell with a recorded
/// checkpoint restores it (after checking its SHA-256) instead of training, so a session that trained
/// for minutes replays in seconds; `retrain` trains again. A cell marked unfinished (lmsh was killed while
/// it trained) restores the checkpoint of its unfinished training and says how many steps were done, so
/// `train` goes on from there exactly. `verify` compares every cell's output with
/// the recorded one (numbers within a relative tolerance, text exactly) and reports the first difference.
public struct SessionReplay {
    public var retrain = false
    public var verify = false
    public var tolerance = 1e-3
    /// Go on after a cell fails (each failure is kept in `Report.errors`); else stop at the first.
    public var keepGoing = false

    public init(retrain: Bool = false, verify: Bool = false) {
        self.retrain = retrain
        self.verify = verify
    }

    public struct Report {
        public var cells = 0
        public var restored = 0
        /// Restored cells whose training had not finished (their checkpoint is from the middle of it).
        public var unfinished = 0
        /// What each replayed cell printed now (for `--update`, which records these instead).
        public var outputs: [String] = []
        /// The first cell whose output differs: its number, the recorded and the new output.
        public var difference: (cell: Int, expected: String, got: String)?
        /// The cells that failed, in order (at most one unless `keepGoing`).
        public var errors: [(cell: Int, error: ShellError)] = []
    }

    /// Replays `url` into `interpreter` (whose base folder becomes the session's folder, so relative
    /// paths resolve inside it); `echo` receives each cell's output.
    public func run(_ url: URL, into interpreter: Interpreter, echo: (Int, String, String) -> Void) throws -> Report {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ShellError("no such session file: \(url.path)")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ShellError("cannot read session \(url.path) as UTF-8 text")
        }
        let record = SessionRecord.parse(text)
        let folder = url.deletingLastPathComponent()
        interpreter.configuration.fallbackDirectories = [interpreter.configuration.baseDirectory]
        interpreter.configuration.baseDirectory = folder
        var report = Report()
        for (n, cell) in record.cells.enumerated() {
            let watch = Watch(cell: cell, folder: folder, interpreter: interpreter, restore: !retrain && !cell.checkpoints.isEmpty)
            report.cells += 1
            do {
                let result = try interpreter.run(cell.source, observer: watch)
                if let v = result.value { watch.text += v.display + "\n" }
            } catch let e as ShellError {
                report.errors.append((n + 1, e))
                echo(n + 1, cell.source, watch.text)
                if keepGoing { continue }
                return report
            }
            var captured = watch.text
            let restoredThisCell = watch.restored
            if restoredThisCell {
                report.restored += 1
                if cell.unfinished != nil {
                    // What the cell printed before it was killed, then what was restored and how far it got.
                    report.unfinished += 1
                    captured = (cell.output.isEmpty ? "" : cell.output + "\n") + watch.text
                } else {
                    // Show what the cell printed when it ran for real.
                    captured = cell.output.isEmpty ? "" : cell.output + "\n"
                }
            }
            echo(n + 1, cell.source, captured)
            let got = captured.hasSuffix("\n") ? String(captured.dropLast()) : captured
            report.outputs.append(got)
            if verify && !restoredThisCell && report.difference == nil {
                if !OutputComparison.matches(got, cell.output, tolerance: tolerance) {
                    report.difference = (n + 1, cell.output, got)
                }
            }
        }
        return report
    }
}

extension SessionReplay {
    /// What a replay watches in a cell: its text (shown after the cell, not streamed) and, for a cell with a
    /// recorded checkpoint, each model it is about to train, which it restores from the checkpoint instead.
    final class Watch: CellObserver {
        let cell: SessionRecord.Cell, folder: URL, restore: Bool
        unowned let interpreter: Interpreter
        var text = ""
        var restored = false
        var capturesOutput: Bool { true }

        init(cell: SessionRecord.Cell, folder: URL, interpreter: Interpreter, restore: Bool) {
            self.cell = cell
            self.folder = folder
            self.interpreter = interpreter
            self.restore = restore
        }

        func cellWrote(_ text: String) { self.text += text }

        func willTrain(_ model: ModelValue, _ trainer: Trainer) throws -> Value? {
            guard restore else { return nil }
            let names = interpreter.variables.filter { if case .model(let v) = $0.value { return v === model } else { return false } }.keys
            guard let ckpt = cell.checkpoints.first(where: { names.contains($0.variable) }) else { return nil }
            // The session names its checkpoints: they must stay inside its folder.
            let parts = ckpt.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !ckpt.path.hasPrefix("/"), !ckpt.path.hasPrefix("~"), !parts.contains("..") else {
                throw ShellError("checkpoint \(ckpt.path) lies outside the session's folder \(folder.path)",
                                 hint: "a session's checkpoints are recorded relative to its folder")
            }
            let file = folder.appendingPathComponent(ckpt.path)
            let digest = try SessionRecorder.sha256(of: file)
            guard digest == ckpt.sha256 else {
                throw ShellError("checkpoint \(ckpt.path) was altered: its SHA-256 is \(digest), the session recorded \(ckpt.sha256)",
                                 hint: "replay with --retrain to train again")
            }
            try trainer.loadCheckpoint(from: file)
            restored = true
            var fields: [(String, Value)] = [("restored", .string(ckpt.path)), ("total_steps", .number(Double(trainer.stepCount))),
                                            ("train_loss", .number(Double(trainer.lossHistory.last ?? .nan)))]
            if let u = cell.unfinished, u.variable == ckpt.variable, u.done >= 0, u.steps >= u.done {
                text += "unfinished: lmsh stopped while this cell trained \(u.variable); restored its training after \(u.done) of the cell's \(u.steps) steps"
                    + " (the model's step \(trainer.stepCount)); train \(u.variable) with steps=\(u.steps - u.done) to finish it, exactly as the cell would have\n"
                fields.append(("unfinished", .bool(true)))
                fields.append(("steps_done", .number(Double(u.done))))
                fields.append(("steps_left", .number(Double(u.steps - u.done))))
            }
            return .record(fields)
        }
    }
}

/// Compares outputs: equal text once numbers are blanked out, and every number within a relative
/// tolerance (so a replay on the same machine verifies, and tiny float differences do not matter).
public enum OutputComparison {
    /// Record fields that measure the machine rather than the model (wall-clock time, speed): they
    /// differ on every run, so a verification skips their lines.
    public static let volatileFields = ["seconds: ", "chars_per_sec: "]

    public static func matches(_ got: String, _ expected: String, tolerance: Double = 1e-3) -> Bool {
        func stable(_ s: String) -> String {
            s.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { line in !volatileFields.contains { line.hasPrefix($0) } }
                .joined(separator: "\n")
        }
        let (a, x) = split(stable(got)), (b, y) = split(stable(expected))
        guard a == b, x.count == y.count else { return false }
        return zip(x, y).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) || ($0.isNaN && $1.isNaN) }
    }

    static func split(_ s: String) -> (String, [Double]) {
        var text = "", numbers: [Double] = [], current = ""
        let scalars = Array(s.unicodeScalars)
        var i = 0
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
        while i < scalars.count {
            let c = scalars[i]
            let startsNumber = isDigit(c) || (c == "-" && i + 1 < scalars.count && isDigit(scalars[i + 1]))
            if startsNumber {
                current = String(c)
                i += 1
                while i < scalars.count {
                    let d = scalars[i]
                    let expSign = (d == "-" || d == "+") && (current.last == "e" || current.last == "E")
                    if isDigit(d) || d == "." || d == "e" || d == "E" || expSign {
                        current.unicodeScalars.append(d)
                        i += 1
                    } else { break }
                }
                if let v = Double(current) {
                    numbers.append(v)
                    text += "#"
                } else {
                    text += current
                }
            } else {
                text.unicodeScalars.append(c)
                i += 1
            }
        }
        return (text, numbers)
    }
}
