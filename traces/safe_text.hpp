// Text that came from outside (trace files, arguments, JSON results) made safe to print, and
// commands printed so that pasting them into a POSIX shell runs lsmc and nothing else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lsmc::traces {

// `text` with every control byte (C0, DEL, and UTF-8-encoded C1) shown as \xNN: nothing printed
// through it moves the cursor, rings the bell or talks to the terminal.
std::string printable(std::string_view text);

// Input quoted in a message: printable(), and at most `cap` bytes of it, then the size
// ("... (209715200 bytes)"), so an error never repeats a huge token.
inline constexpr std::size_t kEchoCap = 200;
std::string echo(std::string_view text, std::size_t cap = kEchoCap);

// One word for a POSIX shell: unchanged when it has only characters no shell treats specially,
// else in single quotes (a quote inside as '\''; a control byte as printable() shows it, so the
// word is safe to print but no longer the same). A word starting with '-' that names a file gets
// "./" from shell_path so that no command reads it as an option.
std::string shell_quote(std::string_view word);
std::string shell_path(std::string_view path);

// The words of `command` when a POSIX shell passes each through as it is: plain characters and
// single-quoted runs (shell_quote's output), separated by single spaces, no control byte; nullopt
// for anything a shell would expand, substitute or split differently.
std::optional<std::vector<std::string>> plain_shell_words(std::string_view command);

// True when `command` is plain_shell_words whose first is `lsmc` (or a path ending in "/lsmc")
// and whose second is `subcommand`: pasting it runs lsmc and nothing else. For commands read
// back from files (lsmc merge).
bool is_plain_lsmc_command(std::string_view command, std::string_view subcommand);

}  // namespace lsmc::traces
