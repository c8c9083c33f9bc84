@testable import LMBench
import Testing

/// `lmsh bench`'s flags, and the size spec of `--sweep` (issue 18): good forms give their sizes, bad ones a
/// one-line error naming the spec.
@Suite("lmsh bench options")
struct BenchOptionsTests {
    @Test func flagsAsTheReferenceScriptNamesThem() throws {
        let o = try BenchOptions.parse(["--hidden", "512", "--layers", "3", "--seq", "100", "--batch", "32", "--eval-only"])
        #expect(o.hidden == 512 && o.layers == 3 && o.seq == 100 && o.batch == 32)
        #expect(o.mode == .eval)
        #expect(o.sweep == nil)
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--hidden", "0"]) }
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--nope"]) }
    }

    @Test("A..B is A, the powers of two strictly between, and B", arguments: [
        ("hidden=64..1024", SweepSpec.Key.hidden, [64, 128, 256, 512, 1024]),
        ("seq=10..200", .seq, [10, 16, 32, 64, 128, 200]),
        ("batch=1..128", .batch, [1, 2, 4, 8, 16, 32, 64, 128]),
        ("hidden=8..16", .hidden, [8, 16]),
        ("hidden=100..100", .hidden, [100]),
        ("hidden=3..5", .hidden, [3, 4, 5]),
        ("hidden=64,96,128", .hidden, [64, 96, 128]),
        ("batch=50", .batch, [50]),
    ])
    func sweepSizes(_ spec: String, _ key: SweepSpec.Key, _ sizes: [Int]) throws {
        let o = try BenchOptions.parse(["--sweep", spec, "--layers", "1"])
        #expect(o.sweep == SweepSpec(key: key, sizes: sizes))
        #expect(o.layers == 1)
    }

    @Test("a bad spec is one line naming it", arguments: [
        ("hidden=0..x", "'0' must be an integer in 1...16384"),
        ("hidden=64..x", "'x' must be an integer"),
        ("depth=1..4", "unknown size 'depth'"),
        ("64..1024", "write KEY=A..B"),
        ("hidden=", "'' must be an integer"),
        ("hidden=1024..64", "the lower bound 1024 is above the upper bound 64"),
        ("hidden=64,,128", "'' must be an integer"),
        ("hidden=64,64", "listed twice"),
        ("hidden=99999", "'99999' must be an integer in 1...16384"),
        ("seq=1..1e9", "'1e9' must be an integer"),
    ])
    func badSweepSpecs(_ spec: String, _ says: String) {
        do {
            _ = try BenchOptions.parse(["--sweep", spec])
            Issue.record("--sweep \(spec) was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("bench: --sweep \(spec): "), "\(text)")
            #expect(text.contains(says), "\(text)")
            #expect(!text.contains("\n"), "\(text)")
        }
    }

    @Test func sweepNeedsARecurrentTrainingOrEvalConfiguration() throws {
        #expect(try BenchOptions.parse(["--sweep", "seq=8..16", "--eval-only"]).mode == .eval)
        for other in [["--sample", "10"], ["--fma"], ["--sgemm"], ["--standard"], ["--transformer"]] {
            #expect(throws: (any Error).self) { try BenchOptions.parse(["--sweep", "hidden=8..16"] + other) }
        }
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--plan"]) }
        #expect(throws: (any Error).self) { try BenchOptions.parse(["--sweep"]) }
        #expect(BenchOptions.usage.contains("--sweep hidden=A..B"))
    }
}

@Suite("lmsh bench --sweep steps")
struct SweepStepsTests {
    @Test("bigger points get fewer steps: the same work as the fixed configuration, at least 3 and 1")
    func stepsScaleWithTheFLOPs() {
        #expect(SweepBench.scaled(steps: 30, warmup: 5, baseFlops: 1, flops: 0.5) == (30, 5))
        #expect(SweepBench.scaled(steps: 30, warmup: 5, baseFlops: 1, flops: 1) == (30, 5))
        #expect(SweepBench.scaled(steps: 30, warmup: 5, baseFlops: 1, flops: 2) == (15, 3))
        #expect(SweepBench.scaled(steps: 30, warmup: 5, baseFlops: 1, flops: 54) == (3, 1))
        #expect(SweepBench.scaled(steps: 2, warmup: 0, baseFlops: 1, flops: 54) == (2, 0))
    }

    @Test func pointsOfTheDefaultHiddenSweep() throws {
        let o = try BenchOptions.parse(["--sweep", "hidden=64..1024"])
        let points = SweepBench.points(o, sweep: try #require(o.sweep), vocab: 65)
        #expect(points.map(\.size) == [64, 128, 256, 512, 1024])
        #expect(points.map(\.options.hidden) == [64, 128, 256, 512, 1024])
        #expect(points.map(\.options.layers) == [2, 2, 2, 2, 2])
        // 128 is the fixed configuration: its steps as asked; the FLOPs grow about fourfold per doubling.
        #expect(points[1].options.steps == 30 && points[1].options.warmup == 5)
        #expect(points[1].flops == FlopCount.training(cell: .lstm, vocab: 65, hidden: 128, layers: 2, batch: 50, seq: 50))
        #expect(points.map(\.options.steps) == [30, 30, 8, 3, 3])
        #expect(points.map(\.options.warmup) == [5, 5, 1, 1, 1])
    }
}
