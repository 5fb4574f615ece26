"""`cargo xtask bench-py`: runs bench_reference.py (written for pacsys 0.3.0) with pacsys_rs
in place of pacsys, so the two clients run the same Python loop.

    python bench_pacsys_rs.py PORT MODE N X   (as bench_reference.py)
"""

import os
import runpy
import sys

import pacsys_rs

sys.modules["pacsys"] = pacsys_rs
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_reference.py"), run_name="__main__")
