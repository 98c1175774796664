// API tokens: random, shown once, stored only as a SHA-256 hash.
#pragma once

#include <string>
#include <string_view>

namespace analytics::users {

// A new token: "at_" + 43 characters of base64url (32 random bytes from OpenSSL).
std::string NewToken();
// Lower-case hex SHA-256 of the token: what the database stores.
std::string HashToken(std::string_view token);
// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace analytics::users
