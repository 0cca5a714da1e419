// The parser of C litmus files (the subset of tools/memory-model/litmus-tests and herd7's C
// front end that the kernel's tests use). Anything outside it is refused with FILE:LINE.
// This file: the entry points, the header, the initial state and the processes (parser.hpp).
#include <fstream>
#include <sstream>

#include "wmm/litmus/parser.hpp"

namespace lsmc::wmm::litmus {

Test Parser::parse() {
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

std::string Parser::result_word() const {
  const auto at = text_.find("Result:");
  if (at == std::string::npos) return {};
  std::istringstream in(text_.substr(at + 7, 64));
  std::string word;
  in >> word;
  return word;
}

Token Parser::expect(const char* punct, const char* where) {
  const Token t = lex_.next();
  if (!t.is(punct)) {
    lex_.fail(t.line, std::string("expected '") + punct + "' " + where + ", got " +
                          (t.k == Token::K::kEnd ? std::string("end of file") : "'" + t.text + "'"));
  }
  return t;
}

std::string Parser::expect_ident(const char* what) {
  const Token t = lex_.next();
  if (t.k != Token::K::kIdent) lex_.fail(t.line, std::string("expected ") + what + ", got '" + t.text + "'");
  return t.text;
}

int64_t Parser::signed_number(const char* what) {
  bool negative = false;
  if (lex_.peek().is("-")) {
    lex_.next();
    negative = true;
  }
  const Token t = lex_.next();
  if (t.k != Token::K::kNumber) lex_.fail(t.line, std::string("expected ") + what + ", got '" + t.text + "'");
  return negative ? -t.number : t.number;
}

int Parser::process_number(const Token& t) {
  std::string digits = t.k == Token::K::kNumber ? std::to_string(t.number) : t.text;
  if (t.k == Token::K::kIdent && !digits.empty() && digits[0] == 'P') digits = digits.substr(1);
  if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
    lex_.fail(t.line, "'" + t.text + "' is not a process (P0, P1, ... or 0, 1, ...)");
  }
  return std::stoi(digits);
}

int Parser::proc_prefix(std::string* name) {
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

void Parser::parse_init(Test& t) {
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

InitItem Parser::parse_init_item() {
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

void Parser::parse_value(int64_t* value, std::string* address_of, int line) {
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

bool Parser::is_proc_start() {
  const Token t = lex_.peek();
  return t.k == Token::K::kIdent && t.text.size() > 1 && t.text[0] == 'P' &&
         t.text.find_first_not_of("0123456789", 1) == std::string::npos;
}

Proc Parser::parse_proc(int expected) {
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

Param Parser::parse_param() {
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

}  // namespace lsmc::wmm::litmus
