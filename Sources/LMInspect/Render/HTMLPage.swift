import Foundation
import LMCore

/// Self-contained HTML pages (no external assets: styles and the small script are inline) for views that
/// need more room than a terminal: text coloured by a cell and heatmaps of states, each showing the value
/// under the pointer.
public enum HTMLPage {
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The comment every page and picture lmsh writes carries, so that `export` replaces only its own files.
    public static let exportMarker = "<!-- written by lmsh export -->"

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.4g", v) : "null" }

    /// The page around a body: title, inline style, a status line that the script fills with the value under
    /// the pointer.
    public static func page(title: String, body: String, script: String = "") -> String {
        """
        <!DOCTYPE html>
        \(exportMarker)
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: ui-monospace, Menlo, Consolas, monospace; margin: 1.5em; background: #fff; color: #111; }
        h1 { font-size: 1.1em; } .text { white-space: pre-wrap; line-height: 1.5; font-size: 14px; }
        .text span { padding: 1px 0; } #status { position: sticky; top: 0; background: #f4f4f4; padding: 4px 8px;
        border: 1px solid #ccc; min-height: 1.2em; margin-bottom: 8px; } canvas { image-rendering: pixelated; border: 1px solid #ccc; }
        pre { background: #f8f8f8; padding: 8px; overflow-x: auto; } .cell { margin: 1em 0; } .in { color: #1a5fb4; }
        </style></head><body>
        <h1>\(escape(title))</h1>
        <div id="status">point at the picture to read a value</div>
        \(body)
        <script>
        \(script)
        </script>
        </body></html>

        """
    }

    /// Text coloured by one cell: every character a span whose background is the diverging colour of its
    /// value and whose `data-v` holds the value (also in `title`, for the tooltip).
    public static func coloredText(title: String, scalars: [Unicode.Scalar], values: [Double]) -> String {
        var body = "<div class=\"text\" id=\"text\">"
        for (t, s) in scalars.enumerated() {
            let v = t < values.count ? values[t] : .nan
            let shown = s == "\n" ? "↵\n" : escape(String(s))
            body += "<span style=\"background:\(RGB.diverging(v).hex)\" data-t=\"\(t)\" data-v=\"\(number(v))\" title=\"\(number(v))\">\(shown)</span>"
        }
        body += "</div>"
        let script = """
            document.getElementById('text').addEventListener('mouseover', function (e) {
              var s = e.target; if (!s.dataset || s.dataset.v === undefined) return;
              document.getElementById('status').textContent = 'position ' + s.dataset.t + ' ' + JSON.stringify(s.textContent.replace('\\n', '')) + ': ' + s.dataset.v;
            });
            """
        return page(title: title, body: body, script: script)
    }

    /// A [T, U] heatmap drawn on a canvas from the numbers embedded as JSON, steps across and units down,
    /// with the text's characters in the status line as the pointer moves.
    public static func heatmap(title: String, values: [Double], steps T: Int, units U: Int, text: [Unicode.Scalar]?) -> String {
        let scale = Swift.max(1e-12, values.lazy.filter(\.isFinite).map(Swift.abs).max() ?? 1)
        let data = "[" + values.map(number).joined(separator: ",") + "]"
        let chars = text.map { t in "[" + t.map { s -> String in
            let g = TerminalPictures.glyph(s)
            return JSONWriter.quoted(g).replacingOccurrences(of: "</", with: "<\\/")
        }.joined(separator: ",") + "]" } ?? "null"
        let cell = Swift.max(2, Swift.min(12, 1600 / Swift.max(1, T)))
        let body = "<p>\(T) steps × \(U) units; colour scale ±\(number(scale)) (red negative, blue positive)</p>"
            + "<canvas id=\"map\" width=\"\(T * cell)\" height=\"\(U * cell)\"></canvas>"
        let script = """
            var V = \(data), T = \(T), U = \(U), S = \(number(scale)), C = \(cell), X = \(chars);
            function colour(v) {
              var x = Math.max(-1, Math.min(1, v / S)), a, b;
              if (x < 0) { a = [255,255,255]; b = [214,39,40]; x = -x; } else { a = [255,255,255]; b = [31,119,180]; }
              return 'rgb(' + a.map(function (p, i) { return Math.round(p + (b[i] - p) * x); }).join(',') + ')';
            }
            var ctx = document.getElementById('map').getContext('2d');
            for (var t = 0; t < T; t++) for (var u = 0; u < U; u++) {
              var v = V[t * U + u]; ctx.fillStyle = v === null ? '#888' : colour(v); ctx.fillRect(t * C, u * C, C, C);
            }
            document.getElementById('map').addEventListener('mousemove', function (e) {
              var r = e.target.getBoundingClientRect(), t = Math.floor((e.clientX - r.left) / C), u = Math.floor((e.clientY - r.top) / C);
              if (t < 0 || t >= T || u < 0 || u >= U) return;
              document.getElementById('status').textContent = 'step ' + t + (X ? ' ' + JSON.stringify(X[t]) : '') + ', unit ' + u + ': ' + V[t * U + u];
            });
            """
        return page(title: title, body: body, script: script)
    }

}

extension HTMLPage {
    /// A session as a static notebook: each cell's source, then its output with the terminal colours kept
    /// (pictures drawn in colour stay coloured; plain ones stay text).
    public static func notebook(title: String, cells: [(source: String, output: String)]) -> String {
        var body = ""
        for (k, c) in cells.enumerated() {
            body += "<div class=\"cell\"><pre class=\"in\">In [\(k + 1)]: \(escape(c.source))</pre>"
            if !c.output.isEmpty { body += "<pre>\(ANSIToHTML.convert(c.output))</pre>" }
            body += "</div>\n"
        }
        return page(title: title, body: body).replacingOccurrences(of: "<div id=\"status\">point at the picture to read a value</div>\n", with: "")
    }
}
