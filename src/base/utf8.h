// UTF-8 validity, for inputs that must be text (titles, config files) and for
// the JSON escaper's repair of invalid text (json_text.h). The one validator.
#pragma once

#include <cstddef>
#include <string_view>

namespace analytics {

// What starts at s[i]: a well-formed sequence of `length` bytes (1 for
// ASCII), or none (`length` 0), and then `invalid` bytes, at least 1, form
// its maximal invalid subpart, which Unicode replaces by one U+FFFD.
// Well-formed per RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF. REQUIRES: i < s.size().
struct Utf8Sequence {
  std::size_t length = 0;
  std::size_t invalid = 0;
};
Utf8Sequence Utf8SequenceAt(std::string_view s, std::size_t i);

// Whether `s` is well-formed UTF-8 throughout.
bool IsValidUtf8(std::string_view s);

}  // namespace analytics
