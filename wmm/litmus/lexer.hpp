// Tokens of a C litmus file. Two comment styles are at home in different parts of a file: the
// header, the initial state and the final conditions take OCaml's "(* ... *)" (the kernel's tests
// carry their "Result:" line in one), process bodies are C, where "(*x)" is an expression. The
// parser says which part it is in; C comments are accepted everywhere.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lsmc::wmm::litmus {

struct Token {
  enum class K : unsigned char { kIdent, kNumber, kPunct, kString, kEnd };
  K k = K::kEnd;
  std::string text;
  long long number = 0;
  int line = 1;

  bool is(const char* punct) const { return k == K::kPunct && text == punct; }
  bool ident(const char* word) const { return k == K::kIdent && text == word; }
};

class Lexer {
public:
  Lexer(const std::string& text, const std::string& file);

  void set_c_mode(bool on) { c_mode_ = on; }
  Token peek() const;
  Token next();
  // The rest of the current line (after the "C" of the first line: the test's name).
  std::string rest_of_line();
  int line() const;
  [[noreturn]] void fail(int line, const std::string& what) const;
  const std::string& file() const { return file_; }

private:
  int line_at(std::size_t pos) const;
  std::size_t skip_space(std::size_t pos) const;
  Token lex_at(std::size_t pos, std::size_t* end) const;

  const std::string& text_;
  std::string file_;
  std::vector<std::size_t> newlines_;
  std::size_t pos_ = 0;
  bool c_mode_ = false;
};

}  // namespace lsmc::wmm::litmus
