#pragma once
// A value or an error. std::expected only arrives with C++23, and the wasm builds have no
// exceptions, so every fallible operation of the library returns one of these.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace edgepost {

template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<T, E>, "value and error types must differ");

 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Expected(Unexpected<E> failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return *checked_value(); }
  const T& value() const& { return *checked_value(); }
  T&& value() && { return std::move(*checked_value()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return checked_value(); }
  const T* operator->() const { return checked_value(); }

  const E& error() const& {
    const E* failure = std::get_if<1>(&state_);
    assert(failure != nullptr && "error() called on a value");
    return *failure;
  }

 private:
  T* checked_value() {
    T* held = std::get_if<0>(&state_);
    assert(held != nullptr && "value() called on an error");
    return held;
  }
  const T* checked_value() const {
    const T* held = std::get_if<0>(&state_);
    assert(held != nullptr && "value() called on an error");
    return held;
  }

  std::variant<T, E> state_;
};

}  // namespace edgepost
