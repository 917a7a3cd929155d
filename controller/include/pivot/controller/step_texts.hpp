#pragma once
// A job's steps as one JSON array text, "[s1,s2,...]", each step's text made
// by `render`. The text of a step that ended is kept and reused: an ended
// step never changes (a later step of the same name is a step of its own),
// so each later call renders only the step still running. The event stream
// (EventHub) and the journal's job row (SqliteJournal) each rendered every
// step of the job at every step's end, on the job's thread, inside a pivot's
// write-blocked window (issue 22). A job's texts go when it has finished.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pivot/controller/job.hpp"

namespace pivot::controller {

class StepTexts {
 public:
  using Render = std::function<std::string(const JobStep&)>;
  explicit StepTexts(Render render) : render_(std::move(render)) {}

  // "[...]": the same text as joining render(step) of every step with ','.
  std::string array(const Job& job);

 private:
  struct Ended {
    std::string name;
    std::uint64_t finished_at_ms = 0;
    std::string text;
  };
  const Render render_;
  std::mutex mu_;                                    // guards ended_
  std::map<std::string, std::vector<Ended>> ended_;  // by job id, in step order; until the job ends
};

}  // namespace pivot::controller
