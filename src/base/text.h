// Small text primitives shared by http/, api/, config/ and cache/: ASCII case
// folding and percent-decoding. One copy of each, here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace analytics {

// `c` lower-cased if it is an ASCII capital; any other byte as is.
constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// `text` with its ASCII capitals lower-cased (HTTP header names, media types).
std::string AsciiLower(std::string_view text);

// Whether `a` and `b` are equal ignoring ASCII case (HTTP header names and
// tokens; bytes past ASCII must match exactly).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Whether `text` starts (ends) with `affix`, ignoring ASCII case.
bool StartsWithIgnoreCase(std::string_view text, std::string_view affix);
bool EndsWithIgnoreCase(std::string_view text, std::string_view affix);

// Decodes %XX escapes (hex digits in either case) and, when `plus_is_space`,
// '+' as a space (query strings). nullopt on a '%' not followed by two hex
// digits. The result may hold any byte, NUL included: callers that need text
// check it.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace analytics
