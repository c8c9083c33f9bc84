/// Paragraphs re-flowed to a new line width, as `fmt -w` or Python's `textwrap.fill` do: the text a
/// curriculum can start from. A model of a novel hard-wrapped at 70 columns must count to 70 to know where
/// a line breaks; the same novel at 40 columns asks it to count only to 40, which a small LSTM learns
/// (example 06), and the cell it grows for that goes on counting when the lines become long again.
public enum Reflow {
    /// `text` with each paragraph (lines up to a blank one) re-filled greedily to at most `width` characters
    /// a line; words are never broken, so a word longer than `width` gets a line of its own. Paragraphs are
    /// separated by one blank line; runs of spaces, tabs and line ends inside a paragraph become one space.
    /// The text ends with a line end when it had one.
    public static func paragraphs(_ text: String, width: Int) -> String {
        let width = Swift.max(1, width)
        var out = splitParagraphs(text).map { words in
            var lines = "", column = 0
            for word in words {
                let n = word.unicodeScalars.count
                if column == 0 {
                    column = n
                } else if column + 1 + n <= width {
                    lines += " "
                    column += 1 + n
                } else {
                    lines += "\n"
                    column = n
                }
                lines += word
            }
            return lines
        }.joined(separator: "\n\n")
        if text.hasSuffix("\n") && !out.isEmpty { out += "\n" }
        return out
    }

    /// The words of each paragraph; a line holding only spaces and tabs counts as blank.
    static func splitParagraphs(_ text: String) -> [[Substring]] {
        var paragraphs: [[Substring]] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty {
                if !current.isEmpty { paragraphs.append(current); current = [] }
            } else {
                current += words
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }
}
