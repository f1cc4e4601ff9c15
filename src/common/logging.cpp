#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ecsd::logging {
namespace {

// lvl= in the ECS agent's words (warn, crit), not spdlog's (warning, critical).
class LevelName final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn",
                                                  "error", "crit",  "off"};
    const auto name = kNames[static_cast<int>(message.level)];
    out.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelName>();
  }
};

}  // namespace

bool configure(std::string_view level, Console console, const std::string& file) {
  std::shared_ptr<spdlog::logger> logger;
  if (!file.empty()) {
    logger = spdlog::basic_logger_mt("ecsd", file);
  } else if (console == Console::Stdout) {
    logger = spdlog::stdout_logger_mt("ecsd");
  } else {
    logger = spdlog::stderr_logger_mt("ecsd");
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelName>('L').set_pattern("t=%Y-%m-%dT%H:%M:%S.%e%z lvl=%L %v");
  logger->set_formatter(std::move(formatter));
  spdlog::set_default_logger(logger);
  if (level == "crit") level = "critical";  // the ECS agent's spelling
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything it does not know.
  const bool known = parsed != spdlog::level::off || level == "off";
  spdlog::set_level(known ? parsed : spdlog::level::info);
  spdlog::flush_on(spdlog::level::warn);
  return known;
}

std::string quote(std::string_view value) {
  bool bare = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      bare = false;
      break;
    }
  }
  if (bare) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      // Control characters would let a value forge lines or fields.
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[(c >> 4) & 0xf]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace ecsd::logging
