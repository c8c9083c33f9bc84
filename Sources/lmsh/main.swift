import ArgumentParser
import Foundation
import LMBench
import LMCore
import LMShell

/// lmsh: a shell for learning neural language models.
struct LMSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmsh",
        abstract: "A shell for learning neural language models.",
        discussion: """
            With no arguments, lmsh starts an interactive shell. With a file, it runs the file's cells in order \
            and stops at the first error (exit status 1) unless --keep-going is given.
            """,
        version: "lmsh \(LMVersion.string)")

    @ArgumentParser.Argument(help: "A script of cells to run (e.g. examples/01-backprop.lmsh), or 'replay FILE.lmsh'.")
    var arguments: [String] = []

    @Option(name: .customShort("c"), help: "Cells to run, separated by ';'.")
    var command: String?

    @Flag(help: "Keep running a script after a cell fails.")
    var keepGoing = false

    @Option(help: ArgumentHelp("Record a script's cells with their outputs and checkpoints, and save them as the session sessions/NAME.lmsh.", valueName: "NAME"))
    var save: String?

    @Flag(help: "replay: train again instead of restoring the recorded checkpoints.")
    var retrain = false

    @Flag(help: "replay: record what this version prints as the session's outputs (cells and checkpoints are kept).")
    var update = false

    @Flag(help: "replay: compare every cell's output with the recorded one and report the first difference.")
    var verify = false

    func validate() throws {
        if arguments.first == "replay" && arguments.count != 2 {
            throw ValidationError("usage: lmsh replay FILE.lmsh [--retrain] [--verify] [--update]")
        }
        if arguments.first != "replay" && arguments.count > 1 {
            throw ValidationError("lmsh runs one script at a time")
        }
    }

    func run() throws {
        let session = Frontend()
        if let command {
            let ok = session.runCells(Frontend.splitCommandLine(command).map { ($0, 1) }, source: "-c", keepGoing: keepGoing)
            if !ok { throw ExitCode(1) }
        } else if arguments.first == "replay" {
            if !session.replay(path: arguments[1], retrain: retrain, verify: verify, update: update) { throw ExitCode(1) }
            // At a terminal, the restored session goes on interactively (sample, inspect, keep training).
            if !verify && isatty(0) != 0 && isatty(1) != 0 { session.interactive() }
        } else if let file = arguments.first {
            let ok = try session.runScript(path: file, keepGoing: keepGoing, saveAs: save)
            if !ok { throw ExitCode(1) }
        } else {
            session.interactive()
        }
    }
}

// `lmsh bench …` has its own flags (the reference script's), so it is dispatched before ArgumentParser.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "bench" {
    exit(BenchCommand.main(Array(CommandLine.arguments.dropFirst(2))))
}
LMSH.main()
