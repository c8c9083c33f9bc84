import Foundation
import LMCore
import LMInspect
import LMModels

/// Runs cells of the language. It holds the variables, talks to the outside only through the
/// closures below (so it knows nothing of terminals), and reports every mistake as a `ShellError`
/// with a position and, where it can, a hint.
public final class Interpreter {
    /// Everything that shapes how cells run, as one value: made by the front end (or a test) and passed in,
    /// read by the builtins, and swapped whole where a different one is needed (a replay runs in its
    /// session's folder, then puts the old one back).
    public struct Configuration {
        /// Relative paths in cells resolve against this folder.
        public var baseDirectory: URL
        /// More folders to look in when a relative path does not exist under `baseDirectory` (a replayed
        /// session looks beside its file first, then in the folder lmsh was started from).
        public var fallbackDirectories: [URL] = []
        /// When true, a cell may only name files inside `baseDirectory` (no absolute paths, no `~`, no `..`):
        /// for the fuzzer and the property tests, which run cells nobody typed.
        public var confinePaths = false
        /// Environment values readable with `env("NAME")` (QUICK mode of the examples).
        public var environment: [String: String]
        /// What one cell may use (tensor size, evaluation steps, training steps, sample length).
        public var limits: Limits
        /// How pictures (`states`, `show_cell`, `plot`, …) may use colour; the executable sets it from
        /// NO_COLOR, COLORTERM and whether output is a terminal. Plain by default, so scripts and tests see numbers.
        public var colorMode: ColorMode = .none
        /// Columns pictures may use (the terminal's width when there is one).
        public var displayWidth = 80
        /// Depth limit for user functions calling each other.
        public var maxCallDepth = 200
        /// Which files cells may read and write (the trust rule: anywhere for typed cells).
        public var fileAccess = FileAccess.anywhere

        public init(baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                    environment: [String: String] = ProcessInfo.processInfo.environment, limits: Limits = .fromEnvironment()) {
            self.baseDirectory = baseDirectory
            self.environment = environment
            self.limits = limits
        }
    }

    /// Variables of the session, including `_` (the last value shown).
    public var variables: [String: Value] = [:]
    /// Where streamed text goes (sampling writes characters as they come): the front end's sink.
    public var output: (String) -> Void = { print($0, terminator: "") }
    /// What `progress` receives: one training step's numbers.
    public typealias Progress = TrainProgress
    /// Progress of long commands (training), for the front end to draw.
    public var progress: (Progress) -> Void = { _ in }
    /// Polled between steps of long commands; true stops them (Ctrl-C).
    public var shouldStop: () -> Bool = { false }
    /// How cells run: folders, environment, limits, colour, widths. One value, passed in (see `Configuration`).
    public var configuration: Configuration
    /// Cells run so far.
    public private(set) var cellCount = 0
    /// The observer of the running cell, handed to `run(_:observer:)` (nil between cells).
    private(set) var observer: (any CellObserver)?
    var callDepth = 0
    /// Local variables of the user functions running, innermost last (a function sees its own locals and
    /// the session's variables, not its caller's locals).
    var frames: [[String: Value]] = []
    /// While a typed model's step runs: its weights and the functions it calls, by name (read before the
    /// session's variables, so the model runs the same in a session that never had those names).
    var stepEnvironment: [String: Value]?
    /// The numbers it read when it was made or saved, for a session that does not have them (a session that
    /// has them reads its own, as Python reads a module's globals).
    var stepConstants: [String: Value]?
    /// The batcher `batch(…)` used last (see `batcher(for:part:batch:seq:at:)`).
    var lastBatcher: CachedBatcher?
    /// The text of the running cell, and the name it defines when a `def` is all it holds (that `def` keeps
    /// the text as its source, for saving a model's step).
    var cellSource = ""
    var cellDefinition: String?
    /// Expression nodes evaluated in the running cell (against `limits.evaluations`).
    var evaluations = 0
    /// The lowest stack address `eval` may reach in the running cell (see `StackGuard`).
    var stackFloor: UInt = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// An interpreter whose cells resolve paths against `baseDirectory`, otherwise with the defaults.
    public convenience init(baseDirectory: URL) {
        self.init(configuration: Configuration(baseDirectory: baseDirectory))
    }

    /// The outcome of a cell: the value to show (nil for bindings and definitions).
    public struct CellResult {
        public var value: Value?
        public var statement: Statement?
    }

    /// Parses and runs one cell.
    @discardableResult
    public func run(_ cell: String) throws -> CellResult {
        try run(cell, observer: nil)
    }

