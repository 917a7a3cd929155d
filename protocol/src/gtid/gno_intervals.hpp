#pragma once
// Sorted, merged interval lists: the arithmetic under MysqlGtidSet.

#include "pivot/gtid/mysql_gtid_set.hpp"

#include <cstdint>
#include <string>

namespace pivot::gtid::detail {

// Sorts and merges adjacent or overlapping intervals, in place.
void normalize(GnoIntervals& intervals);

// a − b, both normalized; the result is normalized.
GnoIntervals subtract(const GnoIntervals& a, const GnoIntervals& b);

std::uint64_t count(const GnoIntervals& intervals);  // saturating

std::string format(const GnoIntervals& intervals);  // "1-5:7"

// Saturating sum: a set can name more than 2^64 transactions in theory.
std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b);

}  // namespace pivot::gtid::detail
