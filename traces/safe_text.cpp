#include "traces/safe_text.hpp"

#include <cctype>
#include <cstring>

namespace lsmc::traces {

namespace {

void hex_byte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Characters a POSIX shell gives no meaning to, anywhere in a word.
bool plain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::strchr("-_./=:,+", c) != nullptr;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && c != 0xc2)) {
      out += static_cast<char>(c);
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      hex_byte(out, c);  // U+0080..U+009F: the C1 controls, in UTF-8 (CSI among them)
      hex_byte(out, static_cast<unsigned char>(text[++i]));
    } else if (c == 0xc2) {
      out += static_cast<char>(c);
    } else {
      hex_byte(out, c);
    }
  }
  return out;
}

std::string echo(std::string_view text, std::size_t cap) {
  if (text.size() <= cap) return printable(text);
  return printable(text.substr(0, cap)) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty() && word.front() != '=';  // zsh expands a leading '='
  for (char c : word) plain = plain && plain_char(c);
  if (plain) return std::string(word);
  // A control byte would reach the terminal inside the quotes, and POSIX sh has no quoting that
  // shows it: it is printed escaped (\xNN), safe to print, though then not the same word.
  std::string out = "'";
  for (char c : printable(word)) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string shell_path(std::string_view path) {
  if (!path.empty() && path.front() == '-') return shell_quote("./" + std::string(path));
  return shell_quote(path);
}

std::optional<std::vector<std::string>> plain_shell_words(std::string_view command) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < command.size()) {
    std::string word;
    // One word: plain characters, single-quoted runs, and the \' of shell_quote, back to back.
    while (i < command.size() && command[i] != ' ') {
      if (plain_char(command[i])) {
        word += command[i++];
      } else if (command[i] == '\'') {
        const std::size_t close = command.find('\'', i + 1);
        if (close == std::string_view::npos) return std::nullopt;
        for (std::size_t k = i + 1; k < close; ++k) {
          const auto c = static_cast<unsigned char>(command[k]);
          if (c < 0x20 || c == 0x7f) return std::nullopt;  // control bytes: not a command to print
        }
        word += command.substr(i + 1, close - i - 1);
        i = close + 1;
      } else if (command.compare(i, 2, "\\'") == 0) {
        word += '\'';
        i += 2;
      } else {
        return std::nullopt;
      }
    }
    words.push_back(std::move(word));
    if (i < command.size()) {
      ++i;  // the one space between words
      if (i == command.size() || command[i] == ' ') return std::nullopt;
    }
  }
  return words;
}

bool is_plain_lsmc_command(std::string_view command, std::string_view subcommand) {
  const auto words = plain_shell_words(command);
  if (!words || words->size() < 2 || (*words)[1] != subcommand) return false;
  const std::string& first = words->front();
  return first == "lsmc" || (first.size() > 5 && first.ends_with("/lsmc"));
}

}  // namespace lsmc::traces
