// config::ParseYaml on arbitrary text: a Config or an error, never a crash.
// A Config that parses must survive Describe: ParseYaml(Describe(c)) parses
// (but for a set admin token, which Describe writes as "***"),
// and gives c back when c holds no secret that Describe redacts. (Text that is
// not UTF-8, which yaml-cpp's emitter cannot write back, ParseYaml refuses:
// this target found it.)
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)RedactUrl(text);
  auto config = analytics::config::ParseYaml(text);
  if (!config.ok()) return 0;
  const std::string described = analytics::config::Describe(*config);
  auto again = analytics::config::ParseYaml(described);
  // Describe writes a set admin token as "***", which is no valid token
  // (Validate wants 32 token characters): that one refusal is expected.
  const bool redacted_token =
      !config->auth.admin_token.empty() && !again.ok() && again.error().field == "auth.admin_token";
  if (redacted_token) return 0;
  if (!again.ok()) Fail("Describe's YAML does not parse: " + again.error().message, described);
  if (!HoldsSecrets(*config) && !(*again == *config)) {
    Fail("ParseYaml(Describe(c)) != c", described);
  }
  return 0;
}
