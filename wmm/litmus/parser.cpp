// The parser of C litmus files (the subset of tools/memory-model/litmus-tests and herd7's C
// front end that the kernel's tests use). Anything outside it is refused with FILE:LINE.
#include <fstream>
#include <set>
#include <sstream>

#include "wmm/litmus/ast.hpp"
#include "wmm/litmus/lexer.hpp"

namespace lsmc::wmm::litmus {

namespace {

const std::set<std::string> kTypeWords = {
    "int",   "long", "unsigned", "signed",    "char",     "short",    "bool",         "void",
    "u8",    "u16",  "u32",      "u64",       "s8",       "s16",      "s32",          "s64",
    "size_t", "uintptr_t", "intptr_t", "struct", "volatile", "const", "atomic_t", "atomic_long_t",
    "spinlock_t", "raw_spinlock_t", "intptr_t"};

const std::set<std::string> kUnsupportedStatements = {"while", "for", "do", "goto", "switch",
                                                       "return", "break", "continue"};

class Parser {
public:
  Parser(const std::string& text, const std::string& file) : lex_(text, file), text_(text) {}

  Test parse() {
    Test t;
    t.file = lex_.file();
    const Token c = lex_.next();
    if (!c.ident("C")) lex_.fail(c.line, "a C litmus test starts with 'C NAME' (got '" + c.text + "')");
    t.name = lex_.rest_of_line();
    if (t.name.empty()) lex_.fail(c.line, "the test has no name after 'C'");
    t.result = result_word();
    if (lex_.peek().k == Token::K::kString) lex_.next();
    parse_init(t);
    while (is_proc_start()) t.procs.push_back(parse_proc(static_cast<int>(t.procs.size())));
    if (t.procs.empty()) lex_.fail(lex_.line(), "the test has no process (P0, P1, ...)");
    parse_finals(t);
    return t;
  }

private:
  // The first "Result: WORD" of the file's comments.
  std::string result_word() const {
    const auto at = text_.find("Result:");
    if (at == std::string::npos) return {};
    std::istringstream in(text_.substr(at + 7, 64));
    std::string word;
    in >> word;
    return word;
  }

  Token expect(const char* punct, const char* where) {
    const Token t = lex_.next();
    if (!t.is(punct)) {
      lex_.fail(t.line, std::string("expected '") + punct + "' " + where + ", got " +
                            (t.k == Token::K::kEnd ? std::string("end of file") : "'" + t.text + "'"));
    }
    return t;
  }

  std::string expect_ident(const char* what) {
    const Token t = lex_.next();
    if (t.k != Token::K::kIdent) lex_.fail(t.line, std::string("expected ") + what + ", got '" + t.text + "'");
    return t.text;
  }

  int64_t signed_number(const char* what) {
    bool negative = false;
    if (lex_.peek().is("-")) {
      lex_.next();
      negative = true;
    }
    const Token t = lex_.next();
    if (t.k != Token::K::kNumber) lex_.fail(t.line, std::string("expected ") + what + ", got '" + t.text + "'");
    return negative ? -t.number : t.number;
  }

  // The N of "N:" or "PN:", a process number.
  int process_number(const Token& t) {
    std::string digits = t.k == Token::K::kNumber ? std::to_string(t.number) : t.text;
    if (t.k == Token::K::kIdent && !digits.empty() && digits[0] == 'P') digits = digits.substr(1);
    if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
      lex_.fail(t.line, "'" + t.text + "' is not a process (P0, P1, ... or 0, 1, ...)");
    }
    return std::stoi(digits);
  }