    /// Runs one cell with `observer` watching it (what it writes, which models it trains).
    @discardableResult
    public func run(_ cell: String, observer: (any CellObserver)?) throws -> CellResult {
        self.observer = observer
        defer { self.observer = nil }
        guard let statement = try Parser.parse(cell) else { return CellResult(value: nil, statement: nil) }
        cellCount += 1
        evaluations = 0
        callDepth = 0
        frames = []
        cellSource = cell
        switch statement {
        case .define(let name, _, _, _), .defineBlock(let name, _, _, _): cellDefinition = name
        default: cellDefinition = nil
        }
        stackFloor = StackGuard.floor()
        return try configuration.limits.scoped { try execute(statement) }
    }

    /// Runs a cell's statement; the value of a last plain expression is shown and becomes `_`.
    func execute(_ statement: Statement) throws -> CellResult {
        let parts: [Statement]
        if case .sequence(let items) = statement { parts = items } else { parts = [statement] }
        var shown: Value?
        for part in parts {
            shown = nil
            if case .expression(let expr) = part {
                let v = try eval(expr)
                if case .none = v { continue }
                variables["_"] = v
                shown = v
            } else {
                _ = try exec(part)
            }
        }
        return CellResult(value: shown, statement: statement)
    }

    /// Names a cell can refer to: variables and builtins (for completion and hints).
    public var knownNames: [String] { Array(variables.keys) + Builtins.table.keys }

    // MARK: - Expressions

    func eval(_ e: Expr) throws -> Value {
        try countEvaluation(at: e.location)
        switch e {
        case .number(let x, _): return .number(x)
        case .string(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .none: return .none
        case .name(let n, let loc): return try lookup(n, at: loc)
        case .list(let items, _): return .list(try items.map(eval))
        case .negate(let x, let loc): return try Operators.negate(eval(x), at: loc)
        case .binary(let op, let a, let b, let loc):
            return try Operators.binary(op, eval(a), eval(b), at: loc)
        case .member(let base, let name, let loc):
            return try member(eval(base), name, at: loc)
        case .index(let base, let items, let loc):
            return try index(eval(base), items, at: loc)
        case .call(let callee, let args, let loc):
            return try call(callee, args, at: loc)
        }
    }

    func lookup(_ name: String, at loc: SourceLocation) throws -> Value {
        if let v = frames.last?[name] ?? stepEnvironment?[name] ?? variables[name] ?? stepConstants?[name] { return v }
        if Builtins.table[name] != nil { return .builtin(name) }
        throw ShellError("unknown name '\(name)'", at: loc, hint: Suggest.hint(for: name, among: knownNames))
    }

    func call(_ callee: Expr, _ args: [Argument], at loc: SourceLocation) throws -> Value {
        // x.f(a) is f(x, a) when x has no member f.
        if case .member(let base, let name, let mloc) = callee {
            let receiver = try eval(base)
            if let method = Members.method(receiver, name) {
                return try method(self, try evalArgs(args), mloc)
            }
            guard Builtins.table[name] != nil || variables[name] != nil || frames.last?[name] != nil || stepEnvironment?[name] != nil else {
                throw ShellError("\(receiver.kind) has no member '\(name)'", at: mloc,
                                 hint: Suggest.hint(for: name, among: Members.names(receiver) + Array(Builtins.table.keys)))
            }
            var all = try evalArgs(args)
            all.positional.insert((receiver, base.location), at: 0)
            return try apply(try lookup(name, at: mloc), all, name: name, at: mloc)
        }
        let f = try eval(callee)
        let name: String
        if case .name(let n, _) = callee { name = n } else { name = f.kind }
        return try apply(f, try evalArgs(args), name: name, at: loc)
    }

    func evalArgs(_ args: [Argument]) throws -> CallArgs {
        var out = CallArgs()
        for a in args {
            let v = try eval(a.value)
            if let label = a.label {
                guard out.keywords[label] == nil else { throw ShellError("keyword '\(label)' given twice", at: a.location) }
                out.keywords[label] = (v, a.location)
            } else {
                out.positional.append((v, a.location))
            }
        }
        return out
    }

    /// Calls a builtin or a user function.
    func apply(_ f: Value, _ args: CallArgs, name: String, at loc: SourceLocation) throws -> Value {
        var args = args
        args.name = name
        args.location = loc
        switch f {
        case .builtin(let b):
            guard let builtin = Builtins.table[b] else { throw ShellError("unknown builtin '\(b)'", at: loc) }
            try args.checkKeywords(builtin.keywords)
            return try builtin.run(self, &args)
        case .function(let fn):
            guard args.keywords.isEmpty || args.keywords.keys.allSatisfy(fn.parameters.contains) else {
                throw ShellError("\(fn.name) takes no keyword '\(args.keywords.keys.sorted().first ?? "")'", at: loc,
                                 hint: "its parameters are \(fn.parameters.joined(separator: ", "))")
            }
            var bound: [String: Value] = [:]
            for (p, a) in zip(fn.parameters, args.positional) { bound[p] = a.0 }
            if let twice = args.keywords.keys.sorted().first(where: { bound[$0] != nil }) {
                throw ShellError("\(fn.name) got '\(twice)' twice, by position and by keyword", at: args.keywords[twice]?.1 ?? loc,
                                 hint: "its parameters are \(fn.parameters.joined(separator: ", "))")
            }
            for (k, v) in args.keywords { bound[k] = v.0 }
            guard bound.count == fn.parameters.count, args.positional.count <= fn.parameters.count else {
                throw ShellError("\(fn.name) takes \(fn.parameters.count) argument\(fn.parameters.count == 1 ? "" : "s") (\(fn.parameters.joined(separator: ", "))), got \(args.positional.count + args.keywords.count)", at: loc)
            }
            return try invoke(fn, bound, at: loc)
        default:
            throw ShellError("a \(f.kind) cannot be called", at: loc, hint: "only functions and builtins take arguments")
        }
    }

    /// Runs a user function's body in a frame of its own: the parameters and every name it binds are local.
    func invoke(_ fn: UserFunction, _ bound: [String: Value], at loc: SourceLocation) throws -> Value {
        guard callDepth < configuration.maxCallDepth else {
            throw ShellError("calls nested more than \(configuration.maxCallDepth) deep in '\(fn.name)'", at: loc,
                             hint: "a function that calls itself needs a way to stop")
        }
        callDepth += 1
        frames.append(bound)
        defer {
            callDepth -= 1
            frames.removeLast()
        }
        do {
            switch fn.body {
            case .expression(let e):
                return try eval(e)
            case .block(let body):
                if case .returned(let v) = try runBlock(body) { return v }
                return .none
            }
        } catch var e as ShellError where callDepth == 1 {
            // The body's positions belong to the cell that defined it: point at the call in this cell.
            e.message = "in '\(fn.name)': \(e.message)"
            e.location = loc
            throw e
        }
    }

    /// Calls any callable value with positional values (for scan and gradcheck).
    func callValue(_ f: Value, _ values: [Value], name: String, at loc: SourceLocation) throws -> Value {
        var a = CallArgs()
        a.positional = values.map { ($0, loc) }
        return try apply(f, a, name: name, at: loc)
    }


    /// A path typed by the user, resolved against the session's folder (then the fallbacks, for
    /// files that exist there).
    public func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        if path.hasPrefix("~/") {
            return URL(fileURLWithPath: NSString(string: path).expandingTildeInPath)
        }
        let primary = configuration.baseDirectory.appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: primary.path) { return primary }
        for dir in configuration.fallbackDirectories {
            let candidate = dir.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return primary
    }
}

