import Testing
import LMCore
@testable import LMShell

private func split(_ script: String) -> [String] { CellSplitter.cells(script).map(\.text) }
private func lines(_ script: String) -> [Int] { CellSplitter.cells(script).map(\.line) }

@Suite struct CellSplitterTests {
    // MARK: cells

    @Test func eachCompleteLineIsACell() {
        let script = "a = randn(3, 4, seed=1)\nb = randn(4, 2, seed=2)\nloss = mean(tanh(a @ b) ^ 2)\nloss.backward()\na.grad\n"
        #expect(split(script) == [
            "a = randn(3, 4, seed=1)", "b = randn(4, 2, seed=2)", "loss = mean(tanh(a @ b) ^ 2)", "loss.backward()", "a.grad",
        ])
        #expect(lines(script) == [1, 2, 3, 4, 5])
    }

    @Test func blankAndCommentLinesBetweenCellsAreSkipped() {
        let script = "# a lesson\n\nx = 1\n   \n\t# indented comment\ny = 2  # trailing comment stays\n\n"
        #expect(split(script) == ["x = 1", "y = 2  # trailing comment stays"])
        #expect(lines(script) == [3, 6])
    }

    @Test func outputAndMetadataLinesOfSavedSessionsAreSkipped() {
        let script = "#@ lmsh session 1\nx = [1, 2]\n#= tensor [2]: [1, 2]\nx.sum()\n#= 3\n"
        #expect(split(script) == ["x = [1, 2]", "x.sum()"])
        #expect(lines(script) == [2, 4])
    }

    @Test func aCellContinuesWhileBracketsAreOpen() {
        let script = "w = f(a,\n      b,\n\n      # a comment inside\n      c)\nnext"
        let cells = CellSplitter.cells(script)
        #expect(cells.map(\.text) == ["w = f(a,\n      b,\n\n      # a comment inside\n      c)", "next"])
        #expect(cells.map(\.line) == [1, 6])
    }

    @Test func aCellContinuesAfterATrailingBackslash() {
        let script = "train m text \\\n  steps=1000 \\\n  lr=2e-3\nsample m 300"
        #expect(split(script) == ["train m text \\\n  steps=1000 \\\n  lr=2e-3", "sample m 300"])
        #expect(lines(script) == [1, 4])
    }

    @Test func bracketsAndBackslashesInStringsAndCommentsDoNotContinue() {
        let script = "print \"(\"\nprint \"[x\\\\\"\nx = 1  # (unclosed in a comment\ny = 2 # ends with \\\nz = 3"
        #expect(split(script) == ["print \"(\"", "print \"[x\\\\\"", "x = 1  # (unclosed in a comment",
                                  "y = 2 # ends with \\", "z = 3"])
    }

    @Test func anUnclosedBracketAtTheEndOfTheScriptGivesAFinalCellForTheParserToReport() throws {
        let cells = CellSplitter.cells("x = 1\ny = f(2,\n\n")
        #expect(cells.map(\.text) == ["x = 1", "y = f(2,\n\n"])
        let e = try #require(throws: ShellError.self) { try Parser.parse(cells[1].text) }
        #expect(e.message == "expected ')' to close '(' at 1:6, found end of input")
    }

    @Test func aLineWithAnUnterminatedStringEndsItsCell() {
        #expect(split("f(\"abc\nx = 1") == ["f(\"abc", "x = 1"])
    }

    @Test func crlfLineEndingsAreAccepted() {
        let cells = CellSplitter.cells("x = 1\r\n\r\ny = [1,\r\n 2]\r\n")
        #expect(cells.map(\.text) == ["x = 1", "y = [1,\n 2]"])
        #expect(cells.map(\.line) == [1, 3])
    }

    @Test func anEmptyScriptHasNoCells() {
        #expect(CellSplitter.cells("").isEmpty)
        #expect(CellSplitter.cells("\n\n# nothing\n").isEmpty)
    }

    @Test func theLectureScriptSplitsIntoStatementsThatParse() throws {
        let script = """
            # Lecture 3: backprop through a small network
            a = randn(3, 4, seed=1)
            b = randn(4, 2, seed=2)
            loss = mean(tanh(a @ b) ^ 2)
            loss.backward()
            a.grad
            #= tensor [3,4] …

            def cell(x, h) = tanh(x @ Wx + h @ Wh + c)
            text = corpus("data/tinyshakespeare.txt", val=0.05, test=0, \\
                          layout="charrnn")
            train m text steps=1000 batch=50 seq=50 opt="rmsprop" lr=2e-3 clip=5 \\
                clip_mode="norm" every=100 seed=123
            """
        let cells = CellSplitter.cells(script)
        #expect(cells.map(\.line) == [2, 3, 4, 5, 6, 9, 10, 12])
        for cell in cells { #expect(try Parser.parse(cell.text) != nil) }
        #expect(try Parser.parse(cells[7].text)?.sExpression
            == #"(call train m text steps=1000 batch=50 seq=50 opt="rmsprop" lr=0.002 clip=5 clip_mode="norm" every=100 seed=123)"#)
    }

    // MARK: needsContinuation

    @Test func continuationIsNeededForOpenBracketsOrATrailingBackslash() {
        #expect(CellSplitter.needsContinuation("f(a,"))
        #expect(CellSplitter.needsContinuation("x = [[1, 2],"))
        #expect(CellSplitter.needsContinuation("x = [[1, 2],\n [3, 4]"))
        #expect(CellSplitter.needsContinuation("train m \\"))
        #expect(CellSplitter.needsContinuation("train m \\  "))
        #expect(CellSplitter.needsContinuation("train m \\\n  steps=1 \\"))
    }

    @Test func continuationIsNotNeededForCompleteCells() {
        #expect(!CellSplitter.needsContinuation(""))
        #expect(!CellSplitter.needsContinuation("f(a, b)"))
        #expect(!CellSplitter.needsContinuation("x = [[1, 2],\n [3, 4]]"))
        #expect(!CellSplitter.needsContinuation("train m \\\n  steps=1"))
        #expect(!CellSplitter.needsContinuation("x)"))  // the parser reports the stray bracket
    }

    @Test func bracketsAndBackslashesInStringsAndCommentsAreIgnored() {
        #expect(!CellSplitter.needsContinuation("print \"(\""))
        #expect(!CellSplitter.needsContinuation("print \"\\\"(\""))
        #expect(!CellSplitter.needsContinuation("x = 1 # (note"))
        #expect(!CellSplitter.needsContinuation("x = 1 # ends with \\"))
        #expect(!CellSplitter.needsContinuation("x = \"a\\\\\""))
        #expect(CellSplitter.needsContinuation("f(\"#)\", # )\n"))
    }

    @Test func anUnterminatedStringNeedsNoContinuationSoTheErrorShowsAtOnce() {
        #expect(!CellSplitter.needsContinuation("f(\"abc"))
        #expect(!CellSplitter.needsContinuation("x = \"abc\\"))
    }

    @Test func continuationAgreesWithTheLexerOnCompleteCells() throws {
        // A cell that needs no continuation never fails with "found end of input" for want of a bracket.
        for cell in ["f(a)", "[1,\n2]", "x = 1 \\\n + 2", "g(\"(\")"] {
            #expect(!CellSplitter.needsContinuation(cell))
            #expect(try Parser.parse(cell) != nil)
        }
    }

    // MARK: Properties

    @Test func joinedRandomCellsSplitBackIntoTheSameCells() throws {
        let pieces = ["x = f(a,\n  b)", "train m \\\n  steps=1", "print \"(#\"", "y = [[1, 2],\n\n [3, 4]]", "a.grad",
                      "def g(x) = x^2  # square", "z = \"\\\\\""]
        var rng = RandomSource(seed: 3)
        for _ in 0..<200 {
            var script = ""
            var expected: [(String, Int)] = []
            var line = 1
            for _ in 0..<(1 + rng.nextInt(below: 8)) {
                for _ in 0..<rng.nextInt(below: 3) {
                    let filler = ["", "# note", "#= out", "#@ meta", "   "][rng.nextInt(below: 5)]
                    script += filler + "\n"
                    line += 1
                }
                let cell = pieces[rng.nextInt(below: pieces.count)]
                expected.append((cell, line))
                script += cell + "\n"
                line += cell.split(separator: "\n", omittingEmptySubsequences: false).count
            }
            let cells = CellSplitter.cells(script)
            #expect(cells.map(\.text) == expected.map(\.0))
            #expect(cells.map(\.line) == expected.map(\.1))
        }
    }

    @Test func randomTextNeverTrapsAndKeepsEveryNonBlankLine() {
        var rng = RandomSource(seed: 4)
        let alphabet = Array("ab(\"[])\\#=@ \n\n\t,.")
        for _ in 0..<2000 {
            var script = ""
            for _ in 0..<rng.nextInt(below: 60) { script.append(alphabet[rng.nextInt(below: alphabet.count)]) }
            let cells = CellSplitter.cells(script)
            let scriptLines = script.split(separator: "\n", omittingEmptySubsequences: false)
            for cell in cells {
                #expect(cell.line >= 1 && cell.line <= scriptLines.count)
                #expect(scriptLines[cell.line - 1] == cell.text.split(separator: "\n", omittingEmptySubsequences: false)[0])
                _ = CellSplitter.needsContinuation(cell.text)
                do { _ = try Parser.parse(cell.text) } catch is ShellError {} catch { Issue.record("\(error)") }
            }
            let kept = cells.reduce(0) { $0 + $1.text.split(separator: "\n", omittingEmptySubsequences: false).count }
            let significant = scriptLines.filter { line in
                let t = line.drop(while: { $0 == " " || $0 == "\t" })
                return !t.isEmpty && !t.hasPrefix("#")
            }.count
            #expect(kept >= significant)
        }
    }
}
