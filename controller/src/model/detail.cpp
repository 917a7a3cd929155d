#include "pivot/controller/detail.hpp"

namespace pivot::controller {
namespace {

const Detail kNull;
const std::string kEmptyString;
const Detail::Array kEmptyArray;
const Detail::Object kEmptyObject;

}  // namespace

bool Detail::as_bool() const {
  const bool* b = std::get_if<bool>(&value_);
  return b && *b;
}

std::int64_t Detail::as_int() const {
  if (const auto* n = std::get_if<std::int64_t>(&value_)) return *n;
  if (const auto* n = std::get_if<std::uint64_t>(&value_)) return static_cast<std::int64_t>(*n);
  if (const auto* d = std::get_if<double>(&value_)) return static_cast<std::int64_t>(*d);
  return 0;
}

std::uint64_t Detail::as_uint() const {
  if (const auto* n = std::get_if<std::uint64_t>(&value_)) return *n;
  if (const auto* n = std::get_if<std::int64_t>(&value_)) return *n < 0 ? 0 : static_cast<std::uint64_t>(*n);
  if (const auto* d = std::get_if<double>(&value_)) return *d < 0 ? 0 : static_cast<std::uint64_t>(*d);
  return 0;
}

double Detail::as_double() const {
  if (const auto* d = std::get_if<double>(&value_)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&value_)) return static_cast<double>(*n);
  if (const auto* n = std::get_if<std::uint64_t>(&value_)) return static_cast<double>(*n);
  return 0.0;
}

const std::string& Detail::as_string() const {
  const auto* s = std::get_if<std::string>(&value_);
  return s ? *s : kEmptyString;
}

Detail& Detail::operator[](std::string_view key) {
  if (is_null()) value_ = Object{};
  auto& object = std::get<Object>(value_);  // a scalar or a list indexed by name is a bug: it throws
  auto it = object.find(key);
  if (it == object.end()) it = object.emplace(std::string(key), Detail()).first;
  return it->second;
}

const Detail& Detail::operator[](std::string_view key) const {
  const Detail* found = find(key);
  return found ? *found : kNull;
}

const Detail* Detail::find(std::string_view key) const {
  const auto* object = std::get_if<Object>(&value_);
  if (!object) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &it->second;
}

std::string Detail::value(std::string_view key, const char* fallback) const {
  const Detail* found = find(key);
  return found && found->is_string() ? found->as_string() : std::string(fallback);
}

bool Detail::value(std::string_view key, bool fallback) const {
  const Detail* found = find(key);
  return found && found->is_boolean() ? found->as_bool() : fallback;
}

std::int64_t Detail::value(std::string_view key, std::int64_t fallback) const {
  const Detail* found = find(key);
  return found && found->is_number() ? found->as_int() : fallback;
}

std::size_t Detail::erase(std::string_view key) {
  auto* object = std::get_if<Object>(&value_);
  if (!object) return 0;
  auto it = object->find(key);
  if (it == object->end()) return 0;
  object->erase(it);
  return 1;
}

void Detail::update(const Detail& other) {
  for (const auto& [key, member] : other.members()) (*this)[key] = member;
}

const Detail::Object& Detail::members() const {
  const auto* object = std::get_if<Object>(&value_);
  return object ? *object : kEmptyObject;
}

void Detail::push_back(Detail item) {
  if (is_null()) value_ = Array{};
  std::get<Array>(value_).push_back(std::move(item));  // push_back on a scalar or a map is a bug: it throws
}

const Detail::Array& Detail::items() const {
  const auto* array = std::get_if<Array>(&value_);
  return array ? *array : kEmptyArray;
}

const Detail& Detail::operator[](std::size_t index) const {
  const Array& array = items();
  return index < array.size() ? array[index] : kNull;
}

Detail& Detail::operator[](std::size_t index) { return std::get<Array>(value_).at(index); }

const Detail& Detail::back() const { return items().empty() ? kNull : items().back(); }

std::size_t Detail::size() const {
  if (const auto* array = std::get_if<Array>(&value_)) return array->size();
  if (const auto* object = std::get_if<Object>(&value_)) return object->size();
  return 0;
}

bool operator==(const Detail& a, const Detail& b) {
  // Integers compare by value whatever their sign's storage (5 == 5u), as in JSON.
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_neg = std::holds_alternative<std::int64_t>(a.value_) && std::get<std::int64_t>(a.value_) < 0;
    const bool b_neg = std::holds_alternative<std::int64_t>(b.value_) && std::get<std::int64_t>(b.value_) < 0;
    if (a_neg != b_neg) return false;
    return a_neg ? a.as_int() == b.as_int() : a.as_uint() == b.as_uint();
  }
  return a.value_ == b.value_;
}

}  // namespace pivot::controller
