// lsmc list: scenarios, mutants, known upstream findings, modelled functions, attach points.
#include <iomanip>

#include "model/linux/kernel.hpp"
#include "tools/command.hpp"

namespace lsmc::cli {

namespace {

struct ListOptions {
  bool mutants = false, functions = false, attach_points = false, known = false, json = false;
};

// The same lists as JSON: one array, an object per line of the text.
nlohmann::json list_json(Context& c, const ListOptions& o) {
  nlohmann::json j = nlohmann::json::array();
  if (o.known) {
    for (const sim::KnownFinding& k : c.catalog.known()) {
      j.push_back({{"name", k.name}, {"profile", k.profile}, {"property", k.property}, {"message", k.message},
                   {"source", k.source}});
    }
  } else if (o.functions) {
    for (const auto& f : model::kernel::kKernelFunctions) {
      j.push_back({{"name", std::string(f.name)}, {"trace", std::string(model::kernel::to_string(f.trace))},
                   {"source", std::string(f.source)}});
    }
  } else if (o.attach_points) {
    const auto& points = model::kernel::attach_points();
    for (std::size_t i = 0; i < points.size(); ++i) {
      j.push_back({{"attach", i + 1}, {"kind", std::string(model::kernel::to_string(points[i].kind))},
                   {"function", std::string(model::kernel::info(points[i].function).name)}});
    }
  } else if (o.mutants) {
    for (const auto& m : c.catalog.mutants()) {
      j.push_back({{"name", m.name}, {"description", m.description}, {"scenarios", m.scenarios},
                   {"profiles", m.profiles}, {"property", m.property}});
    }
  } else {
    for (const auto& s : c.catalog.scenarios()) {
      nlohmann::json params = nlohmann::json::object();
      for (const auto& p : s->params()) params[std::string(p.name)] = p.default_value;
      nlohmann::json profiles = nlohmann::json::array();
      for (std::string_view p : s->profiles()) profiles.push_back(std::string(p));
      j.push_back({{"name", std::string(s->name())}, {"description", std::string(s->description())},
                   {"params", params}, {"profiles", profiles}});
    }
  }
  return j;
}

int list(Context& c, const ListOptions& o) {
  if (o.json) {
    c.out << list_json(c, o).dump(2) << "\n";
    return kExitOk;
  }
  if (o.known) {
    // Findings upstream documents and leaves unfixed: name, profile, what identifies it, source.
    for (const sim::KnownFinding& k : c.catalog.known()) {
      c.out << k.name << "  [" << k.profile << "] " << k.property << ": " << k.message << " (" << k.source << ")\n";
    }
    return kExitOk;
  }
  if (o.functions) {
    // The modelled kernel functions: name, what a tracing program can do there, source file.
    for (const auto& f : model::kernel::kKernelFunctions) {
      c.out << std::left << std::setw(34) << f.name << " " << std::setw(11) << model::kernel::to_string(f.trace)
           << " " << f.source << "\n";
    }
    return kExitOk;
  }
  if (o.attach_points) {
    // The generated scenario's --param attach=N numbers these from 1.
    const auto& points = model::kernel::attach_points();
    for (std::size_t i = 0; i < points.size(); ++i) {
      c.out << (i + 1) << " " << model::kernel::to_string(points[i].kind) << " "
           << model::kernel::info(points[i].function).name << "\n";
    }
    return kExitOk;
  }
  if (o.mutants) {
    std::size_t width = 0;
    for (const auto& m : c.catalog.mutants()) width = std::max(width, m.name.size());
    for (const auto& m : c.catalog.mutants()) {
      std::string scen;
      for (const auto& s : m.scenarios) scen += (scen.empty() ? "" : ",") + s;
      std::string profs;
      for (const auto& p : m.profiles) profs += (profs.empty() ? "" : ",") + p;
      c.out << std::left << std::setw(static_cast<int>(width)) << m.name << "  " << m.description
           << " [scenarios: " << scen << "]" << (profs.empty() ? "" : " [profiles: " + profs + "]")
           << (m.generate ? " [generate]" : "") << "\n";
    }
    return kExitOk;
  }
  std::size_t width = 0;
  for (const auto& s : c.catalog.scenarios()) width = std::max(width, s->name().size());
  for (const auto& s : c.catalog.scenarios()) {
    c.out << std::left << std::setw(static_cast<int>(width)) << s->name() << "  " << s->description();
    std::string ps;
    for (const auto& p : s->params()) {
      ps += (ps.empty() ? "" : " ") + std::string(p.name) + "=" + std::to_string(p.default_value);
    }
    if (!ps.empty()) c.out << " [params: " << ps << "]";
    std::string profs;
    for (std::string_view p : s->profiles()) profs += (profs.empty() ? "" : ",") + std::string(p);
    if (!profs.empty()) c.out << " [profiles: " << profs << "]";
    c.out << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_list_command(CLI::App& app) {
  auto o = std::make_shared<ListOptions>();
  auto* list = app.add_subcommand("list", "List scenarios (or mutants): one per line, name first.");
  list->add_flag("--mutants", o->mutants,
                 "list the mutants (bugs that can be put back) instead: the scenarios that find each, the "
                 "kernel profiles whose code has it, and [generate] where lsmc generate finds it unaided");
  list->add_flag("--known", o->known,
                 "list the findings upstream documents and leaves unfixed, per kernel profile (what "
                 "'--known count' counts instead of reporting)");
  list->add_flag("--functions", o->functions,
                 "list the modelled kernel functions: name, traceability on Linux 6.18 (traceable, inlined, "
                 "notrace, ...), source file");
  list->add_flag("--attach-points", o->attach_points,
                 "list where programs can attach (fentry/fexit of each traceable function, tp_btf, LSM hooks), "
                 "numbered as the generated scenario's 'attach' parameter");
  list->add_flag("--json", o->json, "print one JSON array (an object per line of the text) instead of text");
  return {list, [o](Context& c) { return lsmc::cli::list(c, *o); }};
}

}  // namespace lsmc::cli
