// A tree search's place between two executions as text (Strategy::save and restore): words
// separated by single spaces, the first the strategy's name, the rest unsigned decimal numbers.
// The reader checks every number against what it can be and every count against the words left,
// so a truncated or hostile text is an error, never a huge allocation or an index out of range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/config.hpp"

namespace lsmc::sim {

class StateWriter {
public:
  explicit StateWriter(std::string_view name) : text_(name) {}
  StateWriter& operator<<(uint64_t v) {
    text_ += ' ';
    text_ += std::to_string(v);
    return *this;
  }
  const std::string& text() const { return text_; }

private:
  std::string text_;
};

class StateReader {
public:
  explicit StateReader(std::string_view text) : text_(text) {}

  // The first word must be `name`.
  bool expect_name(std::string_view name) {
    const std::string_view w = word();
    if (w != name) return fail("it is the state of '" + std::string(w.substr(0, 40)) + "', not of " + std::string(name));
    return true;
  }
  // The next number, at most `max`.
  bool number(uint64_t& out, uint64_t max = UINT64_MAX) {
    if (!error_.empty()) return false;
    const std::string_view w = word();
    if (w.empty()) return fail("it ends early");
    const auto v = parse_u64(std::string(w));
    if (!v) return fail("'" + std::string(w.substr(0, 40)) + "' is not a number");
    if (*v > max) return fail(std::to_string(*v) + " is out of range (at most " + std::to_string(max) + ")");
    out = *v;
    return true;
  }
  template <typename T>
  bool number_as(T& out, uint64_t max) {
    uint64_t v = 0;
    if (!number(v, max)) return false;
    out = static_cast<T>(v);
    return true;
  }
  // A count of items that take at least `words_each` words: no more than the words left allow.
  bool count(std::size_t& out, std::size_t words_each = 1) {
    uint64_t v = 0;
    if (!number(v)) return false;
    if (words_each == 0) words_each = 1;
    if (v > words_left() / words_each) return fail("a count of " + std::to_string(v) + " is more than the text holds");
    out = static_cast<std::size_t>(v);
    return true;
  }
  // True when every word has been read (else an error: trailing words).
  bool finish() {
    if (!error_.empty()) return false;
    if (pos_ < text_.size()) return fail("it has words past its end");
    return true;
  }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  const std::string& error() const { return error_; }

private:
  std::string_view word() {
    if (pos_ < text_.size() && pos_ > 0 && text_[pos_] == ' ') ++pos_;
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ' ') ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // An upper bound on the words left (each takes at least two characters but the last).
  std::size_t words_left() const { return (text_.size() - pos_ + 1) / 2; }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace lsmc::sim
