// Test support: a disk that fails on demand. FaultyDisk installs itself as
// SQLite's default VFS, passing everything to the real one, except that
// writes and syncs fail with the error it is told (a full disk, an I/O
// error) or syncs take as long as it is told (a slow disk). Install it once
// per process, before the store under test opens its database.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ecsd::test_support {

class FaultyDisk {
 public:
  std::atomic<int> failWrites{SQLITE_OK};  // e.g. SQLITE_FULL, SQLITE_IOERR_WRITE
  std::atomic<int> failSyncs{SQLITE_OK};   // e.g. SQLITE_IOERR_FSYNC
  std::atomic<int> syncDelayMs{0};
  std::atomic<int> syncsUnderWay{0};

  static FaultyDisk& install() {
    static FaultyDisk disk;
    return disk;
  }

  void heal() {
    failWrites = SQLITE_OK;
    failSyncs = SQLITE_OK;
    syncDelayMs = 0;
  }

 private:
  struct File {
    sqlite3_file base;
    sqlite3_file* real;  // lives right after this struct
  };

  FaultyDisk() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = "faulty";
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.xOpen = &open;
    sqlite3_vfs_register(&vfs_, 1);
  }

  static FaultyDisk& disk() { return install(); }
  static sqlite3_file* real(sqlite3_file* file) { return reinterpret_cast<File*>(file)->real; }

  static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* outFlags) {
    File* f = reinterpret_cast<File*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    const int rc = disk().real_->xOpen(disk().real_, name, f->real, flags, outFlags);
    f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? methods(f->real->pMethods) : nullptr;
    return rc;
  }

  // The real file's methods, with writes and syncs going through the faults.
  static const sqlite3_io_methods* methods(const sqlite3_io_methods* realMethods) {
    static sqlite3_io_methods m;
    static const bool made = [&] {
      m = *realMethods;
      m.xClose = [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); };
      m.xRead = [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
        return real(f)->pMethods->xRead(real(f), b, n, o);
      };
      m.xWrite = [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
        if (int rc = disk().failWrites; rc != SQLITE_OK) return rc;
        return real(f)->pMethods->xWrite(real(f), b, n, o);
      };
      m.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
        return real(f)->pMethods->xTruncate(real(f), size);
      };
      m.xSync = [](sqlite3_file* f, int flags) {
        ++disk().syncsUnderWay;
        std::this_thread::sleep_for(std::chrono::milliseconds(disk().syncDelayMs));
        const int failed = disk().failSyncs;
        const int rc = failed != SQLITE_OK ? failed : real(f)->pMethods->xSync(real(f), flags);
        --disk().syncsUnderWay;
        return rc;
      };
      m.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) {
        return real(f)->pMethods->xFileSize(real(f), size);
      };
      m.xLock = [](sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); };
      m.xUnlock = [](sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); };
      m.xCheckReservedLock = [](sqlite3_file* f, int* out) {
        return real(f)->pMethods->xCheckReservedLock(real(f), out);
      };
      m.xFileControl = [](sqlite3_file* f, int op, void* arg) {
        return real(f)->pMethods->xFileControl(real(f), op, arg);
      };
      m.xSectorSize = [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); };
      m.xDeviceCharacteristics = [](sqlite3_file* f) {
        return real(f)->pMethods->xDeviceCharacteristics(real(f));
      };
      m.xShmMap = [](sqlite3_file* f, int region, int size, int extend, void volatile** out) {
        return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
      };
      m.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
        return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
      };
      m.xShmBarrier = [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); };
      m.xShmUnmap = [](sqlite3_file* f, int del) {
        return real(f)->pMethods->xShmUnmap(real(f), del);
      };
      m.xFetch = [](sqlite3_file* f, sqlite3_int64 o, int n, void** out) {
        return real(f)->pMethods->xFetch(real(f), o, n, out);
      };
      m.xUnfetch = [](sqlite3_file* f, sqlite3_int64 o, void* p) {
        return real(f)->pMethods->xUnfetch(real(f), o, p);
      };
      return true;
    }();
    (void)made;
    return &m;
  }

  sqlite3_vfs* real_;
  sqlite3_vfs vfs_;
};

}  // namespace ecsd::test_support
