import Testing
import LMCore
@testable import LMShell

/// The statement of a cell in S-expression form (see SyntaxPrinter.swift).
private func sx(_ cell: String) throws -> String {
    try #require(try Parser.parse(cell)).sExpression
}

private func parseError(_ cell: String) -> ShellError? {
    do {
        _ = try Parser.parse(cell)
        return nil
    } catch let e as ShellError {
        return e
    } catch {
        return nil
    }
}

private func at(_ line: Int, _ column: Int) -> LMShell.SourceLocation { LMShell.SourceLocation(line: line, column: column) }

/// One syntax error: the cell, then the message, location and hint it must produce.
struct SyntaxErrorCase: CustomTestStringConvertible, Sendable {
    var cell: String
    var message: String
    var location: LMShell.SourceLocation
    var hint: String?
    init(_ cell: String, _ message: String, _ line: Int, _ column: Int, hint: String? = nil) {
        self.cell = cell
        self.message = message
        self.location = LMShell.SourceLocation(line: line, column: column)
        self.hint = hint
    }
    var testDescription: String { cell.debugDescription }
}

@Suite struct ParserTests {
    // MARK: The lecture's slide

    @Test func theLectureSlideParses() throws {
        #expect(try sx("a = randn(3, 4, seed=1)") == "(= a (call randn 3 4 seed=1))")
        #expect(try sx("b = randn(4, 2, seed=2)") == "(= b (call randn 4 2 seed=2))")
        #expect(try sx("loss = mean(tanh(a @ b) ^ 2)") == "(= loss (call mean (^ (call tanh (@ a b)) 2)))")
        #expect(try sx("loss.backward()") == "(call (. loss backward))")
        #expect(try sx("a.grad") == "(. a grad)")
        #expect(try sx("def cell(x, h) = tanh(x @ Wx + h @ Wh + c)")
            == "(def cell (x h) (call tanh (+ (+ (@ x Wx) (@ h Wh)) c)))")
        #expect(try sx(#"train m text steps=1000 batch=50 seq=50 opt="rmsprop" lr=2e-3 clip=5 clip_mode="norm" every=100 seed=123"#)
            == #"(call train m text steps=1000 batch=50 seq=50 opt="rmsprop" lr=0.002 clip=5 clip_mode="norm" every=100 seed=123)"#)
        #expect(try sx(#"text = corpus("data/tinyshakespeare.txt", val=0.05, test=0, layout="charrnn")"#)
            == #"(= text (call corpus "data/tinyshakespeare.txt" val=0.05 test=0 layout="charrnn"))"#)
    }

    @Test func anAssignmentWithACallHasEveryLocation() throws {
        //                         1234567890123456789012
        let s = try Parser.parse("a = randn(3, 4, seed=1)")
        let call = Expr.call(.name("randn", at(1, 5)), [
            Argument(label: nil, value: .number(3, at(1, 11)), location: at(1, 11)),
            Argument(label: nil, value: .number(4, at(1, 14)), location: at(1, 14)),
            Argument(label: "seed", value: .number(1, at(1, 22)), location: at(1, 17)),
        ], at(1, 5))
        #expect(s == .assign("a", call, at(1, 1)))
    }

    @Test func aMemberCallIsACallOfAMemberLocatedAtTheMemberName() throws {
        let s = try Parser.parse("loss.backward()")
        #expect(s == .expression(.call(.member(.name("loss", at(1, 1)), "backward", at(1, 6)), [], at(1, 6))))
    }

    @Test func aCommandIsACallOfItsVerbWithEveryLocation() throws {
        //                         1234567890123456789012345678
        let s = try Parser.parse(#"sample m 300 temp=0.8 prime="ROMEO:""#)
        let expected = Statement.expression(.call(.name("sample", at(1, 1)), [
            Argument(label: nil, value: .name("m", at(1, 8)), location: at(1, 8)),
            Argument(label: nil, value: .number(300, at(1, 10)), location: at(1, 10)),
            Argument(label: "temp", value: .number(0.8, at(1, 19)), location: at(1, 14)),
            Argument(label: "prime", value: .string("ROMEO:", at(1, 29)), location: at(1, 23)),
        ], at(1, 1)))
        #expect(s == expected)
    }

    @Test func aDefinitionIsLocatedAtItsName() throws {
        let s = try Parser.parse("def sq(x) = x ^ 2")
        #expect(s == .define("sq", ["x"], .binary("^", .name("x", at(1, 13)), .number(2, at(1, 17)), at(1, 15)), at(1, 5)))
    }

    @Test func operatorNodesAreLocatedAtTheOperatorAndIndexAtTheBracket() throws {
        let e = try Parser.parseExpression("-x[0] + 1")
        let expected = Expr.binary("+",
            .negate(.index(.name("x", at(1, 2)), [.single(.number(0, at(1, 4)))], at(1, 3)), at(1, 1)),
            .number(1, at(1, 9)), at(1, 7))
        #expect(e == expected)
        #expect(try Parser.parseExpression("[1, 2]") == .list([.number(1, at(1, 2)), .number(2, at(1, 5))], at(1, 1)))
    }

    // MARK: Empty cells

    @Test func anEmptyOrCommentOnlyCellHasNoStatement() throws {
        #expect(try Parser.parse("") == nil)
        #expect(try Parser.parse("   \n\t") == nil)
        #expect(try Parser.parse("# just a note\n  # another") == nil)
        #expect(try Parser.parse("#= output of a saved session") == nil)
    }

    // MARK: Literals

    @Test func literals() throws {
        #expect(try sx("12") == "12")
        #expect(try sx("1.5") == "1.5")
        #expect(try sx(".5") == "0.5")
        #expect(try sx("2e-3") == "0.002")
        #expect(try sx(#""a \"b\"\n""#) == #""a \"b\"\n""#)
        #expect(try sx("true") == "true")
        #expect(try sx("false") == "false")
        #expect(try sx("none") == "none")
        #expect(try sx("x") == "x")
    }

    @Test func listLiteralsNestAndAllowATrailingComma() throws {
        #expect(try sx("[[1, 2], [3, 4]]") == "(list (list 1 2) (list 3 4))")
        #expect(try sx("[1, 2, 3,]") == "(list 1 2 3)")
        #expect(try sx("[]") == "(list)")
        #expect(try sx("[x + 1, \"a\", none]") == "(list (+ x 1) \"a\" none)")
        #expect(try sx("[\n  [1, 2],\n  [3, 4],\n]") == "(list (list 1 2) (list 3 4))")
    }

    @Test func parenthesesGroupWithoutANodeOfTheirOwn() throws {
        #expect(try sx("(a + b) * c") == "(* (+ a b) c)")
        #expect(try sx("((x))") == "x")
    }

    // MARK: Precedence and associativity

    @Test func precedenceClimbsFromComparisonToPostfix() throws {
        #expect(try sx("a + b * c") == "(+ a (* b c))")
        #expect(try sx("a * b + c") == "(+ (* a b) c)")
        #expect(try sx("a*b+c/d-e@f") == "(- (+ (* a b) (/ c d)) (@ e f))")
        #expect(try sx("a + b < c * d") == "(< (+ a b) (* c d))")
        #expect(try sx("x @ W + b") == "(+ (@ x W) b)")
        #expect(try sx("a ^ b * c") == "(* (^ a b) c)")
        #expect(try sx("x.T @ y") == "(@ (. x T) y)")
        #expect(try sx("a^b.c") == "(^ a (. b c))")
    }

    @Test func additiveAndTermOperatorsAreLeftAssociative() throws {
        #expect(try sx("a - b - c") == "(- (- a b) c)")
        #expect(try sx("a / b / c") == "(/ (/ a b) c)")
        #expect(try sx("a @ b @ c") == "(@ (@ a b) c)")
    }

    @Test func powerIsRightAssociative() throws {
        #expect(try sx("2^3^2") == "(^ 2 (^ 3 2))")
    }

    @Test func unaryMinusBindsLooserThanPowerOnItsLeftButAPowerTakesAUnaryOnItsRight() throws {
        #expect(try sx("-x^2") == "(neg (^ x 2))")
        #expect(try sx("2^-1") == "(^ 2 (neg 1))")
        #expect(try sx("-2^-x") == "(neg (^ 2 (neg x)))")
        #expect(try sx("--x") == "(neg (neg x))")
        #expect(try sx("a - -b") == "(- a (neg b))")
        #expect(try sx("-a * b") == "(* (neg a) b)")
        #expect(try sx("-a.b") == "(neg (. a b))")
    }

    @Test(arguments: ["==", "!=", "<", "<=", ">", ">="])
    func everyComparisonParses(op: String) throws {
        #expect(try sx("a \(op) b + 1") == "(\(op) a (+ b 1))")
    }

    @Test func parenthesizedComparisonsCombine() throws {
        #expect(try sx("(a < b) * (b < c)") == "(* (< a b) (< b c))")
        #expect(try sx("(a < b) < c") == "(< (< a b) c)")
    }

    // MARK: Postfix

    @Test func callsTakeExpressionsAndKeywordArgumentsWithATrailingComma() throws {
        #expect(try sx("f()") == "(call f)")
        #expect(try sx("f(a, b=2)") == "(call f a b=2)")
        #expect(try sx("f(a + 1, n=b * 2,)") == "(call f (+ a 1) n=(* b 2))")
        #expect(try sx("f(x == 1)") == "(call f (== x 1))")
        #expect(try sx("f(-1, k=-x)") == "(call f (neg 1) k=(neg x))")
        #expect(try sx("f(\n  a,\n  b=2,\n)") == "(call f a b=2)")
    }

    @Test func postfixOperatorsChainLeftToRight() throws {
        #expect(try sx("f(x)[0].grad") == "(. (index (call f x) 0) grad)")
        #expect(try sx("f(1)(2)") == "(call (call f 1) 2)")
        #expect(try sx("m.layers[0].W.T") == "(. (. (index (. m layers) 0) W) T)")
        #expect(try sx("(a + b).sum()") == "(call (. (+ a b) sum))")
        #expect(try sx("[1, 2].len") == "(. (list 1 2) len)")
        #expect(try sx("\"abc\".upper()") == "(call (. \"abc\" upper))")
    }

    @Test func indexingTakesPositionsAndSlices() throws {
        #expect(try sx("x[0]") == "(index x 0)")
        #expect(try sx("x[-1]") == "(index x (neg 1))")
        #expect(try sx("x[1:3, :]") == "(index x (: 1 3) (: _ _))")
        #expect(try sx("x[::2]") == "(index x (: _ _ 2))")
        #expect(try sx("x[:, 0]") == "(index x (: _ _) 0)")
        #expect(try sx("x[1:]") == "(index x (: 1 _))")
        #expect(try sx("x[:3]") == "(index x (: _ 3))")
        #expect(try sx("x[1::2]") == "(index x (: 1 _ 2))")
        #expect(try sx("x[::]") == "(index x (: _ _))")
        #expect(try sx("x[i + 1 : n - 1 : -1]") == "(index x (: (+ i 1) (- n 1) (neg 1)))")
        #expect(try sx("x[0][1]") == "(index (index x 0) 1)")
        #expect(try sx("x[y[0]]") == "(index x (index y 0))")
    }

    @Test func insideAnExpressionASpaceBeforeAPostfixOperatorIsAllowed() throws {
        #expect(try sx("y = 2 * x [0]") == "(= y (* 2 (index x 0)))")
        #expect(try sx("y = -f (1)") == "(= y (neg (call f 1)))")
        #expect(try sx("(x [0])") == "(index x 0)")
        #expect(try sx("x.T [0]") == "(index (. x T) 0)")
    }

    // MARK: Statements

    @Test func assignmentBindsABareName() throws {
        #expect(try sx("x = 1") == "(= x 1)")
        #expect(try sx("_tmp=x+1") == "(= _tmp (+ x 1))")
        #expect(try sx("y = -x ^ 2") == "(= y (neg (^ x 2)))")
        #expect(try sx("eq = a == b") == "(= eq (== a b))")
    }

    @Test func definitionsTakeZeroOrMoreParameters() throws {
        #expect(try sx("def one() = 1") == "(def one () 1)")
        #expect(try sx("def sq(x) = x^2") == "(def sq (x) (^ x 2))")
        #expect(try sx("def lin(x, W, b) = x @ W + b") == "(def lin (x W b) (+ (@ x W) b))")
        #expect(try sx("def f(\n  x,\n  y\n) = x + y") == "(def f (x y) (+ x y))")
    }

    @Test func aNameFollowedBySpaceAndAnArgumentStartsACommand() throws {
        #expect(try sx(#"print "hi""#) == #"(call print "hi")"#)
        #expect(try sx("grads m") == "(call grads m)")
        #expect(try sx("show 3") == "(call show 3)")
        #expect(try sx("show true") == "(call show true)")
        #expect(try sx("show none") == "(call show none)")
        #expect(try sx("f (a + b)") == "(call f (+ a b))")
        #expect(try sx("f [1, 2]") == "(call f (list 1 2))")
        #expect(try sx("x [0]") == "(call x (list 0))")
    }

    @Test func commandArgumentsArePostfixExpressionsSeparatedBySpaces() throws {
        #expect(try sx("f x[0] y.T z(1)") == "(call f (index x 0) (. y T) (call z 1))")
        #expect(try sx("f x [0]") == "(call f x (list 0))")
        #expect(try sx("f x (1)") == "(call f x 1)")
        #expect(try sx("f a.b(c)[1:2]") == "(call f (index (call (. a b) c) (: 1 2)))")
        #expect(try sx("f (x [0])") == "(call f (index x 0))")
        #expect(try sx("f [x [0]]") == "(call f (list (index x 0)))")
    }

    @Test func commandKeywordArgumentsAreNameEqualsPostfix() throws {
        #expect(try sx("train m steps=10 lr=(-1)") == "(call train m steps=10 lr=(neg 1))")
        #expect(try sx("train m steps = 10") == "(call train m steps=10)")
        #expect(try sx("f k=x.T") == "(call f k=(. x T))")
        #expect(try sx("f k=g(1, 2)") == "(call f k=(call g 1 2))")
        #expect(try sx("f k=[1, 2]") == "(call f k=(list 1 2))")
        #expect(try sx("f k=true") == "(call f k=true)")
    }

    @Test func aCommandMayStandOnTheRightOfABinding() throws {
        #expect(try sx("r = train m text steps=60 opt=\"adam\" lr=1e-2")
            == "(= r (call train m text steps=60 opt=\"adam\" lr=0.01))")
        #expect(try sx("m = rnn vocab 128") == "(= m (call rnn vocab 128))")
        #expect(try sx("y = x [0]") == "(= y (call x (list 0)))")
        #expect(try sx("y = f (1)") == "(= y (call f 1))")
        #expect(try sx("y = x - 1") == "(= y (- x 1))")
        #expect(try sx("y = x[0]") == "(= y (index x 0))")
        let s = try Parser.parse("r = eval m v")
        #expect(s == .assign("r", .call(.name("eval", at(1, 5)), [
            Argument(label: nil, value: .name("m", at(1, 10)), location: at(1, 10)),
            Argument(label: nil, value: .name("v", at(1, 12)), location: at(1, 12)),
        ], at(1, 5)), at(1, 1)))
    }

    @Test func aCommandMaySpanLinesWithBackslashesOrBrackets() throws {
        #expect(try sx("train m text \\\n  steps=10 \\\n  lr=0.5") == "(call train m text steps=10 lr=0.5)")
        #expect(try sx("f [1,\n   2] x") == "(call f (list 1 2) x)")
    }

    @Test func aNameFollowedBySpaceAndAnOperatorIsAnExpression() throws {
        #expect(try sx("a - b") == "(- a b)")
        #expect(try sx("a @ b") == "(@ a b)")
        #expect(try sx("a * b") == "(* a b)")
        #expect(try sx("a ^ 2") == "(^ a 2)")
        #expect(try sx("a == b") == "(== a b)")
        #expect(try sx("a .T") == "(. a T)")
        #expect(try sx("f -1") == "(- f 1)")
    }

    @Test func aNameDirectlyFollowedByParenthesesOrBracketIsACallOrIndex() throws {
        #expect(try sx("f(x)") == "(call f x)")
        #expect(try sx("x[0]") == "(index x 0)")
    }

    @Test func commentsAndContinuationsDoNotChangeTheTree() throws {
        #expect(try sx("x = 1 + \\\n  2  # sum") == "(= x (+ 1 2))")
        #expect(try sx("# set up\nx = f(1,  # first\n      2)  # second\n# done\n") == "(= x (call f 1 2))")
    }

    // MARK: Syntax errors

    static let syntaxErrors: [SyntaxErrorCase] = [
        // Unclosed and mismatched brackets
        .init("log(x", "expected ')' to close '(' at 1:4, found end of input", 1, 6),
        .init("f(a, b", "expected ')' to close '(' at 1:2, found end of input", 1, 7),
        .init("x = (1 + 2", "expected ')' to close '(' at 1:5, found end of input", 1, 11),
        .init("x = (1 + 2  # comment\n\n", "expected ')' to close '(' at 1:5, found end of input", 1, 11),
        .init("f(", "expected ')' to close '(' at 1:2, found end of input", 1, 3),
        .init("f(a,", "expected ')' to close '(' at 1:2, found end of input", 1, 5),
        .init("f(a,\n  # more to come\n", "expected ')' to close '(' at 1:2, found end of input", 1, 5),
        .init("x = (", "expected ')' to close '(' at 1:5, found end of input", 1, 6),
        .init("[1,", "expected ']' to close '[' at 1:1, found end of input", 1, 4),
        .init("x[0,", "expected ']' to close '[' at 1:2, found end of input", 1, 5),
        .init("x[", "expected ']' to close '[' at 1:2, found end of input", 1, 3),
        .init("def f(x,", "expected ')' to close '(' at 1:6, found end of input", 1, 9),
        .init("[1, 2", "expected ']' to close '[' at 1:1, found end of input", 1, 6),
        .init("x[0", "expected ']' to close '[' at 1:2, found end of input", 1, 4),
        .init("f(a b)", "expected ')' to close '(' at 1:2, found 'b'", 1, 5, hint: "separate arguments with ','"),
        .init("[1 2]", "expected ']' to close '[' at 1:1, found '2'", 1, 4, hint: "separate list items with ','"),
        .init("x[0 1]", "expected ']' to close '[' at 1:2, found '1'", 1, 5, hint: "separate indices with ','"),
        .init("f(a]", "expected ')' to close '(' at 1:2, found ']'", 1, 4,
              hint: "brackets do not match: '(' at 1:2 is closed by ']'"),
        .init("[1)", "expected ']' to close '[' at 1:1, found ')'", 1, 3,
              hint: "brackets do not match: '[' at 1:1 is closed by ')'"),
        .init("(a, b)", "expected ')' to close '(' at 1:1, found ','", 1, 3,
              hint: "lmsh has no tuples; for a list write [a, b]"),
        .init("(a b)", "expected ')' to close '(' at 1:1, found 'b'", 1, 4,
              hint: "an operator is missing between two values"),
        .init("f (a, b)", "expected ')' to close '(' at 1:3, found ','", 1, 5,
              hint: "in a command, arguments are separated by spaces: f a b; or call with parentheses right after the name: f(a, b)"),
        .init("f(x + 1 = 2)", "expected ')' to close '(' at 1:2, found '='", 1, 9,
              hint: "a keyword argument is written name=value"),
        .init("f(x:1)", "expected ')' to close '(' at 1:2, found ':'", 1, 4,
              hint: "':' makes a slice, only inside an index: x[1:3]"),
        .init("x)", "unmatched ')'", 1, 2, hint: "remove it or add the opening '('"),
        .init("x ]", "unmatched ']'", 1, 3, hint: "remove it or add the opening '['"),
        .init("x[]", "expected an index after '[', found ']'", 1, 3,
              hint: "an index is a position or a slice, as in x[0], x[-1] or x[1:3, :]"),
        .init("x[0,]", "expected an expression after ',', found ']'", 1, 5),

        // Missing operands
        .init("1 +", "expected an expression after '+', found end of input", 1, 4),
        .init("x = ", "expected an expression after '=', found end of input", 1, 4),
        .init(")", "expected an expression, found ')'", 1, 1),
        .init("()", "expected an expression after '(', found ')'", 1, 2, hint: "'()' is not a value"),
        .init("2 ** 3", "expected an expression after '*', found '*'", 1, 4, hint: "write x^2 for a power"),
        .init("+x", "expected an expression, found '+'", 1, 1, hint: "leave out the unary '+'"),
        .init("x = def", "expected an expression after '=', found 'def'", 1, 5,
              hint: "'def' starts a definition at the beginning of a cell: def f(x) = x^2"),
        .init("f(a, , b)", "expected an expression after ',', found ','", 1, 6),
        .init("a == = b", "expected an expression after '==', found '='", 1, 6,
              hint: "'=' assigns, only as in x = …; '==' compares"),
        .init(":", "expected an expression, found ':'", 1, 1, hint: "':' makes a slice, only inside an index: x[1:3]"),
        .init("1:2", "expected end of input, found ':'", 1, 2, hint: "':' makes a slice, only inside an index: x[1:3]"),
        .init("a, b", "expected end of input, found ','", 1, 2, hint: "lmsh has no tuples; for a list write [a, b] (a, b = xs unpacks one)"),

        // Comparisons
        .init("a < b < c", "comparisons do not chain: found '<' after a comparison", 1, 7,
              hint: "compare two at a time and multiply the 0/1 results: (a < b) * (b < c)"),
        .init("a == b != c", "comparisons do not chain: found '!=' after a comparison", 1, 8,
              hint: "compare two at a time and multiply the 0/1 results: (a < b) * (b < c)"),

        // Members
        .init("x.", "expected a name after '.', found end of input", 1, 3,
              hint: "a member is written x.name, as in a.grad or loss.backward()"),
        .init("x.5", "expected a name after '.', found '5'", 1, 3,
              hint: "a member is written x.name, as in a.grad or loss.backward()"),
        .init("x.true", "expected a name after '.', found 'true'", 1, 3,
              hint: "'true' is a keyword and cannot be a name"),
        .init("[1., 2.]", "expected a name after '.', found ','", 1, 4,
              hint: "write a decimal number with a digit after the '.', as in 1.0"),

        // Assignment
        .init("x.y = 1", "cannot assign to this", 1, 1, hint: "only a plain name can be assigned: x = …"),
        .init("x[0] = 1", "cannot assign to this", 1, 1, hint: "only a plain name can be assigned: x = …"),
        .init("1 = 2", "cannot assign to this", 1, 1, hint: "only a plain name can be assigned: x = …"),
        .init("f(x) = 1", "cannot assign to this", 1, 1, hint: "to define a function write def f(x) = …"),
        .init("g(x, h) = x", "cannot assign to this", 1, 1, hint: "to define a function write def g(x, h) = …"),
        .init("f(1) = 1", "cannot assign to this", 1, 1, hint: "only a plain name can be assigned: x = …"),
        .init("true = 1", "cannot assign to this", 1, 1,
              hint: "'true' is a keyword, not a name; only a plain name can be assigned: x = …"),
        .init("none = 1", "cannot assign to this", 1, 1,
              hint: "'none' is a keyword, not a name; only a plain name can be assigned: x = …"),
        .init("a == b = 1", "cannot assign to this", 1, 1, hint: "only a plain name can be assigned: x = …; '==' compares"),
        .init("x = y = 1", "expected end of input, found '='", 1, 7, hint: "one assignment per cell: split it into two cells"),

        // Definitions
        .init("def", "expected a function name after 'def', found end of input", 1, 4, hint: "def f(x) = x^2 defines f"),
        .init("def = 3", "expected a function name after 'def', found '='", 1, 5, hint: "def f(x) = x^2 defines f"),
        .init("def none() = 1", "expected a function name after 'def', found 'none'", 1, 5,
              hint: "'none' is a keyword and cannot be a name"),
        .init("def f = 1", "expected '(' after 'def f', found '='", 1, 7, hint: "list the parameters in parentheses: def f(x) = …"),
        .init("def f(x)", "expected '=' or '{' after the parameters of 'f', found end of input", 1, 9, hint: "def f(x) = expression, or a body in { … }"),
        .init("def f(x, h) x", "expected '=' or '{' after the parameters of 'f', found 'x'", 1, 13, hint: "def f(x, h) = expression, or a body in { … }"),
        .init("def f(x, x) = x", "duplicate parameter 'x'", 1, 10, hint: "give each parameter its own name"),
        .init("def f(1) = 1", "expected a parameter name, found '1'", 1, 7, hint: "parameters are plain names: def f(x, h) = …"),
        .init("def f(x,) = 1", "expected a parameter name, found ')'", 1, 9, hint: "parameters are plain names: def f(x, h) = …"),
        .init("def f(true) = 1", "expected a parameter name, found 'true'", 1, 7, hint: "'true' is a keyword and cannot be a name"),
        .init("def f(x y) = 1", "expected ')' to close '(' at 1:6, found 'y'", 1, 9, hint: "separate parameters with ','"),
        .init("def f(x) =", "expected an expression after '=', found end of input", 1, 11),

        // Arguments
        .init("f(a=1, b)", "positional argument after keyword argument", 1, 8,
              hint: "put positional arguments before keyword arguments, as in f(x, n=3)"),
        .init("train m steps=1 text", "positional argument after keyword argument", 1, 17,
              hint: "put positional arguments before keyword arguments, as in f(x, n=3)"),
        .init("f(a=1, a=2)", "keyword argument 'a' repeated", 1, 8, hint: "give each keyword argument once"),
        .init("train m lr=1 lr=2", "keyword argument 'lr' repeated", 1, 14, hint: "give each keyword argument once"),

        // The command form
        .init("sample m -1", "expected an argument of 'sample', found '-'", 1, 10,
              hint: "in a command, write a negative number or an expression in parentheses: sample (-1), or call sample(…)"),
        .init("print x - 1", "expected an argument of 'print', found '-'", 1, 9,
              hint: "in a command, write a negative number or an expression in parentheses: print (-1), or call print(…)"),
        .init("print x + 1", "expected an argument of 'print', found '+'", 1, 9,
              hint: "command arguments are names, numbers, strings, lists and calls; put an expression in parentheses, as in print (a + b), or call print(…)"),
        .init("f a, b", "expected an argument of 'f', found ','", 1, 4,
              hint: "in a command, arguments are separated by spaces, not commas; or call f(a, b)"),
        .init("f a)", "expected an argument of 'f', found ')'", 1, 4,
              hint: "unmatched ')': remove it or add the opening bracket"),
        .init("f a def", "expected an argument of 'f', found 'def'", 1, 5,
              hint: "command arguments are names, numbers, strings, lists, calls and name=value"),
        .init("f x .T", "expected an argument of 'f', found '.'", 1, 5,
              hint: "command arguments are names, numbers, strings, lists, calls and name=value"),
        .init("train m lr=-1", "expected a value after 'lr=', found '-'", 1, 12,
              hint: "write a negative value in parentheses: lr=(-1)"),
        .init("train m lr=", "expected a value after 'lr=', found end of input", 1, 12,
              hint: "a command's keyword value is a name, number, string, list, call or (expression)"),
        .init(#"f x"a""#, #"expected a space before the next argument of 'f', found '"a"'"#, 1, 4,
              hint: "separate the arguments of a command with spaces"),
        .init("m = a.b c", "expected end of input, found 'c'", 1, 9,
              hint: "only a plain name starts a command; call with parentheses: f(a, b)"),
        .init("m = 1 2", "expected end of input, found '2'", 1, 7, hint: "an operator is missing between two values"),
        .init("r = train m - 1", "expected an argument of 'train', found '-'", 1, 13,
              hint: "in a command, write a negative number or an expression in parentheses: train (-1), or call train(…)"),
        .init("a.b c", "expected end of input, found 'c'", 1, 5,
              hint: "only a plain name starts a command; call with parentheses: f(a, b)"),
        .init("1 2", "expected end of input, found '2'", 1, 3, hint: "an operator is missing between two values"),
        .init(#""a" "b""#, #"expected end of input, found '"b"'"#, 1, 5, hint: "an operator is missing between two values"),
        .init("def f(x) = g x", "expected end of input, found 'x'", 1, 14,
              hint: "only a plain name starts a command; call with parentheses: f(a, b)"),
        .init("f(x) y", "expected end of input, found 'y'", 1, 6,
              hint: "only a plain name starts a command; call with parentheses: f(a, b)"),

        // One statement per cell
        .init("a\nb", "one statement per cell", 2, 1, hint: "split it into two cells"),
        .init("x = 1\n\n  # c\n  y = 2\n", "one statement per cell", 4, 3, hint: "split it into two cells"),
        .init("train m\nsample m", "one statement per cell", 2, 1, hint: "split it into two cells"),
        .init("f(1)\n(2)", "one statement per cell", 2, 1, hint: "split it into two cells"),
        .init("x = 1 +\n2", "expected an expression after '+', found end of line", 1, 8,
              hint: "a newline ends the cell; continue a line with '\\' at its end, or inside brackets"),

        // Lexical errors come through the parser
        .init("x = $y", "unexpected character '$'", 1, 5,
              hint: "the operators are + - * / @ ^ == != < <= > >= and = ( ) [ ] { } , . : ;"),
        .init("print \"abc", "unterminated string", 1, 7,
              hint: "close it with '\"' on the same line; write \\n for a newline inside a string"),
        .init("x = 1.2.3", "malformed number '1.2.3'", 1, 5, hint: "a number has at most one '.'"),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsNameWhatWasExpectedAndFoundAtTheOffendingToken(_ c: SyntaxErrorCase) throws {
        let e = try #require(parseError(c.cell), "\(c.cell.debugDescription) should not parse")
        #expect(e.message == c.message)
        #expect(e.location == c.location)
        if let hint = c.hint { #expect(e.hint == hint) }
    }

    @Test func errorsRenderWithACaretUnderTheOffendingToken() throws {
        let cell = "y = mean(x"
        let e = try #require(parseError(cell))
        #expect(e.render(source: cell) == """
            error at 1:11: expected ')' to close '(' at 1:9, found end of input
              y = mean(x
                        ^
            """)
    }

    // MARK: Nesting limits

    @Test func nestingUpToTheLimitParses() throws {
        let depth = 150
        let parens = String(repeating: "(", count: depth) + "x" + String(repeating: ")", count: depth)
        #expect(try sx(parens) == "x")
        let lists = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try Parser.parse(lists) != nil)
        #expect(try Parser.parse(Array(repeating: "a", count: 150).joined(separator: " + ")) != nil)
    }

    @Test(arguments: [
        String(repeating: "(", count: 1000) + "x" + String(repeating: ")", count: 1000),
        String(repeating: "[", count: 300),
        String(repeating: "f(", count: 300),
        String(repeating: "x[", count: 300),
        String(repeating: "-", count: 5000) + "x",
        Array(repeating: "2", count: 300).joined(separator: "^"),
        Array(repeating: "a", count: 5000).joined(separator: " + "),
        Array(repeating: "a", count: 300).joined(separator: " @ "),
        "x" + String(repeating: ".a", count: 300),
        "f" + String(repeating: "()", count: 300),
        "print " + String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300),
    ])
    func deepNestingIsAnErrorNotACrash(cell: String) throws {
        let e = try #require(parseError(cell))
        #expect(e.message == "too deeply nested")
        #expect(e.hint != nil)
        let loc = try #require(e.location)
        #expect(loc.line == 1 && loc.column >= 1 && loc.column <= cell.unicodeScalars.count + 1)
    }

    @Test func longFlatListsAndCommandsAreNotNesting() throws {
        let list = "[" + Array(repeating: "1", count: 10_000).joined(separator: ", ") + "]"
        let e = try Parser.parseExpression(list)
        if case .list(let items, _) = e { #expect(items.count == 10_000) } else { Issue.record("not a list") }
        let command = "f " + Array(repeating: "x", count: 1000).joined(separator: " ")
        #expect(try sx(command).hasPrefix("(call f x x x"))
    }

    // MARK: parseExpression

    @Test func parseExpressionTakesOneExpressionOnly() throws {
        #expect(try Parser.parseExpression("a + 1").sExpression == "(+ a 1)")
        #expect(throws: ShellError.self) { try Parser.parseExpression("") }
        #expect(throws: ShellError.self) { try Parser.parseExpression("x = 1") }
        #expect(throws: ShellError.self) { try Parser.parseExpression("a\nb") }
    }

    // MARK: The printer

    @Test func thePrinterShowsNumbersStringsAndStatementsCompactly() throws {
        #expect(SyntaxPrinter.number(3) == "3")
        #expect(SyntaxPrinter.number(-0.0) == "-0")
        #expect(SyntaxPrinter.number(2.5) == "2.5")
        #expect(SyntaxPrinter.number(1e20) == "1e+20")
        #expect(SyntaxPrinter.quote("a\"b\\c\n\t") == #""a\"b\\c\n\t""#)
        #expect(try Parser.parse("def f(x, y) = x")?.sExpression == "(def f (x y) x)")
        let e = try Parser.parseExpression("f(a, k=1)")
        #expect(e.debugDescription == "(call f a k=1)")
    }

    // MARK: Fuzzing

    /// Checks that an error points inside `cell`: a line of the cell and a column at most one past its end.
    private func expectLocatedInside(_ e: ShellError, _ cell: String) {
        guard let loc = e.location else {
            Issue.record("no location for \(e) in \(cell.debugDescription)")
            return
        }
        let lines = cell.split(separator: "\n", omittingEmptySubsequences: false)
        guard loc.line >= 1 && loc.line <= lines.count else {
            Issue.record("line \(loc.line) outside \(cell.debugDescription)")
            return
        }
        let width = lines[loc.line - 1].unicodeScalars.count
        #expect(loc.column >= 1 && loc.column <= width + 1, "column \(loc.column) outside \(cell.debugDescription)")
        #expect(!e.message.isEmpty)
    }

    @Test func randomTokenSequencesParseOrFailWithALocatedError() {
        let pieces = [
            "x", "f", "train", "m", "a", "def", "true", "none", "12", "1.5", ".5", "2e-3", "1e", "\"s\"", "\"a\\n\"",
            "\"open", "+", "-", "*", "/", "@", "^", "==", "!=", "<", "<=", ">", ">=", "=", "(", ")", "[", "]", ",",
            ".", ":", " ", " ", " ", "  ", "\n", "\\\n", "\\", "# c\n", "$", "!", "'", "é", "\t", "steps=", "k=",
        ]
        var rng = RandomSource(seed: 1)
        var parsed = 0
        for _ in 0..<5000 {
            let count = 1 + rng.nextInt(below: 24)
            var cell = ""
            for _ in 0..<count { cell += pieces[rng.nextInt(below: pieces.count)] }
            do {
                if try Parser.parse(cell) != nil { parsed += 1 }
            } catch let e as ShellError {
                expectLocatedInside(e, cell)
            } catch {
                Issue.record("unexpected error \(error) for \(cell.debugDescription)")
            }
        }
        #expect(parsed > 0)
    }

    @Test func randomByteStringsParseOrFailWithALocatedError() {
        var rng = RandomSource(seed: 2)
        let printable = Array("abcxyz019 ._=+-*/@^()[],:\"\\#\n<>!=".utf8)
        for _ in 0..<5000 {
            let count = rng.nextInt(below: 40)
            var bytes: [UInt8] = []
            for _ in 0..<count {
                // Half the bytes from the language's alphabet, half anything at all (invalid UTF-8 included).
                if rng.nextInt(below: 2) == 0 {
                    bytes.append(printable[rng.nextInt(below: printable.count)])
                } else {
                    bytes.append(UInt8(rng.nextInt(below: 256)))
                }
            }
            let cell = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try Parser.parse(cell)
            } catch let e as ShellError {
                expectLocatedInside(e, cell)
            } catch {
                Issue.record("unexpected error \(error) for \(cell.debugDescription)")
            }
        }
    }

    @Test func everyPrefixOfTheSlideParsesOrFailsWithALocatedError() {
        let cell = #"train m text steps=1000 batch=50 opt="rmsprop" lr=2e-3 x=f(a, [1, 2][0:1], -b^2)"#
        let scalars = Array(cell.unicodeScalars)
        for n in 0...scalars.count {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[0..<n])
            let prefix = String(v)
            do {
                _ = try Parser.parse(prefix)
            } catch let e as ShellError {
                expectLocatedInside(e, prefix)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
