import Foundation
import Testing
@testable import LMInspect

@Suite("Pictures")
struct RenderTests {
    @Test func colourModeFollowsTheEnvironment() {
        #expect(ColorMode.detect(environment: ["NO_COLOR": "", "COLORTERM": "truecolor"], isTerminal: true) == .none)
        #expect(ColorMode.detect(environment: ["COLORTERM": "truecolor"], isTerminal: false) == .none)
        #expect(ColorMode.detect(environment: ["COLORTERM": "truecolor"], isTerminal: true) == .trueColor)
        #expect(ColorMode.detect(environment: ["COLORTERM": "24bit"], isTerminal: true) == .trueColor)
        #expect(ColorMode.detect(environment: [:], isTerminal: true) == .palette256)
        #expect(ColorMode.detect(environment: ["TERM": "dumb"], isTerminal: true) == .none)
    }

    @Test func divergingScaleAndPalette() {
        #expect(RGB.diverging(0) == RGB(255, 255, 255))
        #expect(RGB.diverging(-1) == RGB(214, 39, 40))
        #expect(RGB.diverging(1) == RGB(31, 119, 180))
        #expect(RGB.diverging(5) == RGB.diverging(1))
        #expect(RGB(255, 255, 255).paletteIndex == 231 && RGB(0, 0, 0).paletteIndex == 16)
        #expect(RGB(255, 0, 0).paletteIndex == 196)
        #expect(RGB(31, 119, 180).hex == "#1f77b4")
    }

    @Test func coloredTextInEveryMode() {
        let text = Array("ab\ncd".unicodeScalars), values = [-1, 0, 0.5, 1, 0.2]
        let plain = TerminalPictures.coloredText(text, values: values, mode: .none, width: 80)
        #expect(plain == "ab↵\n- +\n905\ncd\n++\n92")
        #expect(!plain.contains("\u{1B}"))
        let full = TerminalPictures.coloredText(text, values: values, mode: .trueColor, width: 80)
        #expect(full.hasPrefix("\u{1B}[48;2;214;39;40m\u{1B}[38;2;255;255;255ma"))
        #expect(full.contains("\u{1B}[48;2;255;255;255m\u{1B}[38;2;0;0;0mb"))
        #expect(full.split(separator: "\n").count == 2 && full.hasSuffix(ANSI.reset))
        let palette = TerminalPictures.coloredText(text, values: values, mode: .palette256, width: 80)
        #expect(palette.hasPrefix("\u{1B}[48;5;\(RGB(214, 39, 40).paletteIndex)m"))
        // Wrapping: 10 characters in a width of 8 make two rows of text.
        let wrapped = TerminalPictures.coloredText(Array("abcdefghij".unicodeScalars), values: [Double](repeating: 0, count: 10), mode: .none, width: 8)
        #expect(wrapped.split(separator: "\n", omittingEmptySubsequences: false).count == 6)
    }

    @Test func heatmapShowsTheNumbers() {
        // 3 steps × 2 units; scale is max|v| = 2.
        let values: [Double] = [2, -2, 1, 0, 0, 0.2]
        let plain = TerminalPictures.heatmap(values, steps: 3, units: 2, text: Array("xyz".unicodeScalars), mode: .none, width: 80)
        let lines = plain.split(separator: "\n").map(String.init)
        #expect(lines[1] == "      xyz")
        #expect(lines[2] == "    0 950")
        #expect(lines[3] == "    1 -01")
        let colour = TerminalPictures.heatmap(values, steps: 3, units: 2, text: nil, mode: .trueColor, width: 80)
        #expect(colour.contains("\u{1B}[48;2;31;119;180m"))  // +1 after scaling: full blue
        #expect(colour.contains("\u{1B}[48;2;214;39;40m"))  // −1: full red
    }

