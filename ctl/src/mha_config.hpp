#pragma once
// An MHA application config as mha4mysql-manager 0.58 reads it (MHA::Config
// over Config::Tiny), and what pivot says about each of its settings.
// Private to pivotctl's import-mha (mha_import.cpp); pure.

#include <map>
#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::ctl::mha {

inline constexpr const char* kDefaultBlock = "server default";

struct Setting {
  std::string value;
  int line = 0;
};

struct Block {
  std::string name;
  int line = 0;
  std::map<std::string, Setting> settings;  // a key given twice: the last wins, as in Config::Tiny
};

// Perl's truth, which MHA applies to its flags: "" and "0" are false.
bool perl_true(const std::string& v);
// A parameter MHA 0.58 accepts (MHA::Config's @PARAM_ARRAY).
bool mha_parameter(const std::string& key);
// One MHA reads per server only: in [server default] it does nothing.
bool local_only(const std::string& key);

// The blocks in file order (a block given twice is one, as in Config::Tiny):
// `[server default]` and `[server...]` only, `key = value` lines, `#` and `;`
// comment lines, surrounding quotes dropped from a value. What MHA refuses is
// an error (code mha_config) naming SOURCE:LINE.
Result<std::vector<Block>> read_blocks(const std::string& text, const std::string& source);

// The server's own value, else [server default]'s (for the parameters MHA
// inherits; the local-only ones, such as candidate_master, it does not).
const Setting* lookup(const Block& server, const Block* defaults, const std::string& key);

// One warning per setting, or group of settings, that has no counterpart in
// a cluster spec, saying what pivot does instead and what to set (mha_advice.cpp).
// Never a password's value. hostname, port, ip, node_label, candidate_master,
// no_master and ignore_fail are the import's own to map or warn about.
std::vector<std::string> setting_warnings(const std::vector<Block>& blocks);

}  // namespace pivot::ctl::mha
