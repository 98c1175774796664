// Hostile and malformed input over HTTP (SPEC §4): every bad request gets a
// 4xx problem naming the field, the server keeps serving, and stored data is
// unchanged (checked after every test against a snapshot).
#include <tuple>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

// A std::string from a literal that may hold NUL bytes.
template <std::size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

class BadInputApiTest : public ApiTest {
 protected:
  explicit BadInputApiTest(const std::function<void(config::Config&)>& tweak = {})
      : ApiTest(tweak) {
    token_ = app_.CreateUser("b1");
    Client user = As(token_);
    task_id_ = CreateTask(user, "b1", Json{{"title", "keep me"}, {"priority", "high"}})["id"];
    CreateTask(user, "b1", Json{{"title", "done one"}, {"status", "done"}});
    const std::int64_t gone = CreateTask(user, "b1", "deleted one")["id"];
    EXPECT_EQ(user.Delete(TaskPath("b1", gone)).status, 200);
    before_ = Snapshot("b1");
  }

  void TearDown() override {
    EXPECT_TRUE(Healthy());
    EXPECT_EQ(Snapshot("b1"), before_) << "a rejected request changed stored data";
  }

  Client User() { return As(token_); }
  std::string TaskUrl() const { return TaskPath("b1", task_id_); }

  // Sends `body` with `method` to `path` as b1 (or admin) and expects a 400
  // naming `field`.
  ::testing::AssertionResult Rejects(const std::string& method, const std::string& path,
                                     const std::string& body, const std::string& field,
                                     bool admin = false) {
    Client client = admin ? Admin() : User();
    return IsProblem(client.Send(method, path, body, {}), 400, field);
  }

  std::string token_;
  std::int64_t task_id_ = 0;
  Json before_;
};

TEST_P(BadInputApiTest, MalformedJsonIs400NamingBody) {
  const std::vector<std::string> bodies = {"{",
                                           R"({"title":})",
                                           "nope",
                                           R"({"title":"a",})",
                                           "{'title':'a'}",
                                           R"("unterminated)",
                                           R"({"title":"a"}garbage)",
                                           R"({"title":"a"}{})",
                                           R"({"title" "a"})",
                                           "{\"title\":\"a\"\x01}",
                                           "\xEF\xBB\xBF{\"title\":\"a\"}x",
                                           "",
                                           "   ",
                                           R"({"title":"a\q"})",
                                           R"({"title":0x10})",
                                           R"({"title":NaN})"};
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), body, "body"));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), body, "body"));
    EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", body, "body"));
    EXPECT_TRUE(Rejects("POST", kUsers, body, "body", /*admin=*/true));
  }
}

TEST_P(BadInputApiTest, JsonThatIsNotAnObjectIs400) {
  for (const char* body : {"[]", "\"str\"", "5", "null", "true", "[{\"title\":\"a\"}]"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), body, "body"));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), body, "body"));
    EXPECT_TRUE(Rejects("POST", kUsers, body, "body", true));
  }
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", "5", "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", "null", "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", R"({"tasks":5})", "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", R"([5])", "[0]"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", R"([{"title":"a"},null])", "[1]"));
  EXPECT_TRUE(Rejects("POST", "/api/v1/admin/cache/invalidate", "[]", "body", true));
}