    @Test func sparklinesChartsAndBars() {
        #expect(TerminalPictures.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█")
        #expect(TerminalPictures.sparkline([3, 3]) == "▄▄")
        #expect(TerminalPictures.resample([1, 3, 5, 7], to: 2) == [2, 6])
        let chart = TerminalPictures.lineChart([4, 3, 2, 1], title: "loss", width: 40, height: 4)
        let rows = chart.split(separator: "\n").map(String.init)
        #expect(rows[0] == "loss")
        #expect(rows[1].hasPrefix("        4 ┤•"))
        #expect(rows[4].hasPrefix("        1 ┤   •"))
        let bars = TerminalPictures.barChart([("a", 10), ("b", 5), ("c", 0)], width: 30)
        let barRows = bars.split(separator: "\n").map(String.init)
        #expect(barRows[0].filter { $0 == "█" }.count == 16 && barRows[1].filter { $0 == "█" }.count == 8)
        let log = TerminalPictures.barChart([("a", 100), ("b", 10), ("c", 1)], width: 30, logScale: true)
        #expect(log.split(separator: "\n").map { $0.filter { $0 == "█" }.count } == [16, 8, 0])
        let sc = TerminalPictures.scatter([(0, 0), (1, 1), (1, 1)], xLabel: "x", yLabel: "y", width: 5, height: 3)
        #expect(sc.contains("1 ┤····2") && sc.contains("0 ┤1····"))
    }

    @Test func htmlAndSvgHoldTheData() {
        let html = HTMLPage.coloredText(title: "cell <1>", scalars: Array("a<\n".unicodeScalars), values: [0.5, -1, 0])
        #expect(html.contains("<title>cell &lt;1&gt;</title>"))
        #expect(html.contains("data-v=\"0.5\"") && html.contains("&lt;</span>") && html.contains("background:#d62728"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="))
        let map = HTMLPage.heatmap(title: "states", values: [1, 2, 3, 4], steps: 2, units: 2, text: Array("<x".unicodeScalars))
        #expect(map.contains("var V = [1,2,3,4], T = 2, U = 2"))
        let svg = SVGChart.lines([("loss", [3, 2, 1])], title: "loss", xLabel: "step", yLabel: "nats")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("points=\"70.00,30.00 345.00,172.50 620.00,315.00\""))
        let logSvg = SVGChart.lines([("l1", [1, 10, 100]), ("l2", [0, 10, 100])], title: "flow", xLabel: "n", yLabel: "norm", logY: true)
        #expect(logSvg.contains("(log)") && logSvg.contains(">l2</text>"))
        let sc = SVGChart.scatter([("f", [(0.5, 0.5)])], title: "sat", xLabel: "left", yLabel: "right")
        #expect(sc.contains("cx=\"210.00\" cy=\"210.00\""))
    }
}

@Suite("Notebook export")
struct NotebookTests {
    @Test func ansiBecomesStyledSpans() {
        let coloured = TerminalPictures.coloredText(Array("a<b".unicodeScalars), values: [-1, 0, 1], mode: .trueColor, width: 80)
        let html = ANSIToHTML.convert(coloured)
        #expect(html.contains("<span style=\"background:#d62728;color:#ffffff\">a</span>"))
        #expect(html.contains("&lt;</span>") && !html.contains("\u{1B}"))
        let palette = ANSIToHTML.convert("\u{1B}[48;5;196mX\u{1B}[0m")
        #expect(palette == "<span style=\"background:#ff0000\">X</span>")
        #expect(ANSIToHTML.convert("plain & simple") == "plain &amp; simple")
    }

    @Test func notebookHoldsCellsAndOutputs() {
        let page = HTMLPage.notebook(title: "demo", cells: [("x = 1", ""), ("x + 1", "2\n")])
        #expect(page.contains("In [1]: x = 1") && page.contains("In [2]: x + 1") && page.contains("<pre>2\n</pre>"))
        #expect(!page.contains("id=\"status\""))
    }
}
