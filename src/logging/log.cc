// Process-wide logging state behind log.h's free functions. Lines are built
// here (JSON, one per line) and handed to spdlog loggers whose pattern is just
// the message, so spdlog only does rotation and buffered, thread-safe writes.
#include "logging/log.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stop_token>
#include <thread>
#include <unordered_map>
#include <vector>

#include "logging/json_line.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/rotating_file_sink.h"

namespace analytics::logging {
namespace {

using detail::Level;

constexpr std::chrono::seconds kFlushInterval{1};
constexpr std::size_t kDefaultMaxFileBytes = 50 << 20;
// Before Setup and after Shutdown only warnings and errors reach stderr.
constexpr Level kUnconfiguredLevel = Level::kWarn;

spdlog::level::level_enum SpdlogLevel(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// A job name becomes a file name: keep it to [A-Za-z0-9_-] so it cannot leave the folder.
std::string FileNameFor(std::string_view job) {
  std::string name(job);
  for (char& c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (!safe) c = '_';
  }
  return name.empty() ? "_" : name;
}

void WriteStderr(std::string line) {
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call: lines never interleave
}

void Write(spdlog::logger& logger, Level level, const std::string& line) {
  logger.log(spdlog::source_loc{}, SpdlogLevel(level),
             spdlog::string_view_t(line.data(), line.size()));
}

class Files {
 public:
  Files(const config::LoggingOptions& options, std::string jobs_dir)
      : jobs_dir_(std::move(jobs_dir)),
        max_file_bytes_(options.max_file_bytes > 0 ? options.max_file_bytes : kDefaultMaxFileBytes),
        max_files_(static_cast<std::size_t>(std::max(options.max_files, 0))),
        analytics_(Open("analytics", options.dir + "/analytics.log")),
        error_(Open("error", options.dir + "/error.log")),
        access_(Open("access", options.dir + "/access.log")),
        flusher_([this](std::stop_token stop) { FlushEvery(stop); }) {}

  ~Files() {
    flusher_.request_stop();
    flusher_.join();
    Flush();
  }

  spdlog::logger& analytics() { return *analytics_; }
  spdlog::logger& error() { return *error_; }
  spdlog::logger& access() { return *access_; }

  // Returns nullptr (after saying so on stderr) when the file cannot be opened.
  std::shared_ptr<spdlog::logger> Job(std::string_view job) {
    const std::string name = FileNameFor(job);
    std::lock_guard lock(jobs_mu_);
    auto found = jobs_.find(name);
    if (found != jobs_.end()) return found->second;
    try {
      auto logger = Open("job:" + name, jobs_dir_ + "/" + name + ".log");
      jobs_.emplace(name, logger);
      return logger;
    } catch (const spdlog::spdlog_ex& e) {
      WriteStderr(detail::JsonObject()
                      .AddString("level", "error")
                      .AddString("event", "job_log_open_failed")
                      .AddString("job", job)
                      .AddString("error", e.what())
                      .Finish());
      return nullptr;
    }
  }

  void Flush() {
    analytics_->flush();
    error_->flush();
    access_->flush();
    std::lock_guard lock(jobs_mu_);
    for (auto& [name, logger] : jobs_) logger->flush();
  }

 private:
  // Throws spdlog::spdlog_ex when the file cannot be opened.
  std::shared_ptr<spdlog::logger> Open(const std::string& name, const std::string& path) {
    auto sink =
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_file_bytes_, max_files_);
    auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::trace);  // filtering is ours, before formatting
    logger->flush_on(spdlog::level::err);
    return logger;
  }

  void FlushEvery(const std::stop_token& stop) {
    std::mutex mu;
    std::condition_variable_any wake;
    std::unique_lock lock(mu);
    while (!wake.wait_for(lock, stop, kFlushInterval, [] { return false; }) &&
           !stop.stop_requested()) {
      Flush();
    }
  }

