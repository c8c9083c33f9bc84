import Foundation
import Testing
@testable import LMInspect

/// The HTML and SVG pictures open in a real browser: headless Chromium (Debian's `chromium` package) takes a
/// screenshot and the test counts the pixels that differ from the page's background. Skipped, with a
/// message, when chromium or python3 (which decodes the PNG with its zlib) is not installed.
@Suite("Pictures in a browser")
struct BrowserRenderTests {
    static func find(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Unfilters a PNG's scanlines and prints the fraction of pixels unlike the top-left one.
    static let countScript = """
        import sys, zlib, struct
        d = open(sys.argv[1], 'rb').read()
        assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        i, idat, w, h, ct = 8, b'', 0, 0, 0
        while i < len(d):
            n, t = struct.unpack('>I4s', d[i:i+8]); c = d[i+8:i+8+n]; i += 12 + n
            if t == b'IHDR': w, h, bd, ct = struct.unpack('>IIBB', c[:10])
            elif t == b'IDAT': idat += c
        bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ct]
        raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); rows = []; p = 0
        for y in range(h):
            f = raw[p]; line = bytearray(raw[p+1:p+1+stride]); p += 1 + stride
            for x in range(stride):
                a = line[x-bpp] if x >= bpp else 0; b = prev[x]; c2 = prev[x-bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    pa, pb, pc = abs(b - c2), abs(a - c2), abs(a + b - 2 * c2)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c2))) & 255
            rows.append(bytes(line)); prev = line
        bg = rows[0][:bpp]
        diff = sum(1 for r in rows for x in range(0, stride, bpp) if r[x:x+bpp] != bg)
        print(diff / (w * h))
        """

    func inkFraction(_ content: String, ext: String) throws -> Double? {
        guard let chromium = Self.find("chromium"), let python = Self.find("python3") else {
            print("BrowserRenderTests: skipped (needs chromium and python3: apt-get install chromium)")
            return nil
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("page.\(ext)"), shot = dir.appendingPathComponent("shot.png")
        try content.write(to: page, atomically: true, encoding: .utf8)
        func run(_ tool: String, _ args: [String]) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            p.environment = ["HOME": dir.path, "PATH": "/usr/bin:/bin"]
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        _ = try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir.path)/profile",
                               "--window-size=800,600", "--screenshot=\(shot.path)", page.absoluteString])
        guard FileManager.default.fileExists(atPath: shot.path) else {
            Issue.record("chromium wrote no screenshot")
            return nil
        }
        let script = dir.appendingPathComponent("count.py")
        try Self.countScript.write(to: script, atomically: true, encoding: .utf8)
        return Double(try run(python, [script.path, shot.path]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func pagesAndPlotsAreNotBlank() throws {
        let text = Array("if (x) {\n  \"quoted\"; /* comment */\n}\n".unicodeScalars)
        let values = text.indices.map { sin(Double($0) / 3) }
        let cell = HTMLPage.coloredText(title: "cell", scalars: text, values: values)
        guard let a = try inkFraction(cell, ext: "html") else { return }
        #expect(a > 0.02, "coloured text: \(a) of the pixels differ from the background")
        let map = HTMLPage.heatmap(title: "states", values: (0..<(40 * 16)).map { sin(Double($0) / 7) }, steps: 40, units: 16, text: nil)
        let b = try #require(try inkFraction(map, ext: "html"))
        #expect(b > 0.05, "heatmap: \(b)")
        let svg = SVGChart.lines([("loss", (0..<50).map { 3 * exp(-Double($0) / 10) + 1 })], title: "loss", xLabel: "step", yLabel: "nats")
        let c = try #require(try inkFraction(svg, ext: "svg"))
        #expect(c > 0.003, "svg: \(c)")
        // A blank page is blank: the measure can fail.
        let blank = try #require(try inkFraction(HTMLPage.page(title: "", body: "").replacingOccurrences(of: "<h1></h1>", with: "")
            .replacingOccurrences(of: "<div id=\"status\">point at the picture to read a value</div>", with: ""), ext: "html"))
        #expect(blank < 0.001, "blank page: \(blank)")
    }
}
