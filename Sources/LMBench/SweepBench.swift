import Foundation
import LMModels

/// `lmsh bench --sweep hidden=64..1024`: the configuration of the other flags timed at each size, through the
/// same code as `lmsh bench` (`TrainBench`), so a user sees where the cost grows and how much of the machine each
/// size uses: chars/s, GFLOP/s (the reference's FLOP formula) and the share of the FMA peak measured first.
enum SweepBench {
    /// One size of the sweep: its options (size, steps and warm-up set) and FLOPs per step.
    struct Point {
        var size: Int
        var options: BenchOptions
        var flops: Double
    }

    static func flops(_ o: BenchOptions, vocab: Int) -> Double {
        let f = o.mode == .eval ? FlopCount.forward : FlopCount.training
        return f(o.model, vocab, o.hidden, o.layers, o.batch, o.seq, o.embed)
    }

    /// Steps for a point of `flops` per step when `steps` (and `warmup`) are asked for a configuration of
    /// `baseFlops`: the same work (steps × FLOPs) for bigger sizes, so each point takes about as long as the
    /// fixed configuration does, but at least 3 timed steps (a median) and 1 warm-up, never more than asked.
    static func scaled(steps: Int, warmup: Int, baseFlops: Double, flops: Double) -> (steps: Int, warmup: Int) {
        let share = flops > 0 ? Swift.min(1, baseFlops / flops) : 1
        let s = Swift.min(steps, Swift.max(3, Int((Double(steps) * share).rounded())))
        let w = Swift.min(warmup, Swift.max(1, Int((Double(warmup) * share).rounded())))
        return (s, w)
    }

    static func points(_ o: BenchOptions, sweep: SweepSpec, vocab: Int) -> [Point] {
        let base = flops(o, vocab: vocab)
        return sweep.sizes.map { size in
            var p = sweep.apply(size, to: o)
            let f = flops(p, vocab: vocab)
            (p.steps, p.warmup) = scaled(steps: o.steps, warmup: o.warmup, baseFlops: base, flops: f)
            return Point(size: size, options: p, flops: f)
        }
    }

    static func run(_ o: BenchOptions, sweep: SweepSpec) throws {
        let data = try BenchData.load(o.data, words: o.words)
        let points = points(o, sweep: sweep, vocab: data.corpus.vocabulary.count)
        let key = sweep.key.rawValue
        if o.plan {
            // The flags of each point, to add to the fixed ones (bench/sweep.sh gives them to both programs).
            for p in points { print("--\(key) \(p.size) --steps \(p.options.steps) --warmup \(p.options.warmup)") }
            return
        }
        let fma = FMAPeakBench.measure(rounds: 3)
        let peak = fma?.allCores ?? 0
        print(fma.map { String(format: "FMA peak (%d cores at once, best of 3): %.1f GFLOP/s", $0.cores, $0.allCores) }
              ?? "FMA peak: not measured (this CPU has no AVX2/FMA)")
        let fixed = sweep.key == .hidden ? "\(o.layers)×H" : "\(o.layers)×\(o.hidden)"
        print("sweep \(key): \(o.mode == .eval ? "forward only" : "train"), \(o.model.rawValue) \(fixed)"
              + (sweep.key == .seq ? "" : " seq \(o.seq)") + (sweep.key == .batch ? "" : " batch \(o.batch)")
              + ", data \(data.source)")
        print(header(key))
        fflush(nil)  // all streams: the row shows while the next size runs
        var rows: [(size: Int, chars: Double, gflops: Double)] = []
        for p in points {
            var report = p.options.mode == .eval ? try TrainBench.eval(p.options, data: data) : try TrainBench.train(p.options, data: data)
            let d = Dictionary(report.fields, uniquingKeysWith: { a, _ in a })
            let chars = (d["chars_per_sec"] as? Double) ?? 0, g = (d["gflops"] as? Double) ?? 0
            let ms = (d["ms_per_step"] as? Double) ?? 0
            report.add("sweep", key)
            report.add("warmup", p.options.warmup)
            if peak > 0 {
                report.add("peak_gflops", peak)
                report.add("peak_percent", 100 * g / peak)
            }
            rows.append((p.size, chars, g))
            print(row(size: p.size, steps: p.options.steps, ms: ms, chars: chars, gflops: g, peak: peak))
            fflush(nil)  // all streams: the row shows while the next size runs
            try report.emit(json: o.json, file: o.jsonFile)
        }
        print("")
        print(bars(rows.map { ($0.size, $0.chars) }, title: "chars/s against \(key)", full: rows.map(\.chars).max() ?? 0,
                   label: { String(format: "%@ chars/s", grouped($0)) }))
        let top = peak > 0 ? peak : (rows.map(\.gflops).max() ?? 0)
        print(bars(rows.map { ($0.size, $0.gflops) }, title: "GFLOP/s against \(key)" + (peak > 0 ? " (full bar: the FMA peak)" : ""),
                   full: top, label: { peak > 0 ? String(format: "%.1f GFLOP/s = %.0f%%", $0, 100 * $0 / peak) : String(format: "%.1f GFLOP/s", $0) }))
    }

    static let widths = [8, 6, 10, 11, 8, 10]

    static func columns(_ cells: [String]) -> String {
        zip(cells, widths).map { String(repeating: " ", count: Swift.max(0, $1 - $0.count)) + $0 }.joined(separator: " ")
    }

    static func header(_ key: String) -> String {
        columns([key, "steps", "ms/step", "chars/s", "GFLOP/s", "% of peak"])
    }

    static func row(size: Int, steps: Int, ms: Double, chars: Double, gflops: Double, peak: Double) -> String {
        columns([String(size), String(steps), String(format: "%.2f", ms), grouped(chars), String(format: "%.1f", gflops),
                 peak > 0 ? String(format: "%.0f%%", 100 * gflops / peak) : "—"])
    }

    /// A whole number with thousands separators (12,345), independent of the locale.
    static func grouped(_ x: Double) -> String {
        guard x.isFinite else { return "?" }
        let digits = String(Int(x.rounded()))
        var out = ""
        for (k, c) in digits.reversed().enumerated() {
            if k > 0 && k % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// One horizontal bar per size, `width` cells for `full`, in eighths of a cell.
    static func bars(_ values: [(Int, Double)], title: String, full: Double, width: Int = 40, label: (Double) -> String) -> String {
        let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var lines = [title]
        for (size, v) in values {
            let n = full > 0 && v.isFinite ? Swift.max(0, Swift.min(width * 8, Int((v / full * Double(width * 8)).rounded()))) : 0
            let bar = String(repeating: "█", count: n / 8) + eighths[n % 8]
            lines.append(String(format: "%8d │", size) + bar.padding(toLength: width, withPad: " ", startingAt: 0) + " " + label(v))
        }
        return lines.joined(separator: "\n")
    }
}
