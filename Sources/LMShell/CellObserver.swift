import LMModels

/// Watches one cell as it runs, without replacing any part of the interpreter: the session recorder
/// (which keeps each cell's output and checkpoints the models it trained) and replay (which restores a
/// recorded training instead of training again) are observers, passed to `Interpreter.run(_:observer:)`.
public protocol CellObserver: AnyObject {
    /// Whether the cell's text goes only to this observer (a replay shows each cell after it ran), not also
    /// to the interpreter's `output`.
    var capturesOutput: Bool { get }
    /// Text the cell wrote, as it was written.
    func cellWrote(_ text: String)
    /// `train` or `step` is about to train `model` with `trainer`. Return the value the cell gives to stand
    /// for the training (a replay restores the recorded checkpoint), or nil to train.
    func willTrain(_ model: ModelValue, _ trainer: Trainer) throws -> Value?
    /// `train` is running `model` with `trainer` and has done `done` of its `steps` steps: a moment to keep
    /// a checkpoint of the unfinished training (`checkpoint_every`, and whenever validation was evaluated).
    /// An error is reported by `train` as a warning; the training goes on.
    func trainingCheckpoint(_ model: ModelValue, _ trainer: Trainer, done: Int, of steps: Int) throws
}

extension CellObserver {
    public var capturesOutput: Bool { false }
    public func cellWrote(_ text: String) {}
    public func willTrain(_ model: ModelValue, _ trainer: Trainer) throws -> Value? { nil }
    public func trainingCheckpoint(_ model: ModelValue, _ trainer: Trainer, done: Int, of steps: Int) throws {}
}

extension Interpreter {
    /// Writes streamed text: to the running cell's observer, and to `output` unless the observer captures it.
    public func write(_ text: String) {
        observer?.cellWrote(text)
        if observer?.capturesOutput != true { output(text) }
    }

    /// Before `train` or `step` trains `model`: the observer's stand-in result, if it has one.
    func willTrain(_ model: ModelValue, _ trainer: Trainer) throws -> Value? {
        try observer?.willTrain(model, trainer)
    }

    /// During `train`: lets the observer checkpoint the unfinished training of `model`.
    func trainingCheckpoint(_ model: ModelValue, _ trainer: Trainer, done: Int, of steps: Int) throws {
        try observer?.trainingCheckpoint(model, trainer, done: done, of: steps)
    }
}
