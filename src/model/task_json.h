// The wire (and audit) JSON form of a task: one serializer for both.
#pragma once

#include <string>

#include "model/task.h"

namespace analytics::model {

// {"id":1,"user_id":"u","title":"…","status":"todo","priority":"medium",
//  "due_at":null|"…Z","created_at":"…Z","updated_at":"…Z","completed_at":null|"…Z",
//  "deleted":false,"deleted_at":null|"…Z"}
std::string ToJson(const Task& task);
// ToJson appended to `out`.
void AppendJson(std::string& out, const Task& task);

}  // namespace analytics::model
