// Tasks and patches from request bodies. A create or an update parses its
// small body whole; a tasks:batch body (up to 16 MB, 10,000 tasks) is read as
// it streams through nlohmann's SAX interface, straight into NewTask values,
// with no JSON tree of the whole body: for 10,000 tasks, building and
// freeing that tree took 25-28 ms, reading the stream takes about 10.
// Every task object is first read into TaskFields, then checked
// by one function, so that each way in names the same field for the same
// mistake.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "api/json_input.h"
#include "model/task.h"

namespace analytics::api {
namespace {

using nlohmann::json;

// One task object's members as read, before validation.
struct TaskFields {
  enum class Kind { kAbsent, kNull, kString, kOther };
  struct Field {
    Kind kind = Kind::kAbsent;
    std::string text;  // when kString
  };
  // A patch knows fewer members: created_at and completed_at are unknown.
  explicit TaskFields(bool patch) : patch(patch) {}

  bool patch;
  Field title, status, priority, due_at, created_at, completed_at;
  // The first unknown member in key order: a tree (std::map) reports that one.
  std::optional<std::string> unknown;

  Field* Find(std::string_view key) {
    if (key == "title") return &title;
    if (key == "status") return &status;
    if (key == "priority") return &priority;
    if (key == "due_at") return &due_at;
    if (patch) return nullptr;
    if (key == "created_at") return &created_at;
    if (key == "completed_at") return &completed_at;
    return nullptr;
  }
  void NoteUnknown(const std::string& key) {
    if (!unknown || key < *unknown) unknown = key;
  }
  void Clear() {
    for (Field* f : {&title, &status, &priority, &due_at, &created_at, &completed_at}) {
      f->kind = Kind::kAbsent;
    }
    unknown.reset();
  }
  // From a parsed object's members.
  void Read(const json& object) {
    for (const auto& [key, value] : object.items()) {
      Field* f = Find(key);
      if (f == nullptr) {
        NoteUnknown(key);
      } else if (value.is_string()) {
        f->kind = Kind::kString;
        f->text = value.get_ref<const std::string&>();
      } else {
        f->kind = value.is_null() ? Kind::kNull : Kind::kOther;
      }
    }
  }
};

using Kind = TaskFields::Kind;

Result<std::string> Text(TaskFields::Field& f, const std::string& field) {
  if (f.kind != Kind::kString) return InvalidArgument(field, field + " must be a string");
  return std::move(f.text);
}

Result<std::optional<Time>> OptionalTime(const TaskFields::Field& f, const std::string& field) {
  if (f.kind == Kind::kAbsent || f.kind == Kind::kNull) return std::optional<Time>{};
  if (f.kind != Kind::kString) {
    return InvalidArgument(field, field + " must be an ISO 8601 time string or null");
  }
  auto t = ParseTime(f.text);
  if (!t) {
    return InvalidArgument(field, field +
                                      " must be an ISO 8601 time with a zone, e.g. "
                                      "2024-01-15T10:00:00Z, between 0001-01-01T00:00:00Z and "
                                      "9999-12-31T23:59:59Z");
  }
  return std::optional<Time>{*t};
}

Result<model::TaskStatus> StatusOf(TaskFields::Field& f, const std::string& field) {
  auto text = Text(f, field);
  if (!text.ok()) return text.error();
  auto status = model::ParseStatus(*text);
  if (!status) {
    return InvalidArgument(field, field + " must be one of todo, in_progress, done, cancelled");
  }
  return *status;
}

Result<model::Priority> PriorityOf(TaskFields::Field& f, const std::string& field) {
  auto text = Text(f, field);
  if (!text.ok()) return text.error();
  auto priority = model::ParsePriority(*text);
  if (!priority) return InvalidArgument(field, field + " must be one of low, medium, high, urgent");
  return *priority;
}

Result<void> RejectUnknown(const TaskFields& in, const std::string& prefix) {
  if (!in.unknown) return Ok();
  return InvalidArgument(prefix + *in.unknown, "unknown field '" + prefix + *in.unknown + "'");
}

// The checks, in the order a client's mistakes are reported: unknown member,
// title, status, priority, due_at, created_at, completed_at.
Result<tasks::NewTask> ToNewTask(TaskFields& in, const std::string& prefix) {
  ANALYTICS_RETURN_IF_ERROR(RejectUnknown(in, prefix));
  if (in.title.kind == Kind::kAbsent) {
    return InvalidArgument(prefix + "title", prefix + "title is required");
  }
  tasks::NewTask task;
  auto title = Text(in.title, prefix + "title");
  if (!title.ok()) return title.error();
  task.title = std::move(*title);
  if (in.status.kind != Kind::kAbsent) {
    auto status = StatusOf(in.status, prefix + "status");
    if (!status.ok()) return status.error();
    task.status = *status;
  }
  if (in.priority.kind != Kind::kAbsent) {
    auto priority = PriorityOf(in.priority, prefix + "priority");
    if (!priority.ok()) return priority.error();
    task.priority = *priority;
  }
  for (auto [key, source, target] :
       {std::tuple{"due_at", &in.due_at, &task.due_at},
        std::tuple{"created_at", &in.created_at, &task.created_at},
        std::tuple{"completed_at", &in.completed_at, &task.completed_at}}) {
    auto t = OptionalTime(*source, prefix + key);
    if (!t.ok()) return t.error();
    *target = *t;
  }
  return task;
}

std::string ItemPrefix(std::size_t index) { return "[" + std::to_string(index) + "]."; }

// SAX events of a batch body, in one pass: the body is an array of task
// objects, or an object whose "tasks" member is one (the last such member,
// as with a tree; other members are ignored). It keeps the first invalid
// task's error and goes on counting, so that the errors keep the order a
// whole-body parse gives them: malformed JSON, then not an array, then too
// many tasks, then the first invalid task.
class BatchReader {
 public:
  // `body_bytes` bounds how many tasks the body can hold, for one allocation.
  explicit BatchReader(std::size_t body_bytes)
      : capacity_(std::min(tasks::kMaxBatchSize, body_bytes / kMinTaskBytes)) {}

  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bool null() { return Scalar(Kind::kNull, nullptr); }
  bool boolean(bool) { return Scalar(Kind::kOther, nullptr); }
  bool number_integer(number_integer_t) { return Scalar(Kind::kOther, nullptr); }
  bool number_unsigned(number_unsigned_t) { return Scalar(Kind::kOther, nullptr); }
  bool number_float(number_float_t, const string_t&) { return Scalar(Kind::kOther, nullptr); }
  bool string(string_t& value) { return Scalar(Kind::kString, &value); }
  bool binary(binary_t&) { return Scalar(Kind::kOther, nullptr); }
  bool start_object(std::size_t) { return Open(/*object=*/true); }
  bool start_array(std::size_t) { return Open(/*object=*/false); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(string_t& key) {
    if (wrapper_ && depth_ == 1) {
      tasks_key_ = key == "tasks";
    } else if (in_task_ && depth_ == items_depth_ + 1) {
      field_ = fields_.Find(key);
      if (field_ == nullptr) fields_.NoteUnknown(key);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  Result<std::vector<tasks::NewTask>> Finish() && {
    if (!found_array_) return InvalidArgument("body", "body must be a JSON array of tasks");
    if (count_ > tasks::kMaxBatchSize) {
      return InvalidArgument("body", "at most 10000 tasks per batch");
    }
    if (error_) return *error_;
    return std::move(tasks_);
  }

 private:
  // A value that is not a container, at the current depth.
  bool Scalar(Kind kind, string_t* text) {
    if (depth_ == 0) return true;  // a bare scalar body: found_array_ stays false
    if (wrapper_ && depth_ == 1) {
      if (tasks_key_) StartItems(/*array=*/false);
    } else if (items_depth_ != 0 && depth_ == items_depth_) {
      NotAnObject();
    } else if (in_task_ && depth_ == items_depth_ + 1 && field_ != nullptr) {
      field_->kind = kind;
      if (text != nullptr) field_->text.assign(*text);
    }
    return true;
  }

  bool Open(bool object) {
    if (depth_ == 0) {
      if (object) {
        wrapper_ = true;
      } else {
        StartItems(/*array=*/true);
        items_depth_ = 1;
      }
    } else if (wrapper_ && depth_ == 1) {
      if (tasks_key_) {
        StartItems(/*array=*/!object);
        if (!object) items_depth_ = 2;
      }
    } else if (items_depth_ != 0 && depth_ == items_depth_) {
      if (object) {
        fields_.Clear();
        field_ = nullptr;
        in_task_ = true;
      } else {
        NotAnObject();
      }
    } else if (in_task_ && depth_ == items_depth_ + 1 && field_ != nullptr) {
      field_->kind = Kind::kOther;
    }
    ++depth_;
    return true;
  }

  bool Close() {
    --depth_;
    if (in_task_ && depth_ == items_depth_) {
      in_task_ = false;
      EndTask();
    } else if (items_depth_ != 0 && depth_ == items_depth_ - 1) {
      items_depth_ = 0;  // the array of tasks ended; what follows is not a task
    }
    return true;
  }

  // A (new) array of tasks, or a "tasks" member that is not one.
  void StartItems(bool array) {
    found_array_ = array;
    items_depth_ = 0;
    count_ = 0;
    tasks_.clear();
    if (array) tasks_.reserve(capacity_);
    error_.reset();
  }

  void NotAnObject() {
    if (count_ < tasks::kMaxBatchSize && !error_) {
      std::string field = "[" + std::to_string(count_) + "]";
      error_ = InvalidArgument(field, field + " must be a JSON object");
    }
    ++count_;
  }

  void EndTask() {
    // Past the limit, or past an invalid task, the rest is only counted.
    if (count_ < tasks::kMaxBatchSize && !error_) {
      auto task = ToNewTask(fields_, ItemPrefix(count_));
      if (task.ok()) {
        tasks_.push_back(std::move(*task));
      } else {
        error_ = task.error();
      }
    }
    ++count_;
  }

  // The shortest task, {"title":"x"}, and a comma.
  static constexpr std::size_t kMinTaskBytes = 14;

  std::size_t capacity_;
  int depth_ = 0;
  bool wrapper_ = false;    // the body is an object
  bool tasks_key_ = false;  // the wrapper's current member is "tasks"
  bool found_array_ = false;
  int items_depth_ = 0;  // depth inside the array of tasks; 0 when not inside it
  bool in_task_ = false;
  TaskFields fields_{/*patch=*/false};
  TaskFields::Field* field_ = nullptr;  // the member being read, if known
  std::size_t count_ = 0;
  std::vector<tasks::NewTask> tasks_;
  std::optional<Error> error_;
};

}  // namespace

Result<tasks::NewTask> ParseNewTask(const json& object, const std::string& prefix) {
  if (!object.is_object()) {
    std::string field = prefix.empty() ? "body" : prefix.substr(0, prefix.size() - 1);
    return InvalidArgument(field, field + " must be a JSON object");
  }
  TaskFields fields(/*patch=*/false);
  fields.Read(object);
  return ToNewTask(fields, prefix);
}

Result<tasks::TaskPatch> ParseTaskPatch(const json& object) {
  if (!object.is_object()) return InvalidArgument("body", "body must be a JSON object");
  TaskFields in(/*patch=*/true);
  in.Read(object);
  ANALYTICS_RETURN_IF_ERROR(RejectUnknown(in, ""));
  if (object.empty()) {
    return InvalidArgument("body", "nothing to change: give title, status, priority or due_at");
  }
  tasks::TaskPatch patch;
  if (in.title.kind != Kind::kAbsent) {
    auto title = Text(in.title, "title");
    if (!title.ok()) return title.error();
    patch.title = std::move(*title);
  }
  if (in.status.kind != Kind::kAbsent) {
    auto status = StatusOf(in.status, "status");
    if (!status.ok()) return status.error();
    patch.status = *status;
  }
  if (in.priority.kind != Kind::kAbsent) {
    auto priority = PriorityOf(in.priority, "priority");
    if (!priority.ok()) return priority.error();
    patch.priority = *priority;
  }
  if (in.due_at.kind != Kind::kAbsent) {
    auto due = OptionalTime(in.due_at, "due_at");
    if (!due.ok()) return due.error();
    patch.due_at = *due;
  }
  return patch;
}

Result<std::vector<tasks::NewTask>> ParseNewTaskBatch(const http::Request& request) {
  ANALYTICS_RETURN_IF_ERROR(CheckBodyBytes(request));
  BatchReader reader(request.body.size());
  const char* begin = request.body.data();
  if (!json::sax_parse(begin, begin + request.body.size(), &reader)) {
    return InvalidArgument("body", "request body is not valid JSON (UTF-8)");
  }
  return std::move(reader).Finish();
}

}  // namespace analytics::api
