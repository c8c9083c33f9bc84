import Foundation
import LMCore
import LMModels

/// A recurrent cell a user types as a step function, `def step(x, state) { … return [h, …] }`, made a
/// `RecurrentCell` so that every verb that takes a built-in model takes it (`recurrent(…)`).
///
/// The step reads x as one-hot rows [B, V] and the state list (h first), and returns the new list. Its
/// weights are the model's own parameters, bound under the names the step uses (`rnn.NAME_l0` in the
/// model), so a loaded model runs without the session that made it and inspection's detached copies are
/// what the step reads. The state's other items are carried side by side in the model's memory c.
struct UserCell: RecurrentCell, @unchecked Sendable {
    let function: UserFunction
    /// The user functions the step calls (found by name, transitively), saved and restored with it.
    let helpers: [UserFunction]
    /// The session's numbers the step and its helpers read (H, a scale), as they were when the model was made
    /// or loaded: used where the running session has no such name.
    let constants: [String: Double]

    /// The constants as a checkpoint saves them: the session's current values where it has them.
    var currentConstants: [String: Double] {
        var out = constants
        for name in constants.keys {
            if case .number(let x)? = runner.interpreter?.variables[name] { out[name] = x }
        }
        return out
    }
    let parameterNames: [String]
    let parameterShapes: [String: [Int]]
    /// The widths of the state's items (h first).
    let stateSizes: [Int]
    let vocabSize: Int
    /// The interpreter that evaluates the step (a class; the cell is only used from the shell's thread).
    let runner: StepRunnerBox

    var name: String { "user:" + function.name }
    var title: String { "user cell \(function.name)" }
    var equations: String { "\(function.name)(x, state) as typed: \(stateSizes.count) state item\(stateSizes.count == 1 ? "" : "s") of width \(stateSizes.map(String.init).joined(separator: ", "))" }
    var gates: [Gate] { [] }
    var hasCell: Bool { stateSizes.count > 1 }
    var extraParameters: [String] { parameterNames }
    func extraShape(_ name: String, hidden: Int, input: Int) -> [Int] { parameterShapes[name] ?? [hidden] }
    var usesLayerWeights: Bool { false }
    var memoryWidth: Int? { stateSizes.count > 1 ? stateSizes.dropFirst().reduce(0, +) : nil }
    var checkpointMetadata: [String: String] {
        ["lmsh.step_source": function.source ?? "", "lmsh.step_params": parameterNames.joined(separator: ","),
         "lmsh.state_sizes": stateSizes.map(String.init).joined(separator: ","),
         "lmsh.step_helpers": JSONWriter.array(helpers.map { $0.source ?? "" }),
         "lmsh.step_constants": { let c = currentConstants; return "{" + c.keys.sorted().map { "\(JSONWriter.quoted($0)):\(JSONWriter.number(c[$0] ?? 0))" }.joined(separator: ",") + "}" }()]
    }

    /// The functions whose source is unknown (defined inside a block or beside other statements): a
    /// checkpoint could not make them again.
    var unsavable: [String] { ([function] + helpers).filter { $0.source == nil }.map(\.name) }

    func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        guard let interp = runner.interpreter else { throw ModelError("the session that defined \(function.name) is gone") }
        let input = w.oneHotInput ? try Tensor.oneHot(x, depth: vocabSize) : x
        var state: [Value] = [.tensor(s.h)]
        var offset = 0
        for width in stateSizes.dropFirst() {
            state.append(.tensor(try s.c.slice([.all, .range(offset, offset + width)])))
            offset += width
        }
        let (environment, constantValues) = try runner.environment(for: w, of: self)
        let bound: [String: Value] = [function.parameters[0]: .tensor(input), function.parameters[1]: .list(state)]
        let result = try interp.runStep(function, bound, environment: environment, constants: constantValues)
        guard case .list(let items) = result, items.count == stateSizes.count else {
            throw ShellError("\(function.name) must return the new state, a list of \(stateSizes.count) tensor\(stateSizes.count == 1 ? "" : "s") (h first), got \(result.kind == "list" ? "a list of \(result.listCount)" : "a \(result.kind)")",
                             hint: "end the step with return [h, …] in the order of state=[…]")
        }
        let batch = s.h.shape.first ?? 1
        let tensors: [Tensor] = try items.enumerated().map { k, item in
            guard case .tensor(var t) = item else {
                throw ShellError("item \(k + 1) of the state \(function.name) returns is a \(item.kind), not a tensor")
            }
            if t.rank == 1 { t = try t.reshape([1, t.count]).add(Tensor.zeros([batch, t.count])) }
            guard t.shape == [batch, stateSizes[k]] else {
                throw ShellError("item \(k + 1) of the state \(function.name) returns has shape \(shapeString(t.shape)), not \(shapeString([batch, stateSizes[k]]))",
                                 hint: "each state item keeps its width; the batch is the first axis")
            }
            return t
        }
        let memory = tensors.count > 2 ? try Tensor.concat(Array(tensors.dropFirst()), axis: 1) : tensors.count == 2 ? tensors[1] : nil
        return CellOutput(h: tensors[0], c: memory, gates: [])
    }
}

/// The interpreter a user cell calls back into, held weakly (a model outliving its session fails cleanly),
/// and the step's environment for the layer weights it last ran with (made once per sequence, not per step).
final class StepRunnerBox: @unchecked Sendable {
    weak var interpreter: Interpreter?
    private weak var weights: CellWeights?
    private var cached: (environment: [String: Value], constants: [String: Value]) = ([:], [:])

    init(_ interpreter: Interpreter) { self.interpreter = interpreter }

    /// The step's weights (these `w`: the model's, or inspection's detached copies) and helpers by name, and its numbers.
    func environment(for w: CellWeights, of cell: UserCell) throws -> (environment: [String: Value], constants: [String: Value]) {
        if weights === w { return cached }
        var environment: [String: Value] = [:]
        for f in cell.helpers { environment[f.name] = .function(f) }
        for name in cell.parameterNames { environment[name] = .tensor(try w[name]) }
        cached = (environment, cell.constants.mapValues(Value.number))
        weights = w
        return cached
    }
}

extension Value {
    var listCount: Int { if case .list(let xs) = self { return xs.count } else { return 0 } }
}

extension Interpreter {
    /// Runs a user cell's step. Its evaluations do not count against the running cell's limit (a long
    /// `train` runs the step millions of times); each call has the whole budget of its own.
    func runStep(_ fn: UserFunction, _ bound: [String: Value], environment: [String: Value]? = nil,
                 constants: [String: Value]? = nil) throws -> Value {
        let saved = evaluations, savedFloor = stackFloor, savedEnvironment = stepEnvironment, savedConstants = stepConstants
        evaluations = 0
        if stackFloor == 0 { stackFloor = StackGuard.floor() }
        if let environment { stepEnvironment = environment }
        if let constants { stepConstants = constants }
        defer {
            evaluations = saved
            stackFloor = savedFloor
            stepEnvironment = savedEnvironment
            stepConstants = savedConstants
        }
        do {
            return try invoke(fn, bound, at: SourceLocation(line: 1, column: 1))
        } catch var e as ShellError {
            // Its position is in the cell that defined the step; the verb that ran the step places it.
            if !e.message.hasPrefix("in '") { e.message = "in '\(fn.name)': \(e.message)" }
            e.location = nil
            throw e
        }
    }
}