  // "N:name" or "PN:name" for registers; returns -1 and the name for shared variables.
  int proc_prefix(std::string* name) {
    const Token t = lex_.peek();
    if (t.k == Token::K::kNumber) {
      lex_.next();
      expect(":", "after a process number");
      *name = expect_ident("a register name");
      return process_number(t);
    }
    if (t.k == Token::K::kIdent && t.text.size() > 1 && t.text[0] == 'P' &&
        t.text.find_first_not_of("0123456789", 1) == std::string::npos) {
      lex_.next();
      if (lex_.peek().is(":")) {
        lex_.next();
        *name = expect_ident("a register name");
        return process_number(t);
      }
      *name = t.text;
      return -1;
    }
    *name = expect_ident("a variable name");
    return -1;
  }

  void parse_init(Test& t) {
    expect("{", "to open the initial state");
    while (!lex_.peek().is("}")) {
      if (lex_.peek().is(";")) {
        lex_.next();
        continue;
      }
      if (lex_.peek().k == Token::K::kEnd) lex_.fail(lex_.line(), "the initial state is not closed with '}'");
      t.init.push_back(parse_init_item());
    }
    lex_.next();
  }

  InitItem parse_init_item() {
    InitItem item;
    item.line = lex_.line();
    std::vector<std::string> words;
    if (lex_.peek().k == Token::K::kNumber) {
      item.proc = proc_prefix(&item.name);
    } else {
      while (lex_.peek().k == Token::K::kIdent || lex_.peek().is("*")) {
        const Token w = lex_.next();
        if (w.is("*")) continue;
        if (lex_.peek().is(":") && words.empty()) {
          lex_.next();
          item.proc = process_number(w);
          item.name = expect_ident("a register name");
          break;
        }
        words.push_back(w.text);
      }
      if (item.proc < 0) {
        if (words.empty()) lex_.fail(item.line, "expected a variable in the initial state, got '" + lex_.peek().text + "'");
        item.name = words.back();
        words.pop_back();
        for (const auto& w : words) item.type += (item.type.empty() ? "" : " ") + w;
      }
    }
    if (lex_.peek().is("[")) lex_.fail(item.line, "arrays are not supported ('" + item.name + "[...]')");
    if (lex_.peek().is("=")) {
      lex_.next();
      item.has_value = true;
      parse_value(&item.value, &item.address_of, item.line);
    }
    const Token end = lex_.peek();
    if (!end.is(";") && !end.is("}")) lex_.fail(end.line, "expected ';' after '" + item.name + "' in the initial state, got '" + end.text + "'");
    if (end.is(";")) lex_.next();
    return item;
  }

  // A value in the initial state or a condition: a number, a variable (its address) or &variable.
  void parse_value(int64_t* value, std::string* address_of, int line) {
    if (lex_.peek().is("&")) lex_.next();
    const Token t = lex_.peek();
    if (t.k == Token::K::kIdent) {
      *address_of = lex_.next().text;
      if (*address_of == "ATOMIC_INIT") {
        address_of->clear();
        expect("(", "after ATOMIC_INIT");
        *value = signed_number("a number");
        expect(")", "after ATOMIC_INIT's value");
      }
      return;
    }
    if (t.k != Token::K::kNumber && !t.is("-")) lex_.fail(line, "expected a value, got '" + t.text + "'");
    *value = signed_number("a value");
  }

  bool is_proc_start() {
    const Token t = lex_.peek();
    return t.k == Token::K::kIdent && t.text.size() > 1 && t.text[0] == 'P' &&
           t.text.find_first_not_of("0123456789", 1) == std::string::npos;
  }

  Proc parse_proc(int expected) {
    const Token p = lex_.next();
    Proc proc;
    proc.line = p.line;
    proc.index = process_number(p);
    if (proc.index != expected) {
      lex_.fail(p.line, "processes are numbered from P0 without gaps: expected P" + std::to_string(expected) + ", got " + p.text);
    }
    lex_.set_c_mode(true);
    expect("(", "after the process name");
    while (!lex_.peek().is(")")) {
      proc.params.push_back(parse_param());
      if (lex_.peek().is(",")) lex_.next();
      else if (!lex_.peek().is(")")) lex_.fail(lex_.line(), "expected ',' or ')' in " + p.text + "'s parameters, got '" + lex_.peek().text + "'");
    }
    lex_.next();
    expect("{", "to open the process body");
    while (!lex_.peek().is("}")) {
      if (lex_.peek().k == Token::K::kEnd) lex_.fail(lex_.line(), p.text + "'s body is not closed with '}'");
      proc.body.push_back(parse_stmt());
    }
    lex_.next();
    lex_.set_c_mode(false);
    return proc;
  }

