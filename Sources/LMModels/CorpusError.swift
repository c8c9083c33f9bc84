/// Everything that can go wrong while reading a corpus, encoding text or cutting it into splits and
/// batches. One type with a readable message (rather than an enum of cases) because every one of these
/// errors ends up in front of a student in the shell, and the message is what they act on.
public struct CorpusError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
