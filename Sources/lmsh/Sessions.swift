import Foundation
import LMShell

/// Sessions on the terminal side: where they live, `:save`, and `lmsh replay`.
extension Frontend {
    /// `sessions/` in the current folder, or $LMSH_SESSIONS.
    static var sessionsFolder: URL {
        if let p = ProcessInfo.processInfo.environment["LMSH_SESSIONS"] { return URL(fileURLWithPath: p) }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sessions")
    }

    /// `lmsh replay FILE.lmsh [--retrain] [--verify]`.
    func replay(path: String, retrain: Bool, verify: Bool, update: Bool = false, trust: Bool = false, keepGoing: Bool = false) -> Bool {
        let url = URL(fileURLWithPath: path)
        let start = Date()
        // The trust rule: a session's cells stay inside this folder's tree and the session's folder.
        let typed = interpreter.configuration.fileAccess
        interpreter.configuration.fileAccess = access(for: url, trust: trust)
        defer { interpreter.configuration.fileAccess = typed }
        do {
            var replay = SessionReplay(retrain: retrain, verify: verify)
            replay.keepGoing = keepGoing
            let report = try replay.run(url, into: interpreter) { n, source, output in
                print("In [\(n)]: " + source.replacingOccurrences(of: "\n", with: "\n   ...: "))
                if !output.isEmpty { print(output, terminator: output.hasSuffix("\n") ? "" : "\n") }
            }
            for (cell, error) in report.errors { printError("\(path): cell \(cell): " + error.render(source: "")) }
            if !report.errors.isEmpty { return false }
            let seconds = Date().timeIntervalSince(start)
            let unfinished = report.unfinished > 0 ? ", \(report.unfinished) of them unfinished" : ""
            print(String(format: "replayed %d cells in %.2f s (%d restored from checkpoints", report.cells, seconds, report.restored) + unfinished + ")")
            if update {
                // Record what this version of lmsh prints, keeping the cells and their checkpoints.
                try SessionRecord.updateOutputs(at: url, with: report.outputs)
                print("updated the recorded outputs of \(path)")
            }
            if verify {
                if let d = report.difference {
                    printError("verify: cell \(d.cell) differs\n--- recorded\n\(d.expected)\n--- now\n\(d.got)")
                    return false
                }
                print("verify: every output matches the recording")
            }
            return true
        } catch let e as ShellError {
            printError("\(path): " + e.description)
            return false
        } catch {
            printError("\(path): \(error)")
            return false
        }
    }
}
