// The litmus parser (parser.hpp), part two: a process's statements and C expressions.
#include <set>

#include "wmm/litmus/parser.hpp"

namespace lsmc::wmm::litmus {

namespace {

const std::set<std::string> kTypeWords = {
    "int",   "long", "unsigned", "signed",    "char",     "short",    "bool",         "void",
    "u8",    "u16",  "u32",      "u64",       "s8",       "s16",      "s32",          "s64",
    "size_t", "uintptr_t", "intptr_t", "struct", "volatile", "const", "atomic_t", "atomic_long_t",
    "spinlock_t", "raw_spinlock_t", "intptr_t"};

const std::set<std::string> kUnsupportedStatements = {"while", "for", "do", "goto", "switch",
                                                       "return", "break", "continue"};

}  // namespace

bool Parser::starts_declaration() const {
  const Token t = lex_.peek();
  return t.k == Token::K::kIdent && kTypeWords.count(t.text) != 0;
}

Stmt Parser::parse_stmt() {
  const Token t = lex_.peek();
  Stmt s;
  s.line = t.line;
  if (t.is("{")) {
    lex_.next();
    s.k = Stmt::K::kBlock;
    while (!lex_.peek().is("}")) {
      if (lex_.peek().k == Token::K::kEnd) lex_.fail(t.line, "a block is not closed with '}'");
      s.body.push_back(parse_stmt());
    }
    lex_.next();
    return s;
  }
  if (t.is(";")) {
    lex_.next();
    s.k = Stmt::K::kBlock;
    return s;
  }
  if (t.ident("if")) return parse_if();
  if (t.k == Token::K::kIdent && kUnsupportedStatements.count(t.text) != 0) {
    lex_.fail(t.line, "'" + t.text + "' is not supported (the C litmus format has 'if' only)");
  }
  if (starts_declaration()) return parse_decl();
  s.k = Stmt::K::kExpr;
  s.expr = parse_expr();
  expect(";", "after a statement");
  return s;
}

Stmt Parser::parse_if() {
  Stmt s;
  s.line = lex_.next().line;
  s.k = Stmt::K::kIf;
  expect("(", "after 'if'");
  s.expr = parse_expr();
  expect(")", "after the condition of 'if'");
  s.body.push_back(parse_stmt());
  if (lex_.peek().ident("else")) {
    lex_.next();
    s.else_body.push_back(parse_stmt());
  }
  return s;
}

Stmt Parser::parse_decl() {
  Stmt block;
  block.k = Stmt::K::kBlock;
  block.line = lex_.line();
  while (starts_declaration()) lex_.next();
  for (;;) {
    while (lex_.peek().is("*")) lex_.next();
    Stmt d;
    d.k = Stmt::K::kDecl;
    d.line = lex_.line();
    d.name = expect_ident("a local variable");
    if (lex_.peek().is("[")) lex_.fail(d.line, "arrays are not supported ('" + d.name + "[...]')");
    if (lex_.peek().is("=")) {
      lex_.next();
      d.expr = parse_assign();
    }
    block.body.push_back(std::move(d));
    if (!lex_.peek().is(",")) break;
    lex_.next();
  }
  expect(";", "after a declaration");
  return block;
}

Expr Parser::parse_assign() {
  Expr lhs = parse_ternary();
  if (lex_.peek().is("=")) {
    const int line = lex_.next().line;
    if (lhs.k != Expr::K::kName && lhs.k != Expr::K::kDeref) lex_.fail(line, "the left of '=' is not a variable or '*pointer'");
    Expr e;
    e.k = Expr::K::kBinary;
    e.op = "=";
    e.line = line;
    e.args.push_back(std::move(lhs));
    e.args.push_back(parse_assign());
    return e;
  }
  if (lex_.peek().is("+=") || lex_.peek().is("-=")) lex_.fail(lex_.line(), "compound assignment is not supported");
  return lhs;
}

Expr Parser::parse_ternary() {
  Expr c = parse_binary(0);
  if (!lex_.peek().is("?")) return c;
  Expr e;
  e.k = Expr::K::kTernary;
  e.line = lex_.next().line;
  e.args.push_back(std::move(c));
  e.args.push_back(parse_assign());
  expect(":", "in a conditional expression");
  e.args.push_back(parse_ternary());
  return e;
}

int Parser::precedence(const Token& t) {
  if (t.k != Token::K::kPunct) return -1;
  static const std::pair<const char*, int> table[] = {
      {"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4}, {"&", 5}, {"==", 6}, {"!=", 6}, {"<", 7},
      {">", 7},  {"<=", 7}, {">=", 7}, {"<<", 8}, {">>", 8}, {"+", 9}, {"-", 9}, {"*", 10},
      {"/", 10}, {"%", 10}};
  for (const auto& [op, p] : table) {
    if (t.text == op) return p;
  }
  return -1;
}

Expr Parser::parse_binary(int min) {
  Expr lhs = parse_unary();
  for (;;) {
    const Token t = lex_.peek();
    const int p = precedence(t);
    if (p < 0 || p < min) return lhs;
    lex_.next();
    Expr e;
    e.k = Expr::K::kBinary;
    e.op = t.text;
    e.line = t.line;
    e.args.push_back(std::move(lhs));
    e.args.push_back(parse_binary(p + 1));
    lhs = std::move(e);
  }
}

Expr Parser::parse_unary() {
  const Token t = lex_.peek();
  if (t.is("*") || t.is("&") || t.is("!") || t.is("~") || t.is("-") || t.is("+")) {
    lex_.next();
    Expr e;
    e.line = t.line;
    Expr operand = parse_unary();
    if (t.is("*")) {
      e.k = Expr::K::kDeref;
    } else if (t.is("&")) {
      if (operand.k != Expr::K::kName) lex_.fail(t.line, "'&' applies to a variable only");
      e.k = Expr::K::kAddrOf;
      e.name = operand.name;
      return e;
    } else {
      e.k = Expr::K::kUnary;
      e.op = t.text;
    }
    e.args.push_back(std::move(operand));
    return e;
  }
  if (t.is("++") || t.is("--")) lex_.fail(t.line, "'" + t.text + "' is not supported");
  return parse_postfix();
}

Expr Parser::parse_postfix() {
  Expr e = parse_primary();
  const Token t = lex_.peek();
  if (t.is("[") || t.is("->") || t.is(".")) lex_.fail(t.line, "'" + t.text + "' (arrays and structures) is not supported");
  if (t.is("++") || t.is("--")) lex_.fail(t.line, "'" + t.text + "' is not supported");
  return e;
}

Expr Parser::parse_primary() {
  const Token t = lex_.next();
  Expr e;
  e.line = t.line;
  if (t.k == Token::K::kNumber) {
    e.k = Expr::K::kConst;
    e.value = t.number;
    return e;
  }
  if (t.is("(")) {
    if (starts_declaration()) {  // a cast: "(int *)e" changes nothing the model sees
      while (!lex_.peek().is(")") && lex_.peek().k != Token::K::kEnd) lex_.next();
      expect(")", "after a cast");
      return parse_unary();
    }
    e = parse_expr();
    expect(")", "to close '('");
    return e;
  }
  if (t.k != Token::K::kIdent) {
    lex_.fail(t.line, t.k == Token::K::kEnd ? std::string("unexpected end of file in an expression")
                                            : "unexpected '" + t.text + "' in an expression");
  }
  e.name = t.text;
  if (t.text == "true" || t.text == "false") {
    e.k = Expr::K::kConst;
    e.value = t.text == "true";
    return e;
  }
  if (!lex_.peek().is("(")) {
    e.k = Expr::K::kName;
    return e;
  }
  lex_.next();
  e.k = Expr::K::kCall;
  while (!lex_.peek().is(")")) {
    e.args.push_back(parse_assign());
    if (lex_.peek().is(",")) lex_.next();
    else if (!lex_.peek().is(")")) lex_.fail(lex_.line(), "expected ',' or ')' in the arguments of " + t.text + ", got '" + lex_.peek().text + "'");
  }
  lex_.next();
  return e;
}
}  // namespace lsmc::wmm::litmus
