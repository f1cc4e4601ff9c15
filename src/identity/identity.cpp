#include "identity/identity.h"

#include <chrono>
#include <cstdio>

#include "ecsd/errors.h"

namespace ecsd::identity {

double Identity::now() const {
  return std::chrono::duration<double>(clock.now().time_since_epoch()).count();
}

std::string Identity::arn(std::string_view kind, std::string_view path,
                          std::string_view name) const {
  std::string out = "arn:aws:iam::" + accountId + ":" + std::string(kind);
  out += path.empty() ? std::string_view("/") : path;
  out += name;
  return out;
}

namespace iam_errors {
Error noSuchEntity(std::string m) { return errors::make("NoSuchEntity", std::move(m), 404); }
Error entityAlreadyExists(std::string m) {
  return errors::make("EntityAlreadyExists", std::move(m), 409);
}
Error limitExceeded(std::string m) { return errors::make("LimitExceeded", std::move(m), 409); }
Error deleteConflict(std::string m) { return errors::make("DeleteConflict", std::move(m), 409); }
Error validation(std::string m) { return errors::make("ValidationError", std::move(m), 400); }
Error invalidInput(std::string m) { return errors::make("InvalidInput", std::move(m), 400); }
Error noSuchUser(std::string_view name) {
  return noSuchEntity("The user with name " + std::string(name) + " cannot be found.");
}
Error noSuchGroup(std::string_view name) {
  return noSuchEntity("The group with name " + std::string(name) + " cannot be found.");
}
}  // namespace iam_errors

std::string iso8601(double secondsSinceEpoch) {
  using namespace std::chrono;
  const sys_seconds time{seconds{static_cast<long long>(secondsSinceEpoch)}};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

}  // namespace ecsd::identity
