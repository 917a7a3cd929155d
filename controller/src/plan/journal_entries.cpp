// The runner events as rows (EntryJournal, journal.hpp): one mapping for every journal that keeps rows.
#include "pivot/controller/journal.hpp"

#include "pivot/protocol/enum_names.hpp"

namespace pivot::controller {

using Kind = JournalEntry::Kind;

void EntryJournal::job_created(const std::string& job_id, const std::string& cluster, JobKind kind,
                                std::uint64_t at_ms) {
  append({Kind::job_created, job_id, cluster, std::string(protocol::to_string(kind)), 0, at_ms});
}

void EntryJournal::step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                                 std::uint64_t at_ms) {
  append({Kind::step_started, job_id, step, "", deadline_ms, at_ms});
}

void EntryJournal::command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                                 std::uint64_t at_ms) {
  append({Kind::command_sent, job_id, step, command_id, 0, at_ms});
}

void EntryJournal::command_unsynced(const std::string& job_id, const std::string& step,
                                    const std::string& command_id, std::uint64_t at_ms) {
  append({Kind::command_sent, job_id, step, command_id, 0, at_ms, /*durable=*/false});
}

void EntryJournal::step_finished(const std::string& job_id, const std::string& step, StepState state,
                                  std::uint64_t at_ms) {
  append({Kind::step_finished, job_id, step, std::string(protocol::to_string(state)), 0, at_ms});
}

void EntryJournal::job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) {
  append({Kind::job_finished, job_id, "", std::string(protocol::to_string(state)), 0, at_ms});
}

}  // namespace pivot::controller
