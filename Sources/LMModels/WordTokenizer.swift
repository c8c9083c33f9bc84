/// lmsh's word tokenizer: deterministic, documented, and the same for corpora, prompts and checkpoints.
///
/// - Text is read line by line; each "\n" ends a line and becomes the token `<eos>` (a "\r" before it is
///   dropped). A corpus whose last line has no "\n" gets an `<eos>` at its end too; a prompt does not.
/// - A word is a maximal run of letters, combining marks and digits (Unicode general categories L*, M*
///   and N*, so "naïve", "Straße" and "東京" are words), where an apostrophe (' or ’) between two letters
///   stays inside it ("don't", "o'er"). Every other scalar that is not white space is a token by itself
///   (punctuation and symbols: "," "." "-" "$").
/// - The literal spellings `<unk>` and `<eos>` are read as those tokens, so Penn Treebank files work.
/// - With `lower`, words are lower-cased (Swift's `String.lowercased()`, which is Unicode's).
public enum WordTokenizer {
    public static let unk = "<unk>"
    public static let eos = "<eos>"

    /// Calls `emit` with every token of `text` in order. `finalEOS`: an `<eos>` after a last line that has
    /// no "\n" (corpora, as PyTorch's word_language_model reads every line), not after a prompt.
    public static func forEachToken(in text: String, lower: Bool = false, finalEOS: Bool = false, _ emit: (String) -> Void) {
        var word = String.UnicodeScalarView()
        var lastWasLetter = false
        var pendingApostrophe: Unicode.Scalar? = nil
        var lineHasTokens = false
        func flush() {
            if let a = pendingApostrophe {
                if !word.isEmpty { emitWord() }
                emit(String(Character(a)))
                lineHasTokens = true
                pendingApostrophe = nil
            }
            if !word.isEmpty { emitWord() }
        }
        func emitWord() {
            let w = String(word)
            emit(lower ? w.lowercased() : w)
            word = String.UnicodeScalarView()
            lastWasLetter = false
            lineHasTokens = true
        }
        var angle: String.UnicodeScalarView? = nil  // inside a possible `<unk>` / `<eos>`
        func process(_ s: Unicode.Scalar) {
            if let a = pendingApostrophe {
                pendingApostrophe = nil
                if isLetter(s) {
                    word.append(a)
                    word.append(s)
                    lastWasLetter = true
                    return
                }
                if !word.isEmpty { emitWord() }
                emit(String(Character(a)))
                lineHasTokens = true
            }
            if isWordScalar(s) {
                word.append(s)
                lastWasLetter = isLetter(s)
                return
            }
            if (s == "'" || s == "\u{2019}") && lastWasLetter && !word.isEmpty {
                pendingApostrophe = s
                return
            }
            if !word.isEmpty { emitWord() }
            if s == "\n" {
                emit(eos)
                lineHasTokens = false
            } else if s == "\r" || s.properties.isWhitespace {
                return
            } else {
                emit(String(Character(s)))
                lineHasTokens = true
            }
        }
        for s in text.unicodeScalars {
            // `<unk>` and `<eos>` spelled out: buffer from "<" until it matches or cannot.
            if var buf = angle {
                buf.append(s)
                let b = String(buf)
                if b == unk || b == eos {
                    flush()
                    emit(b)
                    lineHasTokens = true
                    angle = nil
                } else if unk.hasPrefix(b) || eos.hasPrefix(b) {
                    angle = buf
                } else {
                    angle = nil
                    for t in buf { process(t) }
                }
                continue
            }
            if s == "<" {
                angle = String.UnicodeScalarView([s])
                continue
            }
            process(s)
        }
        if let buf = angle { for t in buf { process(t) } }
        flush()
        if finalEOS && lineHasTokens { emit(eos) }
    }

    /// The tokens of `text` as a list (for prompts and tests).
    public static func tokens(_ text: String, lower: Bool = false, finalEOS: Bool = false) -> [String] {
        var out: [String] = []
        forEachToken(in: text, lower: lower, finalEOS: finalEOS) { out.append($0) }
        return out
    }

    @inline(__always) public static func isLetter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    @inline(__always) public static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || (v >= 48 && v <= 57) }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
