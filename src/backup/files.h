// File primitives of the backup module (internal to backup/): sha256 of a
// file, zstd streams that hash what they write, fsync, atomic writes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "backup/backup.h"
#include "base/result.h"

namespace analytics::backup {

// "write /x/y: No space left on device (ENOSPC)": the reason, naming ENOSPC
// and EDQUOT by name so a full disk reads as one.
std::string ErrnoText(const std::string& what, int error_number);

// Lower-case hex SHA-256 of the file's bytes. Errors: kUnavailable.
Result<std::string> Sha256OfFile(const std::string& path);

// fsync of a file or a folder. Errors: kUnavailable.
Result<void> SyncPath(const std::string& path);

// Writes `text` to `path` through a temporary name in the same folder,
// fsynced, then renamed over it: a reader sees the old file or the new one.
Result<void> WriteFileAtomically(const std::string& path, std::string_view text);

// Result<std::string> of a whole (small) file. Errors: kNotFound, kUnavailable.
Result<std::string> ReadSmallFile(const std::string& path);

// Compresses into `path` (created; replaced) with zstd, streaming, and hashes
// the compressed bytes as they are written. Finish flushes, fsyncs and
// returns the file's entry; a writer dropped before Finish leaves a file the
// caller removes.
class ZstdWriter {
 public:
  static Result<std::unique_ptr<ZstdWriter>> Open(const std::string& path);
  ~ZstdWriter();
  ZstdWriter(const ZstdWriter&) = delete;
  ZstdWriter& operator=(const ZstdWriter&) = delete;

  Result<void> Write(std::string_view data);
  // The entry's name is the file name of `path`.
  Result<FileEntry> Finish();

 private:
  class Impl;
  explicit ZstdWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Compresses the file `from` into `to` (ZstdWriter).
Result<FileEntry> CompressFile(const std::string& from, const std::string& to);
// Decompresses the zstd file `from` into `to` (created; replaced).
// Errors: kUnprocessable when `from` is not valid zstd; kUnavailable on I/O.
Result<void> DecompressFile(const std::string& from, const std::string& to);

// Removes a folder and all in it; errors ignored (cleanup paths).
void RemoveAllQuietly(const std::string& path);

}  // namespace analytics::backup
