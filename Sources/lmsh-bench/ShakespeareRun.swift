import Foundation
import LMCore
import LMModels

/// Trains char-rnn's default model (2 × 128 LSTM, batch 50, seq 50, RMSProp 2e-3, clip 5, seed 123)
/// on Tiny Shakespeare and reports the val loss, wall-clock time and chars/s, then the KN 6-gram's
/// val loss on the same split.
func runShakespeare(args: [String]) throws {
    var steps = 2000
    var path = "../shared/data/tinyshakespeare.txt"
    var ngramOnly = false
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--steps" where i + 1 < args.count: steps = Int(args[i + 1]) ?? steps; i += 1
        case "--data" where i + 1 < args.count: path = args[i + 1]; i += 1
        case "--ngram-only": ngramOnly = true
        default: throw ModelError("unknown argument \(args[i])")
        }
        i += 1
    }
    if !FileManager.default.fileExists(atPath: path), FileManager.default.fileExists(atPath: "data/tinyshakespeare.txt") {
        path = "data/tinyshakespeare.txt"
    }
    let corpus = try Corpus(contentsOfFile: path)
    let splits = try CorpusSplits(corpus, SplitSpec())
    print("corpus \(path): \(splits.sizeReport)")
    let split = splits.summary

    if !ngramOnly {
        var rng = RandomSource(seed: 123)
        let model = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: corpus.vocabulary.count), rng: &rng)
        let trainer = try Trainer(model: model, splits: splits)
        print("model: 2 × 128 LSTM, \(model.parameters.scalarCount) parameters; RMSProp lr 2e-3, clip 5 (value), batch 50, seq 50, seed 123")
        let start = Date()
        var trainingSeconds = 0.0
        var lastReport = Date()
        try trainer.train(steps: steps) { p in
            if p.step % 100 == 0 || p.step == steps {
                let now = Date()
                print(String(format: "step %5d  epoch %.2f  train %.4f  grad norm %.3f  %.0f chars/s", p.step, p.epoch, p.trainLoss, p.gradNorm, p.charsPerSecond))
                lastReport = now
            }
            if p.step % 500 == 0 || p.step == steps {
                let t0 = Date()
                if let v = try? trainer.model.evaluate(splits.val, batch: 50, seq: 50, splitSummary: split) {
                    print("  val \(v)")
                }
                trainingSeconds -= Date().timeIntervalSince(t0)
            }
            return true
        }
        _ = lastReport
        trainingSeconds += Date().timeIntervalSince(start)
        let chars = Double(steps * 50 * 50)
        let val = try model.evaluate(splits.val, batch: 50, seq: 50, splitSummary: split)
        print(String(format: "LSTM after %d steps: val %@; training %.1f s, %.0f chars/s", steps, val.description, trainingSeconds, chars / trainingSeconds))
        var s = SampleSettings()
        s.length = 200
        s.prime = "ROMEO:"
        s.temperature = 0.8
        print("sample: " + (try model.sample(vocabulary: corpus.vocabulary, s)))
    }
    let t0 = Date()
    let ngram = try NGramModel(order: 6, vocabularySize: corpus.vocabulary.count, training: splits.train)
    let nv = try ngram.evaluate(splits.val)
    print(String(format: "KN 6-gram: val %.4f nats/char (%@), trained and evaluated in %.1f s", nv.natsPerSymbol, split, Date().timeIntervalSince(t0)))
}