/// Evaluated arguments of a call, with positions for errors.
public struct CallArgs {
    var positional: [(Value, SourceLocation)] = []
    var keywords: [String: (Value, SourceLocation)] = [:]
    var name = ""
    var location = SourceLocation(line: 1, column: 1)

    func checkKeywords(_ allowed: [String]) throws {
        for (k, v) in keywords where !allowed.contains(k) {
            throw ShellError("\(name) has no keyword '\(k)'", at: v.1,
                             hint: Suggest.hint(for: k, among: allowed) ?? (allowed.isEmpty ? "\(name) takes no keywords" : "its keywords are \(allowed.joined(separator: ", "))"))
        }
    }

    var count: Int { positional.count }

    func location(_ i: Int) -> SourceLocation { i < positional.count ? positional[i].1 : location }

    func value(_ i: Int, _ what: String) throws -> Value {
        guard i < positional.count else {
            throw ShellError("\(name) needs \(what) as argument \(i + 1)", at: location)
        }
        return positional[i].0
    }

    func keyword(_ k: String) -> Value? { keywords[k]?.0 }
    func keywordLocation(_ k: String) -> SourceLocation { keywords[k]?.1 ?? location }

    func expectCount(_ range: ClosedRange<Int>) throws {
        guard range.contains(positional.count) else {
            let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw ShellError("\(name) takes \(want) argument\(range.upperBound == 1 ? "" : "s"), got \(positional.count)", at: location,
                             hint: "see :help \(name)")
        }
    }
}
