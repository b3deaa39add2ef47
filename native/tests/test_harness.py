"""Tests of the harness's pure-Python parts (no torch, no GPU): python3 -m unittest discover native/tests"""
import io
import json
import os
import subprocess
import sys
import unittest
from contextlib import redirect_stderr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "synthetic"))
import generate  # noqa: E402
import measure  # noqa: E402
import record  # noqa: E402
import shapes  # noqa: E402


class ShapeTests(unittest.TestCase):
    def test_protocol_coverage(self):
        g = shapes.gemm_shapes()
        self.assertIn(("gemm-sweep-m", 32, 12288, 12288), g)
        self.assertIn(("gemm-sweep-m", 32768, 12288, 12288), g)
        self.assertIn(("gemm-sweep-nk", 8192, 32, 32), g)
        self.assertTrue(any(m % 128 for _, m, _, _ in g), "needs sizes that are not multiples of 128")
        self.assertTrue(any(s == "gemm-llm-decode" and m == 1 for s, m, _, _ in g))
        self.assertEqual(len(g), len(set((m, n, k) for _, m, n, k in g)), "each shape once")
        a = shapes.attention_cases()
        pre = [c for c in a if c["suite"] == "attn-prefill"]
        self.assertEqual(len(pre), 3 * 6 * 2)
        for c in pre:
            self.assertEqual(c["batch"] * c["seqQ"], 16384)
            self.assertEqual(c["heads"] * c["headDim"], 2048)
        self.assertEqual(len([c for c in a if c["suite"] == "attn-decode"]), 16)
        ids = [c["id"] for c in shapes.all_cases()]
        self.assertEqual(len(ids), len(set(ids)))

    def test_fp8_alignment(self):
        self.assertIsNone(shapes.fp8_unsupported_reason({"dtype": "fp8e4m3", "m": 32, "n": 64, "k": 16}))
        self.assertIn("m", shapes.fp8_unsupported_reason({"dtype": "fp8e4m3", "m": 1, "n": 64, "k": 16}))
        self.assertIsNone(shapes.fp8_unsupported_reason({"dtype": "bf16", "m": 1, "n": 3, "k": 5}))


class RecordTests(unittest.TestCase):
    def test_median_and_names(self):
        self.assertEqual(record.median([3, 1, 2]), 2)
        self.assertEqual(record.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(record.gpu_slug("NVIDIA H100 80GB HBM3"), "h100")
        self.assertEqual(record.gpu_slug("NVIDIA A100-SXM4-80GB"), "a100")
        self.assertEqual(record.measurement_filename("NVIDIA H100 80GB HBM3", "2026-11-22T10:00:00+00:00"), "h100-2026-11-22.json")

    def test_provenance_required(self):
        with self.assertRaises(ValueError):
            record.build_file({"synthetic": False}, [], [])

    def test_no_torch_is_a_clear_error(self):
        try:
            import torch  # noqa: F401
            self.skipTest("torch is installed here")  # only reached on a GPU machine
        except ImportError:
            pass
        err = io.StringIO()
        with redirect_stderr(err):
            rc = measure.main(["--out", "/tmp/unused"])
        self.assertEqual(rc, 1)
        self.assertIn("PyTorch is not installed", err.getvalue())

    def test_list_needs_no_torch(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "..", "harness", "measure.py"), "--list"], capture_output=True, text=True, check=True)
        self.assertEqual(len(json.loads(out.stdout)), len(shapes.all_cases()))


class SyntheticTests(unittest.TestCase):
    def test_deterministic_and_labelled(self):
        with open(os.path.join(HERE, "..", "synthetic", "h100-params.json")) as f:
            p = json.load(f)
        a = record.dumps(generate.generate(p, 1, "2026-11-22"))
        b = record.dumps(generate.generate(p, 1, "2026-11-22"))
        c = record.dumps(generate.generate(p, 2, "2026-11-22"))
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        doc = json.loads(a)
        self.assertTrue(doc["provenance"]["synthetic"])
        self.assertIn("SYNTHETIC", doc["provenance"]["gpu"]["name"])

    def test_committed_files_match_generator(self):
        for gpu in ("h100", "a100"):
            path = os.path.join(HERE, "..", "measurements", f"synthetic-{gpu}-2026-11-22.json")
            with open(os.path.join(HERE, "..", "synthetic", f"{gpu}-params.json")) as f:
                p = json.load(f)
            with open(path) as f:
                self.assertEqual(f.read(), record.dumps(generate.generate(p, 1, "2026-11-22")), gpu)

    def test_a100_has_no_fp8(self):
        with open(os.path.join(HERE, "..", "synthetic", "a100-params.json")) as f:
            doc = generate.generate(json.load(f), 1, "2026-11-22")
        self.assertFalse(any(r["dtype"] == "fp8e4m3" for r in doc["records"]))
        self.assertTrue(any("no fp8e4m3" in s["reason"] for s in doc["skipped"]))


if __name__ == "__main__":
    unittest.main()
