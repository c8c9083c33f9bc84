import Foundation

/// Checks on files named in a cell, made before reading or writing so that the error names the path
/// and the problem in one line (Foundation's own errors print as multi-line dictionaries).
public enum Files {
    /// `url` exists and is a regular file (`what` starts the message, as "checkpoint").
    static func checkReadable(_ url: URL, _ what: String, at loc: SourceLocation) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ShellError("\(what): cannot read \(url.path): no such file", at: loc, hint: "check the name and its folder")
        }
        guard !isFolder.boolValue else { throw ShellError("\(what): cannot read \(url.path): it is a folder, not a file", at: loc) }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ShellError("\(what): cannot read \(url.path): permission denied", at: loc)
        }
    }

    /// Makes the folder `url` goes into, when missing.
    static func makeFolder(for url: URL, at loc: SourceLocation) throws {
        if FileManager.default.fileExists(atPath: url.path, isDirectory: nil) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            if isFolder.boolValue { throw ShellError("\(url.path) is a folder; name a file to save to", at: loc) }
        }
        // Walk up to the first part that exists: it must be a folder.
        var folder = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.path) && folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ShellError("cannot save to \(url.path): \(folder.path) is a file, not a folder", at: loc)
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ShellError("cannot create the folder \(url.deletingLastPathComponent().path): \(String(describing: (error as NSError).localizedDescription))", at: loc)
        }
    }
}
