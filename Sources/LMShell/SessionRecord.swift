import Foundation
import LMModels

/// A session as a replayable script: the cells in order, each followed by its output as `#= ` lines,
/// and after a cell that trained a model, the checkpoint it left (`#@ checkpoint VARIABLE PATH sha256=HEX`).
/// A training cell that has not finished (the autosave while it runs, or after lmsh was killed) is marked
/// `#@ unfinished VARIABLE DONE of STEPS steps`, before the checkpoint of its training as it was after DONE
/// steps; replay restores that checkpoint and says so.
/// The file reads like a notebook and runs as a script (output, checkpoint and unfinished lines are comments).
public struct SessionRecord: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var source: String
        public var output: String
        /// Checkpoints written after the cell: path relative to the session file, and its SHA-256.
        public var checkpoints: [Checkpoint]
        /// Set when the cell's training did not finish: its checkpoint is the training's after `done` steps.
        public var unfinished: Unfinished?
        public init(source: String, output: String, checkpoints: [Checkpoint] = [], unfinished: Unfinished? = nil) {
            self.source = source
            self.output = output
            self.checkpoints = checkpoints
            self.unfinished = unfinished
        }
    }

    /// A training cell that did not finish: `train` of `variable` had done `done` of its `steps` steps.
    public struct Unfinished: Sendable, Equatable {
        public var variable: String
        public var done: Int
        public var steps: Int
        public init(variable: String, done: Int, steps: Int) {
            self.variable = variable
            self.done = done
            self.steps = steps
        }
    }

    public struct Checkpoint: Sendable, Equatable {
        public var path: String
        public var sha256: String
        /// The variable the model was bound to.
        public var variable: String
        public init(path: String, sha256: String, variable: String) {
            self.path = path
            self.sha256 = sha256
            self.variable = variable
        }
    }

    public var header: [String] = []
    public var cells: [Cell] = []

    public init(header: [String] = [], cells: [Cell] = []) {
        self.header = header
        self.cells = cells
    }

    /// The script text.
    public var text: String {
        var out = header.map { "# " + $0 }.joined(separator: "\n")
        if !out.isEmpty { out += "\n" }
        for cell in cells {
            out += SessionRecord.render(cell)
        }
        return out
    }

    /// One cell as it appears in the file (also what the autosave appends).
    public static func render(_ cell: Cell) -> String {
        var out = cell.source + "\n"
        var output = cell.output
        if output.hasSuffix("\n") { output.removeLast() }
        if !output.isEmpty {
            for line in output.split(separator: "\n", omittingEmptySubsequences: false) { out += "#= \(line)\n" }
        }
        if let u = cell.unfinished { out += "#@ unfinished \(u.variable) \(u.done) of \(u.steps) steps\n" }
        for c in cell.checkpoints { out += "#@ checkpoint \(c.variable) \(c.path) sha256=\(c.sha256)\n" }
        return out
    }

    /// Reads a session script back: cells with their recorded outputs and checkpoints.
    public static func parse(_ text: String) -> SessionRecord {
        var record = SessionRecord()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        var pending = ""
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix("#= ") || line == "#=" {
                let content = line == "#=" ? "" : String(line.dropFirst(3))
                if var last = record.cells.popLast() {
                    last.output += (last.output.isEmpty ? "" : "\n") + content
                    record.cells.append(last)
                }
            } else if line.hasPrefix("#@ checkpoint ") {
                let parts = line.dropFirst("#@ checkpoint ".count).split(separator: " ").map(String.init)
                if parts.count == 3, parts[2].hasPrefix("sha256="), var last = record.cells.popLast() {
                    last.checkpoints.append(Checkpoint(path: parts[1], sha256: String(parts[2].dropFirst(7)), variable: parts[0]))
                    record.cells.append(last)
                }
            } else if line.hasPrefix("#@ unfinished ") {
                let parts = line.dropFirst("#@ unfinished ".count).split(separator: " ").map(String.init)
                if parts.count == 5, parts[2] == "of", parts[4] == "steps", let done = Int(parts[1]), let steps = Int(parts[3]),
                   var last = record.cells.popLast() {
                    last.unfinished = Unfinished(variable: parts[0], done: done, steps: steps)
                    record.cells.append(last)
                }
            } else if pending.isEmpty && (line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#")) {
                if record.cells.isEmpty && line.hasPrefix("# ") { record.header.append(String(line.dropFirst(2))) }
            } else {
                pending += pending.isEmpty ? line : "\n" + line
                if !CellSplitter.needsContinuation(pending) {
                    record.cells.append(Cell(source: pending, output: ""))
                    pending = ""
                }
            }
            i += 1
        }
        if !pending.isEmpty { record.cells.append(Cell(source: pending, output: "")) }
        return record
    }
}

extension SessionRecord {
    /// `lmsh replay --update`: rewrites the recorded outputs of the session at `url` with `outputs` (what
    /// this version of lmsh prints), keeping its cells and checkpoints; the file is replaced atomically.
    public static func updateOutputs(at url: URL, with outputs: [String]) throws {
        var record = parse(try String(contentsOf: url, encoding: .utf8))
        for (i, output) in outputs.enumerated() where i < record.cells.count { record.cells[i].output = output }
        try AtomicFile.write(Data(record.text.utf8), to: url)
    }
}