  Param parse_param() {
    Param param;
    std::vector<std::string> words;
    const int line = lex_.line();
    while (lex_.peek().k == Token::K::kIdent || lex_.peek().is("*")) {
      const Token t = lex_.next();
      if (t.is("*")) {
        ++param.pointers;
      } else {
        words.push_back(t.text);
      }
    }
    if (words.size() < 2) lex_.fail(line, "a parameter is 'TYPE *NAME' (a pointer to a shared variable)");
    param.name = words.back();
    words.pop_back();
    for (const auto& w : words) param.type += (param.type.empty() ? "" : " ") + w;
    if (param.pointers == 0) {
      lex_.fail(line, "parameter '" + param.name + "' is not a pointer: shared variables are passed as 'TYPE *" + param.name + "'");
    }
    return param;
  }

  bool starts_declaration() const {
    const Token t = lex_.peek();
    return t.k == Token::K::kIdent && kTypeWords.count(t.text) != 0;
  }

  Stmt parse_stmt() {
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

  Stmt parse_if() {
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

  // "int r0, *r1 = READ_ONCE(*x);" becomes one kDecl per declarator, inside a block.
  Stmt parse_decl() {
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

  Expr parse_expr() { return parse_assign(); }

  Expr parse_assign() {
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

  Expr parse_ternary() {
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

  static int precedence(const Token& t) {
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

  Expr parse_binary(int min) {
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

  Expr parse_unary() {
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

  Expr parse_postfix() {
    Expr e = parse_primary();
    const Token t = lex_.peek();
    if (t.is("[") || t.is("->") || t.is(".")) lex_.fail(t.line, "'" + t.text + "' (arrays and structures) is not supported");
    if (t.is("++") || t.is("--")) lex_.fail(t.line, "'" + t.text + "' is not supported");
    return e;
  }

  Expr parse_primary() {
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

  void parse_finals(Test& t) {
    bool have_condition = false;
    for (;;) {
      const Token w = lex_.peek();
      if (w.k == Token::K::kEnd) break;
      lex_.next();
      if (w.ident("locations")) {
        parse_locations(t);
      } else if (w.ident("filter")) {
        t.filter = parse_cond();
      } else if (w.ident("exists") || w.ident("forall") || w.is("~")) {
        if (have_condition) lex_.fail(w.line, "a second final condition");
        if (w.is("~") && !lex_.next().ident("exists")) lex_.fail(w.line, "expected 'exists' after '~'");
        t.quantifier = w.ident("forall") ? Quantifier::kForall : w.is("~") ? Quantifier::kNotExists : Quantifier::kExists;
        t.cond = parse_cond();
        have_condition = true;
      } else {
        lex_.fail(w.line, "expected 'exists', '~exists', 'forall', 'locations' or 'filter', got '" + w.text + "'");
      }
    }
    if (!have_condition) lex_.fail(lex_.line(), "the test has no final condition ('exists (...)')");
  }

  void parse_locations(Test& t) {
    expect("[", "after 'locations'");
    while (!lex_.peek().is("]")) {
      Observed o;
      o.proc = proc_prefix(&o.name);
      t.locations.push_back(o);
      if (lex_.peek().is(";")) lex_.next();
      else if (!lex_.peek().is("]")) lex_.fail(lex_.line(), "expected ';' or ']' in 'locations', got '" + lex_.peek().text + "'");
    }
    lex_.next();
  }

  // cond := disj; disj := conj ('\/' conj)*; conj := unit ('/\' unit)*;
  // unit := '~' unit | '(' cond ')' | 'true' | 'false' | atom
  Cond parse_cond() { return parse_disj(); }

  Cond parse_disj() {
    Cond c = parse_conj();
    while (lex_.peek().is("\\/")) {
      lex_.next();
      Cond o;
      o.k = Cond::K::kOr;
      o.kids.push_back(std::move(c));
      o.kids.push_back(parse_conj());
      c = std::move(o);
    }
    return c;
  }

  Cond parse_conj() {
    Cond c = parse_unit();
    while (lex_.peek().is("/\\")) {
      lex_.next();
      Cond a;
      a.k = Cond::K::kAnd;
      a.kids.push_back(std::move(c));
      a.kids.push_back(parse_unit());
      c = std::move(a);
    }
    return c;
  }

  Cond parse_unit() {
    const Token t = lex_.peek();
    Cond c;
    if (t.is("~") || t.is("!")) {
      lex_.next();
      c.k = Cond::K::kNot;
      c.kids.push_back(parse_unit());
      return c;
    }
    if (t.is("(")) {
      lex_.next();
      c = parse_cond();
      expect(")", "to close '(' in the condition");
      return c;
    }
    if (t.ident("true") || t.ident("false")) {
      lex_.next();
      c.k = t.ident("true") ? Cond::K::kTrue : Cond::K::kFalse;
      return c;
    }
    c.k = Cond::K::kAtom;
    const bool bracket = t.is("[");
    if (bracket) lex_.next();
    c.proc = proc_prefix(&c.name);
    if (bracket) expect("]", "after a bracketed variable");
    const Token op = lex_.next();
    if (op.is("!=")) {
      c.equal = false;
    } else if (!op.is("=") && !op.is("==")) {
      lex_.fail(op.line, "expected '=' in the condition, got '" + op.text + "'");
    }
    parse_value(&c.value, &c.address_of, op.line);
    return c;
  }

  Lexer lex_;
  const std::string& text_;
};

}  // namespace

// A control byte (other than tab and line ends), or a C1 control in UTF-8, would reach the
// terminal through the test's name and report: refused with the line it is on.
void refuse_control_bytes(const std::string& text, const std::string& file) {
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++line;
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) < 0xa0;
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f || c1) {
      static constexpr char kHex[] = "0123456789abcdef";
      throw LitmusError(file + ":" + std::to_string(line) + ": a control character (\\x" + kHex[c >> 4] + kHex[c & 15] +
                        ") in a litmus test");
    }
  }
}

Test parse(const std::string& text, const std::string& file) {
  refuse_control_bytes(text, file);
  return Parser(text, file).parse();
}

Test read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LitmusError(path + ": cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::string to_string(Quantifier q) {
  switch (q) {
    case Quantifier::kExists: return "exists";
    case Quantifier::kNotExists: return "~exists";
    case Quantifier::kForall: return "forall";
  }
  return "exists";
}

std::string to_string(const Cond& c) {
  switch (c.k) {
    case Cond::K::kTrue: return "true";
    case Cond::K::kFalse: return "false";
    case Cond::K::kNot: return "~" + to_string(c.kids[0]);
    case Cond::K::kAnd: return "(" + to_string(c.kids[0]) + " /\\ " + to_string(c.kids[1]) + ")";
    case Cond::K::kOr: return "(" + to_string(c.kids[0]) + " \\/ " + to_string(c.kids[1]) + ")";
    case Cond::K::kAtom: break;
  }
  std::string out = c.proc >= 0 ? std::to_string(c.proc) + ":" + c.name : c.name;
  out += c.equal ? "=" : "!=";
  out += c.address_of.empty() ? std::to_string(c.value) : c.address_of;
  return out;
}

}  // namespace lsmc::wmm::litmus
