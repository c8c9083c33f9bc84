#!/usr/bin/env python3
"""Checks lmsh's safetensors reader and writer against the reference implementation, by hand.

Needs python3 with numpy and safetensors (`pip install safetensors numpy`). The Swift test suite does
not depend on this script: the interop test it drives is skipped unless LMSH_SAFETENSORS_INTEROP_DIR
is set.

    cd /work/main
    swift build --build-tests --scratch-path .build-st
    python3 Tests/LMModelsTests/Scripts/check_safetensors.py --scratch-path .build-st

Steps:
 1. the reference writer (safetensors.numpy.save_file) writes reference.safetensors in a temporary
    folder: F32, F16 and F64 tensors, a scalar, an empty [0, 3] tensor and metadata;
 2. `swift test --filter interopWithReferenceImplementation` reads it with SafeTensorsFile (checking
    the values), writes it back as roundtrip.safetensors, and writes its own sample as lmsh.safetensors;
 3. the reference reader (safetensors.numpy.load_file) loads both files lmsh wrote and checks them,
    including the lmsh.sha256 metadata against hashlib.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def data_section(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    assert n % 8 == 0, f"header length {n} not padded to 8"
    return raw[8 + n:]


def header(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n])


def check_checksum(path):
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata() or {}
    digest = hashlib.sha256(data_section(path)).hexdigest()
    assert meta.get("lmsh.sha256") == digest, (meta, digest)
    return meta


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scratch-path", default=".build")
    parser.add_argument("--package-path", default=".")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        reference = {
            "a": np.arange(6, dtype=np.float32).reshape(2, 3),
            "half": np.array([1, -2, 0.5], dtype=np.float16),
            "double": np.array([0.25, 0.1], dtype=np.float64),
            "scalar": np.array(7, dtype=np.float32),
            "empty": np.zeros((0, 3), dtype=np.float32),
        }
        save_file(reference, os.path.join(tmp, "reference.safetensors"), metadata={"source": "safetensors.numpy"})

        env = dict(os.environ, LMSH_SAFETENSORS_INTEROP_DIR=tmp)
        cmd = ["swift", "test", "--skip-build", "--package-path", args.package_path,
               "--scratch-path", args.scratch_path, "--filter", "interopWithReferenceImplementation"]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0 or "passed" not in result.stdout + result.stderr:
            print(result.stdout, result.stderr, sep="\n")
            sys.exit("swift side failed")

        # lmsh's own sample, as the reference reader sees it.
        lmsh = load_file(os.path.join(tmp, "lmsh.safetensors"))
        assert sorted(lmsh) == ["bias", "décodeur \"q\"", "empty", "rnn.weight_ih_l0"], sorted(lmsh)
        assert lmsh["bias"].shape == () and lmsh["bias"] == np.float32(3.5)
        assert lmsh["empty"].shape == (0, 3)
        np.testing.assert_array_equal(
            lmsh["rnn.weight_ih_l0"], np.array([[1, -2, 0.5], [3.25, -0.0, 1e-3]], dtype=np.float32))
        meta = check_checksum(os.path.join(tmp, "lmsh.safetensors"))
        assert meta["note"] == "line\nbreak \x01 é \"quoted\" \\", meta

        # The reference file after a trip through lmsh (all converted to F32).
        back = load_file(os.path.join(tmp, "roundtrip.safetensors"))
        assert sorted(back) == sorted(reference)
        for name, value in reference.items():
            assert back[name].dtype == np.float32
            np.testing.assert_array_equal(back[name], value.astype(np.float32))
        meta = check_checksum(os.path.join(tmp, "roundtrip.safetensors"))
        assert meta["source"] == "safetensors.numpy"

        # lmsh's layout is the reference's: re-saving the same arrays and metadata gives the same header
        # (same tensor order and offsets; metadata key order aside, which the reference leaves to a
        # HashMap while lmsh sorts) and the same data bytes.
        again = os.path.join(tmp, "again.safetensors")
        save_file(back, again, metadata=meta)
        mine, theirs = (header(os.path.join(tmp, "roundtrip.safetensors")), header(again))
        assert list(mine) == list(theirs), (list(mine), list(theirs))
        assert mine == theirs
        assert data_section(again) == data_section(os.path.join(tmp, "roundtrip.safetensors"))

    print("safetensors interop OK")


if __name__ == "__main__":
    main()
