// An in-memory ContainerRuntime: containers that run until a test makes them
// exit, images that exist unless named "missing...", and a switch that makes
// the whole engine unreachable.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/runtime/container_runtime.h"

namespace ecsd::agent::test_support {

class FakeRuntime final : public ContainerRuntime {
 public:
  struct Container {
    ContainerConfig config;
    ContainerState state;
    bool started = false;
    bool removed = false;
  };

  Result<std::string> version() override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    return std::string("20.10.24");
  }

  Status pullImage(const std::string& image) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    pulls_.push_back(image);
    if (image.starts_with("missing")) {
      return Error{runtime_errors::kCannotPull, "pull access denied for " + image, 0};
    }
    return {};
  }

  Result<std::string> createContainer(const ContainerConfig& config) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    for (const auto& [id, c] : containers_) {
      if (!c.removed && c.state.name == config.name) {
        return Error{runtime_errors::kCannotCreate, "name " + config.name + " is taken", 0};
      }
    }
    std::string id = "c";
    id.append(std::to_string(++nextId_)).append(60, '0');
    Container& c = containers_[id];
    c.config = config;
    c.state.id = id;
    c.state.name = config.name;
    c.state.labels = config.labels;
    return id;
  }

  Status startContainer(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    Container* c = find(id);
    if (c == nullptr) return noSuch(id);
    if (failStart_.count(c->config.image)) {
      return Error{runtime_errors::kCannotStart, "port is already allocated", 0};
    }
    c->started = true;
    c->state.running = true;
    c->state.exited = false;
    c->state.portBindings.clear();
    for (auto binding : c->config.portBindings) {
      if (binding.hostPort == 0) binding.hostPort = static_cast<std::uint16_t>(32768 + nextPort_++);
      c->state.portBindings.push_back(binding);
    }
    ++starts_;
    changed_.notify_all();
    return {};
  }

  Result<ContainerState> inspectContainer(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    Container* c = find(id);
    if (c == nullptr) return noSuch(id);
    return c->state;
  }

  Result<std::optional<int>> waitContainer(const std::string& id,
                                           std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    if (down_) return unavailable();
    const bool done = changed_.wait_for(lock, timeout, [&] {
      Container* c = find(id);
      return down_ || c == nullptr || !c->state.running;
    });
    if (down_) return unavailable();
    Container* c = find(id);
    if (c == nullptr) return noSuch(id);
    if (!done) return std::optional<int>();
    return std::optional<int>(c->state.exitCode.value_or(0));
  }

  Status stopContainer(const std::string& id, std::chrono::seconds timeout) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    Container* c = find(id);
    if (c == nullptr) return noSuch(id);
    stopTimeouts_.push_back(timeout);
    if (c->state.running) finish(*c, 143);
    return {};
  }

  Status removeContainer(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    Container* c = find(id);
    if (c == nullptr) return noSuch(id);
    if (c->state.running) finish(*c, 137);
    c->removed = true;
    return {};
  }

  Result<std::vector<ContainerState>> listContainers(const std::string& label) override {
    std::lock_guard lock(mutex_);
    if (down_) return unavailable();
    const auto equals = label.find('=');
    const std::string key = label.substr(0, equals), value = label.substr(equals + 1);
    std::vector<ContainerState> out;
    for (const auto& [id, c] : containers_) {
      const auto it = c.state.labels.find(key);
      if (!c.removed && it != c.state.labels.end() && it->second == value) out.push_back(c.state);
    }
    return out;
  }

  // --- test controls ---------------------------------------------------
  // The running container whose engine name contains `part` exits.
  void exit(const std::string& part, int code, bool oom = false) {
    std::lock_guard lock(mutex_);
    for (auto& [id, c] : containers_) {
      if (!c.removed && c.state.running && c.state.name.find(part) != std::string::npos) {
        c.state.oomKilled = oom;
        finish(c, code);
      }
    }
  }
  void setDown(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
    changed_.notify_all();
  }
  void failStartOf(const std::string& image) {
    std::lock_guard lock(mutex_);
    failStart_.insert(image);
  }
  // Adds a container as if created by an earlier run of the agent.
  std::string plant(ContainerConfig config, bool running, std::optional<int> exitCode = {}) {
    auto id = createContainer(config);
    std::lock_guard lock(mutex_);
    Container& c = containers_[*id];
    c.state.running = running;
    c.state.exited = !running && exitCode.has_value();
    c.state.exitCode = exitCode;
    return *id;
  }
  std::vector<Container> containers() const {
    std::lock_guard lock(mutex_);
    std::vector<Container> out;
    for (const auto& [id, c] : containers_) out.push_back(c);
    return out;
  }
  std::vector<Container> live() const {
    std::vector<Container> out;
    for (auto& c : containers()) {
      if (!c.removed) out.push_back(c);
    }
    return out;
  }
  int starts() const {
    std::lock_guard lock(mutex_);
    return starts_;
  }
  std::vector<std::chrono::seconds> stopTimeouts() const {
    std::lock_guard lock(mutex_);
    return stopTimeouts_;
  }

 private:
  static Error unavailable() {
    return Error{runtime_errors::kUnavailable, "Cannot connect to the Docker daemon", 0};
  }
  static Error noSuch(const std::string& id) {
    return Error{runtime_errors::kNoSuchContainer, "No such container: " + id, 0};
  }
  Container* find(const std::string& id) {
    auto it = containers_.find(id);
    return it == containers_.end() || it->second.removed ? nullptr : &it->second;
  }
  void finish(Container& c, int code) {
    c.state.running = false;
    c.state.exited = true;
    c.state.exitCode = code;
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Container> containers_;
  std::vector<std::string> pulls_;
  std::set<std::string> failStart_;
  std::vector<std::chrono::seconds> stopTimeouts_;
  bool down_ = false;
  int nextId_ = 0;
  int nextPort_ = 0;
  int starts_ = 0;
};

}  // namespace ecsd::agent::test_support
