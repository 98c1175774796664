// Exports over HTTP (SPEC §4): streamed (chunked) CSV per RFC 4180 and
// NDJSON, complete across pages, filtered by creation day.
#include <optional>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Parses RFC 4180 CSV strictly: every record ends with CRLF, quoted fields
// may hold commas, CR, LF and doubled quotes. nullopt on any deviation.
std::optional<Rows> ParseCsv(const std::string& text) {
  Rows rows;
  std::vector<std::string> record;
  std::string field;
  std::size_t i = 0;
  bool at_field_start = true;
  while (i < text.size()) {
    char c = text[i];
    if (at_field_start && c == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) return std::nullopt;  // unterminated quote
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      at_field_start = false;
      if (i < text.size() && text[i] != ',' && text[i] != '\r') return std::nullopt;
      continue;
    }
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      ++i;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') return std::nullopt;
      record.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(record));
      record.clear();
      at_field_start = true;
      i += 2;
    } else if (c == '\n' || c == '"') {
      return std::nullopt;  // bare LF, or a quote inside an unquoted field
    } else {
      field += c;
      at_field_start = false;
      ++i;
    }
  }
  if (!record.empty() || !field.empty()) return std::nullopt;  // last record without CRLF
  return rows;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

const std::vector<std::string> kTaskHeader = {"id",           "user_id", "title",      "status",
                                              "priority",     "due_at",  "created_at", "updated_at",
                                              "completed_at", "deleted", "deleted_at"};

class ExportApiTest : public ApiTest {
 protected:
  ExportApiTest() : user_(As(app_.CreateUser("e1"))) {}

  HttpResult Export(const std::string& query) {
    return user_.Get(UserPath("e1") + "/export" + query);
  }

  Client user_;
};

