import Foundation
import Glibc
import Testing

/// The real `lmsh` binary in a real terminal: tmux runs it in a detached 120×40 session, keys go in with
/// `send-keys`, and the screen comes back with `capture-pane`. Each test has its own tmux server (socket),
/// folder, history file and sessions folder, and waits for text to appear (at most `Terminal.timeout`).
/// Skipped when tmux is not installed.
@Suite("interactive (tmux)", .serialized, .enabled(if: Terminal.tmux != nil, "tmux is not installed (apt-get install tmux): interactive tests skipped"))
struct InteractiveTests {
    @Test("Up arrow recalls earlier cells, also from the previous session's history")
    func historyRecall() throws {
        let t = try Terminal()
        defer { t.close() }
        try t.cell(1, "x = 41")
        try t.cell(2, "x + 1")
        try t.wait(for: "Out[2]: 42")
        try t.cell(3, "y = 0")
        // Up once is `y = 0`, twice is `x + 1`: running it again prints the same output.
        try t.waitPrompt(4)
        t.keys("Up")
        try t.wait(for: "In [4]: y = 0")
        t.keys("Up")
        try t.wait(for: "In [4]: x + 1")
        t.keys("Enter")
        try t.wait(for: "Out[4]: 42")
        try t.waitPrompt(5)
        // The history file holds the cells; a new session recalls them.
        t.keys("C-d")
        try t.wait(for: "EXITED:0")
        let history = try String(contentsOf: t.history, encoding: .utf8)
        #expect(history.hasSuffix("x = 41\nx + 1\ny = 0\nx + 1\n"), "history file:\n\(history)")
        let again = try Terminal(folder: t.folder)
        defer { again.close() }
        try again.waitPrompt(1)
        again.keys("Up")
        try again.wait(for: "In [1]: x + 1")
        again.keys("Enter")
        try again.wait(for: "unknown name 'x'")
    }

