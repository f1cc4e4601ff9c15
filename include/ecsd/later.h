// Later<T>: a coroutine whose value comes when something it waits for does
// (a write's commit), without a thread blocked meanwhile. It starts only when
// asked: start(done) runs it until it first waits and calls done with its
// outcome once it finishes, on whichever thread resumed it last. Inside
// another Later, `co_await later` waits for it the same way.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

namespace ecsd {

// What a Later came to: its value, or what it threw.
template <class T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr exception = nullptr;
  // The value, or rethrows what was thrown.
  T get() && {
    if (exception) std::rethrow_exception(exception);
    return std::move(*value);
  }
};

template <class T>
class [[nodiscard]] Later {
 public:
  using Done = std::function<void(Outcome<T>)>;

  struct promise_type {
    Outcome<T> outcome;
    Done done;

    Later get_return_object() {
      return Later(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    // The frame goes first, then done hears the outcome: done may start
    // whatever it likes, this coroutine is over.
    auto final_suspend() noexcept {
      struct Finish {
        bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> handle) noexcept {
          Done done = std::move(handle.promise().done);
          Outcome<T> outcome = std::move(handle.promise().outcome);
          handle.destroy();
          if (done) done(std::move(outcome));
        }
        void await_resume() noexcept {}
      };
      return Finish{};
    }
    void return_value(T value) { outcome.value.emplace(std::move(value)); }
    void unhandled_exception() { outcome.exception = std::current_exception(); }
  };

  Later(Later&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Later& operator=(Later&&) = delete;
  ~Later() {
    if (handle_) handle_.destroy();  // never started
  }

  // Runs the coroutine; done(outcome) once it has finished.
  void start(Done done) && {
    auto handle = std::exchange(handle_, {});
    handle.promise().done = std::move(done);
    handle.resume();
  }

  // co_await inside another coroutine: resumes it with the value (or throws).
  auto operator co_await() && {
    struct Awaiter {
      Later later;
      Outcome<T> outcome = {};
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<> waiting) {
        std::move(later).start([this, waiting](Outcome<T> finished) {
          outcome = std::move(finished);
          waiting.resume();
        });
      }
      T await_resume() { return std::move(outcome).get(); }
    };
    return Awaiter{std::move(*this)};
  }

 private:
  explicit Later(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

}  // namespace ecsd
