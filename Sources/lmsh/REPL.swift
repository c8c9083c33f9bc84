@preconcurrency import CEditLine
import Glibc
import LMCore

/// Set by the SIGINT handler; read by the loop. A plain flag is what a signal handler may touch.
nonisolated(unsafe) var interrupted: sig_atomic_t = 0

/// The read-eval-print loop: libedit when both ends are terminals, plain lines otherwise.
struct REPL {
    let interactive = isatty(0) != 0 && isatty(1) != 0

    func run() {
        configureLocale()
        installInterruptHandler()
        if interactive {
            print("lmsh \(LMVersion.string): a shell for learning neural language models. :help for help, :quit to leave.")
        }
        while let line = readCell() {
            let cell = line.trimmingWhitespace()
            if cell.isEmpty { continue }
            if interactive { add_history(cell) }
            switch cell {
            case ":quit", ":q", ":exit":
                return
            case ":help":
                print("The command language is not built yet: today lmsh is its tensor engine (see README.md).")
            default:
                print("error: lmsh does not evaluate commands yet (the language arrives with the shell)")
            }
        }
    }

    /// One line of input; nil at the end of input (Ctrl-D on an empty line).
    func readCell() -> String? {
        guard interactive else { return readLine() }
        while true {
            interrupted = 0
            guard let raw = readline("lmsh> ") else {
                if interrupted != 0 {  // Ctrl-C at the prompt clears the line.
                    print("")
                    continue
                }
                print("")
                return nil
            }
            defer { free(raw) }
            return String(cString: raw)
        }
    }

    /// Swift never calls setlocale, and libedit then drops every non-ASCII byte.
    func configureLocale() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    /// Ctrl-C interrupts the running command (or clears the prompt line), never the shell.
    func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interrupted = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: readline returns so the flag is seen
        sigaction(SIGINT, &action, nil)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
