// config::ParseYaml on arbitrary text: a Config or an error, never a crash.
// A Config that parses must survive Describe: ParseYaml(Describe(c)) parses,
// and gives c back when c holds no secret that Describe redacts and the text
// was UTF-8 (YAML's encoding; yaml-cpp reads other bytes into strings as they
// are, and its emitter does not write them back: fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fuzz_check.h"

namespace {

using analytics::config::RedactUrl;
using analytics::fuzz::Fail;

bool HoldsSecrets(const analytics::config::Config& c) {
  if (!c.auth.admin_token.empty()) return true;
  if (RedactUrl(c.database.url) != c.database.url) return true;
  for (const std::string& url : c.database.replica_urls) {
    if (RedactUrl(url) != url) return true;
  }
  if (RedactUrl(c.cache.url) != c.cache.url) return true;
  for (const auto& [name, target] : c.alerts.targets) {
    if (RedactUrl(target) != target) return true;
  }
  return false;
}

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    int extra = 0;
    unsigned min = 0;
    unsigned code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
      code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
      code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= static_cast<std::size_t>(extra)) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += 1 + extra;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)RedactUrl(text);
  auto config = analytics::config::ParseYaml(text);
  if (!config.ok()) return 0;
  const std::string described = analytics::config::Describe(*config);
  auto again = analytics::config::ParseYaml(described);
  if (!again.ok()) Fail("Describe's YAML does not parse: " + again.error().message, described);
  if (!HoldsSecrets(*config) && IsUtf8(text) && !(*again == *config)) {
    Fail("ParseYaml(Describe(c)) != c", described);
  }
  return 0;
}
