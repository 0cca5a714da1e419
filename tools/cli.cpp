// The lsmc command line: declares every subcommand (one file each, tools/cmd_*.cpp), parses the
// arguments and runs the one chosen. Everything it can do, a test can do by calling run_cli()
// in-process.
#include "tools/cli.hpp"

#include <iostream>
#include <unistd.h>

#include "tools/catalog.hpp"
#include "tools/cmd_litmus.hpp"
#include "tools/command.hpp"
#include "traces/safe_text.hpp"
#include "traces/trace.hpp"

namespace lsmc::cli {

namespace {

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 nothing found; 1 property violated (replay: the recorded violation "
    "reproduced); 2 usage or input error; 3 a per-execution limit was reached; 4 replay diverged "
    "from the code, or the model is not deterministic; 130 (SIGINT, Ctrl-C) or 143 (SIGTERM): explore, "
    "generate, minimize or kernel stress was interrupted, after printing what it found and the command "
    "that resumes (another signal ends it at once).";

// An error's text as printed: control bytes escaped, and bounded (the parts quoting input are
// capped where they are made; this is the backstop for any that is not).
std::string message(const std::exception& e) { return traces::echo(e.what(), 1000); }

// An option given twice takes the last value (as most tools do): a printed resume command's
// options can be appended to the command that was interrupted. Lists (--set, --param) collect.
void take_last(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_items_expected_max() == 1) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  for (CLI::App* sub : app.get_subcommands({})) take_last(*sub);
}

// "unknown command ..." when the words before the options name no command (lsmc nosuch, lsmc
// kernel nosuch, lsmc kernel), else empty.
std::string unknown_command(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* level = &app;
  std::string path;
  for (const std::string& word : args) {
    const auto subs = level->get_subcommands({});
    if (subs.empty()) return {};
    if (word.empty() || word[0] == '-') break;
    std::string names;
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : subs) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      if (word == sub->get_name()) next = sub;
    }
    if (next == nullptr) {
      return "unknown command '" + path + traces::echo(word) + "' (commands: " + names + ")";
    }
    path += word + " ";
    level = next;
  }
  if (level != &app && !level->get_subcommands({}).empty()) {
    std::string names;
    const auto subs = level->get_subcommands({});
    for (std::size_t i = 0; i < subs.size(); ++i) {
      names += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
    }
    bool help = false;
    for (const std::string& word : args) help = help || word == "--help" || word == "-h";
    if (!help) return level->get_name() + " needs a command: " + names;
  }
  return {};
}

}  // namespace

int run_cli(const std::vector<std::string>& args, const sim::Catalog& catalog, std::ostream& out,
            std::ostream& err, bool interactive, Interrupt* interrupt, std::string_view program) {
  CLI::App app{"lsmc: a deterministic simulator and model checker for BPF local storage and for "
               "user-mappable local storage.",
               "lsmc"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lsmc " + std::string(traces::lsmc_version()), "print lsmc's version and exit");
  app.footer(kExitCodesHelp);
  std::vector<Command> commands = {add_list_command(app),     add_explore_command(app),  add_replay_command(app),
                                   add_minimize_command(app), add_render_command(app),   add_report_command(app),
                                   add_generate_command(app), add_merge_command(app),  add_check_bpf_command(app)};
  for (Command& k : add_kernel_commands(app)) commands.push_back(std::move(k));
  for (Command& k : add_mls_commands(app)) commands.push_back(std::move(k));
  commands.push_back(add_litmus_command(app));

  take_last(app);
  if (const std::string unknown = unknown_command(app, args); !unknown.empty()) {
    err << "lsmc: " << unknown << "\nRun 'lsmc --help' for usage.\n";
    return kExitUsage;
  }
  std::vector<const char*> argv;
  argv.push_back("lsmc");
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, on the program or on a subcommand
      const CLI::App* sub = nullptr;
      for (const CLI::App* s : app.get_subcommands()) sub = s;
      out << (sub ? sub->help() : app.help());
      return kExitOk;
    }
    err << "lsmc: " << message(e) << "\nRun 'lsmc --help' for usage.\n";
    return kExitUsage;
  }
  try {
    Context context{out, err, interactive, interrupt, catalog, args, shell_quote(std::string(program))};
    for (Command& command : commands) {
      if (!command.sub->parsed()) continue;
      if (interrupt != nullptr && command.stops_cleanly) interrupt->handled = true;
      return command.run(context);
    }
  } catch (const UsageError& e) {
    err << "lsmc: " << message(e) << "\n";
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    err << "lsmc: " << message(e) << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "lsmc: internal error: " << message(e) << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool interactive,
            Interrupt* interrupt) {
  return run_cli(args, builtin_catalog(), out, err, interactive, interrupt);
}

}  // namespace lsmc::cli
