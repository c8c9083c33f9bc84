/// Presets that pick a model's size and a training run's settings for a wall-clock budget:
/// `lstm(text, recipe="fast")` takes the model half, `train m text minutes=2 recipe="fast"` the training
/// half. What a user types explicitly overrides the recipe. Each choice names the measurement behind it
/// (the runs are logged in bench/recipes.md: what each chose, val reached, minutes, machine load).
public struct Recipe: Sendable, Equatable {
    public var name: String
    public var summary: String
    // The model.
    public var hidden: Int
    public var layers: Int
    public var dropout: Double
    // The run.
    public var minutes: Double
    public var batch: Int
    public var seq: Int
    public var optimizer: OptimizerKind
    public var lr: Double
    public var minLR: Double
    public var warmup: Int
    public var clip: Double
    public var clipMode: ClipMode

    /// The table. Keep each field's reason beside it.
    public static let table: [Recipe] = [
        Recipe(
            name: "fast",
            summary: "char-rnn's best Shakespeare loss (val ≤ 1.386) in two minutes on two cores",
            // 2×128 at 2 minutes measured bench/recipes.md runs …
            hidden: 128, layers: 2, dropout: 0,
            minutes: 2,
            batch: 50, seq: 50,
            optimizer: .adam, lr: 3e-3, minLR: 1e-4, warmup: 100,
            clip: 5, clipMode: .norm),
    ]

    public static func named(_ name: String) -> Recipe? { table.first { $0.name == name } }
    public static var names: [String] { table.map(\.name) }
}
