import LMCore

/// A recurrent cell, defined once: its gate layout, its parameters and its step in LMCore's autodiff
/// vocabulary, written the way the lecture writes it.
///
/// Everything else is derived from this definition: the reference path (training and evaluation for cells
/// without a fused kernel, and the yardstick fused kernels are tested against), sampling, checkpoints, and
/// every inspection (traced states and gates, Jacobians by autodiff over `step`, gradient flow). A cell may
/// also provide a fused `kernel` that accelerates the same equations; tests check it against `step`.
///
/// Adding a built-in cell is one file with a type conforming to this protocol and one line in
/// `CellKind.builtIn`. A cell defined elsewhere (a test, a future user cell) is wrapped as `CellKind(cell)`.
public protocol RecurrentCell: Sendable {
    /// The name checkpoints and `m.cell` use ("rnn", "lstm", "coupled", "gru", "peephole", …).
    var name: String { get }
    /// How descriptions name the cell ("LSTM", "coupled LSTM", …).
    var title: String { get }
    /// The equations, one line, for help and descriptions.
    var equations: String { get }
    /// The gate blocks stacked in `weight_ih` and `weight_hh` ([gates·H, ·]), in order.
    var gates: [Gate] { get }
    /// Whether the state carries a memory c besides h (LSTMs).
    var hasCell: Bool { get }
    /// Per-layer parameters besides PyTorch's four tensors, named `rnn.NAME_l{k}` (peepholes; every weight of
    /// a cell a user writes); their shapes come from `extraShape`.
    var extraParameters: [String] { get }
    /// The shape of extra parameter `name` for a layer of `hidden` units reading `input` features ([hidden] by default).
    func extraShape(_ name: String, hidden: Int, input: Int) -> [Int]
    /// Whether the layer has PyTorch's `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (false for a cell whose
    /// weights are all its own extra parameters).
    var usesLayerWeights: Bool { get }
    /// The width of the memory c carried beside h, when it is not H (a user's state of several tensors is
    /// carried as h and, in c, the others side by side).
    var memoryWidth: Int? { get }
    /// String metadata a checkpoint stores to make the cell again (a user cell's step source), under `lmsh.*`.
    var checkpointMetadata: [String: String] { get }
    /// The gate whose input bias char-rnn's initialisation sets to 1 (the forget gate), if any.
    var forgetGate: Int? { get }
    /// A fused forward/backward kernel for the same equations, if the cell has one.
    var kernel: FusedKernel? { get }
    /// One step: the new state from the input x ([B, I], or [B] symbol ids for one-hot input) and the
    /// previous state, with the layer's weights `w`. Returns the new h (and c) and every gate's activation
    /// in `gates` order.
    func step(_ x: Tensor, _ state: CellState, _ w: CellWeights) throws -> CellOutput
}

extension RecurrentCell {
    public var extraParameters: [String] { [] }
    public func extraShape(_ name: String, hidden: Int, input: Int) -> [Int] { [hidden] }
    public var usesLayerWeights: Bool { true }
    public var memoryWidth: Int? { nil }
    public var checkpointMetadata: [String: String] { [:] }
    public var forgetGate: Int? { nil }
    public var kernel: FusedKernel? { nil }
}

/// One gate block of a cell's layout: its name and the nonlinearity applied to it.
public struct Gate: Sendable, Equatable {
    public enum Activation: String, Sendable { case sigmoid, tanh }
    public var name: String
    public var activation: Activation
    public init(_ name: String, _ activation: Activation) {
        self.name = name
        self.activation = activation
    }
}

/// A cell's state between steps: h, and the memory c for cells that have one (an empty tensor otherwise).
public struct CellState {
    public var h: Tensor
    public var c: Tensor
    public init(h: Tensor, c: Tensor = Tensor(0)) {
        self.h = h
        self.c = c
    }
}

/// What one step computes: the new state and each gate's activation (in the cell's `gates` order; empty
/// for a cell without gates, such as the tanh RNN).
public struct CellOutput {
    public var h: Tensor
    public var c: Tensor?
    public var gates: [Tensor]
    public init(h: Tensor, c: Tensor? = nil, gates: [Tensor] = []) {
        self.h = h
        self.c = c
        self.gates = gates
    }
    public var state: CellState { CellState(h: h, c: c ?? Tensor(0)) }
}

/// A fused kernel for a cell's step: the forward and backward passes over raw buffers, for one time step
/// of a whole batch, with the projections made outside (see `StepBuffers`). Only LMModels makes one.
public struct FusedKernel: Sendable {
    let forward: @Sendable (StepBuffers) -> Void
    let backward: @Sendable (StepBuffers, StepGradients) -> Void
    /// Whether the kernel needs the input and hidden projections apart (the GRU, whose r multiplies the
    /// hidden projection alone); otherwise the two are summed before the step.
    let separateProjections: Bool
    /// Whether the backward pass may write ∂z over the step's gate values `acts`: it reads every gate value
    /// before it writes ∂z at the same place, and nothing reads the gates afterwards. Then the window needs no
    /// ∂z buffer of its own: for a 3×512 LSTM's training window that is 13 MB per layer and shard less to
    /// allocate and to stream through the caches.
    let backwardInPlace: Bool

    init(forward: @escaping @Sendable (StepBuffers) -> Void, backward: @escaping @Sendable (StepBuffers, StepGradients) -> Void,
         separateProjections: Bool = false, backwardInPlace: Bool = false) {
        self.forward = forward
        self.backward = backward
        self.separateProjections = separateProjections
        self.backwardInPlace = backwardInPlace && !separateProjections
    }
}
