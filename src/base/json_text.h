// JSON string text for hand-written serializers (logs, tasks): one escaper,
// which also repairs invalid UTF-8 so that what it writes always parses.
#pragma once

#include <string>
#include <string_view>

namespace analytics {

// How invalid UTF-8 is repaired. Both spellings are pinned byte for byte:
// logs and task JSON write the escape \ufffd once per maximal invalid
// subpart (Unicode's recommended practice); http/'s problem+json bodies, part
// of the API's bytes since v1, write U+FFFD itself once per invalid byte.
enum class InvalidUtf8 { kEscapeEachSubpart, kRawEachByte };

// Appends `text` escaped for the inside of a JSON string (no quotes): `"`,
// `\` and control characters (and DEL) escaped, valid UTF-8 copied as is,
// invalid UTF-8 replaced as `repair` says.
void AppendJsonEscaped(std::string& out, std::string_view text,
                       InvalidUtf8 repair = InvalidUtf8::kEscapeEachSubpart);

// `"` + escaped text + `"`.
inline void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

}  // namespace analytics