TEST_P(BadInputApiTest, WrongTypesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"title":5})", "title"},
      {R"({"title":null})", "title"},
      {R"({"title":["a"]})", "title"},
      {R"({"title":{"a":1}})", "title"},
      {R"({"title":true})", "title"},
      {R"({"title":"a","status":1})", "status"},
      {R"({"title":"a","status":null})", "status"},
      {R"({"title":"a","priority":true})", "priority"},
      {R"({"title":"a","priority":["high"]})", "priority"},
      {R"({"title":"a","due_at":123})", "due_at"},
      {R"({"title":"a","due_at":"tomorrow"})", "due_at"},
      {R"({"title":"a","due_at":"2024-01-15"})", "due_at"},
      {R"({"title":"a","due_at":"2024-01-15T10:00:00"})", "due_at"},
      {R"({"title":"a","due_at":"2024-02-30T10:00:00Z"})", "due_at"},
      {R"({"title":"a","due_at":"2024-01-15T24:00:00Z"})", "due_at"},
      {R"({"title":"a","due_at":{}})", "due_at"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), body, field));
    EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", "[" + body + "]", "[0]." + field));
    if (body.rfind(R"({"title":"a",)", 0) == 0) {
      // The same field alone in a patch.
      std::string patch = "{" + body.substr(std::string(R"({"title":"a",)").size());
      EXPECT_TRUE(Rejects("PATCH", TaskUrl(), patch, field)) << patch;
    } else {
      EXPECT_TRUE(Rejects("PATCH", TaskUrl(), body, field));
    }
  }
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"status":"todo"})", "title"));
  EXPECT_TRUE(Rejects("POST", kUsers, R"({"id":5})", "id", true));
  EXPECT_TRUE(Rejects("POST", kUsers, R"({"id":null})", "id", true));
}

TEST_P(BadInputApiTest, UnknownEnumValues) {
  for (const char* status : {"finished", "TODO", "Done", "", " todo", "in-progress", "null"}) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), Json{{"title", "a"}, {"status", status}}.dump(),
                        "status"));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Json{{"status", status}}.dump(), "status"));
  }
  for (const char* priority : {"critical", "HIGH", "", "1", "medium "}) {
    SCOPED_TRACE(priority);
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"),
                        Json{{"title", "a"}, {"priority", priority}}.dump(), "priority"));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Json{{"priority", priority}}.dump(), "priority"));
  }
}

TEST_P(BadInputApiTest, UnknownFieldsAreNamed) {
  for (const char* field :
       {"owner", "id", "user_id", "deleted", "deleted_at", "updated_at", "Title", "title ", ""}) {
    SCOPED_TRACE(field);
    Json body{{"title", "a"}};
    body[field] = "x";
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), body.dump(), field));
    Json patch{{"title", "a"}};
    patch[field] = "x";
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), patch.dump(), field));
  }
  // A patch may not set the import-only or system fields.
  for (const char* field : {"created_at", "completed_at"}) {
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Json{{field, "2024-01-01T00:00:00Z"}}.dump(), field));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Json{{field, "2024-01-01T00:00:00Z"}}.dump(), field,
                        /*admin=*/true));
  }
  EXPECT_TRUE(Rejects("POST", kUsers, R"({"id":"x","admin":true})", "admin", true));
  EXPECT_TRUE(Rejects("POST", kUsers, R"({"id":"x","token":"mine"})", "token", true));
}

TEST_P(BadInputApiTest, InvalidTaskIdsInPaths) {
  for (const char* id : {"abc", "0", "-1", "99999999999999999999", "9223372036854775808", "1.5",
                         "1e3", "+1", "%201", "1%20", "0x10", "%27%3B--", "1;2"}) {
    const std::string path = TasksPath("b1") + "/" + id;
    SCOPED_TRACE(path);
    Client user = User();
    EXPECT_TRUE(IsProblem(user.Get(path), 400, "id"));
    EXPECT_TRUE(IsProblem(user.Patch(path, Json{{"title", "x"}}), 400, "id"));
    EXPECT_TRUE(IsProblem(user.Delete(path), 400, "id"));
    EXPECT_TRUE(IsProblem(user.Post(path + "/restore", ""), 400, "id"));
  }
  EXPECT_TRUE(IsProblem(User().Get(TasksPath("b1") + "/9223372036854775807"), 404));
  // A NUL in the path is refused before routing.
  const std::string nul = TasksPath("b1") + "/1%00";
  EXPECT_TRUE(IsProblem(User().Get(nul), 400, "path"));
  EXPECT_TRUE(IsProblem(User().Delete(nul), 400, "path"));
}

