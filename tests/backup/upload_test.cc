#include "backup/upload.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/time.h"
#include "e2e/s3_server.h"
#include "support/temp_dir.h"

namespace analytics::backup {
namespace {

using e2e::ReadFileText;
using e2e::WriteFileText;

Time At(const char* text) { return *ParseTime(text); }

TEST(Upload, ExpandQuotesEveryValueForTheShell) {
  std::string expanded = ExpandUploadCommand("cp {file} /x/{name} # {id} {other}", "/b/it's here",
                                             "id/{id}", "analytics-1");

  EXPECT_EQ(expanded, "cp '/b/it'\\''s here' /x/'id/{id}' # 'analytics-1' {other}");
}

TEST(Upload, TheRecordedCommandHidesSecretsAndUrlPasswords) {
  EXPECT_EQ(RedactCommand("AWS_SECRET_ACCESS_KEY=abc aws s3 cp {file} s3://b/{name}"),
            "AWS_SECRET_ACCESS_KEY=*** aws s3 cp {file} s3://b/{name}");
  EXPECT_EQ(RedactCommand("curl -T {file} https://user:pa55@host/up/{name}"),
            "curl -T {file} https://***@host/up/{name}");
  EXPECT_EQ(RedactCommand("rclone copy {file} remote:x --retries=3"),
            "rclone copy {file} remote:x --retries=3");
  FakeClock clock(At("2026-12-05T03:00:00Z"));
  UploadRecord record = Upload("TOKEN=t0k true {file}", "/tmp", "id", {}, clock);
  EXPECT_EQ(record.command, "TOKEN=*** true {file}");
}

TEST(Upload, RunsTheTemplateOncePerFileInOrder) {
  test::TempDir dir;
  WriteFileText(dir.File("a.zst"), "A");
  WriteFileText(dir.File("manifest.json"), "{}");
  FakeClock clock(At("2026-12-05T03:00:00Z"));

  UploadRecord record = Upload("echo {id} {name} $(cat {file}) >> " + dir.File("log"), dir.path(),
                               "analytics-20261205T030000Z", {"a.zst", "manifest.json"}, clock);

  ASSERT_TRUE(record.ok) << record.error;
  EXPECT_EQ(record.files, (std::vector<std::string>{"a.zst", "manifest.json"}));
  EXPECT_EQ(record.finished_at, clock.Now());
  EXPECT_EQ(ReadFileText(dir.File("log")),
            "analytics-20261205T030000Z analytics-20261205T030000Z/a.zst A\n"
            "analytics-20261205T030000Z analytics-20261205T030000Z/manifest.json {}\n");
}

TEST(Upload, FirstFailureStopsWithTheStatusAndLastStderrLine) {
  test::TempDir dir;
  FakeClock clock(At("2026-12-05T03:00:00Z"));

  UploadRecord record =
      Upload("echo progress; echo first >&2; echo {name} >> " + dir.File("log") +
                 "; test {name} != 'x/two' || { echo 'no such bucket' >&2; exit 3; }",
             dir.path(), "x", {"one", "two", "three"}, clock);

  EXPECT_FALSE(record.ok);
  EXPECT_EQ(record.error, "upload of two exited with status 3: no such bucket");
  EXPECT_EQ(record.files, std::vector<std::string>{"one"});
  EXPECT_EQ(ReadFileText(dir.File("log")), "x/one\nx/two\n");
}

TEST(Upload, ACommandPastItsTimeoutIsKilled) {
  test::TempDir dir;
  FakeClock clock(At("2026-12-05T03:00:00Z"));

  UploadRecord record =
      Upload("sleep 30", dir.path(), "x", {"one"}, clock, std::chrono::milliseconds(200));

  EXPECT_FALSE(record.ok);
  EXPECT_EQ(record.error, "upload of one timed out after 200 ms");
}

TEST(Upload, ASignalIsNamed) {
  test::TempDir dir;
  FakeClock clock(At("2026-12-05T03:00:00Z"));

  UploadRecord record = Upload("kill -TERM $$", dir.path(), "x", {"one"}, clock);

  EXPECT_FALSE(record.ok);
  EXPECT_EQ(record.error, "upload of one killed by signal 15");
}

TEST(Upload, TheCommandGetsNoServiceSecrets) {
  test::TempDir dir;
  FakeClock clock(At("2026-12-05T03:00:00Z"));
  ::setenv("DATABASE_URL", "postgresql://u:secret@h/db", 1);
  ::setenv("ANALYTICS_ADMIN_TOKEN", "admin-secret", 1);
  ::setenv("AWS_PROFILE", "backups", 1);

  UploadRecord record = Upload("env > " + dir.File("env"), dir.path(), "x", {"one"}, clock);
  ::unsetenv("DATABASE_URL");
  ::unsetenv("ANALYTICS_ADMIN_TOKEN");
  ::unsetenv("AWS_PROFILE");

  ASSERT_TRUE(record.ok) << record.error;
  std::string env = ReadFileText(dir.File("env"));
  EXPECT_EQ(env.find("secret"), std::string::npos) << env;
  EXPECT_NE(env.find("AWS_PROFILE=backups"), std::string::npos) << env;
}

// A real `aws s3 cp` to a local S3 (moto_server): the object's bytes are the
// file's, and a missing bucket fails the upload with aws's own reason.
TEST(Upload, AwsCopiesToALocalS3AndAMissingBucketFails) {
  e2e::S3Server s3;
  ASSERT_TRUE(s3.ok()) << s3.error();
  ASSERT_EQ(s3.Aws({"s3", "mb", "s3://analytics-backups"}).code(), 0);
  test::TempDir dir;
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 3);
  WriteFileText(dir.File("database.sqlite.zst"), data);
  FakeClock clock(At("2026-12-05T03:00:00Z"));
  for (const auto& [name, value] : s3.AwsEnv()) ::setenv(name.c_str(), value.c_str(), 1);

  UploadRecord good = Upload(s3.CopyTemplate("analytics-backups"), dir.path(), "analytics-1",
                             {"database.sqlite.zst"}, clock);
  UploadRecord bad = Upload(s3.CopyTemplate("no-such-bucket"), dir.path(), "analytics-1",
                            {"database.sqlite.zst"}, clock);

  ASSERT_TRUE(good.ok) << good.error;
  auto object = s3.Fetch("analytics-backups", "analytics-1/database.sqlite.zst");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(e2e::Sha256Hex(*object), e2e::Sha256Hex(data));
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(e2e::Contains(bad.error, "upload of database.sqlite.zst exited with status 1"));
  EXPECT_TRUE(e2e::Contains(bad.error, "NoSuchBucket"));
}

}  // namespace
}  // namespace analytics::backup
