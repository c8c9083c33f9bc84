import Foundation
import LMCore

/// One benchmark's result: the human line and the JSON fields (`chars_per_sec`, `ms_per_step`,
/// `gflops`, `peak_rss_mb`, and the configuration), printed the same way by every mode.
struct BenchReport {
    var fields: [(String, Any)] = []

    mutating func add(_ key: String, _ value: Any) { fields.append((key, value)) }

    /// One JSON object on one line, keys in insertion order (so lines diff well).
    var jsonLine: String {
        let parts = fields.map { key, value -> String in
            let v: String
            switch value {
            case let d as Double: v = JSONWriter.number(d, digits: 6)
            case let f as Float: v = JSONWriter.number(Double(f), digits: 6)
            case let n as Int: v = String(n)
            case let b as Bool: v = b ? "true" : "false"
            case let s as String: v = JSONWriter.quoted(s)
            default: v = JSONWriter.quoted("\(value)")
            }
            return "\(JSONWriter.quoted(key)): \(v)"
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Prints the JSON line to stdout, or appends it to `file`.
    func emit(json: Bool, file: String?) throws {
        guard json else { return }
        guard let file else {
            print(jsonLine)
            return
        }
        let line = Data((jsonLine + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: file) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: URL(fileURLWithPath: file))
        }
    }
}

/// The process's peak resident memory in MB (`VmHWM` of /proc/self/status: the high-water mark the
/// kernel keeps, so nothing is missed between samples); 0 where /proc is missing.
func peakResidentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// Seconds since an arbitrary start, monotonic.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The median of a non-empty list (the mean of the middle two for an even count, as Python's).
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
