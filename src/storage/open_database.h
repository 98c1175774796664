// The one place that knows every backend: picks one by the URL's scheme.
#pragma once

#include <memory>

#include "base/result.h"
#include "config/config.h"
#include "storage/database.h"

namespace analytics::storage {

// "sqlite:///relative/or/absolute.db" (creating parent folders) or
// "postgresql://…". Errors: kInvalidArgument naming database.url for an
// unknown scheme; kUnavailable when the database cannot be opened.
Result<std::unique_ptr<Database>> OpenDatabase(const config::DatabaseOptions& options);

}  // namespace analytics::storage
