// ParseTime and ParseDay on arbitrary text. Whatever parses must format and
// parse back to the same value: FormatTime, FormatStorageTime and FormatDay
// (and DayOf of a parsed time). This holds for every instant ParseTime
// accepts, whatever range it accepts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "fuzz_check.h"

using analytics::fuzz::Fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto time = analytics::ParseTime(text)) {
    const std::string wire = analytics::FormatTime(*time);
    if (analytics::ParseTime(wire) != time) Fail("FormatTime does not parse back", wire);
    std::string appended = "x";
    analytics::AppendTime(appended, *time);
    if (appended != "x" + wire) Fail("AppendTime differs from FormatTime", appended);
    const std::string stored = analytics::FormatStorageTime(*time);
    if (analytics::ParseTime(stored) != time) Fail("FormatStorageTime does not parse back", stored);
    const std::string day = analytics::FormatDay(analytics::DayOf(*time));
    if (analytics::ParseDay(day) != analytics::DayOf(*time)) Fail("DayOf does not parse back", day);
  }

  if (auto day = analytics::ParseDay(text)) {
    const std::string formatted = analytics::FormatDay(*day);
    if (analytics::ParseDay(formatted) != day) Fail("FormatDay does not parse back", formatted);
    if (formatted != text) Fail("FormatDay is not the text parsed", formatted);
  }
  return 0;
}
