"""Issue 15: ten cycles of the crash loop (tests/fault/crash_loop.py): writers
and simulated agents load ecsd, which is killed with SIGKILL at random moments
and restarted on the same data. No acknowledged write may be lost, no
task-definition revision handed out twice, and every instance's and cluster's
accounting must be exact. The seed is printed; replay a failure with
`python3 tests/fault/crash_loop.py --cycles 10 --seed S`."""

import os
import random
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fault"))

import crash_loop  # noqa: E402


class CrashLoopTest(unittest.TestCase):
    def test_ten_kills_lose_nothing_acknowledged(self):
        seed = int(os.environ.get("ECSD_CRASH_SEED") or random.SystemRandom().randrange(2**32))
        print(f"\ncrash loop seed {seed} (ECSD_CRASH_SEED={seed} to replay)", flush=True)
        totals = crash_loop.run(10, seed, out=lambda line: print(line, flush=True))
        print(f"crash loop: {totals['wall_seconds']} s, {totals['acknowledged_writes']} "
              f"acknowledged writes, {totals['checked']} checks", flush=True)
        self.assertEqual(totals["cycles"], 10)
        self.assertEqual(totals["problems"], [], f"seed {seed}")
        self.assertEqual((totals["lost"], totals["unexplained"], totals["revision_reuses"],
                          totals["accounting_differences"]), (0, 0, 0, 0), f"seed {seed}")
        # The loop did what it is for: writes acknowledged and checked, some cut by a kill.
        self.assertGreater(totals["acknowledged_writes"], 200)
        self.assertGreater(totals["tasks_by_last_status"]["STOPPED"], 0)
        self.assertGreater(totals["in_doubt_writes"], 0)


if __name__ == "__main__":
    unittest.main()
