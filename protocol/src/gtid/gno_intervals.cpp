#include "gno_intervals.hpp"

#include <algorithm>

namespace pivot::gtid::detail {

void normalize(GnoIntervals& intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const GnoInterval& a, const GnoInterval& b) { return a.first < b.first; });
  GnoIntervals merged;
  for (const GnoInterval& next : intervals) {
    // last <= kMaxGno < UINT64_MAX, so last + 1 cannot wrap.
    if (!merged.empty() && next.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, next.last);
    } else {
      merged.push_back(next);
    }
  }
  intervals = std::move(merged);
}

GnoIntervals subtract(const GnoIntervals& a, const GnoIntervals& b) {
  GnoIntervals out;
  auto cut = b.begin();
  for (GnoInterval rest : a) {
    while (cut != b.end() && cut->last < rest.first) ++cut;  // cuts wholly before `rest`
    bool gone = false;
    for (auto c = cut; c != b.end() && c->first <= rest.last; ++c) {
      if (c->first > rest.first) out.push_back(GnoInterval{rest.first, c->first - 1});
      if (c->last >= rest.last) {
        gone = true;
        break;
      }
      rest.first = c->last + 1;
    }
    if (!gone) out.push_back(rest);
  }
  return out;
}

std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

std::uint64_t count(const GnoIntervals& intervals) {
  std::uint64_t total = 0;
  for (const GnoInterval& i : intervals) total = add_saturating(total, i.last - i.first + 1);
  return total;
}

std::string format(const GnoIntervals& intervals) {
  std::string out;
  for (const GnoInterval& i : intervals) {
    if (!out.empty()) out += ':';
    out += std::to_string(i.first);
    if (i.last != i.first) out += "-" + std::to_string(i.last);
  }
  return out;
}

}  // namespace pivot::gtid::detail
