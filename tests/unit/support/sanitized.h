// How much slower this build runs than a Release one: time bounds in tests
// scale by it, so that a bound meant for the real thing still means
// something under the sanitizers' unoptimized builds.
#pragma once

namespace ecsd::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr double kSlowdown = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr double kSlowdown = 10;
#else
inline constexpr double kSlowdown = 1;
#endif
#else
inline constexpr double kSlowdown = 1;
#endif

}  // namespace ecsd::test
