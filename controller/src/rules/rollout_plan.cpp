#include "pivot/controller/rollout_plan.hpp"

#include <algorithm>
#include <set>

namespace pivot::controller {
namespace {

Error bad_request(std::string message) { return make_error("bad_request", std::move(message)); }

std::string_view trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    out.push_back(trimmed(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<LabelSelector> parse_selector(std::string_view text) {
  if (trimmed(text).empty()) {
    return bad_request("the selector is empty: name the labels the clusters share, e.g. environment=stage,service=sms");
  }
  LabelSelector out;
  std::set<std::string> keys;
  for (const auto term : split(text, ',')) {
    if (term.empty()) return bad_request("selector '" + std::string(text) + "' has an empty term (a stray comma)");
    LabelTerm parsed;
    auto at = term.find("!=");
    std::size_t width = 2;
    if (at == std::string_view::npos) {
      at = term.find('=');
      width = 1;
    } else {
      parsed.equals = false;
    }
    if (at == std::string_view::npos) {
      return bad_request("selector term '" + std::string(term) + "' is neither key=value nor key!=value");
    }
    parsed.key = std::string(trimmed(term.substr(0, at)));
    parsed.value = std::string(trimmed(term.substr(at + width)));
    if (parsed.key.empty()) return bad_request("selector term '" + std::string(term) + "' has no label key");
    if (!keys.insert(parsed.key).second) {
      return bad_request("selector names label '" + parsed.key + "' twice");
    }
    out.terms.push_back(std::move(parsed));
  }
  return out;
}

bool selects(const LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& term : selector.terms) {
    const auto it = labels.find(term.key);
    const bool same = it != labels.end() && it->second == term.value;
    if (same != term.equals) return false;
  }
  return true;
}

std::string to_string(const LabelSelector& selector) {
  std::string out;
  for (const auto& term : selector.terms) {
    out += (out.empty() ? "" : ",") + term.key + (term.equals ? "=" : "!=") + term.value;
  }
  return out;
}

Result<RolloutOrder> parse_order_by(std::string_view text) {
  RolloutOrder out;
  const auto at = text.find('=');
  out.label = std::string(trimmed(text.substr(0, at)));
  if (out.label.empty()) return bad_request("order_by '" + std::string(text) + "' names no label");
  if (at == std::string_view::npos) return out;
  std::set<std::string> seen;
  for (const auto value : split(text.substr(at + 1), ',')) {
    if (value.empty()) return bad_request("order_by '" + std::string(text) + "' has an empty value");
    if (!seen.insert(std::string(value)).second) {
      return bad_request("order_by '" + std::string(text) + "' lists '" + std::string(value) + "' twice");
    }
    out.values.emplace_back(value);
  }
  return out;
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      // Compare the numbers without converting (no overflow): skip leading
      // zeros, then the longer run is larger, else the first differing digit.
      auto zi = i;
      while (zi < a.size() && a[zi] == '0') ++zi;
      auto zj = j;
      while (zj < b.size() && b[zj] == '0') ++zj;
      auto ei = zi;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      auto ej = zj;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      if (ei - zi != ej - zj) return ei - zi < ej - zj;
      const auto cmp = a.substr(zi, ei - zi).compare(b.substr(zj, ej - zj));
      if (cmp != 0) return cmp < 0;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal as numbers ("a01", "a1"): a stable tie-break
}

Result<std::vector<RolloutEntry>> order_rollout(const LabelSelector& selector, const std::optional<RolloutOrder>& order,
                                                const std::vector<LabeledCluster>& clusters) {
  std::vector<const LabeledCluster*> chosen;
  for (const auto& cluster : clusters) {
    if (selects(selector, cluster.labels)) chosen.push_back(&cluster);
  }
  if (chosen.empty()) return bad_request("selector '" + to_string(selector) + "' matches no loaded cluster");
  std::vector<std::pair<RolloutEntry, const LabeledCluster*>> out;
  for (const auto* cluster : chosen) {
    RolloutEntry entry{cluster->name, 0};
    if (order && !order->values.empty()) {
      const auto label = cluster->labels.find(order->label);
      if (label == cluster->labels.end()) {
        return bad_request("cluster '" + cluster->name + "' is selected but has no label '" + order->label +
                           "' to order it by");
      }
      const auto at = std::find(order->values.begin(), order->values.end(), label->second);
      if (at == order->values.end()) {
        return bad_request("cluster '" + cluster->name + "' is selected but its " + order->label + " '" +
                           label->second + "' is not in the order given");
      }
      entry.group = static_cast<int>(at - order->values.begin());
    }
    out.emplace_back(std::move(entry), cluster);
  }
  const std::string label = order ? order->label : "";
  std::stable_sort(out.begin(), out.end(), [&](const auto& x, const auto& y) {
    if (x.first.group != y.first.group) return x.first.group < y.first.group;
    if (!label.empty()) {
      const auto vx = x.second->labels.find(label);
      const auto vy = y.second->labels.find(label);
      const bool hx = vx != x.second->labels.end();
      const bool hy = vy != y.second->labels.end();
      if (hx != hy) return hx;  // without the label: last
      if (hx && vx->second != vy->second) return natural_less(vx->second, vy->second);
    }
    return natural_less(x.first.cluster, y.first.cluster);
  });
  std::vector<RolloutEntry> entries;
  for (auto& [entry, cluster] : out) entries.push_back(std::move(entry));
  return entries;
}

}  // namespace pivot::controller