TEST_P(BadInputApiTest, InvalidUtf8IsRejected) {
  const std::vector<std::string> bad = {
      "\xFF",     "\xC0\xAF", "\xED\xA0\x80",        "\xF4\x90\x80\x80",
      "\xE2\x82", "ok\x80",   "\xF8\x88\x80\x80\x80"};
  for (const std::string& s : bad) {
    SCOPED_TRACE(::testing::PrintToString(s));
    for (const auto& [method, path, admin, body] :
         std::vector<std::tuple<std::string, std::string, bool, std::string>>{
             {"POST", TasksPath("b1"), false, "{\"title\":\"" + s + "\"}"},
             {"PATCH", TaskUrl(), false, "{\"title\":\"" + s + "\"}"},
             {"POST", TasksPath("b1") + ":batch", false, "[{\"title\":\"" + s + "\"}]"},
             {"POST", kUsers, true, "{\"id\":\"" + s + "\"}"},
             {"POST", TasksPath("b1"), false, "{\"title\":\"a\",\"" + s + "\":1}"}}) {
      Client client = admin ? Admin() : User();
      HttpResult r = client.Send(method, path, body, {});
      EXPECT_TRUE(IsProblem(r, 400)) << method << " " << path;
      EXPECT_TRUE(r.body.find('\xFF') == std::string::npos &&
                  r.body.find('\x80') == std::string::npos)
          << "invalid UTF-8 echoed back: " << r.body;
    }
  }
  // A lone surrogate written as an escape.
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"title":"\ud800"})", "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"title":"\udc00x"})", "body"));
}

TEST_P(BadInputApiTest, NulBytes) {
  // Raw NUL inside a JSON string is not JSON.
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), Bytes("{\"title\":\"a\0b\"}"), "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), Bytes("\0{\"title\":\"a\"}"), "body"));
  EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Bytes("{\"title\":\"a\0\"}"), "body"));
  // Escaped, it is a control character in a title or an id.
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"title":"a\u0000b"})", "title"));
  EXPECT_TRUE(Rejects("PATCH", TaskUrl(), R"({"title":"\u0000"})", "title"));
  EXPECT_TRUE(Rejects("POST", kUsers, R"({"id":"x\u0000y"})", "id", true));
  Client user = User();
  // A percent-encoded NUL in the query is refused as bad encoding.
  EXPECT_TRUE(IsProblem(user.Get(TasksPath("b1") + "?status=done%00"), 400, "query"));
  EXPECT_TRUE(IsProblem(user.Get(TasksPath("b1") + "?limit=5%00"), 400, "query"));
  EXPECT_TRUE(
      IsProblem(user.Get(AnalyticsPath("b1", "trends") + "?from=2024-01-01%00"), 400, "query"));
  HttpResult nul_uid = Admin().Get(TasksPath("b1%00"));
  EXPECT_TRUE(nul_uid.status == 400 || nul_uid.status == 404) << nul_uid.status;
}

// JSON text never holds a raw NUL, so a body with one is malformed wherever
// the NUL is; a parser that stops at the NUL would accept `{...}\0<anything>`
// and act on a different document than a proxy or WAF in front of it sees.
TEST_P(BadInputApiTest, BytesAfterANulAreNotIgnored) {
  Client other = As(app_.CreateUser("nul"));
  for (const std::string& body : {Bytes("{\"title\":\"a\"}\0"), Bytes("{\"title\":\"a\"}\0garbage"),
                                  Bytes("{\"title\":\"a\"}\0{\"title\":\"b\",\"owner\":\"x\"}")}) {
    SCOPED_TRACE(::testing::PrintToString(body));
    EXPECT_TRUE(IsProblem(other.Post(TasksPath("nul"), body), 400, "body"));
    EXPECT_TRUE(IsProblem(
        other.Post(TasksPath("nul") + ":batch", "[" + body.substr(0, 13) + "]" + body.substr(13)),
        400, "body"));
  }
  HttpResult list = Admin().Get(TasksPath("nul"));
  EXPECT_EQ(Body(list)["items"].size(), 0u) << list.body;
}

