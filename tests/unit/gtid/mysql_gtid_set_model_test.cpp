// The interval arithmetic under MysqlGtidSet (merge, subtract, count) checked
// against the obvious model: a set of (source, number) pairs over a small
// universe. The tables in mysql_gtid_set_test.cpp name the cases we thought
// of; this walks thousands we did not, with a fixed seed so a failure repeats.

#include "pivot/gtid/mysql_gtid_set.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace pivot::gtid {
namespace {

const std::string kUuids[] = {"3e11fa47-71ca-11e1-9e33-c80aa9429562", "4f22ab58-82db-22f2-af44-d91bba53a673"};
const std::string kTags[] = {"", "blue", "ops"};  // "" is untagged; sorts first, as MySQL prints it
constexpr std::uint64_t kMaxNumber = 40;

using Model = std::set<std::pair<Tsid, std::uint64_t>>;

// A random set spelled the way a server or an operator might: elements in any
// order, a uuid repeated, upper case, ",\n" between elements, "7" or "7-7".
struct Drawn {
  std::string text;
  Model model;
};

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Drawn draw(std::mt19937& rng) {
  auto pick = [&rng](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  Drawn d;
  for (std::uint32_t e = pick(4); e > 0; --e) {
    if (!d.text.empty()) d.text += pick(2) ? ",\n" : ",";
    const std::string& uuid = kUuids[pick(2)];
    d.text += pick(4) == 0 ? upper(uuid) : uuid;
    std::string tag;
    for (std::uint32_t i = 1 + pick(4); i > 0; --i) {
      if (pick(4) == 0) {
        tag = kTags[1 + pick(2)];
        d.text += ":" + (pick(2) ? tag : upper(tag));
      }
      std::uint64_t first = 1 + pick(kMaxNumber - 6);
      std::uint64_t last = first + pick(6);
      d.text += ":" + std::to_string(first);
      if (last != first || pick(2)) d.text += "-" + std::to_string(last);
      for (std::uint64_t n = first; n <= last; ++n) d.model.insert({Tsid{uuid, tag}, n});
    }
  }
  return d;
}

// The canonical text, written from the model alone: runs of consecutive
// numbers per source, uuids sorted, untagged before tags.
std::string canonical(const Model& model) {
  std::string out;
  const Tsid* source = nullptr;
  std::uint64_t run_first = 0;
  std::uint64_t run_last = 0;
  auto close_run = [&] {
    out += std::to_string(run_first);
    if (run_last != run_first) out += "-" + std::to_string(run_last);
  };
  for (const auto& [tsid, n] : model) {
    if (source && *source == tsid && n == run_last + 1) {
      run_last = n;
      continue;
    }
    if (source) close_run();
    if (!source || source->uuid != tsid.uuid) out += (source ? "," : "") + tsid.uuid;
    if (!source || !(*source == tsid)) out += tsid.tag.empty() ? "" : ":" + tsid.tag;
    out += ":";
    source = &tsid;
    run_first = run_last = n;
  }
  if (source) close_run();
  return out;
}

MysqlGtidSet from_model(const Model& model) {
  MysqlGtidSet set;
  for (const auto& [tsid, n] : model) set.add(tsid, GnoInterval{n, n});
  return set;
}

TEST(MysqlGtidSetModel, AgreesWithASetOfTransactions) {
  std::mt19937 rng(20261124);
  for (int round = 0; round < 3000; ++round) {
    Drawn a = draw(rng);
    Drawn b = draw(rng);
    SCOPED_TRACE("A = '" + a.text + "', B = '" + b.text + "'");
    auto set_a = MysqlGtidSet::parse(a.text);
    auto set_b = MysqlGtidSet::parse(b.text);
    ASSERT_TRUE(set_a.ok()) << set_a.error().message;
    ASSERT_TRUE(set_b.ok()) << set_b.error().message;

    Model both = a.model;
    both.insert(b.model.begin(), b.model.end());
    Model a_only;
    for (const auto& entry : a.model) {
      if (b.model.count(entry) == 0) a_only.insert(entry);
    }
    bool b_in_a = both.size() == a.model.size();

    ASSERT_EQ(set_a->to_string(), canonical(a.model));
    ASSERT_EQ(set_a->count(), a.model.size());
    ASSERT_EQ(*set_a, from_model(a.model));
    ASSERT_EQ(set_a->unite(*set_b).to_string(), canonical(both));
    ASSERT_EQ(set_a->minus(*set_b).to_string(), canonical(a_only));
    ASSERT_EQ(set_a->contains(*set_b), b_in_a);
    ASSERT_EQ(*set_a == *set_b, a.model == b.model);
  }
}

}  // namespace
}  // namespace pivot::gtid
