#include "pivot/gtid/mysql_gtid_set.hpp"

#include "gno_intervals.hpp"
#include "list_text.hpp"

#include <cctype>

namespace pivot::gtid {
namespace {

using detail::Piece;
using detail::piece_error;

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// 8-4-4-4-12 hex digits, any case; returned lowercase.
Result<std::string> parse_uuid(const Piece& piece) {
  std::string uuid;
  bool good = piece.text.size() == 36;
  for (std::size_t i = 0; good && i < piece.text.size(); ++i) {
    char c = piece.text[i];
    bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
    good = dash_here ? c == '-' : is_hex(c);
    uuid += lower(c);
  }
  if (!good) return piece_error("bad_uuid", piece, "expected a server uuid like 3e11fa47-71ca-11e1-9e33-c80aa9429562");
  return uuid;
}

// MySQL 8.4: [a-z_][a-z0-9_]{0,31}, any case; returned lowercase.
Result<std::string> parse_tag(const Piece& piece) {
  std::string tag;
  bool good = !piece.text.empty() && piece.text.size() <= 32;
  for (std::size_t i = 0; good && i < piece.text.size(); ++i) {
    char c = lower(piece.text[i]);
    good = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    tag += c;
  }
  if (!good) return piece_error("bad_tag", piece, "a GTID tag is a letter or _ then up to 31 letters, digits or _");
  return tag;
}

Result<GnoInterval> parse_interval(const Piece& piece) {
  auto ends = detail::split(piece, '-');
  if (ends.size() > 2) return piece_error("bad_interval", piece, "expected an interval N or N-M");
  auto first = detail::parse_number(ends.front(), kMaxGno, "transaction number", "bad_interval");
  if (!first) return first.error();
  auto last = detail::parse_number(ends.back(), kMaxGno, "transaction number", "bad_interval");
  if (!last) return last.error();
  if (*first == 0) return piece_error("bad_interval", piece, "transaction numbers start at 1");
  if (*first > *last) return piece_error("bad_interval", piece, "interval starts after it ends");
  return GnoInterval{*first, *last};
}

bool looks_like_interval(const Piece& piece) {
  return piece.text.empty() || piece.text[0] == '-' || (piece.text[0] >= '0' && piece.text[0] <= '9');
}

// One element "uuid(:interval|:tag)+" where each tag needs an interval after it.
Result<void> parse_element(const Piece& element, std::map<Tsid, GnoIntervals>& sources) {
  if (element.text.empty()) {
    return piece_error("bad_gtid_set", element, "empty GTID set element (a trailing or doubled comma?)");
  }
  auto parts = detail::split(element, ':');
  auto uuid = parse_uuid(parts[0]);
  if (!uuid) return uuid.error();
  if (parts.size() == 1) return piece_error("bad_interval", element, "no transaction intervals after the uuid");
  Tsid tsid{*uuid, ""};
  const Piece* bare_tag = nullptr;  // a tag still waiting for its first interval
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (looks_like_interval(parts[i])) {
      auto interval = parse_interval(parts[i]);
      if (!interval) return interval.error();
      sources[tsid].push_back(*interval);
      bare_tag = nullptr;
      continue;
    }
    if (bare_tag) break;
    auto tag = parse_tag(parts[i]);
    if (!tag) return tag.error();
    tsid.tag = *tag;
    bare_tag = &parts[i];
  }
  if (bare_tag) return piece_error("bad_interval", *bare_tag, "no transaction intervals after the tag");
  return ok();
}

}  // namespace

Result<MysqlGtidSet> MysqlGtidSet::parse(std::string_view text) {
  MysqlGtidSet set;
  if (detail::is_blank(text)) return set;
  for (const Piece& element : detail::split(Piece{text, 0}, ',')) {
    auto parsed = parse_element(element, set.sources_);
    if (!parsed) return parsed.error();
  }
  for (auto& [tsid, intervals] : set.sources_) detail::normalize(intervals);
  return set;
}

std::string to_string(const Tsid& tsid, const GnoIntervals& intervals) {
  return tsid.uuid + (tsid.tag.empty() ? "" : ":" + tsid.tag) + ":" + detail::format(intervals);
}

std::string MysqlGtidSet::to_string() const {
  std::string out;
  const std::string* uuid = nullptr;
  for (const auto& [tsid, intervals] : sources_) {
    if (uuid && *uuid == tsid.uuid) {  // same uuid: only the tag and intervals follow
      out += (tsid.tag.empty() ? "" : ":" + tsid.tag) + ":" + detail::format(intervals);
      continue;
    }
    if (uuid) out += ',';
    out += gtid::to_string(tsid, intervals);
    uuid = &tsid.uuid;
  }
  return out;
}

std::uint64_t MysqlGtidSet::count() const {
  std::uint64_t total = 0;
  for (const auto& [tsid, intervals] : sources_) total = detail::add_saturating(total, detail::count(intervals));
  return total;
}

void MysqlGtidSet::add(const Tsid& tsid, GnoInterval interval) {
  GnoIntervals& intervals = sources_[tsid];
  intervals.push_back(interval);
  detail::normalize(intervals);
}

MysqlGtidSet MysqlGtidSet::unite(const MysqlGtidSet& other) const {
  MysqlGtidSet out = *this;
  for (const auto& [tsid, intervals] : other.sources_) {
    GnoIntervals& mine = out.sources_[tsid];
    mine.insert(mine.end(), intervals.begin(), intervals.end());
    detail::normalize(mine);
  }
  return out;
}

MysqlGtidSet MysqlGtidSet::minus(const MysqlGtidSet& other) const {
  MysqlGtidSet out;
  for (const auto& [tsid, intervals] : sources_) {
    auto theirs = other.sources_.find(tsid);
    GnoIntervals rest = theirs == other.sources_.end() ? intervals : detail::subtract(intervals, theirs->second);
    if (!rest.empty()) out.sources_.emplace(tsid, std::move(rest));
  }
  return out;
}

bool MysqlGtidSet::contains(const MysqlGtidSet& other) const { return other.minus(*this).empty(); }

}  // namespace pivot::gtid
