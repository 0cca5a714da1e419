#include "wmm/litmus/lexer.hpp"

#include <algorithm>
#include <cctype>

#include "wmm/litmus/ast.hpp"

namespace lsmc::wmm::litmus {

namespace {

// Longest first.
constexpr const char* kPuncts[] = {"/\\", "\\/", "->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>",
                                   "+=", "-=", "++", "--", "(", ")", "{", "}", "[", "]", ";", ",",
                                   "*", "&", "=", "<", ">", "+", "-", "/", "%", "|", "^", "!", "~",
                                   "?", ":", "."};

// Printable form of a byte for messages.
std::string shown(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return std::string("'") + c + "'";
  static const char* hex = "0123456789abcdef";
  const unsigned char u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

}  // namespace

Lexer::Lexer(const std::string& text, const std::string& file) : text_(text), file_(file) {
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') newlines_.push_back(i);
  }
}

int Lexer::line_at(std::size_t pos) const {
  return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin());
}

int Lexer::line() const { return line_at(skip_space(pos_)); }

void Lexer::fail(int line, const std::string& what) const {
  throw LitmusError(file_ + ":" + std::to_string(line) + ": " + what);
}

std::size_t Lexer::skip_space(std::size_t pos) const {
  for (;;) {
    while (pos < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos]))) ++pos;
    if (text_.compare(pos, 2, "//") == 0) {
      while (pos < text_.size() && text_[pos] != '\n') ++pos;
    } else if (text_.compare(pos, 2, "/*") == 0) {
      const std::size_t end = text_.find("*/", pos + 2);
      if (end == std::string::npos) fail(line_at(pos), "unterminated /* comment");
      pos = end + 2;
    } else if (!c_mode_ && text_.compare(pos, 2, "(*") == 0) {
      int depth = 0;
      std::size_t i = pos;
      do {
        if (i + 1 >= text_.size()) fail(line_at(pos), "unterminated (* comment");
        if (text_.compare(i, 2, "(*") == 0) {
          ++depth;
          i += 2;
        } else if (text_.compare(i, 2, "*)") == 0) {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (depth > 0);
      pos = i;
    } else {
      return pos;
    }
  }
}

Token Lexer::lex_at(std::size_t start, std::size_t* end) const {
  const std::size_t pos = skip_space(start);
  Token t;
  t.line = line_at(pos);
  if (pos >= text_.size()) {
    *end = pos;
    return t;
  }
  const char c = text_[pos];
  std::size_t i = pos;
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    while (i < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[i])) || text_[i] == '_')) ++i;
    t.k = Token::K::kIdent;
  } else if (std::isdigit(static_cast<unsigned char>(c))) {
    const int base = text_.compare(pos, 2, "0x") == 0 || text_.compare(pos, 2, "0X") == 0 ? 16 : 10;
    if (base == 16) i += 2;
    unsigned long long v = 0;
    const std::size_t digits = i;
    while (i < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[i]))) {
      const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[i])));
      const int digit = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : d - 'a' + 10;
      if (digit >= base) break;
      if (v > (0x7fffffffffffffffULL - static_cast<unsigned>(digit)) / static_cast<unsigned>(base)) {
        fail(t.line, "number too large");
      }
      v = v * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
      ++i;
    }
    if (i == digits) fail(t.line, "a number has no digits");
    while (i < text_.size() && (text_[i] == 'u' || text_[i] == 'U' || text_[i] == 'l' || text_[i] == 'L')) ++i;
    t.k = Token::K::kNumber;
    t.number = static_cast<long long>(v);
  } else if (c == '"') {
    const std::size_t close = text_.find('"', pos + 1);
    if (close == std::string::npos) fail(t.line, "unterminated string");
    i = close + 1;
    t.k = Token::K::kString;
  } else {
    for (const char* p : kPuncts) {
      if (text_.compare(pos, std::char_traits<char>::length(p), p) == 0) {
        i = pos + std::char_traits<char>::length(p);
        t.k = Token::K::kPunct;
        break;
      }
    }
    if (t.k != Token::K::kPunct) fail(t.line, "unexpected character " + shown(c));
  }
  t.text = text_.substr(pos, i - pos);
  *end = i;
  return t;
}

Token Lexer::peek() const {
  std::size_t end = 0;
  return lex_at(pos_, &end);
}

Token Lexer::next() {
  std::size_t end = 0;
  Token t = lex_at(pos_, &end);
  pos_ = end;
  return t;
}

std::string Lexer::rest_of_line() {
  std::size_t end = text_.find('\n', pos_);
  if (end == std::string::npos) end = text_.size();
  std::string s = text_.substr(pos_, end - pos_);
  pos_ = end;
  const auto first = s.find_first_not_of(" \t\r");
  const auto last = s.find_last_not_of(" \t\r");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

}  // namespace lsmc::wmm::litmus
