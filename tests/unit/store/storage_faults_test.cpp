// The real SQLite store on a disk that fails (support/faulty_disk.h): a
// commit that cannot be made durable is an error to its writer
// (ServerException, HTTP 500) and changes nothing, in memory or on disk; the
// state goes on from what was committed once the disk is back; and a slow
// disk holds up only the writes, never the reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "ecsd/errors.h"
#include "ecsd/state/state.h"
#include "ecsd/store/sqlite_store.h"
#include "support/faulty_disk.h"
#include "support/store_samples.h"
#include "support/test_files.h"

namespace ecsd {
namespace {

using namespace std::chrono_literals;
using namespace test_support;

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { disk.heal(); }
  void TearDown() override { disk.heal(); }

  std::unique_ptr<Store> openStore() {
    return opened(openSqliteStore((dir.path / "ecsd.db").string(), Durability::Full));
  }
  static Result<int> writeCluster(State& into, const std::string& name) {
    return into.write([&](Draft& draft) -> Result<int> {
      draft.put(sampleCluster(name));
      return 1;
    });
  }

  // A state over the real store, with one cluster, "before", committed.
  void start() {
    store = openStore();
    if (store) state = loadState(*store);
    if (state) {
      ASSERT_TRUE(writeCluster(*state, "before").ok());
    }
  }

  FaultyDisk& disk = FaultyDisk::install();
  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<State> state;
};

// Each kind of failure, one after another on the same state: the failed write
// is an error and invisible; the next write after the disk heals commits.
TEST_F(StorageFaultsTest, AFailedCommitIsAServerErrorAndNothingOfItIsKept) {
  start();
  ASSERT_TRUE(state);

  const std::pair<const char*, std::function<void()>> faults[] = {
      {"disk full", [&] { disk.failWrites = SQLITE_FULL; }},
      {"write I/O error", [&] { disk.failWrites = SQLITE_IOERR_WRITE; }},
      {"fsync I/O error", [&] { disk.failSyncs = SQLITE_IOERR_FSYNC; }},
  };
  int healed = 0;
  for (const auto& [name, fail] : faults) {
    fail();
    auto failed = writeCluster(*state, std::string("lost-") + std::to_string(healed));
    ASSERT_FALSE(failed.ok()) << name;
    EXPECT_EQ(failed.error().type, "ServerException") << name;
    EXPECT_EQ(failed.error().httpStatus, 500) << name;
    EXPECT_FALSE(hasCluster(*state, "lost-" + std::to_string(healed))) << name;
    disk.heal();
    ASSERT_TRUE(writeCluster(*state, "healed-" + std::to_string(healed)).ok()) << name;
    ++healed;
  }

  // What loads back is exactly what was acknowledged.
  state.reset();
  store.reset();
  auto reopened = openStore();
  ASSERT_TRUE(reopened);
  std::vector<std::string> names;
  const StoredState stored = loaded(*reopened);
  for (const auto& cluster : stored.of<Cluster>()) names.push_back(cluster.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"before", "healed-0", "healed-1", "healed-2"}));
}

TEST_F(StorageFaultsTest, ASlowDiskHoldsUpTheWriteButNoRead) {
  start();
  ASSERT_TRUE(state);

  disk.syncDelayMs = 400;
  const auto started = std::chrono::steady_clock::now();
  auto write = std::async(std::launch::async, [&] { return writeCluster(*state, "slow"); });
  while (disk.syncsUnderWay == 0) std::this_thread::sleep_for(1ms);
  // The write is in its fsync: a read answers at once, from committed state.
  const auto readStarted = std::chrono::steady_clock::now();
  EXPECT_TRUE(hasCluster(*state, "before"));
  EXPECT_FALSE(hasCluster(*state, "slow"));
  EXPECT_LT(std::chrono::steady_clock::now() - readStarted, 100ms);
  EXPECT_EQ(write.wait_for(0ms), std::future_status::timeout) << "answered before its fsync";
  ASSERT_TRUE(write.get().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
  EXPECT_TRUE(hasCluster(*state, "slow"));
}

}  // namespace
}  // namespace ecsd
