#include "backup/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace analytics::backup {
namespace {

constexpr std::size_t kChunk = 1 << 17;

std::string Hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, std::size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, digest, &n);
    return Hex(digest, n);
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
Result<void> WriteAll(int fd, const char* data, std::size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t wrote = ::write(fd, data, n);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return Unavailable(ErrnoText("write " + path, errno));
    data += wrote;
    n -= std::size_t(wrote);
  }
  return Ok();
}

}  // namespace

std::string ErrnoText(const std::string& what, int error_number) {
  std::string text = what + ": " + std::strerror(error_number);
  if (error_number == ENOSPC) text += " (ENOSPC)";
  if (error_number == EDQUOT) text += " (EDQUOT)";
  return text;
}

Result<std::string> Sha256OfFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable(ErrnoText("open " + path, errno));
  Sha256 sha;
  std::vector<char> buffer(kChunk);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Unavailable(ErrnoText("read " + path, e));
    }
    if (n == 0) break;
    sha.Update(buffer.data(), std::size_t(n));
  }
  ::close(fd);
  return sha.HexDigest();
}

Result<void> SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable(ErrnoText("open " + path, errno));
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return Unavailable(ErrnoText("fsync " + path, e));
  return Ok();
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view text) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable(ErrnoText("create " + temp, errno));
  Result<void> wrote = WriteAll(fd, text.data(), text.size(), temp);
  if (wrote.ok() && ::fsync(fd) != 0) wrote = Unavailable(ErrnoText("fsync " + temp, errno));
  ::close(fd);
  if (wrote.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    wrote = Unavailable(ErrnoText("rename " + temp, errno));
  }
  if (!wrote.ok()) {
    ::unlink(temp.c_str());
    return wrote;
  }
  return SyncPath(std::filesystem::path(path).parent_path().string());
}

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return NotFound("no file " + path);
    return Unavailable("cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class ZstdWriter::Impl {
 public:
  Impl(std::string path, int fd) : path_(std::move(path)), fd_(fd), cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
  }
  ~Impl() {
    ZSTD_freeCCtx(cctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  // Feeds `data` (empty with kEnd: the frame's end) and writes what comes out.
  Result<void> Feed(std::string_view data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::vector<char> out(ZSTD_CStreamOutSize());
    for (;;) {
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      std::size_t left = ZSTD_compressStream2(cctx_, &ob, &in, mode);
      if (ZSTD_isError(left)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      if (ob.pos > 0) {
        Result<void> wrote = WriteAll(fd_, out.data(), ob.pos, path_);
        if (!wrote.ok()) return wrote;
        sha_.Update(out.data(), ob.pos);
        bytes_ += ob.pos;
      }
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) return Ok();
    }
  }

  Result<FileEntry> Finish() {
    Result<void> fed = Feed({}, ZSTD_e_end);
    if (!fed.ok()) return fed.error();
    if (::fsync(fd_) != 0) return Unavailable(ErrnoText("fsync " + path_, errno));
    ::close(fd_);
    fd_ = -1;
    FileEntry entry;
    entry.name = std::filesystem::path(path_).filename().string();
    entry.bytes = bytes_;
    entry.sha256 = sha_.HexDigest();
    return entry;
  }

 private:
  const std::string path_;
  int fd_;
  ZSTD_CCtx* cctx_;
  Sha256 sha_;
  std::uint64_t bytes_ = 0;
};

ZstdWriter::ZstdWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZstdWriter::~ZstdWriter() = default;

Result<std::unique_ptr<ZstdWriter>> ZstdWriter::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(ErrnoText("create " + path, errno));
  return std::unique_ptr<ZstdWriter>(new ZstdWriter(std::make_unique<Impl>(path, fd)));
}

Result<void> ZstdWriter::Write(std::string_view data) { return impl_->Feed(data, ZSTD_e_continue); }
Result<FileEntry> ZstdWriter::Finish() { return impl_->Finish(); }

Result<FileEntry> CompressFile(const std::string& from, const std::string& to) {
  int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable(ErrnoText("open " + from, errno));
  auto writer = ZstdWriter::Open(to);
  if (!writer.ok()) {
    ::close(fd);
    return writer.error();
  }
  std::vector<char> buffer(kChunk);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      if (n < 0) return Unavailable(ErrnoText("read " + from, e));
      break;
    }
    Result<void> wrote = (*writer)->Write(std::string_view(buffer.data(), std::size_t(n)));
    if (!wrote.ok()) {
      ::close(fd);
      return wrote.error();
    }
  }
  return (*writer)->Finish();
}

Result<void> DecompressFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return Unavailable("cannot read " + from);
  int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(ErrnoText("create " + to, errno));
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::vector<char> inbuf(ZSTD_DStreamInSize());
  std::vector<char> outbuf(ZSTD_DStreamOutSize());
  std::size_t last = 1;
  Result<void> result = Ok();
  while (result.ok() && in) {
    in.read(inbuf.data(), std::streamsize(inbuf.size()));
    ZSTD_inBuffer ib{inbuf.data(), std::size_t(in.gcount()), 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{outbuf.data(), outbuf.size(), 0};
      last = ZSTD_decompressStream(dctx.get(), &ob, &ib);
      if (ZSTD_isError(last)) {
        result = Error{
            ErrorCode::kUnprocessable, from + " is not valid zstd: " + ZSTD_getErrorName(last), {}};
        break;
      }
      result = WriteAll(fd, outbuf.data(), ob.pos, to);
      if (!result.ok()) break;
    }
  }
  if (result.ok() && last != 0) {
    result = Error{ErrorCode::kUnprocessable, from + " ends inside a zstd frame", {}};
  }
  ::close(fd);
  return result;
}

void RemoveAllQuietly(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace analytics::backup
