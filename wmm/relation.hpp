// Binary relations and sets over the events of one execution graph, as bit matrices.
//
// The memory models (wmm/lkmm.cpp, wmm/models.cpp) are written as the cat files write them:
// unions, sequences, inverses, closures and the axioms acyclic / irreflexive / empty. A graph of
// n events gives n x n bits; a litmus test has a few dozen events, an engine execution under a
// weak model a few hundred, so dense rows of 64-bit words are both the simplest and the fastest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lsmc::wmm {

// A set of events: bit i is event i.
class EventSet {
public:
  EventSet() = default;
  explicit EventSet(std::size_t n) : n_(n), words_((n + 63) / 64, 0) {}
  std::size_t size() const { return n_; }
  bool has(std::size_t i) const { return (words_[i / 64] >> (i % 64)) & 1u; }
  void add(std::size_t i) { words_[i / 64] |= uint64_t{1} << (i % 64); }
  bool empty() const;
  EventSet operator|(const EventSet& o) const;
  EventSet operator&(const EventSet& o) const;
  EventSet operator-(const EventSet& o) const;
  EventSet operator~() const;
  const std::vector<uint64_t>& words() const { return words_; }

private:
  std::size_t n_ = 0;
  std::vector<uint64_t> words_;
};

class Relation {
public:
  Relation() = default;
  explicit Relation(std::size_t n) : n_(n), stride_((n + 63) / 64), bits_(n * stride_, 0) {}
  static Relation identity(const EventSet& on);  // [S]
  static Relation product(const EventSet& a, const EventSet& b);  // S * T

  std::size_t size() const { return n_; }
  bool has(std::size_t i, std::size_t j) const {
    return (bits_[i * stride_ + j / 64] >> (j % 64)) & 1u;
  }
  void add(std::size_t i, std::size_t j) { bits_[i * stride_ + j / 64] |= uint64_t{1} << (j % 64); }
  bool empty() const;
  bool irreflexive() const;
  bool acyclic() const { return plus().irreflexive(); }
  EventSet domain() const;
  EventSet range() const;

  Relation operator|(const Relation& o) const;
  Relation operator&(const Relation& o) const;
  Relation operator-(const Relation& o) const;  // the cat files' "\"
  Relation& operator|=(const Relation& o);
  Relation inverse() const;
  Relation plus() const;   // r+
  Relation star() const;   // r*
  Relation opt() const;    // r?
  // [S] ; r ; [T]
  Relation restrict(const EventSet& from, const EventSet& to) const;
  Relation from(const EventSet& s) const;  // [S] ; r
  Relation to(const EventSet& s) const;    // r ; [S]
  Relation minus_identity() const;         // r \ id
  bool operator==(const Relation& o) const { return bits_ == o.bits_; }

  // The pairs, for messages and tests.
  std::vector<std::pair<std::size_t, std::size_t>> pairs() const;

  friend Relation seq(const Relation& a, const Relation& b);  // a ; b

private:
  const uint64_t* row(std::size_t i) const { return &bits_[i * stride_]; }
  uint64_t* row(std::size_t i) { return &bits_[i * stride_]; }

  std::size_t n_ = 0;
  std::size_t stride_ = 0;
  std::vector<uint64_t> bits_;
};

Relation seq(const Relation& a, const Relation& b);
inline Relation seq(const Relation& a, const Relation& b, const Relation& c) { return seq(seq(a, b), c); }

}  // namespace lsmc::wmm
