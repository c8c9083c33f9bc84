import LMCore
import Testing
@testable import LMModels

@Suite struct NamedParametersTests {
    @Test func lookupByNameAndCounting() throws {
        let w = try Tensor.zeros([3, 4]), b = try Tensor.zeros([4])
        let p = NamedParameters([("decoder.weight", w), ("decoder.bias", b)])
        #expect(p["decoder.bias"] === b)
        #expect(p["missing"] == nil)
        #expect(p.scalarCount == 16)
        #expect(p.names == ["decoder.weight", "decoder.bias"])
    }
}
