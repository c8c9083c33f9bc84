import Foundation
import Testing

/// `lmsh bench --sweep` run as a user does (tiny sizes, two steps): a row per size with positive figures, a JSON
/// line per size, and a bad spec as one line on stderr.
@Suite("lmsh bench --sweep end to end")
struct BenchSweepEndToEndTests {
    @Test func tinySweepPrintsARowPerSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("sweep.jsonl").path
        let r = try EndToEndTests.run(["bench", "--sweep", "hidden=8..16", "--steps", "2", "--warmup", "1", "--json", json], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // The table: a header, then rows of size, steps, ms/step, chars/s, GFLOP/s, % of peak, up to a blank line.
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex { $0.contains("ms/step") && $0.contains("% of peak") }, "\(r.stdout)")
        let rows = lines[(header + 1)...].prefix { !$0.isEmpty }.map { $0.split(separator: " ") }
        #expect(rows.map { Int($0[0]) } == [8, 16], "\(r.stdout)")
        for row in rows {
            try #require(row.count == 6, "\(row)")
            #expect(Int(row[1]) == 2)
            #expect((Double(row[2]) ?? 0) > 0, "ms/step in \(row)")
            #expect((Double(row[3].replacingOccurrences(of: ",", with: "")) ?? 0) > 0, "chars/s in \(row)")
            #expect((Double(row[4]) ?? 0) > 0, "GFLOP/s in \(row)")
        }
        #expect(r.stdout.contains("chars/s against hidden"))
        let points = try String(contentsOfFile: json, encoding: .utf8).split(separator: "\n")
        #expect(points.count == 2)
        #expect(points.allSatisfy { $0.contains("\"sweep\": \"hidden\"") && $0.contains("\"steps\": 2") })

        let bad = try EndToEndTests.run(["bench", "--sweep", "hidden=0..x"], cwd: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr == "bench: --sweep hidden=0..x: '0' must be an integer in 1...16384 (as --hidden)\n")
    }
}
