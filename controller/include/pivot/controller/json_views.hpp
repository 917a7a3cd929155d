#pragma once
// The JSON shapes of the REST API (snake_case, as in ARCHITECTURE.md). One
// place, so that the API, the job results and pivotctl's tests agree.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/detail_json.hpp"
#include "pivot/controller/job.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

nlohmann::json to_json(const protocol::NodeState& state);
nlohmann::json to_json(const Job& job);
// to_json(job) in two parts: all but "steps" (the last of its keys in
// order), and one step of "steps" (EventHub reuses the text of ended steps).
nlohmann::json job_json_without_steps(const Job& job);
nlohmann::json to_json(const JobStep& step);
nlohmann::json to_json(const ClusterSummary& summary);
nlohmann::json to_json(const ClusterDetail& detail);
// One of ClusterDetail's nodes, with its needs_rebuild mark or null.
nlohmann::json to_json(const NodeView& node, const RebuildMark* needs_rebuild = nullptr);
// The node as GET /v1/clusters/{name} shows it, its mark read off the
// detail's failover view (also a `node` event's data, with "cluster").
nlohmann::json node_json(const ClusterDetail& detail, const NodeView& node);
// GET /v1/clusters/{name}'s "failover": detection, reasons, the last
// failover and its acknowledge, the cooldown, the maintenance window.
nlohmann::json to_json(const FailoverView& view);
nlohmann::json to_json(const AgentsView& agents);
// "2026-11-24T20:15:03.123Z"
std::string rfc3339_ms(std::uint64_t unix_ms);

}  // namespace pivot::controller
