import Testing
@testable import LMShell

/// Tokens as `kind:text`, with a leading `_` when whitespace precedes the token (the end token is left out).
private func lex(_ source: String) throws -> [String] {
    try Lexer.tokenize(source).dropLast().map { ($0.spaceBefore ? "_" : "") + "\($0.kind):\($0.text)" }
}

private func lexError(_ source: String) -> ShellError? {
    do {
        _ = try Lexer.tokenize(source)
        return nil
    } catch let e as ShellError {
        return e
    } catch {
        return nil
    }
}

private func at(_ line: Int, _ column: Int) -> LMShell.SourceLocation { LMShell.SourceLocation(line: line, column: column) }

@Suite struct LexerTests {
    // MARK: Kinds, text and spacing

    @Test func aCommandLineIsNamesNumbersStringsAndOperatorsWithSpacingFlags() throws {
        #expect(try lex(#"train m text steps=1000 opt="rmsprop""#) == [
            "name:train", "_name:m", "_name:text", "_name:steps", "operator:=", "number:1000",
            "_name:opt", "operator:=", #"string:"rmsprop""#,
        ])
    }

    @Test func indexingWithoutASpaceAndAListAfterASpaceDifferOnlyInTheFlag() throws {
        #expect(try lex("x[0]") == ["name:x", "operator:[", "number:0", "operator:]"])
        #expect(try lex("x [0]") == ["name:x", "_operator:[", "number:0", "operator:]"])
    }

    @Test func leadingWhitespaceSetsTheFlagOnTheFirstToken() throws {
        #expect(try lex("  a") == ["_name:a"])
        #expect(try lex("a") == ["name:a"])
    }

    @Test func everyOperatorAndPunctuationIsOneToken() throws {
        let ops = ["+", "-", "*", "/", "@", "^", "==", "!=", "<", "<=", ">", ">=", "=", "(", ")", "[", "]", ",", ".", ":"]
        let tokens = try Lexer.tokenize(ops.joined(separator: " "))
        #expect(tokens.dropLast().map(\.text) == ops)
        #expect(tokens.dropLast().allSatisfy { $0.kind == .op })
    }

    @Test func twoCharacterOperatorsNeedNoSpaces() throws {
        #expect(try lex("a<=b>=c==d!=e") == [
            "name:a", "operator:<=", "name:b", "operator:>=", "name:c", "operator:==", "name:d", "operator:!=", "name:e",
        ])
        #expect(try lex("a<b>c=d") == ["name:a", "operator:<", "name:b", "operator:>", "name:c", "operator:=", "name:d"])
        #expect(try lex("a= =b") == ["name:a", "operator:=", "_operator:=", "name:b"])
    }

    @Test func keywordsAreTrueFalseNoneAndDef() throws {
        #expect(try lex("true false none def") == ["keyword:true", "_keyword:false", "_keyword:none", "_keyword:def"])
        #expect(try lex("True none_ define _def") == ["name:True", "_name:none_", "_name:define", "_name:_def"])
    }

    @Test func namesAreAsciiLettersDigitsAndUnderscores() throws {
        #expect(try lex("_x1 clip_mode Wx h2o") == ["name:_x1", "_name:clip_mode", "_name:Wx", "_name:h2o"])
    }

    @Test func theEndTokenIsAlwaysLastAndSitsJustAfterTheLastToken() throws {
        let tokens = try Lexer.tokenize("f(a, b  # comment\n")
        #expect(tokens.last?.kind == .end)
        #expect(tokens.last?.location == at(1, 7))
        #expect(try Lexer.tokenize("").map(\.kind) == [.end])
        #expect(try Lexer.tokenize("")[0].location == at(1, 1))
        #expect(try Lexer.tokenize("   # only a comment\n\n").map(\.kind) == [.end])
    }

    // MARK: Locations

    @Test func locationsAreOneBasedLinesAndColumnsWithinTheCell() throws {
        let tokens = try Lexer.tokenize("f(a,\n  bb)")
        #expect(tokens.map(\.location) == [at(1, 1), at(1, 2), at(1, 3), at(1, 4), at(2, 3), at(2, 5), at(2, 6)])
    }

    @Test func columnsCountUnicodeScalars() throws {
        // "é" is one scalar; "e\u{301}" (e + combining accent) is two, though one Character.
        let a = try Lexer.tokenize("\"é\" x")
        #expect(a[1].location == at(1, 5))
        let b = try Lexer.tokenize("\"e\u{301}\" x")
        #expect(b[1].location == at(1, 6))
        let c = try Lexer.tokenize("\"🙂🙂\" + y")
        #expect(c[1].location == at(1, 6))
        #expect(c[2].location == at(1, 8))
    }

    @Test func tabsAndCarriageReturnsAreWhitespaceOfOneColumn() throws {
        let tokens = try Lexer.tokenize("a\t=\r\n")
        #expect(tokens.map(\.kind) == [.name, .op, .end])
        #expect(tokens[1].location == at(1, 3))
        #expect(tokens[1].spaceBefore)
    }

    // MARK: Comments

    @Test func aHashStartsACommentToTheEndOfTheLine() throws {
        #expect(try lex("x = 1 # the answer") == ["name:x", "_operator:=", "_number:1"])
        #expect(try lex("#= tensor [2]\n#@ cell 3") == [])
    }

    @Test func aHashInsideAStringIsText() throws {
        let tokens = try Lexer.tokenize(##"print "# not a comment" # a comment"##)
        #expect(tokens.map(\.kind) == [.name, .string, .end])
        #expect(tokens[1].string == "# not a comment")
    }

    @Test func aCommentEndsAtTheNewlineSoTheNextTokenHasSpaceBefore() throws {
        #expect(try lex("f(a, # first\n b)") == ["name:f", "operator:(", "name:a", "operator:,", "_name:b", "operator:)"])
    }

    // MARK: Strings

    @Test func stringsKeepTheirSpellingAsTextAndTheirDecodedContentsAsString() throws {
        let t = try Lexer.tokenize(#""say \"hi\"\n\tback\\slash""#)[0]
        #expect(t.kind == .string)
        #expect(t.text == #""say \"hi\"\n\tback\\slash""#)
        #expect(t.string == "say \"hi\"\n\tback\\slash")
    }

    @Test func emptyStringAndNonAsciiText() throws {
        #expect(try Lexer.tokenize(#""""#)[0].string == "")
        #expect(try Lexer.tokenize(#""ROMEO: ô 🙂""#)[0].string == "ROMEO: ô 🙂")
    }

    @Test func anUnterminatedStringIsReportedAtItsOpeningQuote() throws {
        let e = try #require(lexError(#"x = "abc"#))
        #expect(e.message == "unterminated string")
        #expect(e.location == at(1, 5))
        #expect(e.hint?.contains("close it with '\"'") == true)
    }

    @Test func aStringCannotSpanLinesEvenInsideBrackets() throws {
        let e = try #require(lexError("f(\"abc\ndef\")"))
        #expect(e.message == "unterminated string")
        #expect(e.location == at(1, 3))
        #expect(e.hint?.contains("\\n") == true)
    }

    @Test func aStringEndingInABackslashIsUnterminated() throws {
        let e = try #require(lexError(#"x = "abc\"#))
        #expect(e.message == "unterminated string")
        #expect(e.location == at(1, 5))
    }

    @Test func anUnknownEscapeIsReportedAtItsBackslash() throws {
        let e = try #require(lexError(#"p = "a\qb""#))
        #expect(e.message == "unknown escape '\\q' in string")
        #expect(e.location == at(1, 7))
        #expect(e.hint == "the escapes are \\\" \\\\ \\n and \\t; write \\\\ for a backslash")
    }

    @Test func anEscapedControlCharacterIsNamedByCodePoint() throws {
        let e = try #require(lexError("\"a\\\u{7}\""))
        #expect(e.message == "unknown escape \\ followed by U+0007 in string")
    }

    // MARK: Numbers

    @Test(arguments: [
        ("12", 12.0), ("1.5", 1.5), (".5", 0.5), ("2e-3", 0.002), ("1E6", 1e6), ("2e+2", 200), ("0", 0),
        ("007", 7), ("1.25e1", 12.5), (".5e1", 5),
    ])
    func numbersAreDecimalWithOptionalFractionAndExponent(text: String, value: Double) throws {
        let tokens = try Lexer.tokenize(text)
        #expect(tokens.map(\.kind) == [.number, .end])
        #expect(tokens[0].number == value)
        #expect(tokens[0].text == text)
    }

    @Test func aDotAfterDigitsWithoutADigitFollowingIsPunctuation() throws {
        #expect(try lex("1.") == ["number:1", "operator:."])
        #expect(try lex("2.T") == ["number:2", "operator:.", "name:T"])
        #expect(try lex("1.5.sum") == ["number:1.5", "operator:.", "name:sum"])
    }

    @Test func aDotDigitRightAfterANameOrClosingBracketIsAMemberDotNotANumber() throws {
        #expect(try lex("x.5") == ["name:x", "operator:.", "number:5"])
        #expect(try lex("f(x).5") == ["name:f", "operator:(", "name:x", "operator:)", "operator:.", "number:5"])
        #expect(try lex("x .5") == ["name:x", "_number:.5"])
        #expect(try lex("[.5]") == ["operator:[", "number:.5", "operator:]"])
    }

    @Test(arguments: [
        ("1e", "malformed number '1e'", "an exponent needs digits, as in 2e-3"),
        ("1e-", "malformed number '1e'", "an exponent needs digits, as in 2e-3"),
        ("3E+x", "malformed number '3E'", "an exponent needs digits, as in 2e-3"),
        ("1.2.3", "malformed number '1.2.3'", "a number has at most one '.'"),
        ("1e5.5", "malformed number '1e5.5'", "a number has at most one '.'"),
        ("2x", "malformed number '2x'", "put an operator between a number and a name, as in 2*x"),
        ("0x1F", "malformed number '0x1F'", "put an operator between a number and a name, as in 2*x"),
        ("1ex", "malformed number '1ex'", "put an operator between a number and a name, as in 2*x"),
        ("12_000", "malformed number '12_000'", "put an operator between a number and a name, as in 2*x"),
    ])
    func malformedNumbersAreErrorsAtTheirFirstDigit(text: String, message: String, hint: String) throws {
        let e = try #require(lexError("y = " + text))
        #expect(e.message == message)
        #expect(e.location == at(1, 5))
        #expect(e.hint == hint)
    }

    @Test func aNumberBeyondDoubleRangeIsAnError() throws {
        let e = try #require(lexError("1e999"))
        #expect(e.message == "number '1e999' is too large")
        #expect(e.location == at(1, 1))
        #expect(e.hint != nil)
    }

    // MARK: Unexpected characters

    @Test(arguments: [
        ("$", "unexpected character '$'", "the operators are + - * / @ ^ == != < <= > >= and = ( ) [ ] { } , . : ;"),
        ("!", "unexpected character '!'", "write != for 'not equal'"),
        ("`", "unexpected character '`'", "strings use double quotes: \"text\""),
        ("'", "unexpected character \"'\"", "strings use double quotes: \"text\""),
        ("&", "unexpected character '&'", "there are no logical operators; multiply 0/1 masks instead: (a > 0) * (b > 0)"),
        ("%", "unexpected character '%'", "there is no '%' operator"),
        ("α", "unexpected character 'α'", "names use ASCII letters, digits and '_'"),
        ("\u{2212}", "unexpected character '\u{2212}'", "write '-' for minus"),
        ("\u{0}", "unexpected character U+0000", "the operators are + - * / @ ^ == != < <= > >= and = ( ) [ ] { } , . : ;"),
        ("\u{1B}", "unexpected character U+001B", "the operators are + - * / @ ^ == != < <= > >= and = ( ) [ ] { } , . : ;"),
    ])
    func anyOtherCharacterIsAnErrorWithAHint(char: String, message: String, hint: String) throws {
        let e = try #require(lexError("ab " + char + " c"))
        #expect(e.message == message)
        #expect(e.location == at(1, 4))
        #expect(e.hint == hint)
    }

    // MARK: Newlines and continuation

    @Test func aBackslashAtTheEndOfALineJoinsTheNextLine() throws {
        #expect(try lex("train m text \\\n  steps=10") == [
            "name:train", "_name:m", "_name:text", "_name:steps", "operator:=", "number:10",
        ])
        let tokens = try Lexer.tokenize("a +\\\nb")
        #expect(tokens[2].location == at(2, 1))
        #expect(tokens[2].spaceBefore)
    }

    @Test func spacesMayFollowTheContinuationBackslash() throws {
        #expect(try lex("a + \\  \t\nb") == ["name:a", "_operator:+", "_name:b"])
        #expect(try lex("a + \\\r\nb") == ["name:a", "_operator:+", "_name:b"])
    }

    @Test func aBackslashAtTheEndOfTheCellIsWhitespace() throws {
        #expect(try lex("a \\") == ["name:a"])
    }

    @Test func aBackslashElsewhereIsAnError() throws {
        let e = try #require(lexError("a \\ b"))
        #expect(e.message == "unexpected character '\\'")
        #expect(e.location == at(1, 3))
        #expect(e.hint == "a '\\' continues a line only at the very end of the line")
        #expect(lexError("a \\ # comment\nb")?.message == "unexpected character '\\'")
    }

    @Test func newlinesInsideOpenBracketsAreWhitespace() throws {
        #expect(try lex("f(a,\n  [1,\n 2])") == [
            "name:f", "operator:(", "name:a", "operator:,", "_operator:[", "number:1", "operator:,",
            "_number:2", "operator:]", "operator:)",
        ])
    }

    @Test func aNewlineOutsideBracketsBecomesANewlineTokenOnlyBetweenTokens() throws {
        #expect(try lex("\n\n# intro\na = 1\n\n# trailing\n\n") == ["_name:a", "_operator:=", "_number:1"])
        let tokens = try Lexer.tokenize("a\n\n  b")
        #expect(tokens.map(\.kind) == [.name, .newline, .name, .end])
        #expect(tokens[1].location == at(1, 2))
        #expect(tokens[2].location == at(3, 3))
    }

    @Test func aStrayClosingBracketDoesNotHideLaterNewlines() throws {
        #expect(try Lexer.tokenize(")\nb").map(\.kind) == [.op, .newline, .name, .end])
    }

    @Test func tokensDescribeThemselvesForMessages() throws {
        let t = try Lexer.tokenize("abc")
        #expect(t[0].quoted == "'abc'")
        #expect(t[1].quoted == "end of input")
        let long = try Lexer.tokenize("\"" + String(repeating: "x", count: 40) + "\"")[0]
        #expect(long.quoted == "'\"" + String(repeating: "x", count: 19) + "…'")
        #expect(Token(.newline, "\n", at: at(1, 2)).quoted == "end of line")
    }

    @Test func startsArgumentListsTheTokensThatBeginACommandArgument() throws {
        let starts = try Lexer.tokenize("a 1 \"s\" true none ( [").dropLast().map(\.startsArgument)
        #expect(starts.allSatisfy { $0 })
        let others = try Lexer.tokenize("def - + . : ) ] , = @").dropLast().map(\.startsArgument)
        #expect(others.allSatisfy { !$0 })
    }
}
