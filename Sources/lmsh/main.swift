import LMCore

/// lmsh: the executable. For now it offers the REPL frame (line editing, history, Ctrl-C handling);
/// the command language comes with the shell issue.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--version") {
    print("lmsh \(LMVersion.string)")
} else if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: lmsh            start the interactive shell
           lmsh --version  print the version
    """)
} else {
    REPL().run()
}
