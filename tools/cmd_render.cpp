// lsmc render: draw a trace (text timeline, DOT, SVG, PNG).
#include <fstream>

#include "tools/command.hpp"
#include "traces/render.hpp"

namespace lsmc::cli {

namespace {

// Draws a trace: Graphviz (dot, svg, png) or a text timeline.
int render(Context& c, const std::string& path, const std::string& format, const std::string& out_path, bool all) {
  const traces::Trace trace = read_trace_or_usage(path);
  traces::RenderOptions o;
  o.all = all;
  std::string output;
  if (format == "text") {
    output = traces::render_text(trace, o);
  } else if (format == "dot") {
    output = traces::render_dot(trace, o);
  } else if (format == "svg" || format == "png") {
    if (format == "png" && out_path.empty()) throw UsageError("--format png needs -o FILE");
    try {
      output = traces::run_graphviz(traces::render_dot(trace, o), format);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  } else {
    throw UsageError("unknown format '" + format + "' (dot, svg, png, text)");
  }
  if (out_path.empty()) {
    c.out << output;
  } else {
    std::ofstream f(out_path, std::ios::binary);
    if (!(f << output)) throw UsageError("cannot write " + out_path);
    c.out << "wrote " << out_path << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_render_command(CLI::App& app) {
  struct Options {
    std::string path, format = "text", out;
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* render = app.add_subcommand(
      "render", "Draw a trace: one lane per actor (with CPU and context), events labelled by the kernel "
                "function they model, happens-before edges (lock release to acquisition, a reader's exit "
                "to the end of the grace period that waited for it, reads-from, and the violating pair in "
                "red). Long traces show the events related to the violation; --all shows every one.");
  render->add_option("trace", o->path, "trace file")->required();
  render->add_option("--format", o->format, "text (a timeline, one column per actor; default), dot, svg or png "
                                            "(svg and png through Graphviz's dot)");
  render->add_option("-o,--out", o->out, "output file (default: standard output; png needs one)");
  render->add_flag("--all", o->all, "every event, not only those related to the violation");
  return {render, [o](Context& c) { return lsmc::cli::render(c, o->path, o->format, o->out, o->all); }};
}

}  // namespace lsmc::cli
