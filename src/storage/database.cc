// What database.h declares beyond one line: the Dialect and Transaction
// defaults, and CopyRow.
#include "storage/database.h"

#include <charconv>

#include "base/check.h"

namespace analytics::storage {

std::string Dialect::ArrayParam(const std::vector<Value>&) const {
  ANALYTICS_CHECK(false) << name() << " has no array parameters: check SupportsArrayParams()";
  return {};
}

Result<std::int64_t> Transaction::CopyFrom(std::string_view,
                                           const std::function<bool(std::string&)>&) {
  return Internal("this database has no COPY: check Dialect::SupportsCopy()");
}

CopyRow& CopyRow::Raw(std::string_view text) {
  if (!first_) out_ += '\t';
  first_ = false;
  out_ += text;
  return *this;
}

CopyRow& CopyRow::Text(std::string_view text) {
  if (!first_) out_ += '\t';
  first_ = false;
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    char escape = 0;
    switch (text[i]) {
      case '\\':
        escape = '\\';
        break;
      case '\t':
        escape = 't';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      default:
        continue;
    }
    out_.append(text.data() + plain, i - plain);
    out_ += '\\';
    out_ += escape;
    plain = i + 1;
  }
  out_.append(text.data() + plain, text.size() - plain);
  return *this;
}

CopyRow& CopyRow::Int(std::int64_t value) {
  char buf[24];
  return Raw(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, value).ptr - buf));
}

CopyRow& CopyRow::At(Time time) {
  if (!first_) out_ += '\t';
  first_ = false;
  AppendStorageTime(out_, time);  // ISO 8601 with "Z": timestamptz input
  return *this;
}

}  // namespace analytics::storage
