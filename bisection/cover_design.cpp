#include "bisection/cover_design.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runners/pairing.hpp"

namespace kiln {
namespace {

int SmallestPrimeFactor(int q) {
  for (int p = 2; p * p <= q; ++p) {
    if (q % p == 0) return p;
  }
  return q;
}

// GF(p^k): elements are polynomials over GF(p) written in base p; the tables make lines cheap to enumerate.
struct Field {
  int q = 0;
  std::vector<int> add, mul, neg;
};

int PolyMulMod(int a, int b, int p, int k, int modulus) {
  // Schoolbook multiplication of base-p digit vectors, then reduction by the monic modulus of degree k.
  std::vector<int> x(static_cast<std::size_t>(2 * k), 0);
  std::vector<int> da(static_cast<std::size_t>(k)), db(static_cast<std::size_t>(k)), dm(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i, a /= p, b /= p, modulus /= p) {
    da[static_cast<std::size_t>(i)] = a % p;
    db[static_cast<std::size_t>(i)] = b % p;
    dm[static_cast<std::size_t>(i)] = modulus % p;
  }
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      auto& cell = x[static_cast<std::size_t>(i + j)];
      cell = (cell + da[static_cast<std::size_t>(i)] * db[static_cast<std::size_t>(j)]) % p;
    }
  }
  for (int d = 2 * k - 1; d >= k; --d) {  // x^k = -(modulus's lower terms)
    int c = x[static_cast<std::size_t>(d)];
    if (c == 0) continue;
    x[static_cast<std::size_t>(d)] = 0;
    for (int i = 0; i < k; ++i) {
      auto& cell = x[static_cast<std::size_t>(d - k + i)];
      cell = ((cell - c * dm[static_cast<std::size_t>(i)]) % p + p) % p;
    }
  }
  int out = 0;
  for (int i = k - 1; i >= 0; --i) out = out * p + x[static_cast<std::size_t>(i)];
  return out;
}

Field MakeField(int q) {
  const int p = SmallestPrimeFactor(q);
  int k = 0;
  for (int v = q; v > 1; v /= p) ++k;
  Field f;
  f.q = q;
  const auto size = static_cast<std::size_t>(q) * static_cast<std::size_t>(q);
  f.add.resize(size);
  f.mul.resize(size);
  f.neg.resize(static_cast<std::size_t>(q));
  for (int a = 0; a < q; ++a) {
    int neg = 0;
    for (int i = 0, pa = a, scale = 1; i < k; ++i, pa /= p, scale *= p) neg += ((p - pa % p) % p) * scale;
    f.neg[static_cast<std::size_t>(a)] = neg;
    for (int b = 0; b < q; ++b) {
      int sum = 0;
      for (int i = 0, pa = a, pb = b, scale = 1; i < k; ++i, pa /= p, pb /= p, scale *= p) sum += ((pa + pb) % p) * scale;
      f.add[static_cast<std::size_t>(a * q + b)] = sum;
    }
  }
  // An irreducible modulus is one under which no two nonzero elements multiply to zero.
  for (int lower = 0; lower < q; ++lower) {
    bool field = true;
    for (int a = 1; a < q && field; ++a) {
      for (int b = 1; b < q && field; ++b) {
        int m = k == 1 ? (a * b) % p : PolyMulMod(a, b, p, k, lower);
        f.mul[static_cast<std::size_t>(a * q + b)] = m;
        field = m != 0;
      }
    }
    if (field) return f;
  }
  throw std::logic_error("no irreducible polynomial found");
}

CoverDesign CircleOfBlocks(int nodes, int limit) {
  CoverDesign d;
  d.block = std::max(1, limit / 2);
  const int blocks = (nodes + d.block - 1) / d.block;
  auto members = [&](int b) {
    std::vector<int> m;
    for (int i = b * d.block; i < std::min(nodes, (b + 1) * d.block); ++i) m.push_back(i);
    return m;
  };
  if (blocks == 1) {
    d.rounds.push_back({members(0)});
    return d;
  }
  for (const Round& round : CircleRounds(blocks)) {
    std::vector<std::vector<int>> groups;
    for (auto [a, b] : round) {
      std::vector<int> g = members(a);
      for (int node : members(b)) g.push_back(node);
      groups.push_back(std::move(g));
    }
    d.rounds.push_back(std::move(groups));
  }
  return d;
}

}  // namespace

bool IsPrimePower(int q) {
  if (q < 2) return false;
  int p = SmallestPrimeFactor(q);
  while (q % p == 0) q /= p;
  return q == 1;
}

int CoveringBound(int nodes, int limit) {
  if (nodes < 2) return 0;
  if (limit <= 1) return -1;
  return (nodes - 1 + limit - 2) / (limit - 1);
}

CoverDesign CoverRounds(int nodes, int limit) {
  // No limit: groups of about n/7, so that the cover costs 8 or 9 rounds at any size (narrowing a group of g
  // costs about log2(g) rounds more), and never fewer than sqrt(n) nodes.
  if (limit == 0) {
    limit = std::max({2, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(nodes)))), (nodes + 6) / 7});
  }
  int q = 2, s = 1;
  for (;; ++q) {
    if (!IsPrimePower(q)) continue;
    s = limit / q;
    if (s < 1) return CircleOfBlocks(nodes, limit);
    if (static_cast<long long>(q) * q * s >= nodes) break;
  }
  s = static_cast<int>((nodes + static_cast<long long>(q) * q - 1) / (static_cast<long long>(q) * q));
  const Field f = MakeField(q);
  const int points = (nodes + s - 1) / s;
  CoverDesign d;
  d.order = q;
  d.block = s;
  // Point p = (x, y) = (p / q, p % q). Classes: slope m (y = m x + c, grouped by c), and the verticals (by x).
  for (int m = 0; m <= q; ++m) {
    std::vector<std::vector<int>> groups(static_cast<std::size_t>(q));
    for (int p = 0; p < points; ++p) {
      int x = p / q, y = p % q;
      int line = m == q ? x : f.add[static_cast<std::size_t>(y * q + f.neg[static_cast<std::size_t>(f.mul[static_cast<std::size_t>(m * q + x)])])];
      for (int i = p * s; i < std::min(nodes, (p + 1) * s); ++i) groups[static_cast<std::size_t>(line)].push_back(i);
    }
    std::erase_if(groups, [](const std::vector<int>& g) { return g.size() < 2; });
    d.rounds.push_back(std::move(groups));
  }
  return d;
}

}  // namespace kiln
