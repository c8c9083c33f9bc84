import Foundation
import LMCore
import LMModels

/// `lmsh bench …` (and `lmsh-bench run …`): parses the flags, runs one benchmark or the standard set,
/// prints a human line per result and, with `--json`, a JSON line. Returns the exit status.
public enum BenchCommand {
    public static func main(_ args: [String]) -> Int32 {
        let o: BenchOptions
        do {
            o = try BenchOptions.parse(args)
        } catch is BenchHelp {
            print(BenchOptions.usage)
            return 0
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 2
        }
        do {
            if let t = o.threads { setenv("LMSH_THREADS", String(t), 1) }
            if let sweep = o.sweep {
                try SweepBench.run(o, sweep: sweep)
            } else if o.mode == .standard {
                try standard(o)
            } else {
                try run(o)
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("lmsh bench: \(error)\n".utf8))
            return 1
        }
    }

    /// One benchmark, as the flags say.
    public static func run(_ o: BenchOptions, peak: Double? = nil) throws {
        var report: BenchReport
        switch o.mode {
        case .sgemm: report = SgemmBench.run()
        case .fma: report = FMAPeakBench.run()
        case .sample: report = try SampleBench.run(o, data: try BenchData.load(o.data, words: o.words))
        case .eval: report = try TrainBench.eval(o, data: try BenchData.load(o.data, words: o.words))
        case .train where o.transformer: report = try TransformerBench.train(o, data: try BenchData.load(o.data, words: o.words))
        case .train, .standard: report = try TrainBench.train(o, data: try BenchData.load(o.data, words: o.words))
        }
        var line = summary(report)
        if let peak, peak > 0, let g = report.fields.first(where: { $0.0 == "gflops" })?.1 as? Double, o.mode != .sgemm {
            // Every training figure also as a share of the machine's measured limit.
            report.add("peak_gflops", peak)
            report.add("peak_percent", 100 * g / peak)
            line += String(format: " = %.0f%% of the FMA peak", 100 * g / peak)
        }
        print(line)
        try report.emit(json: o.json, file: o.jsonFile)
    }

    /// The standard set of `make bench`: configurations (a)-(e) of issue 6 and the sgemm limit.
    static func standard(_ base: BenchOptions) throws {
        print("(peak) lmsh bench --fma")
        let fma = FMAPeakBench.run()
        print(summary(fma))
        try fma.emit(json: base.json, file: base.jsonFile)
        let peak = fma.fields.first(where: { $0.0 == "gflops_peak" })?.1 as? Double
        for (name, flags) in standardSet {
            var o = try BenchOptions.parse(flags)
            o.json = base.json
            o.jsonFile = base.jsonFile
            o.threads = base.threads
            o.data = base.data
            print("(\(name)) lmsh bench \(flags.joined(separator: " "))")
            try run(o, peak: peak)
        }
    }

    /// Names and flags of the standard configurations, as in `../shared/bench/README.md`.
    public static let standardSet: [(String, [String])] = [
        ("a", ["--model", "lstm", "--hidden", "128", "--layers", "2", "--seq", "50", "--batch", "50"]),
        ("b", ["--model", "lstm", "--hidden", "512", "--layers", "3", "--seq", "100", "--batch", "32", "--steps", "20", "--warmup", "3"]),
        ("c", ["--model", "lstm", "--hidden", "256", "--layers", "1", "--seq", "64", "--batch", "64"]),
        ("d", ["--model", "rnn", "--hidden", "128", "--layers", "1", "--seq", "50", "--batch", "50"]),
        ("a eval", ["--model", "lstm", "--hidden", "128", "--layers", "2", "--seq", "50", "--batch", "50", "--eval-only"]),
        ("b eval", ["--model", "lstm", "--hidden", "512", "--layers", "3", "--seq", "100", "--batch", "32", "--steps", "20", "--warmup", "3", "--eval-only"]),
        ("e 2x128", ["--hidden", "128", "--layers", "2", "--sample", "2000"]),
        ("e 3x512", ["--hidden", "512", "--layers", "3", "--sample", "2000"]),
        ("w", ["--words", "10000", "--model", "lstm", "--embed", "200", "--hidden", "200", "--layers", "2", "--seq", "35", "--batch", "20", "--steps", "20"]),
        ("w sample", ["--words", "10000", "--embed", "200", "--hidden", "200", "--layers", "2", "--sample", "2000"]),
        ("t", ["--transformer", "--layers", "4", "--heads", "4", "--dim", "128", "--seq", "64", "--batch", "32", "--steps", "20", "--warmup", "3"]),
        ("sgemm", ["--sgemm"]),
    ]

    static func summary(_ r: BenchReport) -> String {
        let d = Dictionary(r.fields, uniquingKeysWith: { a, _ in a })
        func num(_ k: String) -> Double { (d[k] as? Double) ?? Double((d[k] as? Int) ?? 0) }
        switch d["mode"] as? String {
        case "sgemm":
            return String(format: "sgemm (32×512)·(512×2048), OpenBLAS %@: 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s",
                          (d["core"] as? String) ?? "?", num("gflops_1_thread"), num("gflops_2_threads"))
        case "fma":
            if let e = d["error"] as? String { return "FMA peak: not measured (\(e))" }
            return String(format: "FMA peak (12 AVX2 FMA chains per thread, %d threads at once, best of 7): %.1f GFLOP/s (one core alone %.1f); rounds spread %.0f%%",
                          Int(num("cores")), num("gflops_peak"), num("gflops_peak_1_core"), 100 * num("spread"))
        case "sample":
            return String(format: "sample: %d chars, median %.0f chars/s (%.1f us/char); peak RSS %.0f MB",
                          Int(num("n")), num("chars_per_sec"), num("us_per_char"), num("peak_rss_mb"))
        default:
            return String(format: "%@ %@ %d×%d seq %d batch %d (%d threads): median %.2f ms/step (min %.2f, max %.2f) -> %.0f chars/s, %.1f GFLOP/s; peak RSS %.0f MB",
                          (d["mode"] as? String) ?? "", (d["model"] as? String) ?? "", Int(num("layers")), Int(num("hidden")),
                          Int(num("seq")), Int(num("batch")), Int(num("threads")), num("ms_per_step"), num("min_ms"),
                          num("max_ms"), num("chars_per_sec"), num("gflops"), num("peak_rss_mb"))
        }
    }
}
