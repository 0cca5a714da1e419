// The proposal scenario proposal-publish-order (registered by the build: register_proposal_publish_order).
//
// The publication protocol under a weak memory model (model/mappable/publication_order.hpp,
// docs/memory-model.md): a slot published as generation 1 for task a (both words 1) is freed and
// taken by task b (generation 2, both words 2) on one CPU while a daemon on another reads it
// through the header. Whatever the reader keeps (both generations equal and not 0) is one owner's
// whole entry: generation 1 with a's words, generation 2 with b's. A torn or stale entry the
// generation check rejects is allowed (probe "torn or stale read rejected"). Passes under sc, tso
// and lkmm; each mutant drops one ordering and is found under lkmm only.
#include <string>

#include "model/mappable/publication_order.hpp"
#include "sim/scenario.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
namespace mm = model::mappable;

constexpr uint32_t kGenA = 1, kGenB = 2;
constexpr int64_t kWordsA = 1, kWordsB = 2;

class ProposalPublishOrder final : public sim::Scenario {
public:
  std::string_view name() const override { return "proposal-publish-order"; }
  std::string_view description() const override {
    return "proposal: a slot freed and reused (generation 1 -> 0 -> 2) while a daemon reads it lock-free "
           "(acquire gen, entry, smp_rmb, gen again); a kept read is one owner's whole entry";
  }
  std::vector<std::string_view> probes() const override { return {"torn or stale read rejected"}; }
  void build(sim::Setup& s) const override {
    auto& slot = s.make<mm::PublishedSlot>();
    mm::mls_slot_init(s.env(), slot, kGenA, kWordsA);
    mm::PublicationOrders orders;
    orders.publish_release = !s.mutant("mls-publish-gen-write-once");
    orders.read_acquire = !s.mutant("mls-read-gen-read-once");
    orders.read_rmb = !s.mutant("mls-read-without-rmb");
    s.spawn("bpf", [&slot, orders](Env& env) {
      mm::bpf_mls_delete_slot(env, slot);
      mm::bpf_mls_get_slot(env, slot, kGenB, kWordsB, orders);
    }, {0});
    s.spawn("daemon", [&slot, orders](Env& env) {
      const mm::OrderedRead r = mm::libbpf_mls_read_slot(env, slot, orders);
      if (r.gen == 0) return;
      if (!r.ok) {
        env.probe("torn or stale read rejected");
        return;
      }
      const int64_t want = r.gen == kGenA ? kWordsA : kWordsB;
      env.check(r.word[0] == want && r.word[1] == want, "publication",
                "the daemon kept generation " + std::to_string(r.gen) + " with entry {" + std::to_string(r.word[0]) +
                    ", " + std::to_string(r.word[1]) + "}, not {" + std::to_string(want) + ", " +
                    std::to_string(want) + "}: " + (r.word[0] == r.word[1] ? "another owner's entry" : "a torn entry"));
    }, {1});
  }
};

}  // namespace

void register_proposal_publish_order(sim::Catalog& c) {
  c.add(std::make_unique<ProposalPublishOrder>());
  c.add_mutant({"mls-publish-gen-write-once",
                "bpf_mls_get publishes the generation with WRITE_ONCE instead of smp_store_release: a daemon keeps "
                "the new generation with the old entry (found under lkmm only)",
                {"proposal-publish-order"}, {}, "publication", "lkmm"});
  c.add_mutant({"mls-read-gen-read-once",
                "libbpf_mls_read loads the generation with READ_ONCE instead of smp_load_acquire: the entry's loads "
                "may take values older than the generation (found under lkmm only)",
                {"proposal-publish-order"}, {}, "publication", "lkmm"});
  c.add_mutant({"mls-read-without-rmb",
                "libbpf_mls_read without smp_rmb() before the generation's second load: it may see the old "
                "generation twice around the new owner's entry (found under lkmm only)",
                {"proposal-publish-order"}, {}, "publication", "lkmm"});
}

}  // namespace lsmc::properties::scenarios
