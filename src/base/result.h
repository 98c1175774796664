// Result<T>: a T or an Error. Errors are values at every module boundary
// (see STYLE.md); std::expected is C++23 only, so this is ours.
#pragma once

#include <utility>
#include <variant>

#include "base/check.h"
#include "base/error.h"

namespace analytics {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    ANALYTICS_CHECK(ok()) << "value() on an error: " << std::get<1>(state_).message;
    return std::get<0>(state_);
  }
  const T& value() const& {
    ANALYTICS_CHECK(ok()) << "value() on an error: " << std::get<1>(state_).message;
    return std::get<0>(state_);
  }
  T&& value() && {
    ANALYTICS_CHECK(ok()) << "value() on an error: " << std::get<1>(state_).message;
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    ANALYTICS_CHECK(!ok()) << "error() on a value";
    return std::get<1>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    ANALYTICS_CHECK(!ok_) << "error() on success";
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace analytics

#define ANALYTICS_RETURN_IF_ERROR(expr)                \
  do {                                                 \
    if (auto _r = (expr); !_r.ok()) return _r.error(); \
  } while (false)
