// Cron schedules (SPEC §6): five fields — minute, hour, day of month, month,
// day of week — in UTC. Each field takes `*`, numbers, ranges `a-b`, lists
// `a,b`, and steps `*/n` or `a-b/n`; day of week is 0–7 (0 and 7 are Sunday)
// and also takes `D#n`, the n-th such weekday of the month (`0#1`: the first
// Sunday), which the runbook's "first Sunday of the month" needs. As in Vixie
// cron, when both day fields are restricted a day matching either one fires.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace analytics {

class CronSchedule {
 public:
  // Errors: kInvalidArgument naming what is wrong ("hour: 24 is out of range 0-23").
  static Result<CronSchedule> Parse(std::string_view expression);

  // The first firing time strictly after `after` (whole minutes), or nullopt
  // when there is none within five years (e.g. "0 0 31 2 *").
  std::optional<Time> Next(Time after) const;
  // The last firing time at or before `at`, or nullopt within five years.
  std::optional<Time> Previous(Time at) const;
  const std::string& expression() const { return expression_; }

 private:
  bool MatchesDay(Day day) const;

  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0..6, Sunday = 0
  std::bitset<7> nth_weekday_[6];  // [n][weekday] for `D#n`, n = 1..5
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

}  // namespace analytics
