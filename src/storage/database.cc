// Dialect's defaults that are more than one line.
#include "base/check.h"
#include "storage/database.h"

namespace analytics::storage {

std::string Dialect::ArrayParam(const std::vector<Value>&) const {
  ANALYTICS_CHECK(false) << name() << " has no array parameters: check SupportsArrayParams()";
  return {};
}

}  // namespace analytics::storage
