#include "pivot/controller/eligibility_wait.hpp"

#include <cmath>

namespace pivot::controller {

void EligibilityWait::look(std::uint64_t now_ms, const PivotStatus& status, std::optional<double> candidate_lag_s,
                           int max_lag_seconds) {
  // Another candidate (the automatic choice moved): its predecessor's lag says nothing.
  if (status.candidate != last_.candidate) samples_.clear();
  last_ = status;
  lag_s_ = candidate_lag_s;
  max_lag_seconds_ = max_lag_seconds;
  if (candidate_lag_s) samples_.push_back({now_ms, *candidate_lag_s});
  while (!samples_.empty() && samples_.front().at_ms + kRateWindowMs < now_ms) samples_.pop_front();
}

std::optional<double> EligibilityWait::lag_rate() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& first = samples_.front();
  const auto& last = samples_.back();
  if (last.at_ms <= first.at_ms) return std::nullopt;
  return (first.lag_s - last.lag_s) * 1000.0 / static_cast<double>(last.at_ms - first.at_ms);
}

std::optional<double> EligibilityWait::lag_passes_in_s() const {
  if (!lag_s_) return std::nullopt;
  const double over = *lag_s_ - max_lag_seconds_;
  if (over <= 0) return 0.0;
  const auto rate = lag_rate();
  if (!rate || *rate <= 0) return std::nullopt;
  return over / *rate;
}

Detail EligibilityWait::progress(std::uint64_t now_ms) const {
  Detail failing = Detail::array();
  std::string first;
  for (const auto& c : last_.checks) {
    if (c.ok) continue;
    failing.push_back({{"id", c.id}, {"detail", c.detail}});
    if (first.empty()) first = c.id + ": " + c.detail;
  }
  Detail out{{"waited_ms", now_ms - started_ms_},
             {"remaining_ms", now_ms < deadline_ms_ ? deadline_ms_ - now_ms : 0},
             {"candidate", last_.candidate},
             {"failing", std::move(failing)}};
  std::string summary = "waiting for " + std::to_string(out["failing"].size()) + " failing check(s)";
  if (!first.empty()) summary += " (" + first + ")";
  if (lag_s_) {
    out["lag_s"] = *lag_s_;
    summary += "; " + (last_.candidate.empty() ? std::string("the candidate") : last_.candidate) + " is " +
               std::to_string(static_cast<long long>(std::llround(*lag_s_))) + " s behind";
  }
  if (auto rate = lag_rate()) {
    out["lag_falls_s_per_s"] = std::round(*rate * 100) / 100;
    if (*rate <= 0) summary += ", not catching up";
  }
  if (auto eta = lag_passes_in_s()) {
    out["lag_passes_in_s"] = std::ceil(*eta);
    summary += ", within the lag limit in about " + std::to_string(static_cast<long long>(std::ceil(*eta))) + " s";
  }
  out["summary"] = summary;
  return out;
}

namespace {
Detail or_null(const std::optional<std::string>& value) { return value ? Detail(*value) : Detail(); }
std::optional<std::string> string_or_none(const Detail* value) {
  if (value && value->is_string()) return value->as_string();
  return std::nullopt;
}
}  // namespace

Detail saved_wait_result(const SavedWait& wait) {
  return Detail{{"waiting", Detail{{"candidate", or_null(wait.candidate)},
                                   {"expected_primary", or_null(wait.expected_primary)},
                                   {"wait_s", wait.wait_s},
                                   {"deadline_at_ms", wait.deadline_at_ms}}}};
}

std::optional<SavedWait> saved_wait_of(const Detail& result) {
  const Detail* waiting = result.is_object() ? result.find("waiting") : nullptr;
  if (!waiting || !waiting->is_object()) return std::nullopt;
  const Detail* deadline = waiting->find("deadline_at_ms");
  const Detail* wait_s = waiting->find("wait_s");
  if (!deadline || !deadline->is_number_integer() || !wait_s || !wait_s->is_number_integer()) return std::nullopt;
  return SavedWait{string_or_none(waiting->find("candidate")), string_or_none(waiting->find("expected_primary")),
                   wait_s->as_uint(), deadline->as_uint()};
}

}  // namespace pivot::controller
