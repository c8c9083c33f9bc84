/// The one error type of the tensor core.
///
/// Every shape or argument problem a user can cause is thrown as a `TensorError` with a message a
/// student understands (`matmul: [3,4] @ [3,2]: inner sizes 4 and 3 differ`) and, where one helps,
/// a hint. The core never traps on user input.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public let hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String {
        if let hint { return "\(message) (hint: \(hint))" }
        return message
    }
}

/// Formats a shape the way messages show it: `[3,4]`.
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ",") + "]"
}
