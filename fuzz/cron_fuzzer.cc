// CronSchedule::Parse on arbitrary text. A schedule that parses must parse
// again from its own expression, and Next and Previous must agree with each
// other from a few fixed instants: Next(t) is a whole minute after t that
// fires (Previous of it is itself), Previous(t) a whole minute at or before t.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/cron.h"
#include "base/time.h"
#include "fuzz_check.h"

namespace {

using analytics::Time;
using analytics::fuzz::Fail;

bool IsWholeMinute(Time t) { return std::chrono::floor<std::chrono::minutes>(t) == t; }

void CheckAround(const analytics::CronSchedule& cron, Time t) {
  if (auto next = cron.Next(t)) {
    if (*next <= t || !IsWholeMinute(*next)) Fail("Next is not a whole minute after t");
    if (cron.Previous(*next) != next) {
      Fail("Previous(Next(t)) != Next(t)", cron.expression() + " at " + analytics::FormatTime(t));
    }
  }
  if (auto previous = cron.Previous(t)) {
    if (*previous > t || !IsWholeMinute(*previous)) Fail("Previous is not a whole minute <= t");
    if (cron.Previous(*previous) != previous) Fail("Previous is not a fixed point");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cron = analytics::CronSchedule::Parse(text);
  if (!cron.ok()) return 0;
  if (!analytics::CronSchedule::Parse(cron->expression()).ok()) {
    Fail("a parsed expression does not parse again", cron->expression());
  }
  using namespace std::chrono;
  constexpr Time kInstants[] = {
      Time{sys_days{year{2024} / January / 15}} + hours{10} + seconds{30},
      Time{sys_days{year{2024} / February / 29}} + hours{23} + minutes{59},
      Time{sys_days{year{2023} / December / 31}} + hours{23} + minutes{59} + seconds{59},
  };
  for (Time t : kInstants) CheckAround(*cron, t);
  return 0;
}
