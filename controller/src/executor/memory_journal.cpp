// The journal in memory and the tee (memory_journal.hpp).
#include "pivot/controller/memory_journal.hpp"

#include <algorithm>

namespace pivot::controller {

std::vector<JournalEntry> MemoryJournal::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::vector<JournalEntry> MemoryJournal::entries(const std::string& job_id) const {
  std::lock_guard lock(mutex_);
  std::vector<JournalEntry> out;
  for (const auto& e : entries_) {
    if (e.job_id == job_id) out.push_back(e);
  }
  return out;
}

void MemoryJournal::forget(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const JournalEntry& e) { return e.job_id == job_id; });
}

void MemoryJournal::append(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  entries_.push_back(std::move(entry));
}

void MemoryJournal::job_saved(const Job&, std::uint64_t) {
  std::lock_guard lock(mutex_);
  ++saves_;
}

std::size_t MemoryJournal::saves() const {
  std::lock_guard lock(mutex_);
  return saves_;
}

void JournalTee::job_created(const std::string& job_id, const std::string& cluster, JobKind kind,
                             std::uint64_t at_ms) {
  first_.job_created(job_id, cluster, kind, at_ms);
  if (second_) second_->job_created(job_id, cluster, kind, at_ms);
}

void JournalTee::step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                              std::uint64_t at_ms) {
  first_.step_started(job_id, step, deadline_ms, at_ms);
  if (second_) second_->step_started(job_id, step, deadline_ms, at_ms);
}

void JournalTee::command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                              std::uint64_t at_ms) {
  first_.command_sent(job_id, step, command_id, at_ms);
  if (second_) second_->command_sent(job_id, step, command_id, at_ms);
}

void JournalTee::command_unsynced(const std::string& job_id, const std::string& step,
                                  const std::string& command_id, std::uint64_t at_ms) {
  first_.command_unsynced(job_id, step, command_id, at_ms);
  if (second_) second_->command_unsynced(job_id, step, command_id, at_ms);
}

void JournalTee::step_finished(const std::string& job_id, const std::string& step, StepState state,
                               std::uint64_t at_ms) {
  first_.step_finished(job_id, step, state, at_ms);
  if (second_) second_->step_finished(job_id, step, state, at_ms);
}

void JournalTee::job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) {
  first_.job_finished(job_id, state, at_ms);
  if (second_) second_->job_finished(job_id, state, at_ms);
}

void JournalTee::job_saved(const Job& job, std::uint64_t at_ms) {
  first_.job_saved(job, at_ms);
  if (second_) second_->job_saved(job, at_ms);
}

void JournalTee::key_taken(const KeyedRequest& keyed, std::uint64_t at_ms) {
  first_.key_taken(keyed, at_ms);
  if (second_) second_->key_taken(keyed, at_ms);
}

void JournalTee::primary_observed(const std::string& cluster, const std::optional<std::string>& primary,
                                  std::uint64_t at_ms) {
  first_.primary_observed(cluster, primary, at_ms);
  if (second_) second_->primary_observed(cluster, primary, at_ms);
}

void JournalTee::marks_saved(const std::string& cluster, const ClusterMarks& marks, std::uint64_t at_ms) {
  first_.marks_saved(cluster, marks, at_ms);
  if (second_) second_->marks_saved(cluster, marks, at_ms);
}

void JournalTee::sync() {
  first_.sync();
  if (second_) second_->sync();
}

}  // namespace pivot::controller
