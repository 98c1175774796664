// What every backend's Database keeps alike: its Dialect and the description
// it was opened with (the URL without any password).
#pragma once

#include <string>
#include <utility>

#include "storage/database.h"

namespace analytics::storage {

template <typename DialectT>
class BackendDatabase : public Database {
 public:
  const Dialect& dialect() const final { return dialect_; }
  std::string description() const final { return description_; }

 protected:
  explicit BackendDatabase(std::string description) : description_(std::move(description)) {}

 private:
  const std::string description_;
  const DialectT dialect_;
};

}  // namespace analytics::storage