TEST_P(BadInputApiTest, ControlCharactersAndBadTitles) {
  for (const char* title :
       {"", " ", "     ", "line1\nline2", "tab\there", "\r", "bell\x07", "del\x7F"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(title)));
    EXPECT_TRUE(Rejects("POST", TasksPath("b1"), Json{{"title", title}}.dump(), "title"));
    EXPECT_TRUE(Rejects("PATCH", TaskUrl(), Json{{"title", title}}.dump(), "title"));
  }
  EXPECT_TRUE(
      Rejects("POST", TasksPath("b1"), Json{{"title", std::string(501, 'x')}}.dump(), "title"));
  std::string accents;
  for (int i = 0; i < 251; ++i) accents += "\xC3\xA9";  // 502 bytes, 251 characters
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), Json{{"title", accents}}.dump(), "title"));
  EXPECT_TRUE(
      Rejects("PATCH", TaskUrl(), Json{{"title", std::string(100000, 'x')}}.dump(), "title"));
}

TEST_P(BadInputApiTest, InjectionStringsAreDataNotCode) {
  const std::string other = app_.CreateUser("inj");
  Client inj = As(other);
  const std::vector<std::string> titles = {
      "'; DROP TABLE tasks; --",
      "Robert'); DROP TABLE users;--",
      "\" OR 1=1 --",
      "' UNION SELECT token_hash, 1, 1 FROM users --",
      "<script>alert(1)</script>",
      "${jndi:ldap://example.invalid/a}",
      "%s%s%s%n%x",
      "../../../../etc/passwd",
      "$1 $2 \\N \\\\ \\u0000",
      "analytics:overview:b1",
      std::string(499, '\''),
      "\xE2\x80\xAE\xF0\x9F\x92\xA3 \xE4\xB8\xAD\xE6\x96\x87",
  };
  std::vector<std::int64_t> ids;
  for (const std::string& title : titles) {
    SCOPED_TRACE(title);
    HttpResult r = inj.Post(TasksPath("inj"), Json{{"title", title}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(Body(r)["title"], title);
    ids.push_back(Body(r)["id"]);
    HttpResult got = inj.Get(TaskPath("inj", ids.back()));
    EXPECT_EQ(Body(got)["title"], title);
    HttpResult patched = inj.Patch(TaskPath("inj", ids.back()), Json{{"title", title + "!"}});
    EXPECT_EQ(Body(patched)["title"], title + "!");
  }
  HttpResult list = inj.Get(TasksPath("inj"));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(Body(list)["items"].size(), titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    EXPECT_EQ(Body(list)["items"][i]["title"], titles[i] + "!");
  }
  EXPECT_EQ(Body(inj.Get(AnalyticsPath("inj", "overview")))["task_totals"]["total"], titles.size());
  // In query parameters and user ids they are just invalid values.
  EXPECT_TRUE(IsProblem(inj.Get(TasksPath("inj") + "?status=done%27%20OR%20%271%27%3D%271"), 400,
                        "status"));
  EXPECT_TRUE(IsProblem(inj.Get(TasksPath("inj") + "?cursor=t1%27%20OR%201%3D1"), 400, "cursor"));
  Client admin = Admin();
  for (const char* id : {"'; DROP TABLE tasks; --", "admin' --", "b1' OR '1'='1", "*", "%"}) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(IsProblem(admin.Post(kUsers, Json{{"id", id}}), 400, "id"));
  }
  EXPECT_TRUE(IsProblem(admin.Get(TasksPath("b1%27%20OR%20%271%27%3D%271")), 404));
  EXPECT_TRUE(IsProblem(admin.Get(UserPath("%27%3B%20DROP%20TABLE%20tasks%3B%20--")), 404));
  EXPECT_TRUE(IsProblem(admin.Post("/api/v1/admin/cache/invalidate", Json{{"user_id", "*"}}), 400,
                        "user_id"));
  // Both tables are intact.
  EXPECT_EQ(admin.Get(kUsers).status, 200);
  EXPECT_EQ(inj.Post(TasksPath("inj"), Json{{"title", "after"}}).status, 201);
}

TEST_P(BadInputApiTest, WrongContentTypeIs415) {
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/xml", "application/jsonx", "json", "text/json", "application/javascript"}) {
    SCOPED_TRACE(type);
    HeaderList headers = {{"Content-Type", type}};
    Client user = User();
    EXPECT_TRUE(IsProblem(user.Send("POST", TasksPath("b1"), R"({"title":"a"})", headers), 415));
    EXPECT_TRUE(IsProblem(user.Send("PATCH", TaskUrl(), R"({"title":"a"})", headers), 415));
    EXPECT_TRUE(IsProblem(
        user.Send("POST", TasksPath("b1") + ":batch", R"([{"title":"a"}])", headers), 415));
    Client admin = Admin();
    EXPECT_TRUE(IsProblem(admin.Send("POST", kUsers, R"({"id":"ct"})", headers), 415));
    EXPECT_TRUE(IsProblem(
        admin.Send("POST", "/api/v1/admin/cache/invalidate", R"({"user_id":"b1"})", headers), 415));
  }
  // Parameters and case do not matter; +json types are JSON.
  Client inj = As(app_.CreateUser("ct"));
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"}) {
    SCOPED_TRACE(type);
    HttpResult r = inj.Send("POST", TasksPath("ct"), R"({"title":"a"})", {{"Content-Type", type}});
    EXPECT_EQ(r.status, 201) << r.body;
  }
}

