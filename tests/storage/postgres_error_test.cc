// SQLSTATE → ErrorCode mapping and password-free URLs: pure functions, no server.
#include "storage/postgres/postgres_error.h"

#include <gtest/gtest.h>

namespace analytics::storage {
namespace {

TEST(PostgresError, UniqueViolationIsAConflict) {
  Error e =
      MapPostgresError("23505", "duplicate key value violates unique constraint \"x\"", false);

  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(e.message, "postgresql: duplicate key value violates unique constraint \"x\"");
}

TEST(PostgresError, ConnectionShutdownTimeoutAndResourceFailuresAreUnavailable) {
  for (const char* state :
       {"08006", "08001", "57P01", "57P03", "57014", "53300", "53100", "25P03", "40001", "40P01"}) {
    EXPECT_EQ(MapPostgresError(state, "m", false).code, ErrorCode::kUnavailable) << state;
  }
  EXPECT_EQ(MapPostgresError("", "server closed the connection", true).code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(MapPostgresError("42P01", "relation does not exist", true).code,
            ErrorCode::kUnavailable);
}

TEST(PostgresError, OtherFailuresAreInternal) {
  for (const char* state : {"23502", "23503", "23514", "42P01", "42703", "25006", "22P02"}) {
    EXPECT_EQ(MapPostgresError(state, "m", false).code, ErrorCode::kInternal) << state;
  }
}

TEST(PostgresError, SyntaxErrorsDoNotQuoteTheStatement) {
  Error e = MapPostgresError("42601", "syntax error at or near \"secret\"", false);

  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_EQ(e.message.find("secret"), std::string::npos);
}

TEST(PostgresError, MessagesAreOneLine) {
  Error e = MapPostgresError("", "connection to server failed: refused\n\tIs it running?\n", true);

  EXPECT_EQ(e.message, "postgresql: connection to server failed: refused Is it running?");
}

TEST(PostgresUrl, PasswordIsRemovedFromUserinfoAndQuery) {
  EXPECT_EQ(UrlWithoutPassword("postgresql://app:secret@db:5432/x"), "postgresql://app@db:5432/x");
  EXPECT_EQ(UrlWithoutPassword("postgres://app:p%40ss@db/x?sslmode=require&password=y"),
            "postgres://app@db/x?sslmode=require");
  EXPECT_EQ(UrlWithoutPassword("postgresql://db/x?password=y"), "postgresql://db/x");
  EXPECT_EQ(UrlWithoutPassword("postgresql://app@db/x"), "postgresql://app@db/x");
  EXPECT_EQ(UrlWithoutPassword("postgresql://db:5432/x"), "postgresql://db:5432/x");
}

}  // namespace
}  // namespace analytics::storage
