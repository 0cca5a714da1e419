#include "wmm/relation.hpp"

namespace lsmc::wmm {

namespace {

uint64_t tail_mask(std::size_t n) {
  return n % 64 == 0 ? ~uint64_t{0} : (uint64_t{1} << (n % 64)) - 1;
}

}  // namespace

bool EventSet::empty() const {
  for (uint64_t w : words_) {
    if (w != 0) return false;
  }
  return true;
}

EventSet EventSet::operator|(const EventSet& o) const {
  EventSet r = *this;
  for (std::size_t i = 0; i < words_.size(); ++i) r.words_[i] |= o.words_[i];
  return r;
}

EventSet EventSet::operator&(const EventSet& o) const {
  EventSet r = *this;
  for (std::size_t i = 0; i < words_.size(); ++i) r.words_[i] &= o.words_[i];
  return r;
}

EventSet EventSet::operator-(const EventSet& o) const {
  EventSet r = *this;
  for (std::size_t i = 0; i < words_.size(); ++i) r.words_[i] &= ~o.words_[i];
  return r;
}

EventSet EventSet::operator~() const {
  EventSet r = *this;
  for (auto& w : r.words_) w = ~w;
  if (!r.words_.empty()) r.words_.back() &= tail_mask(n_);
  return r;
}

Relation Relation::identity(const EventSet& on) {
  Relation r(on.size());
  for (std::size_t i = 0; i < on.size(); ++i) {
    if (on.has(i)) r.add(i, i);
  }
  return r;
}

Relation Relation::product(const EventSet& a, const EventSet& b) {
  Relation r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a.has(i)) continue;
    for (std::size_t w = 0; w < r.stride_; ++w) r.row(i)[w] = b.words()[w];
  }
  return r;
}

bool Relation::empty() const {
  for (uint64_t w : bits_) {
    if (w != 0) return false;
  }
  return true;
}

bool Relation::irreflexive() const {
  for (std::size_t i = 0; i < n_; ++i) {
    if (has(i, i)) return false;
  }
  return true;
}

EventSet Relation::domain() const {
  EventSet s(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t w = 0; w < stride_; ++w) {
      if (row(i)[w] != 0) {
        s.add(i);
        break;
      }
    }
  }
  return s;
}

EventSet Relation::range() const { return inverse().domain(); }

Relation Relation::operator|(const Relation& o) const {
  Relation r = *this;
  r |= o;
  return r;
}

Relation& Relation::operator|=(const Relation& o) {
  for (std::size_t i = 0; i < bits_.size(); ++i) bits_[i] |= o.bits_[i];
  return *this;
}

Relation Relation::operator&(const Relation& o) const {
  Relation r = *this;
  for (std::size_t i = 0; i < bits_.size(); ++i) r.bits_[i] &= o.bits_[i];
  return r;
}

Relation Relation::operator-(const Relation& o) const {
  Relation r = *this;
  for (std::size_t i = 0; i < bits_.size(); ++i) r.bits_[i] &= ~o.bits_[i];
  return r;
}

Relation Relation::inverse() const {
  Relation r(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t w = 0; w < stride_; ++w) {
      uint64_t bits = row(i)[w];
      while (bits != 0) {
        const std::size_t j = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        r.add(j, i);
      }
    }
  }
  return r;
}

// Warshall on rows: after step k, i reaches j through intermediates below k+1.
Relation Relation::plus() const {
  Relation r = *this;
  for (std::size_t k = 0; k < n_; ++k) {
    const uint64_t* rk = r.row(k);
    for (std::size_t i = 0; i < n_; ++i) {
      if (!r.has(i, k)) continue;
      uint64_t* ri = r.row(i);
      for (std::size_t w = 0; w < stride_; ++w) ri[w] |= rk[w];
    }
  }
  return r;
}

Relation Relation::star() const { return plus().opt(); }

Relation Relation::opt() const {
  Relation r = *this;
  for (std::size_t i = 0; i < n_; ++i) r.add(i, i);
  return r;
}

Relation Relation::restrict(const EventSet& from_set, const EventSet& to_set) const {
  return from(from_set).to(to_set);
}

Relation Relation::from(const EventSet& s) const {
  Relation r = *this;
  for (std::size_t i = 0; i < n_; ++i) {
    if (s.has(i)) continue;
    for (std::size_t w = 0; w < stride_; ++w) r.row(i)[w] = 0;
  }
  return r;
}

Relation Relation::to(const EventSet& s) const {
  Relation r = *this;
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t w = 0; w < stride_; ++w) r.row(i)[w] &= s.words()[w];
  }
  return r;
}

Relation Relation::minus_identity() const {
  Relation r = *this;
  for (std::size_t i = 0; i < n_; ++i) r.row(i)[i / 64] &= ~(uint64_t{1} << (i % 64));
  return r;
}

std::vector<std::pair<std::size_t, std::size_t>> Relation::pairs() const {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t i = 0; i < n_; ++i) {
    for (std::size_t j = 0; j < n_; ++j) {
      if (has(i, j)) out.emplace_back(i, j);
    }
  }
  return out;
}

Relation seq(const Relation& a, const Relation& b) {
  Relation r(a.n_);
  for (std::size_t i = 0; i < a.n_; ++i) {
    const uint64_t* ai = a.row(i);
    uint64_t* ri = r.row(i);
    for (std::size_t w = 0; w < a.stride_; ++w) {
      uint64_t bits = ai[w];
      while (bits != 0) {
        const std::size_t j = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        const uint64_t* bj = b.row(j);
        for (std::size_t v = 0; v < a.stride_; ++v) ri[v] |= bj[v];
      }
    }
  }
  return r;
}

}  // namespace lsmc::wmm