TEST_P(BadInputApiTest, AbsurdLimitsAndRanges) {
  Client user = User();
  for (const char* limit :
       {"18446744073709551616", "-0", "1000000", "-9223372036854775808", "%EF%BC%95"}) {
    SCOPED_TRACE(limit);
    EXPECT_TRUE(IsProblem(user.Get(TasksPath("b1") + "?limit=" + limit), 400, "limit"));
  }
  const std::string trends = AnalyticsPath("b1", "trends");
  EXPECT_TRUE(IsProblem(user.Get(trends + "?from=0001-01-01&to=9999-12-31"), 400));
  EXPECT_TRUE(IsProblem(user.Get(trends + "?from=99999-01-01"), 400, "from"));
  EXPECT_TRUE(IsProblem(user.Get(trends + "?to=0000-00-00"), 400, "to"));
  EXPECT_TRUE(IsProblem(user.Get(trends + "?from=-2024-01-01"), 400, "from"));
  EXPECT_TRUE(IsProblem(user.Get(trends + "?granularity=day&from=1970-01-01&to=2100-01-01"), 400));
  EXPECT_TRUE(IsProblem(user.Get(AnalyticsPath("b1", "daily") + "?from=0001-01-01"), 400));
  EXPECT_TRUE(IsProblem(user.Get(UserPath("b1") + "/export?dataset=daily&from=0001-01-01"), 400));
}

TEST_P(BadInputApiTest, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  const std::string open(100000, '[');
  const std::string close(100000, ']');
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 50000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(50000, '}');
    return s;
  }();
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), open, "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), objects, "a"));  // an object with an unknown field
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), objects.substr(0, objects.size() - 1), "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), open + close, "body"));
  EXPECT_TRUE(Rejects("PATCH", TaskUrl(), open + close, "body"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", open + close, "[0]"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", open, "body"));
  EXPECT_TRUE(Rejects("POST", kUsers, open + close, "body", true));
  // Deep nesting inside a field's value.
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"title":)" + open + close + "}", "title"));
  EXPECT_TRUE(Rejects("POST", TasksPath("b1"), R"({"title":"a","x":)" + objects + "}", "x"));
}

TEST_P(BadInputApiTest, HugeNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"title":"a","priority":1e400})", "priority"},
      {R"({"title":"a","priority":99999999999999999999999999999})", "priority"},
      {R"({"title":1e400})", "title"},
      {R"({"title":-99999999999999999999})", "title"},
      {R"({"title":"a","due_at":1e999999})", "due_at"},
      {R"({"title":"a","status":-0})", "status"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    HttpResult r = User().Post(TasksPath("b1"), body);
    EXPECT_TRUE(IsProblem(r, 400));
    const std::string named = Body(r).value("field", "");
    EXPECT_TRUE(named == field || named == "body") << r.body;
  }
  std::string many = "[";
  for (int i = 0; i < 5000; ++i) many += (i ? ",1e308" : "1e308");
  many += "]";
  EXPECT_TRUE(Rejects("POST", TasksPath("b1") + ":batch", many, "[0]"));
}

