import Foundation
import LMInspect
import LMModels

/// Which files cells may read and write: the trust rule. Cells the user types are trusted (`anywhere`).
/// Cells that come from a file (`lmsh FILE`, `lmsh replay FILE`, `:load`, `:replay`) may read and write only
/// inside the current folder's tree and the file's own folder, unless the user trusts that file (`--trust`,
/// or `:trust FILE`, remembered by the file's SHA-256 in `TrustStore`).
public struct FileAccess: Sendable, Equatable {
    /// The folders cells may use (nil: anywhere).
    public var roots: [URL]?
    /// The file the cells come from, for the message.
    public var source: String

    public static let anywhere = FileAccess(roots: nil, source: "")

    /// Cells from the file at `source`: the current folder's tree and the file's folder.
    public static func cells(from source: URL, currentFolder: URL) -> FileAccess {
        let roots = [currentFolder, source.deletingLastPathComponent()].map(\.standardizedFileURL)
        return FileAccess(roots: roots[0] == roots[1] ? [roots[0]] : roots, source: source.standardizedFileURL.path)
    }

    public enum Use: String { case read, write }

    /// Whether `url` may be used: a read is checked on the path with `..` resolved (a symbolic link that lies
    /// inside the tree may be followed: the corpora under `data/` are such links, and no verb makes one); a
    /// write after resolving links too, so that writing through a link that points outside is writing outside.
    public func allows(_ url: URL, for use: Use) -> Bool {
        guard let roots else { return true }
        let path = use == .read ? url.standardizedFileURL.path : FileAccess.resolvedForWriting(url).path
        return roots.contains { root in
            let r = (use == .read ? root.standardizedFileURL : root.resolvingSymlinksInPath()).path
            return path == r || path.hasPrefix(r.hasSuffix("/") ? r : r + "/")
        }
    }

    /// The file a write lands in: links resolved in the file itself when it exists, else in its folder.
    static func resolvedForWriting(_ url: URL) -> URL {
        let u = url.standardizedFileURL
        if FileManager.default.fileExists(atPath: u.path) { return u.resolvingSymlinksInPath() }
        return u.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(u.lastPathComponent)
    }
}

/// The files the user trusts, by SHA-256 of their content: one `HEX  PATH` line each in `~/.lmsh_trusted`
/// (`$HOME`, else the account's home; `$LMSH_TRUST_FILE` overrides). A trusted file that changes is no
/// longer trusted.
public struct TrustStore {
    public let url: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let p = environment["LMSH_TRUST_FILE"], !p.isEmpty {
            url = URL(fileURLWithPath: p)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            url = URL(fileURLWithPath: home).appendingPathComponent(".lmsh_trusted")
        }
    }

    static func digest(of file: URL) throws -> String { SHA256.hexDigest(try Data(contentsOf: file)) }

    /// Whether the file's current content is trusted.
    public func trusts(_ file: URL) -> Bool {
        guard let d = try? TrustStore.digest(of: file), let text = try? String(contentsOf: url, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.split(separator: " ").first.map(String.init) == d }
    }

    /// Trusts the file's current content (atomically rewrites the store); returns the digest.
    @discardableResult
    public func trust(_ file: URL) throws -> String {
        let d = try TrustStore.digest(of: file)
        let old = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var lines = old.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(d + " ") }
        lines.append("\(d)  \(file.standardizedFileURL.path)")
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
        return d
    }
}

extension Interpreter {
    /// Refuses `url` when the running cells may not use it (see `FileAccess`): a positioned one-line error that
    /// names the path, the rule and the way to allow it.
    func checkAccess(_ url: URL, for use: FileAccess.Use, _ path: String, at loc: SourceLocation) throws {
        let access = configuration.fileAccess
        guard !access.allows(url, for: use), let roots = access.roots else { return }
        let folders = roots.map(\.path).joined(separator: " and ")
        throw ShellError("cannot \(use.rawValue) \(url.standardizedFileURL.path): cells from \(access.source) may \(use.rawValue) only inside \(folders)",
                         at: loc, hint: "if you trust \(access.source), run it with --trust, or :trust it in the shell")
    }

    /// Refuses to replace an existing file that lmsh did not write: `save` replaces only checkpoints,
    /// `export` only its own pictures (`overwrite=true` allows either), so a typo cannot destroy a file.
    func checkReplace(_ url: URL, _ path: String, export: Bool, overwrite: Bool, at loc: SourceLocation) throws {
        // A folder is not replaced either way; saving into one says so where the file is written.
        var isFolder: ObjCBool = false
        guard !overwrite, FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { return }
        let ours = export ? Files.startsWithExportMarker(url) : ModelCheckpoint.isCheckpoint(at: url)
        guard !ours else { return }
        throw ShellError("\(path) exists and is not \(export ? "a picture lmsh exported" : "an lmsh checkpoint"): not replacing it",
                         at: loc, hint: "pick another name, or add overwrite=true to replace it")
    }
}

extension Files {
    /// Whether the file starts (within its first 4 KB) with the marker `export` writes into every picture.
    static func startsWithExportMarker(_ url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 4096)) ?? Data()
        return String(decoding: head, as: UTF8.self).contains(HTMLPage.exportMarker)
    }

    /// `export`'s and `:export`'s write: refused over a file lmsh did not export (unless `overwrite`), atomic.
    public static func writeExport(_ content: String, to url: URL, overwrite: Bool = false) throws {
        if !overwrite && FileManager.default.fileExists(atPath: url.path) && !startsWithExportMarker(url) {
            throw ShellError("\(url.path) exists and is not a page lmsh exported: not replacing it",
                             hint: "pick another name")
        }
        try AtomicFile.write(Data(content.utf8), to: url)
    }
}