    @Test("With HOME set, the history is $HOME/.lmsh_history, and a cell with a backslash before n comes back unchanged")
    func historyUnderHomeKeepsBackslashN() throws {
        let t = try Terminal(homeIsFolder: true)
        defer { t.close() }
        try t.cell(1, #"s = "a\nb" + "\\""#)
        try t.cell(2, "len(s)")
        try t.wait(for: "Out[2]: 4")
        t.keys("C-d")
        try t.wait(for: "EXITED:0")
        let history = try String(contentsOf: t.history, encoding: .utf8)
        #expect(history.hasSuffix(#"s = "a\\nb" + "\\\\""# + "\nlen(s)\n"), "history file:\n\(history)")
        let again = try Terminal(folder: t.folder, homeIsFolder: true)
        defer { again.close() }
        try again.waitPrompt(1)
        again.keys("Up")
        again.keys("Up")
        try again.wait(for: #"In [1]: s = "a\nb" + "\\""#)
        again.keys("Enter")
        try again.cell(2, "len(s)")
        try again.wait(for: "Out[2]: 4")
    }

    @Test("Tab completes names, members, keywords and paths")
    func tabCompletion() throws {
        let t = try Terminal()
        defer { t.close() }
        try "some text\n".write(to: t.folder.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        // `zer` has two completions (zero_grad, zeros): Tab gives their common part, Tab again lists them.
        try t.waitPrompt(1)
        t.type("zer")
        t.keys("Tab")
        try t.wait(for: "In [1]: zero")
        t.keys("Tab")
        try t.wait { $0.contains("zero_grad") && $0.contains("zeros") }
        t.type("s(2)")
        t.keys("Enter")
        try t.wait(for: "Out[1]: tensor([0., 0.]")
        // A unique name completes at once.
        try t.cell(2, "a = randn(2, 2)")
        try t.waitPrompt(3)
        t.type("a.sh")
        t.keys("Tab")
        try t.wait(for: "In [3]: a.shape")
        t.keys("Enter")
        try t.wait(for: "Out[3]: [2, 2]")
        // A keyword of the call being typed.
        try t.waitPrompt(4)
        t.type("randn(2, se")
        t.keys("Tab")
        try t.wait(for: "In [4]: randn(2, seed=")
        t.type("1).shape")
        t.keys("Enter")
        try t.wait(for: "Out[4]: [2]")
        // A path inside a string, with its closing quote.
        try t.waitPrompt(5)
        t.type("text = corpus(\"t.")
        t.keys("Tab")
        try t.wait(for: "In [5]: text = corpus(\"t.txt\"")
        t.type(", val=0)")
        t.keys("Enter")
        try t.waitPrompt(6)
        t.type("text.vo")
        t.keys("Tab")
        try t.wait(for: "In [6]: text.vocab")
        t.keys("Tab")  // vocab and vocab_size
        try t.wait(for: "vocab_size")
    }

    @Test("Ctrl-C stops training after the current step and keeps the shell and the model")
    func interruptTraining() throws {
        let t = try Terminal()
        defer { t.close() }
        let line = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
        try String(repeating: line, count: 300).write(to: t.folder.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        try t.cell(1, "text = corpus(\"t.txt\", val=0.1, batch=4, seq=8)")
        try t.cell(2, "m = lstm(text, hidden=64, layers=2)")
        try t.cell(3, "train m text steps=100000 batch=4 seq=8")
        try t.wait(for: "ETA")  // the progress line
        t.keys("C-c")
        try t.wait(for: "interrupted: true")
        try t.cell(4, "m.steps")
        let screen = try t.wait(for: "Out[4]: ")
        let steps = screen.components(separatedBy: "Out[4]: ").last?.prefix { $0.isNumber }
        #expect((Int(steps ?? "") ?? 0) > 0, "m.steps after the interrupt:\n\(screen)")
        try t.cell(5, "1 + 1")
        try t.wait(for: "Out[5]: 2")
    }

    @Test("Prompts, continuation, errors with a caret, Ctrl-C at the prompt, UTF-8, Ctrl-D leaves")
    func basics() throws {
        let t = try Terminal()
        defer { t.close() }
        try t.wait(for: "lmsh ")
        try t.wait(for: ":quit leaves")
        try t.cell(1, "s = \"ROMEO — é\"")
        try t.cell(2, "s")
        try t.wait(for: "Out[2]: ROMEO — é")
        // An open bracket continues the cell.
        try t.cell(3, "b = [1,")
        try t.wait(for: "   ...:")
        t.type("2]")
        t.keys("Enter")
        try t.cell(4, "b")
        try t.wait(for: "Out[4]: [1, 2]")
        // Ctrl-C drops the line being typed (and an open cell).
        try t.waitPrompt(5)
        t.type("this is dropped + ")
        try t.wait(for: "In [5]: this is dropped +")
        t.keys("C-c")
        try t.waitLastLine("In [5]:")
        t.type("(1 +")
        t.keys("Enter")
        try t.waitLastLine("   ...:")
        t.keys("C-c")
        try t.cell(5, "2 * 21")
        try t.wait(for: "Out[5]: 42")
        // An error shows the line and a caret under the column.
        try t.cell(6, "1 + nope")
        try t.wait { $0.contains("unknown name 'nope'") && $0.contains("\n  1 + nope\n      ^") }
        // A block goes on until its braces close; Ctrl-C cancels an open one.
        try t.cell(7, "for i in range(3) {")
        try t.waitLastLine("   ...:")
        t.type("  print(i * 10)")
        t.keys("Enter")
        try t.waitLastLine("   ...:")
        t.type("}")
        t.keys("Enter")
        try t.wait { $0.contains("\n0\n10\n20\n") }
        try t.cell(8, "while true {")
        try t.waitLastLine("   ...:")
        t.keys("C-c")
        try t.cell(8, "7 * 6")
        try t.wait(for: "Out[8]: 42")
        // Ctrl-D on an empty line leaves with status 0.
        try t.waitPrompt(9)
        t.keys("C-d")
        try t.wait(for: "EXITED:0")
    }
}

/// One lmsh process in a detached tmux session with its own server.
final class Terminal {
    static let tmux: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static let timeout: TimeInterval = 20

    let socket = "lmsh-test-\(UUID().uuidString.prefix(8))"
    let folder: URL
    /// With `homeIsFolder`, HOME is the folder and the history is its `.lmsh_history` (no LMSH_HISTORY).
    let homeIsFolder: Bool
    var history: URL { folder.appendingPathComponent(homeIsFolder ? ".lmsh_history" : "history") }
    let ownsFolder: Bool

    /// Starts lmsh in `folder` (a new temporary one by default) with EDITRC=/dev/null, its own history
    /// file and sessions folder. After lmsh exits the pane shows `EXITED:<status>`.
    init(folder: URL? = nil, homeIsFolder: Bool = false) throws {
        let binary = try #require(EndToEndTests.binary, "the lmsh binary was not built next to the tests")
        self.folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-tty-\(UUID().uuidString)")
        self.homeIsFolder = homeIsFolder
        ownsFolder = folder == nil
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let historyVariable = homeIsFolder ? "HOME=\(q(self.folder.path))" : "LMSH_HISTORY=\(q(history.path))"
        let command = "env -u LMSH_HISTORY EDITRC=/dev/null LC_ALL=C.UTF-8 \(historyVariable) "
            + "LMSH_SESSIONS=\(q(self.folder.appendingPathComponent("sessions").path)) \(q(binary.path)); "
            + "echo EXITED:$?; sleep 60"
        run(["new-session", "-d", "-x", "120", "-y", "40", "-c", self.folder.path, command])
    }

    func close() {
        run(["kill-server"])
        if ownsFolder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Runs a tmux command and returns what it printed.
    ///
    /// Not through Foundation's `Process`: it hands the child a socket and waits for every holder to close
    /// it, and the tmux server, which forks from the first client, would hold it (and any other descriptor
    /// open in this process, such as another test's pipes) for its whole life. So: posix_spawn with only
    /// stdin, stdout (a file) and stderr open in the child, then waitpid.
    @discardableResult
    func run(_ args: [String]) -> String {
        guard let tmux = Terminal.tmux else { return "" }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-tmux-\(UUID().uuidString)").path
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        Terminal.closeOtherDescriptors(&actions)
        var env = ProcessInfo.processInfo.environment
        env["TMUX"] = nil
        env["LC_ALL"] = "C.UTF-8"
        let argv = [tmux, "-L", socket, "-f", "/dev/null", "-u"] + args
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        // The calling thread (a test worker) blocks signals, and a child inherits its mask: unblock them, and
        // give SIGINT its default action, as a shell would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, tmux, &actions, &attributes, cArgs, cEnv) == 0 else { return "" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    /// Closes every descriptor above stderr in the child: glibc's posix_spawn_file_actions_addclosefrom_np
    /// (2.34+, not in Swift's Glibc module), else one close per descriptor open now.
    static func closeOtherDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3)
            return
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in fds.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    /// Literal text (no key names).
    func type(_ text: String) { run(["send-keys", "-t", "0", "-l", text]) }

    /// Keys by tmux name: Enter, Tab, Up, C-c, C-d.
    func keys(_ names: String...) { run(["send-keys", "-t", "0"] + names) }

    /// The screen and its scrollback, wrapped lines joined, trailing blank lines dropped.
    func screen() -> String {
        run(["capture-pane", "-p", "-J", "-t", "0", "-S", "-500"])
            .replacingOccurrences(of: "\\n+$", with: "\n", options: .regularExpression)
    }

    /// Waits until the screen satisfies `ready`; returns the screen. On timeout the test fails with it.
    @discardableResult
    func wait(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
              until ready: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(Terminal.timeout)
        var s = ""
        while Date() < deadline {
            s = screen()
            if ready(s) { return s }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out after \(Int(Terminal.timeout)) s waiting for \(what); the screen:\n\(s)", sourceLocation: sourceLocation)
        throw TimedOut()
    }

    @discardableResult
    func wait(sourceLocation: SourceLocation = #_sourceLocation, _ ready: @escaping (String) -> Bool) throws -> String {
        try wait("a condition", sourceLocation: sourceLocation, until: ready)
    }

    @discardableResult
    func wait(for text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try wait("'\(text)'", sourceLocation: sourceLocation) { $0.contains(text) }
    }

    /// Waits for the prompt `In [n]:` as the last line on the screen.
    func waitPrompt(_ n: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try wait("the prompt In [\(n)]:", sourceLocation: sourceLocation) {
            $0.split(separator: "\n").last.map { $0.hasPrefix("In [\(n)]:") } ?? false
        }
    }

    /// Waits until the last line of the screen, without its trailing spaces, is `line`.
    func waitLastLine(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try wait("the last line '\(line)'", sourceLocation: sourceLocation) {
            $0.split(separator: "\n").last.map { String($0.reversed().drop { $0 == " " }.reversed()) == line } ?? false
        }
    }

    /// Waits for prompt `n`, types `text` and Enter.
    func cell(_ n: Int, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try waitPrompt(n, sourceLocation: sourceLocation)
        type(text)
        keys("Enter")
    }

    struct TimedOut: Error {}
}
