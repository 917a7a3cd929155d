#pragma once
// What pivotctl prints, rendered from the server's JSON (the REST API's
// shapes, ARCHITECTURE.md). Pure: JSON and a colour flag in, text out.

#include <cstddef>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace pivot::ctl {

// GET /v1/clusters
void print_clusters(std::ostream& out, const nlohmann::json& clusters, bool colour);
// GET /v1/clusters/{name}
void print_cluster_status(std::ostream& out, const nlohmann::json& cluster, bool colour);
// A cluster's "health": its state, then one line per reason.
void print_health(std::ostream& out, const nlohmann::json& health, bool colour);
// A cluster's "failover" view (GET /v1/clusters/{name}, and the answer of
// acknowledge and maintenance): automatic failover and detection, the
// cooldown, the last failover and its acknowledge, the maintenance window.
void print_failover_view(std::ostream& out, const std::string& cluster, const nlohmann::json& failover, bool colour);
// One line per node marked needs_rebuild, with how to clear the mark.
void print_rebuild_marks(std::ostream& out, const std::string& cluster, const nlohmann::json& nodes, bool colour);
// GET /v1/agents
void print_agents(std::ostream& out, const nlohmann::json& agents, bool colour);

// A pivot-status result: verdict, candidate and reason, checks, rejected nodes.
void print_pivot_status(std::ostream& out, const std::string& cluster, const nlohmann::json& result, bool colour);
// A dry run's result: old primary, new primary, the plan's steps in order.
void print_plan(std::ostream& out, const std::string& cluster, const nlohmann::json& result, bool colour);

// GET /v1/jobs
void print_jobs(std::ostream& out, const nlohmann::json& jobs, bool colour);
// GET /v1/jobs/{id}: header, steps with state and duration, then the outcome.
void print_job(std::ostream& out, const nlohmann::json& job, bool colour);
// What a finished job came to, by kind: a dry run's plan, a pivot status, or
// the outcome line (with the checks when a pivot was refused by them).
void print_job_verdict(std::ostream& out, const nlohmann::json& job, bool colour);
// One line per finished step, printed live while following a job.
void print_step_line(std::ostream& out, const nlohmann::json& step, std::size_t name_width, bool colour);
// The last line of a finished pivot or failover: new primary and the
// write-blocked window, or why it did not succeed.
void print_job_outcome(std::ostream& out, const nlohmann::json& job, bool colour);

}  // namespace pivot::ctl
