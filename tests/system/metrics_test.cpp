// /metrics as a real Prometheus sees it: after a pivot, promtool accepts
// pivotd's text; Debian's prometheus on loopback scrapes pivotd every second
// with the example alerting rules (docs/prometheus/pivot-alerts.yml)
// loaded; its query API returns ARCHITECTURE.md's pivot_ series; every
// query of the Grafana dashboard (docs/grafana/pivot-dashboard.json) runs
// without error and returns data, and every rule evaluates without error.
#include <csignal>
#include <fstream>
#include <set>

#include "pivot/test/free_ports.hpp"
#include "pivot/test/process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kSource = PIVOT_SOURCE_DIR_DEFAULT;

// Debian's prometheus on a free loopback port, scraping pivotd every second.
class Prometheus {
 public:
  Prometheus(int pivotd_port, const fs::path& dir) : port_(find_free_base_port(1)) {
    fs::create_directories(dir / "data");
    std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                          << "rule_files:\n  - " << (kSource / "docs/prometheus/pivot-alerts.yml").string()
                                          << "\nscrape_configs:\n  - job_name: pivotd\n    static_configs:\n"
                                          << "      - targets: ['127.0.0.1:" << pivotd_port << "']\n";
    process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        "/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
        "--storage.tsdb.path=" + (dir / "data").string(), "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--log.level=warn"});
  }
  ~Prometheus() {
    process_->signal(SIGTERM);
    if (!process_->wait_exit(10s)) process_->kill_now();
  }
  // GET /api/v1/PATH with the form `args` (url-encoded by curl); the JSON
  // answer, or null when none came.
  json api(const std::string& path, const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv{"/usr/bin/curl", "-sS", "-G"};
    for (const auto& a : args) argv.insert(argv.end(), {"--data-urlencode", a});
    argv.push_back("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/" + path);
    auto r = run_process(argv, 10s);
    return json::parse(r.out, nullptr, false).is_discarded() ? json() : json::parse(r.out);
  }
  json query(const std::string& expr) const { return api("query", {"query=" + expr}); }
  std::string log() const { return process_->out() + process_->err(); }

 private:
  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

// The result vector of a successful query, or null.
json result_of(const json& answer) {
  if (!answer.is_object() || answer.value("status", "") != "success") return nullptr;
  return answer["data"]["result"];
}

// Every PromQL expression of the dashboard, its variables given values
// (every cluster) as Grafana would.
std::vector<std::string> dashboard_queries() {
  std::ifstream file(kSource / "docs/grafana/pivot-dashboard.json");
  const auto dashboard = json::parse(file);
  std::vector<std::string> out;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      std::string expr = target.at("expr");
      for (std::size_t at; (at = expr.find("$cluster")) != std::string::npos;) expr.replace(at, 8, ".*");
      out.push_back(expr);
    }
  }
  return out;
}

class PrometheusScrape : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysmetrics"); }
};

TEST_F(PrometheusScrape, ScrapesEverySeriesAndEveryDashboardQueryAndRuleRuns) {
  // A pivot and a pivot status first: jobs, steps and the write-blocked window.
  ASSERT_EQ(stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}})["state"], "succeeded");
  ASSERT_EQ(stack().run_job(cluster_path("/pivot-status"))["state"], "succeeded");

  // promtool accepts what pivotd writes.
  const auto text = stack().dir() / "metrics.txt";
  auto fetched = run_process({"/usr/bin/curl", "-sSf", "-o", text.string(),
                              "http://127.0.0.1:" + std::to_string(stack().http_port()) + "/metrics"},
                             10s);
  ASSERT_TRUE(fetched.ok()) << fetched.describe() << fetched.err;
  auto checked = run_process({"/bin/sh", "-c", "promtool check metrics < '" + text.string() + "'"}, 30s);
  EXPECT_TRUE(checked.ok()) << checked.describe() << "\n" << checked.out << checked.err;

  Prometheus prometheus(stack().http_port(), stack().dir() / "prometheus");
  // Up, and three scrapes in: rate() and increase() have samples to work on.
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = result_of(prometheus.query("count_over_time(up{job=\"pivotd\"}[1m]) >= 3 and up{job=\"pivotd\"} == 1"));
        return r.is_array() && !r.empty();
      },
      30s))
      << prometheus.log() << prometheus.query("up").dump();

  // ARCHITECTURE.md's series, as the query API returns them.
  std::set<std::string> names;
  const auto series = result_of(prometheus.query("count by (__name__) ({__name__=~\"pivot_.+\"})"));
  ASSERT_TRUE(series.is_array()) << series.dump();
  for (const auto& s : series) names.insert(s["metric"]["__name__"].get<std::string>());
  for (const char* name : {"pivot_agent_last_seen_seconds", "pivot_replica_lag_seconds", "pivot_cluster_health",
                           "pivot_jobs_total", "pivot_step_duration_seconds_bucket", "pivot_write_blocked_seconds_bucket",
                           "pivot_failovers_total", "pivot_rejected_keys_total", "pivot_rejected_messages_total"}) {
    EXPECT_TRUE(names.count(name)) << name << " is not scraped";
  }
  const auto pivots = result_of(prometheus.query("pivot_jobs_total{kind=\"pivot\",outcome=\"succeeded\"}"));
  ASSERT_EQ(pivots.size(), 1u);
  EXPECT_EQ(pivots[0]["value"][1], "1");
  const auto agents = result_of(prometheus.query("pivot_agent_last_seen_seconds < 5"));
  EXPECT_EQ(agents.size(), 5u) << agents.dump();  // every agent, heard within seconds
  const auto ok = result_of(prometheus.query("pivot_cluster_health{state=\"ok\"} == 1"));
  EXPECT_EQ(ok.size(), 1u) << ok.dump();

  // Every dashboard query runs and has data (a panel with none would say "No data").
  const auto queries = dashboard_queries();
  EXPECT_GE(queries.size(), 10u);
  for (const auto& expr : queries) {
    const auto answer = prometheus.query(expr);
    const auto result = result_of(answer);
    EXPECT_TRUE(result.is_array()) << expr << ": " << answer.dump();
    EXPECT_FALSE(result.is_array() && result.empty()) << expr << " returns no data";
  }

  // Every alerting rule loaded and evaluated without error.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto rules = prometheus.api("rules");
        if (!rules.is_object() || rules.value("status", "") != "success") return false;
        std::size_t evaluated = 0;
        for (const auto& group : rules["data"]["groups"]) {
          for (const auto& rule : group["rules"]) {
            if (rule.value("health", "") != "ok") return false;
            ++evaluated;
          }
        }
        return evaluated == 7;
      },
      15s))
      << prometheus.api("rules").dump(2);
  // None fires on a healthy stack (the rules' own tests show each firing).
  const auto firing = result_of(prometheus.query("ALERTS{alertstate=\"firing\"}"));
  ASSERT_TRUE(firing.is_array());
  EXPECT_TRUE(firing.empty()) << firing.dump();
}

}  // namespace
}  // namespace pivot::test
