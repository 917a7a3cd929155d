#include "pivot/agent/command_gate.hpp"

#include "pivot/protocol/action_catalogue.hpp"

namespace pivot::agent {

protocol::CommandResult error_result(const std::string& id, const std::string& error, const std::string& message) {
  protocol::CommandResult r;
  r.id = id;
  r.ok = false;
  r.error = error;
  r.detail["message"] = message;
  return r;
}

Admission CommandGate::admit(const protocol::Command& command) {
  if (auto it = results_.find(command.id); it != results_.end()) {
    return {Admission::Kind::replay, it->second, false};
  }
  if (in_flight_.count(command.id)) return {Admission::Kind::in_flight, {}, false};
  if (command.epoch < highest_epoch_) {
    auto answer = error_result(command.id, "stale_epoch",
                               "epoch " + std::to_string(command.epoch) + " is older than " +
                                   std::to_string(highest_epoch_) +
                                   ", the newest controller's: refused (pivot-agent reset-epoch after a "
                                   "controller is rebuilt)");
    remember(answer);
    return {Admission::Kind::refuse, answer, false};
  }
  if (auto valid = protocol::validate_args(command.action, command.args); !valid) {
    auto answer = error_result(command.id, valid.error().code, valid.error().message);
    remember(answer);
    return {Admission::Kind::refuse, answer, false};
  }
  in_flight_.insert(command.id);
  const bool raises = command.epoch > highest_epoch_;
  highest_epoch_ = std::max(highest_epoch_, command.epoch);
  return {Admission::Kind::run, {}, raises};
}

void CommandGate::finished(const protocol::CommandResult& result) {
  in_flight_.erase(result.id);
  remember(result);
}

void CommandGate::remember(const protocol::CommandResult& result) {
  if (results_.emplace(result.id, result).second) order_.push_back(result.id);
  while (order_.size() > capacity_) {
    results_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace pivot::agent