TEST_P(ExportApiTest, CsvIsRfc4180WithHeaderAndCrlf) {
  const std::string tricky = "Buy milk, eggs and \"cheese\" \xC3\xA9\xF0\x9F\x98\x80 ";
  Json t1 =
      CreateTask(user_, "e1",
                 Json{{"title", tricky}, {"priority", "high"}, {"due_at", "2030-01-02T03:04:05Z"}});
  Json t2 = CreateTask(user_, "e1", Json{{"title", "plain"}, {"status", "done"}});
  Json t3 = CreateTask(user_, "e1", Json{{"title", "=cmd|' /C calc'!A0"}});

  HttpResult r = Export("?format=csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.Header("content-type").rfind("text/csv", 0), 0u) << r.Header("content-type");
  EXPECT_NE(r.Header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_FALSE(r.Header("x-request-id").empty());

  auto rows = ParseCsv(r.body);
  ASSERT_TRUE(rows.has_value()) << r.body;
  ASSERT_EQ(rows->size(), 4u) << r.body;
  EXPECT_EQ((*rows)[0], kTaskHeader);
  const std::vector<Json> tasks = {t1, t2, t3};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    SCOPED_TRACE(i);
    const std::vector<std::string>& row = (*rows)[i + 1];
    ASSERT_EQ(row.size(), kTaskHeader.size());
    const Json& t = tasks[i];
    EXPECT_EQ(row[0], std::to_string(t["id"].get<std::int64_t>()));
    EXPECT_EQ(row[1], "e1");
    const std::string title = t["title"];
    EXPECT_EQ(row[2], title[0] == '=' ? "'" + title : title);
    EXPECT_EQ(row[3], t["status"].get<std::string>());
    EXPECT_EQ(row[4], t["priority"].get<std::string>());
    EXPECT_EQ(row[5], t["due_at"].is_null() ? "" : t["due_at"].get<std::string>());
    EXPECT_EQ(row[6], t["created_at"].get<std::string>());
    EXPECT_EQ(row[8], t["completed_at"].is_null() ? "" : t["completed_at"].get<std::string>());
    EXPECT_EQ(row[9], "false");
    EXPECT_EQ(row[10], "");
  }
  EXPECT_EQ((*rows)[1][2], tricky);
  // The tricky title is quoted with its quotes doubled.
  EXPECT_NE(r.body.find("\"Buy milk, eggs and \"\"cheese\"\" "), std::string::npos) << r.body;
  // Every line ends in CRLF.
  for (const std::string& line : Lines(r.body)) EXPECT_EQ(line.back(), '\r') << line;
}

TEST_P(ExportApiTest, CsvCellsThatStartLikeFormulasAreNeutralisedNdjsonIsVerbatim) {
  // OWASP's CSV-injection list: =, +, -, @, tab and carriage return first.
  const std::vector<std::string> titles = {"=HYPERLINK(\"http://x\",\"y\")",
                                           "+1+1",
                                           "-2+3",
                                           "@SUM(A1)",
                                           "\tcalc",
                                           "\r=1",
                                           "a=b",
                                           "safe -"};
  for (const std::string& title : titles) {
    // The API refuses control characters in a title; another program writing
    // the database directly may still store them.
    const bool control = title[0] == '\t' || title[0] == '\r';
    const std::int64_t id = CreateTask(user_, "e1", control ? "placeholder" : title)["id"];
    if (!control) continue;
    Result<void> set = app_.app().db().InTransaction([&](storage::Transaction& tx) -> Result<void> {
      auto changed = tx.Execute("UPDATE tasks SET title = $1 WHERE id = $2", {title, id});
      if (!changed.ok()) return changed.error();
      return Ok();
    });
    ASSERT_TRUE(set.ok()) << set.error().message;
  }

  HttpResult csv = Export("?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  auto rows = ParseCsv(csv.body);
  ASSERT_TRUE(rows.has_value()) << csv.body;
  ASSERT_EQ(rows->size(), titles.size() + 1);
  for (std::size_t i = 0; i < titles.size(); ++i) {
    SCOPED_TRACE(titles[i]);
    const bool formula = i < 6;
    EXPECT_EQ((*rows)[i + 1][2], formula ? "'" + titles[i] : titles[i]);
  }
  // No line of the CSV text has a cell that opens with a formula character.
  EXPECT_EQ(csv.body.find(",=HYPERLINK"), std::string::npos);
  EXPECT_NE(csv.body.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), std::string::npos);

  HttpResult nd = Export("?format=ndjson");
  ASSERT_EQ(nd.status, 200);
  std::vector<std::string> nd_titles;
  for (const std::string& line : Lines(nd.body)) {
    nd_titles.push_back(Json::parse(line)["title"]);
  }
  EXPECT_EQ(nd_titles, titles);
}

TEST_P(ExportApiTest, NdjsonLinesAreJsonTasks) {
  Json t1 = CreateTask(user_, "e1", Json{{"title", "line \"one\", with \\ and \xE2\x82\xAC"}});
  Json t2 = CreateTask(user_, "e1", Json{{"title", "two"}, {"status", "in_progress"}});
  HttpResult r = Export("?format=ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.chunked);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.Header("content-type").rfind("application/x-ndjson", 0), 0u);
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(r.body.back(), '\n');
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 2u) << r.body;
  Json first = Json::parse(lines[0], nullptr, false);
  Json second = Json::parse(lines[1], nullptr, false);
  ASSERT_FALSE(first.is_discarded()) << lines[0];
  ASSERT_FALSE(second.is_discarded()) << lines[1];
  EXPECT_EQ(first, t1);
  EXPECT_EQ(second, t2);
}

TEST_P(ExportApiTest, ManyPagesExportCompletelyInIdOrder) {
  std::vector<std::int64_t> ids;
  for (int batch = 0; batch < 3; ++batch) {
    Json items = Json::array();
    for (int i = 0; i < (batch == 2 ? 500 : 1000); ++i) {
      items.push_back(Json{{"title", "t" + std::to_string(batch) + "-" + std::to_string(i)}});
    }
    HttpResult r = user_.Post(TasksPath("e1") + ":batch", items);
    ASSERT_EQ(r.status, 201) << r.body.substr(0, 200);
    const Json parsed = Body(r);
    for (const Json& t : parsed["tasks"]) ids.push_back(t["id"]);
  }
  ASSERT_EQ(ids.size(), 2500u);
  // One deleted task is left out unless asked for.
  ASSERT_EQ(user_.Delete(TaskPath("e1", ids[1234])).status, 200);
  std::vector<std::int64_t> visible = ids;
  visible.erase(visible.begin() + 1234);

  HttpResult csv = Export("?format=csv");
  ASSERT_EQ(csv.status, 200);
  ASSERT_TRUE(csv.complete) << csv.error;
  auto rows = ParseCsv(csv.body);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), visible.size() + 1);
  std::vector<std::int64_t> exported;
  for (std::size_t i = 1; i < rows->size(); ++i) exported.push_back(std::stoll((*rows)[i][0]));
  EXPECT_EQ(exported, visible);

  HttpResult nd = Export("?format=ndjson&include_deleted=true");
  ASSERT_EQ(nd.status, 200);
  ASSERT_TRUE(nd.complete);
  std::vector<std::int64_t> nd_ids;
  for (const std::string& line : Lines(nd.body)) {
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    nd_ids.push_back(j["id"]);
  }
  EXPECT_EQ(nd_ids, ids);
}

