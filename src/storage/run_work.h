// The transaction boundary both backends share: `work` may throw (a Row
// accessor throws BadStoredValue on a stored value it cannot read), and no
// exception passes it.
#pragma once

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

// Runs `work`. Whatever it throws is logged (event transaction_work_threw,
// with the reason) and returned as kInternal, so the caller rolls back as
// for any failed work and a request answers 500.
Result<void> RunWork(const Work& work, Transaction& transaction);

}  // namespace analytics::storage
