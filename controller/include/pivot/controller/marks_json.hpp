#pragma once
// ClusterMarks as the journal stores them (one JSON text per cluster), and
// back: lossless for every field, tolerant of keys a newer pivotd added.

#include <string>

#include "pivot/controller/cluster_marks.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

std::string marks_to_json(const ClusterMarks& marks);
// bad_request when the text is not the JSON object marks_to_json writes.
Result<ClusterMarks> marks_from_json(const std::string& text);

}  // namespace pivot::controller
