#pragma once
// Detail: what a job step recorded, or how a job ended (REST `detail` and
// `result`): a tree of scalars, lists and maps, free-form per step by
// contract (docs/api.md). The plan builds it and reads it back (summaries,
// recovery) without a JSON library: JSON is the API's and the journal's
// format, converted at their edge (detail_json.hpp). Member names follow the
// JSON library's where they do the same thing, so that reading a detail
// reads like reading its JSON.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace pivot::controller {

class Detail {
 public:
  using Array = std::vector<Detail>;
  using Object = std::map<std::string, Detail, std::less<>>;
  // Integers keep their sign (the JSON library's number_integer and
  // number_unsigned): a uint64 counter survives a round trip whole.
  using Value = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Array, Object>;

  Detail() = default;
  Detail(std::nullptr_t) {}
  Detail(bool b) : value_(b) {}
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Detail(T n) {
    if constexpr (std::is_signed_v<T>) {
      value_ = static_cast<std::int64_t>(n);
    } else {
      value_ = static_cast<std::uint64_t>(n);
    }
  }
  Detail(double d) : value_(d) {}
  Detail(const char* s) : value_(std::string(s)) {}
  Detail(std::string s) : value_(std::move(s)) {}
  Detail(std::string_view s) : value_(std::string(s)) {}
  Detail(Array a) : value_(std::move(a)) {}
  Detail(Object o) : value_(std::move(o)) {}
  // {{"error", "x"}, {"message", "y"}}: an object.
  Detail(std::initializer_list<std::pair<const std::string, Detail>> members) : value_(Object(members.begin(), members.end())) {}
  // A list of strings (node names, step names).
  Detail(const std::vector<std::string>& items) : value_(Array(items.begin(), items.end())) {}
  // An absent optional is null.
  template <class T>
  Detail(const std::optional<T>& maybe) {
    if (maybe) *this = Detail(*maybe);
  }

  static Detail array() { return Detail(Array{}); }
  static Detail array(std::initializer_list<Detail> items) { return Detail(Array(items)); }
  static Detail object() { return Detail(Object{}); }

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_boolean() const { return std::holds_alternative<bool>(value_); }
  bool is_number_integer() const {
    return std::holds_alternative<std::int64_t>(value_) || std::holds_alternative<std::uint64_t>(value_);
  }
  bool is_number() const { return is_number_integer() || std::holds_alternative<double>(value_); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }

  // Scalars. Wrong kinds read as the type's empty value (false, 0, ""):
  // details are written by pivotd itself, and a reader tests the kind first
  // where it matters.
  bool as_bool() const;
  std::int64_t as_int() const;
  std::uint64_t as_uint() const;
  double as_double() const;
  const std::string& as_string() const;
  template <class T>
  T get() const {
    if constexpr (std::is_same_v<T, bool>) {
      return as_bool();
    } else if constexpr (std::is_same_v<T, std::string>) {
      return as_string();
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(as_double());
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<T>(as_int());
    } else {
      return static_cast<T>(as_uint());
    }
  }

  // Objects. operator[] makes a null an object and adds the member; the
  // const readers never add: a missing member reads as null.
  Detail& operator[](std::string_view key);
  const Detail& operator[](std::string_view key) const;
  const Detail* find(std::string_view key) const;  // nullptr when absent (or not an object)
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  std::string value(std::string_view key, const char* fallback) const;
  std::string value(std::string_view key, const std::string& fallback) const { return value(key, fallback.c_str()); }
  bool value(std::string_view key, bool fallback) const;
  std::int64_t value(std::string_view key, std::int64_t fallback) const;
  std::size_t erase(std::string_view key);
  // Sets every member of `other` (an object) here, replacing those of the same name.
  void update(const Detail& other);
  const Object& members() const;  // empty for a non-object

  // Arrays. push_back makes a null an array.
  void push_back(Detail item);
  const Array& items() const;  // empty for a non-array
  // The element at `index`, or the last: null when there is none (the
  // mutable one throws std::out_of_range, like a vector's at()).
  const Detail& operator[](std::size_t index) const;
  Detail& operator[](std::size_t index);
  const Detail& back() const;
  Array::const_iterator begin() const { return items().begin(); }
  Array::const_iterator end() const { return items().end(); }

  // Elements of an array or members of an object; 0 for a scalar, null included.
  std::size_t size() const;
  bool empty() const { return size() == 0; }

  const Value& variant() const { return value_; }
  friend bool operator==(const Detail& a, const Detail& b);
  friend bool operator!=(const Detail& a, const Detail& b) { return !(a == b); }

 private:
  Value value_;
};

}  // namespace pivot::controller
