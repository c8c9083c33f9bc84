import Testing
@testable import LMShell

@Suite struct ShellErrorTests {
    @Test func rendersACaretUnderTheColumn() {
        let e = ShellError("unknown name 'smaple'", at: LMShell.SourceLocation(line: 1, column: 5), hint: "did you mean 'sample'?")
        let text = e.render(source: "x = smaple(m)")
        #expect(text == "error at 1:5: unknown name 'smaple' (hint: did you mean 'sample'?)\n  x = smaple(m)\n      ^")
    }
}
