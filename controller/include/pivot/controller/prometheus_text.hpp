#pragma once
// Prometheus' text exposition format 0.0.4, written the one way /metrics
// needs: a family's HELP and TYPE once, then its samples; label values
// escaped (\\, \", \n); histograms as cumulative _bucket{le}, _sum, _count.
// Pure: `promtool check metrics` reads what it writes (tests/system).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pivot::controller {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Counts per bucket, not cumulative: bounds.size() + 1 of them (the last is
// past every bound, +Inf's own).
struct HistogramCounts {
  std::vector<std::uint64_t> counts;
  double sum = 0;
  // Adds one observation to the bucket its value falls in (le: upper bound inclusive).
  void observe(std::span<const double> bounds, double value);
};

class PrometheusText {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const MetricLabels& labels, double value);
  void histogram(std::string_view name, const MetricLabels& labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// "12", "0.25", "1e-06": the shortest form that reads back the same.
std::string metric_number(double value);

}  // namespace pivot::controller