class BodyLimitApiTest : public BadInputApiTest {
 protected:
  BodyLimitApiTest()
      : BadInputApiTest([](config::Config& c) {
          c.limits.max_body_bytes = 2048;
          c.limits.max_batch_body_bytes = 8192;
          c.limits.max_header_bytes = 4096;
        }) {}
};

TEST_P(BodyLimitApiTest, OversizedBodiesAre413) {
  const std::string big = "{\"title\":\"x\"" + std::string(3000, ' ') + "}";
  HttpResult r = User().Post(TasksPath("b1"), big);
  EXPECT_TRUE(IsProblem(r, 413));
  EXPECT_FALSE(r.Header("x-request-id").empty());
  EXPECT_TRUE(IsProblem(User().Send("PATCH", TaskUrl(), big, {}), 413));
  EXPECT_TRUE(IsProblem(Admin().Post(kUsers, big), 413));

  std::string batch = "[";
  for (int i = 0; i < 700; ++i) batch += (i ? ",{\"title\":\"t\"}" : "{\"title\":\"t\"}");
  batch += "]";
  ASSERT_GT(batch.size(), 8192u);
  EXPECT_TRUE(IsProblem(User().Post(TasksPath("b1") + ":batch", batch), 413));

  // A declared length over the limit is refused before any body is sent.
  analytics::testing::Connection conn(port());
  ASSERT_TRUE(conn.SendRaw(
      "POST " + TasksPath("b1") + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
      "\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"));
  HttpResult declared = conn.ReadResponse();
  EXPECT_TRUE(IsProblem(declared, 413));

  // A chunked body is held to the same limit as a declared one.
  analytics::testing::Connection chunked(port());
  std::string request = "POST " + TasksPath("b1") +
                        " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
                        "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  request += "c\r\n{\"title\":\"x\"\r\n";
  for (int i = 0; i < 3; ++i) request += "3e8\r\n" + std::string(1000, ' ') + "\r\n";
  request += "1\r\n}\r\n0\r\n\r\n";
  ASSERT_TRUE(chunked.SendRaw(request));
  EXPECT_TRUE(IsProblem(chunked.ReadResponse(), 413));

  // Headers over the limit.
  HttpResult headers = User().Get(TasksPath("b1"), {{"X-Filler", std::string(8000, 'h')}});
  EXPECT_TRUE(headers.status == 431 || headers.status == 400) << headers.status;

  // Just under the limits still works (for another user, so b1 is unchanged).
  Client small = As(app_.CreateUser("small"));
  const std::string fits = "{\"title\":\"x\"" + std::string(1900, ' ') + "}";
  EXPECT_EQ(small.Post(TasksPath("small"), fits).status, 201);
  std::string ok_batch = "[";
  for (int i = 0; i < 400; ++i) ok_batch += (i ? ",{\"title\":\"t\"}" : "{\"title\":\"t\"}");
  ok_batch += "]";
  ASSERT_GT(ok_batch.size(), 2048u);
  ASSERT_LT(ok_batch.size(), 8192u);
  HttpResult batch_ok = small.Post(TasksPath("small") + ":batch", ok_batch);
  EXPECT_EQ(batch_ok.status, 201) << batch_ok.body.substr(0, 200);
  // A small chunked body is fine.
  analytics::testing::Connection small_conn(port());
  ASSERT_TRUE(small_conn.SendRaw("POST " + TasksPath("small") +
                                 " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + small.token() +
                                 "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                                 "\r\n\r\n5\r\n{\"tit\r\n9\r\nle\":\"ch\"}\r\n0\r\n\r\n"));
  HttpResult chunked_ok = small_conn.ReadResponse();
  EXPECT_EQ(chunked_ok.status, 201) << chunked_ok.body;
  EXPECT_EQ(Body(chunked_ok)["title"], "ch");
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(BadInputApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(BodyLimitApiTest);

}  // namespace
}  // namespace analytics::apitest
