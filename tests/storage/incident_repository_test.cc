// IncidentRepository over migration 8's incidents table, on every backend.
#include "storage/incident_repository.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "repository_fixture.h"

namespace analytics::storage {
namespace {

using test::At;

class IncidentRepositoryTest : public test::RepositoryTest {
 protected:
  IncidentRow Create(const std::string& severity, const std::string& title, const char* at) {
    IncidentRow made;
    InTx([&](Transaction& tx) -> Result<void> {
      auto row =
          IncidentRepository(tx).Create(severity, title, "details of " + title, At(at), "alice");
      if (!row.ok()) return row.error();
      made = *row;
      return Ok();
    });
    return made;
  }
};

TEST_P(IncidentRepositoryTest, CreateStoresAnOpenIncidentWithWhoAndWhen) {
  IncidentRow made = Create("P1", "API slow", "2024-03-01T10:00:00.250000Z");

  EXPECT_GT(made.id, 0);
  InRead([&](Transaction& tx) -> Result<void> {
    auto got = IncidentRepository(tx).Get(made.id);
    if (!got.ok()) return got.error();
    EXPECT_EQ(got->severity, "P1");
    EXPECT_EQ(got->title, "API slow");
    EXPECT_EQ(got->description, "details of API slow");
    EXPECT_EQ(got->status, "open");
    EXPECT_EQ(got->created_at, At("2024-03-01T10:00:00.250000Z"));
    EXPECT_EQ(got->created_by, "alice");
    EXPECT_FALSE(got->resolved_at.has_value());
    EXPECT_FALSE(got->resolved_by.has_value());
    EXPECT_FALSE(got->resolution_note.has_value());
    return Ok();
  });
}

TEST_P(IncidentRepositoryTest, ListIsNewestFirstAndOpenOnlyHidesResolved) {
  IncidentRow first = Create("P2", "first", "2024-03-01T10:00:00Z");
  IncidentRow second = Create("P0", "second", "2024-03-02T10:00:00Z");
  IncidentRow third = Create("P3", "third", "2024-03-03T10:00:00Z");
  InTx([&](Transaction& tx) -> Result<void> {
    auto resolved =
        IncidentRepository(tx).Resolve(second.id, At("2024-03-02T11:00:00Z"), "bob", "restarted");
    if (!resolved.ok()) return resolved.error();
    return Ok();
  });

  InRead([&](Transaction& tx) -> Result<void> {
    IncidentRepository incidents(tx);
    auto all = incidents.List(false, 10);
    if (!all.ok()) return all.error();
    std::vector<std::int64_t> ids;
    for (const IncidentRow& r : *all) ids.push_back(r.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{third.id, second.id, first.id}));
    auto open = incidents.List(true, 10);
    if (!open.ok()) return open.error();
    ids.clear();
    for (const IncidentRow& r : *open) ids.push_back(r.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{third.id, first.id}));
    auto limited = incidents.List(false, 1);
    if (!limited.ok()) return limited.error();
    EXPECT_EQ(limited->size(), 1u);
    return Ok();
  });
}

TEST_P(IncidentRepositoryTest, ResolveRecordsWhoWhenAndNoteOnce) {
  IncidentRow made = Create("P0", "DB down", "2024-03-01T10:00:00Z");

  InTx([&](Transaction& tx) -> Result<void> {
    auto resolved =
        IncidentRepository(tx).Resolve(made.id, At("2024-03-01T10:45:00Z"), "bob", "failed over");
    if (!resolved.ok()) return resolved.error();
    EXPECT_EQ(resolved->status, "resolved");
    EXPECT_EQ(resolved->resolved_at, At("2024-03-01T10:45:00Z"));
    EXPECT_EQ(resolved->resolved_by, "bob");
    EXPECT_EQ(resolved->resolution_note, "failed over");
    EXPECT_EQ(resolved->created_by, "alice");
    return Ok();
  });

  Result<void> again = db_->InTransaction([&](Transaction& tx) -> Result<void> {
    auto twice = IncidentRepository(tx).Resolve(made.id, At("2024-03-01T11:00:00Z"), "carol", "");
    if (!twice.ok()) return twice.error();
    return Ok();
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  InRead([&](Transaction& tx) -> Result<void> {
    auto got = IncidentRepository(tx).Get(made.id);
    if (!got.ok()) return got.error();
    EXPECT_EQ(got->resolved_by, "bob");
    return Ok();
  });
}

TEST_P(IncidentRepositoryTest, UnknownIdIsNotFound) {
  Result<void> got = db_->Read([&](Transaction& tx) -> Result<void> {
    auto row = IncidentRepository(tx).Get(4242);
    if (!row.ok()) return row.error();
    return Ok();
  });
  Result<void> resolved = db_->InTransaction([&](Transaction& tx) -> Result<void> {
    auto row = IncidentRepository(tx).Resolve(4242, At("2024-03-01T10:00:00Z"), "bob", "");
    if (!row.ok()) return row.error();
    return Ok();
  });

  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kNotFound);
}

TEST_P(IncidentRepositoryTest, SeverityOutsideP0ToP3IsRefusedByTheSchema) {
  Result<void> made = db_->InTransaction([&](Transaction& tx) -> Result<void> {
    auto row = IncidentRepository(tx).Create("P9", "x", "", At("2024-03-01T10:00:00Z"), "a");
    if (!row.ok()) return row.error();
    return Ok();
  });

  EXPECT_FALSE(made.ok());
  EXPECT_EQ(Count("incidents"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, IncidentRepositoryTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::storage
