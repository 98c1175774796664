// UTF-8 validity, for inputs that must be text (titles, config files).
#pragma once

#include <string_view>

namespace analytics {

// Whether `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing
// past U+10FFFF.
bool IsValidUtf8(std::string_view s);

}  // namespace analytics
