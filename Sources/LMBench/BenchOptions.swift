import LMModels

/// The flags of `lmsh bench`, named as in the reference script (`../shared/bench/torch_charlstm.py`)
/// so that one command line means the same configuration to both.
public struct BenchOptions: Sendable, Equatable {
    public enum Mode: String, Sendable {
        case train, eval, sample, sgemm, fma, standard
    }

    public var mode = Mode.train
    public var model = CellKind.lstm
    public var hidden = 128
    public var layers = 2
    public var seq = 50
    public var batch = 50
    public var steps = 30
    public var warmup = 5
    /// Shards (cores) for the fused path; nil keeps `FusedWindow.defaultThreads`.
    public var threads: Int?
    public var lr: Float = 2e-3
    public var clip: Float = 5
    public var seed: UInt64 = 1234
    /// Characters to generate in sample mode.
    public var sampleLength = 0
    /// Text file; nil looks for Tiny Shakespeare where `make data` and the reference script put it.
    public var data: String?
    /// Print one JSON line (to stdout, or appended to `jsonFile`).
    public var json = false
    public var jsonFile: String?
    /// Word-level: the text as words with this vocabulary (0: characters), as PyTorch's word_language_model.
    public var words = 0
    /// Embedding size (0: one-hot input).
    public var embed = 0
    /// Tie the decoder to the embedding (needs embed = hidden).
    public var tie = false
    /// Time a transformer (nanoGPT's GPT) instead: `--transformer --layers L --heads H --dim C --seq T --batch B`.
    public var transformer = false
    public var heads = 4
    public var dim = 128
    /// `--sweep hidden=64..1024`: time the configuration at each size (`SweepBench`); `--plan` only lists the points.
    public var sweep: SweepSpec?
    public var plan = false

    public init() {}

    public static let usage = """
        usage: lmsh bench [--model lstm|rnn|gru|coupled|peephole] [--hidden H] [--layers L] [--seq T] [--batch B]
                          [--steps N] [--warmup N] [--threads N] [--lr X] [--clip X] [--seed N] [--data FILE]
                          [--words V] [--embed E] [--tie] [--transformer --heads H --dim C] [--eval-only | --sample N | --sgemm | --fma | --standard] [--json [FILE]]
               lmsh bench --sweep hidden=A..B|seq=A..B|batch=A..B|KEY=A,B,C [--plan] [other flags as above]
               lmsh bench --typed [--rounds N] [--steps N] [--data FILE]
          default: time training steps (Adam, clip by norm) with char-rnn's layout and one-hot input, like
          ../shared/bench/torch_charlstm.py with the same flags; --eval-only times the forward pass,
          --sample N times generating N characters with batch 1, --sgemm measures cblas_sgemm
          (32×512)·(512×2048) at 1 and 2 threads, --fma the machine's FMA peak (12 independent AVX2 FMA
          chains, one thread per core, all cores at once; best of 7 rounds), --standard runs the standard set
          of `make bench` after measuring the FMA peak, and gives every training figure as a share of it;
          --words V reads the text as words (vocabulary V, as corpus(…, unit="word")), --embed E adds an
          embedding, --tie ties it to the decoder (PyTorch's word_language_model: --words 10000 --embed 200
          --hidden 200 --layers 2 --seq 35 --batch 20); --transformer times nanoGPT's GPT (pre-LN, GELU MLP,
          tied head) of --layers blocks, --heads heads and width --dim over windows of --seq, beside
          bench/torch_nanogpt.py with the same flags (bench/compare.sh t).
          --typed trains a 2×128 LSTM typed in lmsh (recurrent + def) beside the built-in one, interleaved.
          --sweep hidden=64..1024 (or seq=…, batch=…) times the configuration of the other flags (default 2×128
          LSTM, seq 50, batch 50) at each size: A..B is A, the powers of two between and B; A,B,C a list. It
          measures the FMA peak first, then prints per size chars/s, GFLOP/s and the share of the peak, as a table
          and as bars; bigger sizes get fewer steps (--steps and --warmup times the fixed configuration's FLOPs
          over the size's, at least 3 and 1); --json FILE appends a line per size; --plan prints each size's
          flags without running (bench/sweep.sh runs them beside PyTorch).
        """

    /// Parses `args` (everything after `bench`); an unknown flag or a bad value is an error naming it.
    public static func parse(_ args: [String]) throws -> BenchOptions {
        var o = BenchOptions()
        var i = 0
        func value() throws -> String {
            guard i + 1 < args.count else { throw ModelError("bench: \(args[i]) needs a value\n\(usage)") }
            i += 1
            return args[i]
        }
        func int(_ range: ClosedRange<Int>) throws -> Int {
            let flag = args[i], s = try value()
            guard let n = Int(s), range.contains(n) else {
                throw ModelError("bench: \(flag) \(s) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return n
        }
        func float() throws -> Float {
            let flag = args[i], s = try value()
            guard let x = Float(s), x.isFinite, x >= 0 else { throw ModelError("bench: \(flag) \(s) must be a number ≥ 0") }
            return x
        }
        while i < args.count {
            switch args[i] {
            case "--model":
                let s = try value()
                guard let k = CellKind.named(s) else {
                    throw ModelError("bench: --model \(s) must be one of \(CellKind.builtIn.map(\.name).joined(separator: ", "))")
                }
                o.model = k
            case "--hidden": o.hidden = try int(1...16384)
            case "--layers": o.layers = try int(1...64)
            case "--seq": o.seq = try int(1...100_000)
            case "--batch": o.batch = try int(1...100_000)
            case "--steps": o.steps = try int(1...1_000_000)
            case "--warmup": o.warmup = try int(0...1_000_000)
            case "--threads": o.threads = try int(1...256)
            case "--lr": o.lr = try float()
            case "--clip": o.clip = try float()
            case "--seed": o.seed = UInt64(try int(0...Int.max))
            case "--data": o.data = try value()
            case "--words": o.words = try int(2...10_000_000)
            case "--embed": o.embed = try int(0...16384)
            case "--tie": o.tie = true
            case "--transformer": o.transformer = true
            case "--heads": o.heads = try int(1...64)
            case "--dim": o.dim = try int(1...2048)
            case "--eval-only": o.mode = .eval
            case "--sample":
                o.sampleLength = try int(1...10_000_000)
                o.mode = .sample
            case "--sgemm": o.mode = .sgemm
            case "--fma": o.mode = .fma
            case "--standard": o.mode = .standard
            case "--sweep": o.sweep = try SweepSpec.parse(try value())
            case "--plan": o.plan = true
            case "--json":
                o.json = true
                if i + 1 < args.count, !args[i + 1].hasPrefix("--") {
                    i += 1
                    o.jsonFile = args[i]
                }
            case "-h", "--help": throw BenchHelp()
            default: throw ModelError("bench: unknown argument \(args[i])\n\(usage)")
            }
            i += 1
        }
        if o.plan && o.sweep == nil { throw ModelError("bench: --plan lists the points of a --sweep; give one") }
        if let s = o.sweep, o.transformer || (o.mode != .train && o.mode != .eval) {
            throw ModelError("bench: --sweep \(s.key.rawValue)=… times recurrent training or --eval-only, not \(o.transformer ? "--transformer" : "--\(o.mode.rawValue)")")
        }
        return o
    }
}

/// Thrown by `--help`: the caller prints the usage and exits with status 0.
struct BenchHelp: Error {}
