// The journal in memory (journal.hpp): until the SQLite journal (issue 14).
#include "pivot/controller/journal.hpp"

#include "pivot/protocol/enum_names.hpp"

namespace pivot::controller {

using Kind = JournalEntry::Kind;

void MemoryJournal::job_created(const std::string& job_id, const std::string& cluster, JobKind kind,
                                std::uint64_t at_ms) {
  add({Kind::job_created, job_id, cluster, std::string(protocol::to_string(kind)), 0, at_ms});
}

void MemoryJournal::step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                                 std::uint64_t at_ms) {
  add({Kind::step_started, job_id, step, "", deadline_ms, at_ms});
}

void MemoryJournal::command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                                 std::uint64_t at_ms) {
  add({Kind::command_sent, job_id, step, command_id, 0, at_ms});
}

void MemoryJournal::step_finished(const std::string& job_id, const std::string& step, StepState state,
                                  std::uint64_t at_ms) {
  add({Kind::step_finished, job_id, step, std::string(protocol::to_string(state)), 0, at_ms});
}

void MemoryJournal::job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) {
  add({Kind::job_finished, job_id, "", std::string(protocol::to_string(state)), 0, at_ms});
}

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

void MemoryJournal::add(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  entries_.push_back(std::move(entry));
}

}  // namespace pivot::controller
