// Shared set-up for the repository tests (no App): a migrated database on
// the fixture's backend, transactions that fail the test on error, and tasks
// written as TaskService writes them.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "backend_fixture.h"
#include "base/time.h"
#include "model/task.h"
#include "model/task_json.h"
#include "storage/audit_repository.h"
#include "storage/task_repository.h"
#include "storage/user_repository.h"

namespace analytics::storage::test {

inline Time At(const char* text) { return ParseTime(text).value(); }
inline Day DayAt(const char* text) { return ParseDay(text).value(); }

inline model::Task NewTask(const std::string& user, const std::string& title,
                           model::TaskStatus status, model::Priority priority,
                           const char* created) {
  model::Task t;
  t.user_id = user;
  t.title = title;
  t.status = status;
  t.priority = priority;
  t.created_at = At(created);
  t.updated_at = t.created_at;
  return t;
}

// CreateOne's audit row, as TaskService writes it.
inline AuditEntry CreateAudit(const model::Task& task) {
  AuditEntry entry;
  entry.timestamp = task.created_at;
  entry.actor = "admin";
  entry.user_id = task.user_id;
  entry.action = "CREATE";
  entry.entity = "task";
  entry.after = model::ToJson(task);
  entry.request_id = "r";
  return entry;
}

class RepositoryTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Result<int> migrated = Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

  void CreateUser(const std::string& id) {
    InTx([&](Transaction& tx) {
      return UserRepository(tx).Create(model::User{id, At("2024-01-01T00:00:00Z")}, "h-" + id);
    });
  }

  // Inserts `task` and records it in the derived rows, as TaskService does.
  model::Task AddTask(model::Task task) {
    model::Task inserted;
    InTx([&](Transaction& tx) -> Result<void> {
      TaskRepository tasks(tx);
      auto made = tasks.Insert(task);
      if (!made.ok()) return made.error();
      inserted = *made;
      return tasks.RecordChange(std::nullopt, inserted);
    });
    return inserted;
  }
};

}  // namespace analytics::storage::test
