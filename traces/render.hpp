// Drawings of a trace (issue 6): a Graphviz graph with one lane per actor and the
// happens-before edges that explain the violation, a text timeline with one column per actor,
// and a self-contained HTML report. Long traces show the events related to the violation unless
// `all` is set.
#pragma once

#include <string>
#include <vector>

#include "traces/trace.hpp"

namespace lsmc::traces {

struct RenderOptions {
  bool all = false;         // every event, not only those related to the violation
  std::size_t context = 4;  // related mode: events kept around each related one, per lane
};

// What the drawings agree on: which events are shown, the violating pair, the cross-lane edges.
struct Edge {
  std::size_t from = 0, to = 0;  // indices into the trace's events
  std::string kind;              // "lock", "grace period", "reads-from", "free -> use", "conflict"
};
struct Story {
  std::vector<std::size_t> shown;       // event indices, ascending
  std::vector<std::size_t> hidden_before;  // per shown event: events of its lane hidden just before it
  std::size_t violation = SIZE_MAX;     // the event the verdict is about (the last of its actor)
  std::size_t cause = SIZE_MAX;         // the event it conflicts with (the free, the write, the lock)
  std::vector<Edge> edges;
};
Story story_of(const Trace& trace, const RenderOptions& options);

std::string render_dot(const Trace& trace, const RenderOptions& options);
std::string render_text(const Trace& trace, const RenderOptions& options);
// Runs Graphviz's dot on `dot_source` ("svg" or "png"); throws std::runtime_error if dot is
// missing or fails.
std::string run_graphviz(const std::string& dot_source, const std::string& format);
// One page: verdict, scenario, `replay_command` (as the CLI prints it, quoted for a shell), the
// SVG drawing and the text timeline.
std::string render_html(const Trace& trace, const std::string& replay_command, const RenderOptions& options);

}  // namespace lsmc::traces
