// A local S3-compatible endpoint for upload tests: moto_server on a free
// loopback port, driven with the real `aws` CLI. A missing tool fails the
// test (both come with the machine image's Python: moto has no Debian 12
// package). Header-only, beside child_process.h.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "e2e/child_process.h"

namespace analytics::e2e {

// The absolute path of `program` on this process's PATH, or "".
inline std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path == nullptr ? "" : path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// One moto_server on 127.0.0.1, stopped (SIGKILL) when destroyed.
class S3Server {
 public:
  // Check ok(), or ASSERT_TRUE(server.ok()) << server.error().
  S3Server() {
    aws_ = FindOnPath("aws");
    std::string moto = FindOnPath("moto_server");
    if (aws_.empty() || moto.empty()) {
      error_ = "aws and moto_server must be on PATH (scripts/install-deps.sh)";
      return;
    }
    port_ = FreePort();
    child_ = std::make_unique<ChildProcess>(
        moto, std::vector<std::string>{"-H", "127.0.0.1", "-p", std::to_string(port_)}, Env{},
        dir_.path());
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (child_->Exited()) break;
      if (testing::Get(port_, "/").status == 200) return;
      std::this_thread::sleep_for(milliseconds(50));  // polling, not timing
    }
    error_ =
        "moto_server did not answer on port " + std::to_string(port_) + ": " + child_->Stderr();
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& aws() const { return aws_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // What `aws` needs: dummy credentials and a region, no config files.
  Env AwsEnv() const {
    return {{"AWS_ACCESS_KEY_ID", "analytics-test"},
            {"AWS_SECRET_ACCESS_KEY", "analytics-test-secret"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_CONFIG_FILE", "/dev/null"},
            {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  }

  // `aws --endpoint-url … ARGS…` to completion.
  RunResult Aws(const std::vector<std::string>& args) const {
    std::vector<std::string> full = {"--endpoint-url", endpoint()};
    full.insert(full.end(), args.begin(), args.end());
    ChildProcess child(aws_, full, AwsEnv(), dir_.path());
    ExitStatus status = child.Wait(seconds(60));
    return RunResult{status, child.Stdout(), child.Stderr()};
  }

  // The upload_command template that copies {file} to s3://BUCKET/{name}.
  std::string CopyTemplate(const std::string& bucket) const {
    return aws_ + " --endpoint-url " + endpoint() + " s3 cp {file} s3://" + bucket + "/{name}";
  }

  // The object's bytes, or nullopt if it cannot be fetched.
  std::optional<std::string> Fetch(const std::string& bucket, const std::string& key) const {
    std::string local = dir_.File("fetched");
    RunResult got = Aws({"s3", "cp", "s3://" + bucket + "/" + key, local});
    if (got.code() != 0) return std::nullopt;
    return ReadFileText(local);
  }

 private:
  test::TempDir dir_;
  std::string aws_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> child_;
  std::string error_;
};

// Lower-case hex SHA-256 of `data`.
inline std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace analytics::e2e
