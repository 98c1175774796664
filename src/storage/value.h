// Values passed to and read from SQL, the same on every backend. PostgreSQL
// returns text; SQLite returns typed values; Row's accessors read either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/time.h"

namespace analytics::storage {

// A SQL parameter or column value. Time binds as timestamptz on PostgreSQL and
// as fixed-width ISO 8601 text on SQLite.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, bool, Time>;
using Params = std::vector<Value>;

template <typename T>
Value Nullable(const std::optional<T>& v) {
  if (!v) return nullptr;
  return Value{*v};
}

// A stored value that does not read as its column's type: a row written by
// another program, or a time outside the years 0001..9999 that PostgreSQL can
// hold. Data, not a programmer error, so it must never abort the process:
// Row's accessors and the repositories throw it, and the transaction boundary
// (Database::Read, InTransaction) turns it into kInternal, which a request
// answers with 500 and a logged reason. It never leaves storage/ as an
// exception.
class BadStoredValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `text` ("YYYY-MM-DD") as a Day. Throws BadStoredValue when it is not one.
Day StoredDay(std::string_view text);

// One result row. Accessors convert from text where the backend gave text.
// A value that does not convert throws BadStoredValue.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  bool IsNull(std::size_t i) const;
  std::int64_t Int(std::size_t i) const;  // NULL reads as 0
  double Double(std::size_t i) const;     // NULL reads as 0
  bool Bool(std::size_t i) const;         // 1/0, t/f, true/false
  std::string Text(std::size_t i) const;  // NULL reads as ""
  Time TimeAt(std::size_t i) const;       // REQUIRES: not NULL
  std::optional<Time> OptTime(std::size_t i) const;
  std::optional<std::string> OptText(std::size_t i) const;
  const Value& raw(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

}  // namespace analytics::storage
