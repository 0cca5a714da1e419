// Deterministic pseudo-random numbers for strategies. Defined bit for bit here (SplitMix64 to
// seed, xoshiro256** to draw, Lemire's multiply-shift for bounded draws) so that a seed means
// the same schedule on every compiler and standard library; std:: distributions do not promise
// that.
#pragma once

#include <cstdint>

namespace lsmc::sim {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The seed of execution `index` of a run with seed `seed`: every execution can be reproduced on
// its own, whatever ran before it.
inline uint64_t execution_seed(uint64_t seed, uint64_t index) {
  uint64_t s = seed;
  uint64_t a = splitmix64(s);
  uint64_t t = index ^ a;
  return splitmix64(t);
}

class Rng {
public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed) {
    uint64_t s = seed;
    for (auto& word : s_) word = splitmix64(s);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, bound); bound > 0. Lemire's method without the rejection step: the bias is
  // below 2^-32 for the bounds we use and the result stays a pure function of the state.
  uint64_t below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace lsmc::sim
