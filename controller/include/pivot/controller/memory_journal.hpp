#pragma once
// The journal in memory (tests, and pivotd's first copy) and the tee that
// writes to it and to the journal on disk (journal.hpp is the port). Not part
// of the pure plan: a step may write from several threads at once.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/journal.hpp"

namespace pivot::controller {

// In memory, in order, thread-safe (a step may send to several nodes at once).
class MemoryJournal : public EntryJournal {
 public:
  // Counted only: the registry holds the jobs, the keys and the primaries.
  void job_saved(const Job& job, std::uint64_t at_ms) override;
  void key_taken(const KeyedRequest&, std::uint64_t) override {}
  void primary_observed(const std::string&, const std::optional<std::string>&, std::uint64_t) override {}
  void marks_saved(const std::string&, const ClusterMarks&, std::uint64_t) override {}  // the service holds them
  std::size_t saves() const;

  std::vector<JournalEntry> entries() const;
  // The entries of one job, in order.
  std::vector<JournalEntry> entries(const std::string& job_id) const;
  // Drops a finished job's entries (the in-memory journal keeps as many jobs as the registry).
  void forget(const std::string& job_id);

 protected:
  void append(JournalEntry entry) override;

 private:
  mutable std::mutex mutex_;
  std::vector<JournalEntry> entries_;
  std::size_t saves_ = 0;
};

// Writes every event to both journals, first then second (pivotd: memory, then
// the SQLite file); second may be unset (no durable journal).
class JournalTee : public Journal {
 public:
  JournalTee(Journal& first, Journal* second) : first_(first), second_(second) {}
  void set_second(Journal* second) { second_ = second; }
  void job_created(const std::string& job_id, const std::string& cluster, JobKind kind, std::uint64_t at_ms) override;
  void step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                    std::uint64_t at_ms) override;
  void command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                    std::uint64_t at_ms) override;
  void command_unsynced(const std::string& job_id, const std::string& step, const std::string& command_id,
                        std::uint64_t at_ms) override;
  void step_finished(const std::string& job_id, const std::string& step, StepState state, std::uint64_t at_ms) override;
  void job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) override;
  void job_saved(const Job& job, std::uint64_t at_ms) override;
  void key_taken(const KeyedRequest& keyed, std::uint64_t at_ms) override;
  void primary_observed(const std::string& cluster, const std::optional<std::string>& primary,
                        std::uint64_t at_ms) override;
  void marks_saved(const std::string& cluster, const ClusterMarks& marks, std::uint64_t at_ms) override;
  void sync() override;

 private:
  Journal& first_;
  Journal* second_;
};

}  // namespace pivot::controller
