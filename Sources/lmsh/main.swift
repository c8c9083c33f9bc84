import ArgumentParser
import Foundation
import LMBench
import LMCore
import LMShell

/// lmsh: a shell for learning neural language models. `run` is the default subcommand, so `lmsh`,
/// `lmsh FILE.lmsh` and `lmsh -c CELLS` need no verb; `lmsh replay FILE.lmsh` is the other one.
/// (`lmsh bench` has the reference script's own flags, so it is dispatched before the parser, below.)
struct LMSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmsh",
        abstract: "A shell for learning neural language models.",
        discussion: """
            With no arguments, lmsh starts an interactive shell. With a file, it runs the file's cells in order \
            and stops at the first error (exit status 1) unless --keep-going is given (see 'lmsh help run'). \
            'lmsh replay FILE.lmsh' restores a saved session; 'lmsh bench' measures training, evaluation and \
            sampling speed ('lmsh bench --help').
            """,
        version: "lmsh \(LMVersion.string)",
        subcommands: [Run.self, Replay.self],
        defaultSubcommand: Run.self)
}

/// `lmsh [FILE.lmsh] [-c CELLS]`: the interactive shell, a script, or cells from the command line.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the interactive shell, or run a script or the cells given with -c (the default).")

    @ArgumentParser.Argument(help: "A script of cells to run (e.g. examples/01-backprop.lmsh).")
    var script: String?

    @Option(name: .customShort("c"), help: "Cells to run, separated by newlines or ';' (meta-commands such as :vars too).")
    var command: String?

    @Flag(help: "Keep running a script after a cell fails.")
    var keepGoing = false

    @Flag(help: "Let the script's cells read and write outside this folder's tree and the script's folder.")
    var trust = false

    @Option(help: ArgumentHelp("Record a script's cells with their outputs and checkpoints, and save them as the session sessions/NAME.lmsh.", valueName: "NAME"))
    var save: String?

    func run() throws {
        let session = Frontend()
        if let command {
            let ok = session.runCommandLine(command, keepGoing: keepGoing)
            if !ok { throw ExitCode(1) }
        } else if let script {
            let ok = try session.runScript(path: script, keepGoing: keepGoing, saveAs: save, trust: trust)
            if !ok { throw ExitCode(1) }
        } else {
            session.interactive()
        }
    }
}

/// `lmsh replay FILE.lmsh`: runs a saved session again, restoring its training cells from their checkpoints.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a saved session again, restoring each training cell from its checkpoint.",
        discussion: """
            At a terminal (and without --verify) the restored session goes on interactively: sample, inspect, \
            keep training.
            """)

    @ArgumentParser.Argument(help: ArgumentHelp("The session to replay (e.g. sessions/shakespeare.lmsh).", valueName: "FILE.lmsh"))
    var file: String

    @Flag(help: "Train again instead of restoring the recorded checkpoints.")
    var retrain = false

    @Flag(help: "Record what this version prints as the session's outputs (cells and checkpoints are kept).")
    var update = false

    @Flag(help: "Compare every cell's output with the recorded one and report the first difference.")
    var verify = false

    @Flag(help: "Let the session's cells read and write outside this folder's tree and the session's folder.")
    var trust = false

    @Flag(help: "Keep replaying after a cell fails (each failure is reported).")
    var keepGoing = false

    func run() throws {
        let session = Frontend()
        if !session.replay(path: file, retrain: retrain, verify: verify, update: update, trust: trust, keepGoing: keepGoing) { throw ExitCode(1) }
        // At a terminal, the restored session goes on interactively (sample, inspect, keep training).
        if !verify && isatty(0) != 0 && isatty(1) != 0 { session.interactive() }
    }
}

// `lmsh bench …` has its own flags (the reference script's), so it is dispatched before ArgumentParser.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "bench" {
    let args = Array(CommandLine.arguments.dropFirst(2))
    // The typed-LSTM case runs lmsh code, so it lives here, beside the language; --standard ends with it.
    if args.contains("--typed") { exit(TypedLSTMBench.main(args)) }
    let status = BenchCommand.main(args)
    if status == 0 && args.contains("--standard") {
        print("(typed) lmsh bench --typed")
        exit(TypedLSTMBench.main(args.filter { $0 == "--standard" }))
    }
    exit(status)
}
LMSH.main()
