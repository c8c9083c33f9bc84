import CFuzzerDriver
import Foundation

// SwiftPM links an executable with `main` pointing at this file's top-level code, so libFuzzer's own
// `main` is not used: hand the command line to its driver with our callback.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = withUnsafeMutablePointer(to: &argc) { pc in
    withUnsafeMutablePointer(to: &argv) { pv in
        pv.withMemoryRebound(to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self, capacity: 1) { rebound in
            LLVMFuzzerRunDriver(pc, rebound) { data, size in testOneInput(data, size) }
        }
    }
}
exit(status)
