import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The REPL's history: a plain-text file with one cell per line, so that multi-line cells come back
/// whole after a restart. A cell is written with four escapes, `\\` for a backslash, `\n` for a line
/// feed, `\r` for a carriage return and `\t` for a tab; everything else is written as it is (UTF-8).
/// Reading undoes them in one left-to-right pass, so `\\n` (a backslash, then `n`) and `\n` (a line
/// feed) stay apart. A backslash before any other character is kept as it is, which also reads files
/// written by earlier versions (they escaped only backslashes and line feeds, in the same way).
public struct HistoryFile: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `$LMSH_HISTORY` when set; else `.lmsh_history` in `$HOME`; only when `HOME` is unset (or empty),
    /// in the account's home folder from the password database. Nil when there is no home at all.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let p = environment["LMSH_HISTORY"], !p.isEmpty { return URL(fileURLWithPath: p) }
        if let home = environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".lmsh_history")
        }
        guard let home = passwordDatabaseHome() else { return nil }
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".lmsh_history")
    }

    /// The current user's home folder from the password database (`getpwuid`), if it has one.
    public static func passwordDatabaseHome() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        let home = String(cString: dir)
        return home.isEmpty ? nil : home
    }

    /// One cell as one line (without its line feed).
    public static func encode(_ cell: String) -> String {
        var line = String.UnicodeScalarView()
        for c in cell.unicodeScalars {
            switch c {
            case "\\": line.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": line.append(contentsOf: "\\n".unicodeScalars)
            case "\r": line.append(contentsOf: "\\r".unicodeScalars)
            case "\t": line.append(contentsOf: "\\t".unicodeScalars)
            default: line.append(c)
            }
        }
        return String(line)
    }

    /// The cell a line written by `encode` stands for.
    public static func decode<S: StringProtocol>(_ line: S) -> String {
        var cell = String.UnicodeScalarView()
        var escaped = false
        for c in line.unicodeScalars {
            if escaped {
                escaped = false
                switch c {
                case "\\": cell.append("\\")
                case "n": cell.append("\n")
                case "r": cell.append("\r")
                case "t": cell.append("\t")
                default:
                    cell.append("\\")
                    cell.append(c)
                }
            } else if c == "\\" {
                escaped = true
            } else {
                cell.append(c)
            }
        }
        if escaped { cell.append("\\") }
        return String(cell)
    }

    /// The file's text as cells, oldest first: lines split at line feeds only (not at `\r\n` pairs or
    /// Unicode line separators, which `encode` never leaves raw anyway), empty lines skipped.
    public static func cells(in text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true).map { decode(String($0)) }
    }

    /// The cells in the file, oldest first; none when it is missing or unreadable. Bytes that are not
    /// UTF-8 read as U+FFFD rather than losing the whole history.
    public func read() -> [String] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return HistoryFile.cells(in: String(decoding: data, as: UTF8.self))
    }

    /// Appends one cell (creating the file when missing).
    public func append(_ cell: String) throws {
        let line = Data((HistoryFile.encode(cell) + "\n").utf8)
        if let h = try? FileHandle(forUpdating: url) {
            defer { try? h.close() }
            let end = try h.seekToEnd()
            var bytes = line
            if end > 0 {
                // A last line cut short (a crash mid-write) must not swallow this cell.
                try h.seek(toOffset: end - 1)
                if try h.read(upToCount: 1) != Data([0x0A]) { bytes = Data([0x0A]) + line }
                try h.seekToEnd()
            }
            try h.write(contentsOf: bytes)
        } else {
            try line.write(to: url)
        }
    }
}
