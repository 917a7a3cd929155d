#pragma once
// A job's Detail as JSON and back: the API's and the journal's edge (the plan
// builds details without a JSON library). Lossless both ways for what JSON
// holds: integers keep their sign, maps their keys.

#include <nlohmann/json.hpp>

#include "pivot/controller/detail.hpp"

namespace pivot::controller {

nlohmann::json to_json(const Detail& detail);
Detail detail_from_json(const nlohmann::json& json);

}  // namespace pivot::controller
