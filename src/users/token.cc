#include "users/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "base/check.h"

namespace analytics::users {

std::string NewToken() {
  std::array<unsigned char, 32> bytes{};
  ANALYTICS_CHECK(RAND_bytes(bytes.data(), bytes.size()) == 1) << "no randomness from OpenSSL";
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = "at_";
  // base64url without padding, 6 bits at a time.
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      token += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) token += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return token;
}

std::string HashToken(std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  ANALYTICS_CHECK(
      EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr) == 1)
      << "SHA-256 failed";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace analytics::users