  const std::string jobs_dir_;
  const std::size_t max_file_bytes_;
  const std::size_t max_files_;
  std::shared_ptr<spdlog::logger> analytics_;
  std::shared_ptr<spdlog::logger> error_;
  std::shared_ptr<spdlog::logger> access_;
  std::mutex jobs_mu_;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> jobs_;
  std::jthread flusher_;  // last: stops before the loggers go
};

// The one process-wide logging state (log.h: logging is process-wide).
std::atomic<int> g_min_level{static_cast<int>(kUnconfiguredLevel)};
std::shared_mutex g_mu;
std::unique_ptr<Files> g_files;  // guarded by g_mu; null when not set up

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

std::string Now() { return detail::FormatTimestamp(std::chrono::system_clock::now()); }

void Log(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  const std::string ts = Now();
  const std::string line = detail::JsonObject()
                               .AddString("ts", ts)
                               .AddString("level", detail::LevelName(level))
                               .AddString("event", event)
                               .AddAll(fields)
                               .Finish();
  std::shared_lock lock(g_mu);
  if (!g_files) {
    WriteStderr(line);
    return;
  }
  Write(g_files->analytics(), level, line);
  if (level == Level::kError) {
    const std::string error_line =
        ts + " ERROR " + JsonEscape(event) + " " + detail::JsonObject().AddAll(fields).Finish();
    Write(g_files->error(), level, error_line);
  }
}

Result<void> CreateFolder(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Unavailable("cannot create log folder " + dir + ": " + error.message());
  return Ok();
}

}  // namespace

Result<void> Setup(const config::LoggingOptions& options, const std::string& jobs_log_dir) {
  const std::string jobs_dir = jobs_log_dir.empty() ? options.dir + "/jobs" : jobs_log_dir;
  ANALYTICS_RETURN_IF_ERROR(CreateFolder(options.dir));
  ANALYTICS_RETURN_IF_ERROR(CreateFolder(jobs_dir));
  std::unique_ptr<Files> files;
  try {
    files = std::make_unique<Files>(options, jobs_dir);
  } catch (const spdlog::spdlog_ex& e) {
    return Unavailable("cannot write logs in " + options.dir + ": " + e.what());
  }
  std::unique_ptr<Files> previous;
  {
    std::unique_lock lock(g_mu);
    previous = std::move(g_files);
    g_files = std::move(files);
    g_min_level = static_cast<int>(detail::ParseLevel(options.level));
  }
  return Ok();  // `previous` (a second Setup) is flushed and closed here, outside the lock
}

void Shutdown() {
  std::unique_ptr<Files> files;
  {
    std::unique_lock lock(g_mu);
    files = std::move(g_files);
    g_min_level = static_cast<int>(kUnconfiguredLevel);
  }
}

void Flush() {
  std::shared_lock lock(g_mu);
  if (g_files) g_files->Flush();
}

void Debug(std::string_view event, std::initializer_list<Field> fields) {
  Log(Level::kDebug, event, fields);
}
void Info(std::string_view event, std::initializer_list<Field> fields) {
  Log(Level::kInfo, event, fields);
}
void Warn(std::string_view event, std::initializer_list<Field> fields) {
  Log(Level::kWarn, event, fields);
}
void Error(std::string_view event, std::initializer_list<Field> fields) {
  Log(Level::kError, event, fields);
}

void Access(std::string_view line) {
  std::shared_lock lock(g_mu);
  if (!g_files) return;
  Write(g_files->access(), Level::kInfo, detail::OneLine(line));
}

void Job(std::string_view job, std::string_view event, std::initializer_list<Field> fields) {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::shared_lock lock(g_mu);
    if (!g_files) return;
    logger = g_files->Job(job);
  }
  if (!logger) return;
  const std::string line = detail::JsonObject()
                               .AddString("ts", Now())
                               .AddString("level", "info")
                               .AddString("event", event)
                               .AddString("job", job)
                               .AddAll(fields)
                               .Finish();
  Write(*logger, Level::kInfo, line);
}

}  // namespace analytics::logging
