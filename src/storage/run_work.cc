#include "storage/run_work.h"

#include <exception>
#include <string>

#include "logging/log.h"

namespace analytics::storage {

// The storage layer's one catch-all (each backend's transactions run through
// it): it recovers from anything a work function throws by failing the
// transaction, and logs what it caught.
Result<void> RunWork(const Work& work, Transaction& transaction) {
  try {
    return work(transaction);
  } catch (const std::exception& e) {
    logging::Error("transaction_work_threw", {{"error", std::string(e.what())}});
    return Internal(std::string("transaction work threw: ") + e.what());
  } catch (...) {
    logging::Error("transaction_work_threw", {{"error", std::string("a non-standard exception")}});
    return Internal("transaction work threw a non-standard exception");
  }
}

}  // namespace analytics::storage
