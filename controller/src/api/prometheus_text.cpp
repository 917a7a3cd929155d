#include "pivot/controller/prometheus_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pivot::controller {
namespace {

std::string escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string label_text(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += (i ? "," : "") + labels[i].first + "=\"" + escaped(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string metric_number(double value) { return fmt::format("{}", value); }

void HistogramCounts::observe(std::span<const double> bounds, double value) {
  if (counts.size() != bounds.size() + 1) counts.assign(bounds.size() + 1, 0);
  ++counts[static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin())];
  sum += value;
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(std::string_view name, const MetricLabels& labels, double value) {
  out_ += fmt::format("{}{} {}\n", name, label_text(labels), metric_number(value));
}

void PrometheusText::histogram(std::string_view name, const MetricLabels& labels, std::span<const double> bounds,
                               std::span<const std::uint64_t> counts, double sum) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    MetricLabels with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? metric_number(bounds[i]) : "+Inf");
    out_ += fmt::format("{}_bucket{} {}\n", name, label_text(with_le), cumulative);
  }
  out_ += fmt::format("{}_sum{} {}\n", name, label_text(labels), metric_number(sum));
  out_ += fmt::format("{}_count{} {}\n", name, label_text(labels), cumulative);
}

}  // namespace pivot::controller
