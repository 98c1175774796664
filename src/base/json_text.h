// JSON string text for hand-written serializers (logs, tasks): one escaper,
// which also repairs invalid UTF-8 so that what it writes always parses.
#pragma once

#include <string>
#include <string_view>

namespace analytics {

// Appends `text` escaped for the inside of a JSON string (no quotes): `"`,
// `\` and control characters escaped, valid UTF-8 copied as is, each maximal
// invalid subpart replaced by \ufffd.
void AppendJsonEscaped(std::string& out, std::string_view text);

// `"` + escaped text + `"`.
inline void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

}  // namespace analytics