TEST_P(ExportApiTest, FromAndToFilterByCreationDay) {
  Client admin = Admin();
  std::vector<std::int64_t> ids;
  for (const char* created : {"2024-01-05T12:00:00Z", "2024-01-10T23:59:59Z",
                              "2024-01-11T00:00:00Z", "2024-01-20T08:00:00Z"}) {
    ids.push_back(CreateTask(admin, "e1", Json{{"title", created}, {"created_at", created}})["id"]);
  }
  auto exported = [&](const std::string& query) {
    HttpResult r = Export("?format=ndjson" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::int64_t> out;
    for (const std::string& line : Lines(r.body)) out.push_back(Json::parse(line)["id"]);
    return out;
  };
  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(exported("&from=2024-01-06&to=2024-01-10"), (Ids{ids[1]}));
  EXPECT_EQ(exported("&from=2024-01-10&to=2024-01-11"), (Ids{ids[1], ids[2]}));
  EXPECT_EQ(exported("&to=2024-01-10"), (Ids{ids[0], ids[1]}));
  EXPECT_EQ(exported("&from=2024-01-11"), (Ids{ids[2], ids[3]}));
  EXPECT_EQ(exported("&from=2024-01-05&to=2024-01-05"), (Ids{ids[0]}));
  EXPECT_EQ(exported("&from=2023-01-01&to=2023-12-31"), Ids{});
  EXPECT_EQ(exported(""), ids);

  EXPECT_TRUE(IsProblem(Export("?from=2024-02-01&to=2024-01-01"), 400, "from"));
  EXPECT_TRUE(IsProblem(Export("?from=2024-02-30"), 400, "from"));
  EXPECT_TRUE(IsProblem(Export("?to=soon"), 400, "to"));
}

TEST_P(ExportApiTest, DailyDataset) {
  HttpResult csv = Export("?dataset=daily&format=csv&from=2024-01-01&to=2024-03-31");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_TRUE(csv.complete);
  auto rows = ParseCsv(csv.body);
  ASSERT_TRUE(rows.has_value()) << csv.body;
  ASSERT_GE(rows->size(), 1u);
  EXPECT_EQ((*rows)[0],
            (std::vector<std::string>{"user_id", "date", "tasks_created", "tasks_completed",
                                      "total_tasks", "completed_tasks", "completion_rate",
                                      "productivity_score", "computed_at"}));
  HttpResult nd = Export("?dataset=daily&format=ndjson");
  ASSERT_EQ(nd.status, 200);
  EXPECT_TRUE(nd.complete);
  for (const std::string& line : Lines(nd.body)) {
    EXPECT_TRUE(Json::parse(line, nullptr, false).is_object()) << line;
  }
  // Several years come in several chunks; still one valid document.
  HttpResult years = Export("?dataset=daily&format=csv&from=2016-01-01&to=2024-12-31");
  ASSERT_EQ(years.status, 200) << years.body;
  EXPECT_TRUE(years.complete);
  EXPECT_TRUE(ParseCsv(years.body).has_value());
  EXPECT_TRUE(IsProblem(Export("?dataset=daily&from=2000-01-01&to=2024-01-01"), 400));
}

TEST_P(ExportApiTest, BadParametersAre400) {
  EXPECT_TRUE(IsProblem(Export("?format=xml"), 400, "format"));
  EXPECT_TRUE(IsProblem(Export("?format="), 400, "format"));
  EXPECT_TRUE(IsProblem(Export("?dataset=users"), 400, "dataset"));
  EXPECT_TRUE(IsProblem(Export("?dataset=tasks%27%3B--"), 400, "dataset"));
  EXPECT_TRUE(IsProblem(Export("?include_deleted=perhaps"), 400, "include_deleted"));
  EXPECT_TRUE(IsProblem(Admin().Get(UserPath("nobody") + "/export"), 404));
  // The default is CSV of tasks.
  HttpResult plain = Export("");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body.rfind("id,user_id,title,", 0), 0u);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(ExportApiTest);

}  // namespace
}  // namespace analytics::apitest
