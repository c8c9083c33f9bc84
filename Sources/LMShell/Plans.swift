import LMModels

extension Interpreter {
    /// For `:time`: how each model the cell names runs a training window, and why (its `m.plan`).
    public func plans(mentionedIn cell: String) -> [String] {
        let names = Set(cell.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
        return variables.keys.sorted().compactMap { name in
            guard names.contains(name), case .model(let m) = variables[name] else { return nil }
            return "\(name): " + m.trainingPlan.description
        }
    }
}

extension ModelValue {
    /// How a training window of this model runs: its trainer's batch, else the default 50 (`m.plan`, `:time`).
    var trainingPlan: ExecutionPlan {
        ExecutionPlan(model.config, batch: trainer?.batcher.batch ?? TrainSettings().batch, train: true)
    }
}
