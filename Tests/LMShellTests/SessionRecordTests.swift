import Testing
@testable import LMShell

@Suite struct SessionRecordTests {
    @Test func scriptTextRoundTrips() {
        let record = SessionRecord(header: ["lmsh session demo"], cells: [
            .init(source: "a = 1", output: ""),
            .init(source: "x = [1,\n  2]", output: "", checkpoints: []),
            .init(source: "for i in range(2) {\n  print(i)\n}", output: "0\n1"),
            .init(source: "def f(n) {\n  if n > 1 { return n }\n  return 1\n}", output: ""),
            .init(source: "train m text steps=3", output: "steps: 3\ntrain_loss: 1.25",
                  checkpoints: [.init(path: "demo/cell-3-m.safetensors", sha256: "ab12", variable: "m")]),
            .init(source: "a + 1", output: "2"),
        ])
        let text = record.text
        #expect(text.contains("#= steps: 3\n#= train_loss: 1.25\n#@ checkpoint m demo/cell-3-m.safetensors sha256=ab12\n"))
        #expect(SessionRecord.parse(text) == record)
    }

    @Test func comparisonToleratesSmallNumbersAndSkipsTimings() {
        #expect(OutputComparison.matches("loss: 1.00001\nseconds: 3.2", "loss: 1\nseconds: 9.9"))
        #expect(!OutputComparison.matches("loss: 1.1", "loss: 1"))
        #expect(!OutputComparison.matches("loss: 1", "lost: 1"))
        #expect(OutputComparison.matches("tensor([2., -3.5e-05])", "tensor([2., -3.5e-05])"))
    }
}
