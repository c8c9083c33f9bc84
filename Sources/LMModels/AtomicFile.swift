import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replace-by-rename file writing, so that a checkpoint on disk is always either the old one or the
/// complete new one — a crash or a full disk in the middle of saving must not destroy the last good
/// model.
///
/// The sequence is the classic one: write a temporary file in the destination's folder (rename is
/// only atomic within one file system), `fsync` it (so the rename cannot reach the disk before the
/// data), `rename` it over the destination, then `fsync` the folder (so the rename itself is durable).
/// POSIX calls are used directly because Foundation's `Data.write(options: .atomic)` does not sync.
/// On macOS `fsync` does not flush the drive's cache (that needs `F_FULLFSYNC`); that is accepted.
/// A symbolic link at the destination is replaced by the file, not followed.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, beforeRename: () throws -> Void = {}) throws {
        guard url.isFileURL else {
            throw CheckpointError(.io, "cannot write to \(url): not a file URL")
        }
        let destination = url.path
        let folder = url.deletingLastPathComponent().path
        // The process id tells stale files apart; the random part keeps two writers in one process apart.
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(suffix)").path

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ioError("cannot create \(temporary)")
        }
        var open_ = true
        var renamed = false
        defer {
            if open_ { _ = close(fd) }
            if !renamed { _ = unlink(temporary) }
        }

        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var offset = 0
            while offset < raw.count {
                let base = raw.baseAddress.map { $0 + offset }
                let n = Glue.write(fd, base, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ioError("cannot write \(temporary)")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw ioError("cannot sync \(temporary)") }
        open_ = false
        // close can report a deferred write error (NFS): the file is not trusted then.
        guard close(fd) == 0 else { throw ioError("cannot close \(temporary)") }

        try beforeRename()

        guard rename(temporary, destination) == 0 else {
            throw ioError("cannot rename \(temporary) to \(destination)")
        }
        renamed = true

        // Make the rename durable. Some file systems cannot sync a folder (EINVAL): nothing to do there.
        let dirfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else {
            throw ioError("wrote \(destination) but cannot open its folder to sync it")
        }
        defer { _ = close(dirfd) }
        if fsync(dirfd) != 0 && errno != EINVAL {
            throw ioError("wrote \(destination) but cannot sync its folder")
        }
    }

    private static func ioError(_ what: String) -> CheckpointError {
        let code = errno
        return CheckpointError(.io, "\(what): \(String(cString: strerror(code)))")
    }

    /// `write(2)` under a name that does not clash with the static method above.
    private enum Glue {
        static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
            #if canImport(Glibc)
            Glibc.write(fd, buffer, count)
            #elseif canImport(Musl)
            Musl.write(fd, buffer, count)
            #else
            Darwin.write(fd, buffer, count)
            #endif
        }
    }
}
