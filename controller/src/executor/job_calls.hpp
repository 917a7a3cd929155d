#pragma once
// What the actions of every plan share (private to src/executor; Vitess keeps
// its planned and emergency reparenters over one such util): a command
// journaled before it goes out, commands to several nodes at once, an answer
// recorded in the step's detail, a hook run with its transcript.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot_plan.hpp"
#include "step_runner.hpp"

namespace pivot::controller {

class JobCalls {
 public:
  JobCalls(AgentPort& agents, HookRunner& hooks, Journal& journal, Clock& clock, plan::StepRunner& runner,
           std::string cluster, std::string job_id)
      : agents_(agents), hooks_(hooks), journal_(journal), clock_(clock), runner_(runner),
        cluster_(std::move(cluster)), job_id_(std::move(job_id)) {}

  // "<job>/<step>/<node>[/<action>]" (plan::command_id).
  std::string id(const std::string& step, const NodeSpec& node, const std::string& action = "") const;
  // Journals the command's id, then sends it and waits for the answer;
  // on_sent (when given) runs once it is on its way (AgentPort::call_notifying_sent).
  plan::CallOutcome call(const NodeSpec& node, protocol::Command command,
                         const std::function<void()>& on_sent = nullptr);
  // Journals, unsynced, the id of a command that goes out later, only after
  // a command journaled next (call) was sent: that one's fsync takes both
  // to disk (Journal::command_unsynced). call() then sends it without
  // writing its id again.
  void journal_ahead(const std::string& command_id);
  // One thread per node, all joined; outcomes in the order of `nodes`.
  std::vector<plan::CallOutcome> call_each(const std::vector<const NodeSpec*>& nodes,
                                           const std::function<protocol::Command(const NodeSpec&)>& build);
  // Appends the outcome to the step's detail.commands; false (and a failure
  // recorded on the step) when it failed.
  bool record(JobStep& step, const plan::CallOutcome& outcome);
  // A hook step: skipped with the reason when `path` is empty; the hook's
  // transcript in the detail; a failure (error hook_failed) when it did not
  // exit 0 in time.
  // sync_first: the journal synced before the hook starts (Journal::sync),
  // so that a hook that ran is journaled as started; false only where
  // recovery's course does not depend on it (post_promote).
  plan::Verdict hook(JobStep& step, const std::string& path, const std::map<std::string, std::string>& env,
                     std::uint64_t timeout_ms, bool sync_first = true);

 private:
  bool taken_ahead(const std::string& command_id);  // true once, for an id journal_ahead wrote

  AgentPort& agents_;
  HookRunner& hooks_;
  Journal& journal_;
  Clock& clock_;
  plan::StepRunner& runner_;
  const std::string cluster_;
  const std::string job_id_;
  std::mutex ahead_mutex_;  // call() runs on several threads at once
  std::set<std::string> ahead_;  // ids journal_ahead wrote, not yet sent
};

}  // namespace pivot::controller
