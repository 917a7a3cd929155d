#include "pivot/controller/detail_json.hpp"

namespace pivot::controller {

nlohmann::json to_json(const Detail& detail) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, Detail::Array>) {
          nlohmann::json out = nlohmann::json::array();
          for (const auto& item : v) out.push_back(to_json(item));
          return out;
        } else if constexpr (std::is_same_v<T, Detail::Object>) {
          nlohmann::json out = nlohmann::json::object();
          for (const auto& [key, member] : v) out[key] = to_json(member);
          return out;
        } else {
          return v;
        }
      },
      detail.variant());
}

Detail detail_from_json(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return json.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return json.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned:
      return json.get<std::uint64_t>();
    case nlohmann::json::value_t::number_float:
      return json.get<double>();
    case nlohmann::json::value_t::string:
      return json.get<std::string>();
    case nlohmann::json::value_t::array: {
      Detail out = Detail::array();
      for (const auto& item : json) out.push_back(detail_from_json(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      Detail out = Detail::object();
      for (const auto& [key, member] : json.items()) out[key] = detail_from_json(member);
      return out;
    }
    default:  // null, discarded, binary: nothing pivotd writes
      return {};
  }
}

}  // namespace pivot::controller
