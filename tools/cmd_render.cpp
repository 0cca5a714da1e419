// lsmc render: draw a trace (text timeline, DOT, SVG, PNG).
#include <fstream>

#include "tools/command.hpp"
#include "traces/render.hpp"

namespace lsmc::cli {

namespace {

// What the drawings show, as data: the lanes, the events shown (all with --all), the violating
// pair and the happens-before edges between lanes (traces::story_of, which every drawing follows).
std::string story_json(Context& c, const std::string& path, const traces::Trace& trace, const traces::RenderOptions& o) {
  const sim::ExecutionRecord& rec = trace.record;
  const traces::Story story = traces::story_of(trace, o);
  nlohmann::json j;
  j["trace"] = path;
  j["scenario"] = trace.scenario;
  j["mutant"] = trace.config.mutant.empty() ? nlohmann::json(nullptr) : nlohmann::json(trace.config.mutant);
  j["profile"] = trace.config.profile;
  j["verdict"] = verdict_json(rec.verdict);
  j["replay_command"] = replay_command(c, path);
  j["actors"] = nlohmann::json::array();
  for (const sim::RecordedActor& a : rec.actors) {
    j["actors"].push_back({{"name", a.name}, {"cpu", a.cpu}, {"context", std::string(model::to_string(a.kind))}});
  }
  j["events_total"] = rec.events.size();
  j["events"] = nlohmann::json::array();
  for (std::size_t k = 0; k < story.shown.size(); ++k) {
    const sim::RecordedEvent& e = rec.events[story.shown[k]];
    j["events"].push_back({{"index", story.shown[k]}, {"step", e.step}, {"actor", e.actor},
                           {"op", std::string(model::to_string(e.op))}, {"object", e.object_text}, {"label", e.label},
                           {"hidden_before", k < story.hidden_before.size() ? story.hidden_before[k] : 0}});
  }
  auto index_or_null = [](std::size_t i) { return i == SIZE_MAX ? nlohmann::json(nullptr) : nlohmann::json(i); };
  j["violation_event"] = index_or_null(story.violation);
  j["cause_event"] = index_or_null(story.cause);
  j["edges"] = nlohmann::json::array();
  for (const traces::Edge& e : story.edges) j["edges"].push_back({{"from", e.from}, {"to", e.to}, {"kind", e.kind}});
  return j.dump(2) + "\n";
}

// Draws a trace: Graphviz (dot, svg, png), a text timeline, or (json) what they show, as data.
int render(Context& c, const std::string& path, const std::string& format, const std::string& out_path, bool all) {
  const traces::Trace trace = read_trace_or_usage(path);
  traces::RenderOptions o;
  o.all = all;
  std::string output;
  if (format == "json") {
    output = story_json(c, path, trace, o);
  } else if (format == "text") {
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
    throw UsageError("unknown format '" + format + "' (dot, svg, png, text, json)");
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
    bool all = false, json = false;
  };
  auto o = std::make_shared<Options>();
  auto* render = app.add_subcommand(
      "render", "Draw a trace: one lane per actor (with CPU and context), events labelled by the kernel "
                "function they model, happens-before edges (lock release to acquisition, a reader's exit "
                "to the end of the grace period that waited for it, reads-from, and the violating pair in "
                "red). Long traces show the events related to the violation; --all shows every one.");
  render->add_option("trace", o->path, "trace file")->required();
  render->add_option("--format", o->format, "text (a timeline, one column per actor; default), dot, svg or png "
                                            "(svg and png through Graphviz's dot), or json (what the drawings show, "
                                            "as data: lanes, events, the violating pair, the edges)");
  render->add_flag("--json", o->json, "the same as --format json");
  render->add_option("-o,--out", o->out, "output file (default: standard output; png needs one)");
  render->add_flag("--all", o->all, "every event, not only those related to the violation");
  return {render, [o](Context& c) { return lsmc::cli::render(c, o->path, o->json ? "json" : o->format, o->out, o->all); }};
}

}  // namespace lsmc::cli
