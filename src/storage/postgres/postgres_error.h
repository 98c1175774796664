// How PostgreSQL failures become Errors (STYLE: third-party failures are
// translated at the wrapper), and the URL helpers. Internal to storage/postgres;
// pure functions, so they are tested without a server.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace analytics::storage {

// Maps a failure to an ErrorCode by its SQLSTATE: 23505 → kConflict; class 08
// (connection), 53 (resources), 57P (shutdown, cannot connect now), 57014
// (statement timeout or cancel), 25P03 (idle-in-transaction timeout), 40001
// and 40P01 (serialization failure, deadlock: retry later) → kUnavailable;
// anything else → kInternal. An empty `sqlstate` or `connection_lost` means
// the connection itself failed → kUnavailable. The message is
// "postgresql: <primary message>", except for syntax errors, whose server
// text quotes the statement: those become "postgresql: syntax error".
Error MapPostgresError(std::string_view sqlstate, std::string_view primary_message,
                       bool connection_lost);

// `url` without its password: "postgresql://app:secret@db/x?password=y&sslmode=require"
// → "postgresql://app@db/x?sslmode=require". For description() and logs.
std::string UrlWithoutPassword(std::string_view url);

}  // namespace analytics::storage
