// SPEC §6: a job killed half-way leaves no partial result, the next run
// completes it, and its job_runs row does not stay `running`. The job runs in
// the real binary, which the test SIGKILLs mid-run.
#include <algorithm>
#include <filesystem>

#include "app/app.h"
#include "app/demo.h"
#include "e2e/child_process.h"
#include "storage/open_database.h"

namespace analytics::e2e {
namespace {

using Rows = std::vector<std::string>;

// Every row of `sql` as one "a|b|c" string.
Rows Dump(const std::string& db_path, const std::string& sql) {
  config::DatabaseOptions options;
  options.url = "sqlite:///" + db_path;
  auto db = storage::OpenDatabase(options);
  EXPECT_TRUE(db.ok());
  Rows rows;
  EXPECT_TRUE((*db)
                  ->Read([&](storage::Transaction& tx) -> Result<void> {
                    auto result = tx.Query(sql);
                    if (!result.ok()) return result.error();
                    for (const auto& r : *result) {
                      std::string line;
                      for (std::size_t i = 0; i < r.size(); ++i) line += r.Text(i) + "|";
                      rows.push_back(line);
                    }
                    return Ok();
                  })
                  .ok());
  return rows;
}

class JobKillTest : public E2eTest {
 protected:
  // A database with two years of demo tasks and no daily rows yet, and a
  // copy of it for the uninterrupted reference run.
  void SetUp() override {
    E2eTest::SetUp();
    db_ = Path("killed.db");
    reference_ = Path("reference.db");
    config::Config config;
    config.database.url = "sqlite:///" + db_;
    config.logging.dir = Path("log");
    config.jobs.log_dir = Path("log/jobs");
    {
      auto app = app::App::Build(config);
      ASSERT_TRUE(app.ok()) << app.error().message;
      auto seeded = app::SeedDemo(**app, {.users = 12, .tasks = 4000, .seed = 3});
      ASSERT_TRUE(seeded.ok()) << seeded.error().message;
      ASSERT_TRUE((*app)
                      ->db()
                      .InTransaction([](storage::Transaction& tx) -> Result<void> {
                        auto cleared = tx.Execute("DELETE FROM daily_analytics");
                        if (!cleared.ok()) return cleared.error();
                        auto runs = tx.Execute("DELETE FROM job_runs");
                        if (!runs.ok()) return runs.error();
                        return Ok();
                      })
                      .ok());
      ASSERT_TRUE((*app)->db().ExecuteOutsideTransaction("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    }
    std::filesystem::copy_file(db_, reference_);
  }

  std::string ConfigFor(const std::string& db, const std::string& name) {
    std::string path = Path(name + ".yml");
    WriteFileText(path, "database:\n  url: \"sqlite:///" + db + "\"\nlogging:\n  dir: \"" +
                            Path(name + "-log") + "\"\njobs:\n  log_dir: \"" +
                            Path(name + "-log/jobs") + "\"\n");
    return path;
  }

  RunResult RunJob(const std::string& config, const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--config", config, "job", "run"};
    all.insert(all.end(), args.begin(), args.end());
    ChildProcess child(BinaryPath(), all, {}, cwd());
    EXPECT_TRUE(child.started());
    RunResult result{child.Wait(seconds(120)), "", ""};
    result.out = child.Stdout();
    result.err = child.Stderr();
    return result;
  }

  std::string db_;
  std::string reference_;
};

constexpr const char* kDailyRows =
    "SELECT user_id, date, tasks_created, tasks_completed, total_tasks, completed_tasks, "
    "completion_rate, productivity_score FROM daily_analytics ORDER BY user_id, date";

TEST_F(JobKillTest, KilledDailyAggregationRerunsToTheSameRows) {
  std::vector<std::string> range = {"daily_aggregation", "--from", "2024-01-01", "--to",
                                    FormatDay(DayOf(SystemClock().Now()))};
  std::string killed = ConfigFor(db_, "killed");
  std::string reference = ConfigFor(reference_, "reference");
  std::string pristine = Path("pristine.db");
  std::filesystem::copy_file(db_, pristine);

  // The uninterrupted run, timed, then kills at fractions of its duration
  // until one lands mid-run (its job_runs row is left `running`).
  auto started = std::chrono::steady_clock::now();
  RunResult uninterrupted = RunJob(reference, range);
  auto duration = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(uninterrupted.code(), 0) << uninterrupted.Describe();
  Rows expected = Dump(reference_, kDailyRows);
  ASSERT_FALSE(expected.empty());

  bool killed_mid_run = false;
  Rows partial;
  for (double fraction : {0.5, 0.35, 0.65, 0.25, 0.8, 0.45, 0.55}) {
    std::filesystem::copy_file(pristine, db_, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(db_ + "-wal");
    std::filesystem::remove(db_ + "-shm");
    std::vector<std::string> all = {"--config", killed, "job", "run"};
    all.insert(all.end(), range.begin(), range.end());
    ChildProcess child(BinaryPath(), all, {}, cwd());
    ASSERT_TRUE(child.started());
    std::this_thread::sleep_for(std::chrono::duration_cast<milliseconds>(duration * fraction));
    child.Signal(SIGKILL);
    child.Wait(seconds(10));
    if (Dump(db_, "SELECT status FROM job_runs") == Rows{"running|"}) {
      killed_mid_run = true;
      partial = Dump(db_, kDailyRows);
      break;
    }
  }
  ASSERT_TRUE(killed_mid_run) << "no kill landed while the job was running";

  RunResult rerun = RunJob(killed, range);

  ASSERT_EQ(rerun.code(), 0) << rerun.Describe();
  EXPECT_LT(partial.size(), expected.size());
  // What the kill left is whole chunks: every row it kept is a final row.
  for (const std::string& row : partial) {
    EXPECT_NE(std::find(expected.begin(), expected.end(), row), expected.end()) << row;
  }
  EXPECT_EQ(Dump(db_, kDailyRows), expected);
  // The killed run's row was marked failed by the rerun; none stays running.
  Rows runs = Dump(db_, "SELECT status FROM job_runs ORDER BY id");
  EXPECT_EQ(runs, (Rows{"failed|", "succeeded|"}));
}

TEST_F(JobKillTest, KilledArchiveMovesAllOrNothing) {
  std::string killed = ConfigFor(db_, "killed");
  std::string reference = ConfigFor(reference_, "reference");
  std::vector<std::string> range = {"daily_aggregation", "--from", "2024-06-01", "--to",
                                    FormatDay(DayOf(SystemClock().Now()))};
  ASSERT_EQ(RunJob(killed, range).code(), 0);
  ASSERT_EQ(RunJob(reference, range).code(), 0);
  const std::string counts =
      "SELECT (SELECT COUNT(*) FROM daily_analytics), (SELECT COUNT(*) FROM "
      "daily_analytics_archive)";
  Rows before = Dump(db_, counts);

  // Kill as soon as it has started: the archive's single transaction either
  // committed or left nothing behind (it may also have finished already).
  {
    ChildProcess child(BinaryPath(), {"--config", killed, "job", "run", "archive"}, {}, cwd());
    ASSERT_TRUE(child.started());
    std::string log = Path("killed-log/jobs/archive.log");
    for (int i = 0; i < 20000 && !child.Exited() && ReadFileText(log).empty(); ++i) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    child.Signal(SIGKILL);
    child.Wait(seconds(10));
  }
  Rows after_kill = Dump(db_, counts);
  RunResult rerun = RunJob(killed, {"archive"});
  RunResult uninterrupted = RunJob(reference, {"archive"});

  ASSERT_EQ(rerun.code(), 0) << rerun.Describe();
  ASSERT_EQ(uninterrupted.code(), 0) << uninterrupted.Describe();
  Rows expected = Dump(reference_, counts);
  EXPECT_TRUE(after_kill == before || after_kill == expected)
      << "a partial archive: " << after_kill.front();
  EXPECT_EQ(Dump(db_, counts), expected);
  const std::string all_rows =
      "SELECT user_id, date, tasks_created, completion_rate FROM daily_analytics_archive "
      "ORDER BY user_id, date";
  EXPECT_EQ(Dump(db_, all_rows), Dump(reference_, all_rows));
}

}  // namespace
}  // namespace analytics::e2e
