#include "model/stats.h"

#include <cmath>

namespace analytics::model {

double Percent(double numerator, double denominator) {
  if (denominator <= 0) return 0;
  return std::round(10000.0 * numerator / denominator) / 100.0;
}

}  // namespace analytics::model
