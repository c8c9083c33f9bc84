import Foundation

/// Counts what the autodiff tape does while it is set (`TapeMeter.$current.withValue(meter) { … }`):
/// nodes recorded and time spent in backward passes. `:time` reports it, so the cost of the reference path
/// (a typed model's steps on autodiff ops) is visible. Only read from the thread that runs the ops.
public final class TapeMeter: @unchecked Sendable {
    @TaskLocal public static var current: TapeMeter?

    public private(set) var nodes = 0
    public private(set) var backwardPasses = 0
    public private(set) var backwardSeconds = 0.0

    public init() {}

    func recordNode() { nodes += 1 }

    func recordBackward(seconds: Double) {
        backwardPasses += 1
        backwardSeconds += seconds
    }
}
