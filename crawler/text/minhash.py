"""datasketch's MinHash (2.0, scheme "affine32") in a few lines of numpy, bit for bit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from crawler.text.shingles import MINHASH_SEED, NUM_PERM

# SHA-1's first 4 bytes, the MurmurHash3 finalizer, then a*h + b mod 2**32 with odd a, as
# datasketch computes them; tests/test_dedup.py compares the two on random sets and texts.
# Importing datasketch imports its LSH classes and with them scipy: 54 MB in each extraction
# worker, a quarter of a crawl's memory, for one function.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's draw of the affine32 permutations for `seed`."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in _FMIX32)
    hv = (hv ^ (hv >> s1)) * m1
    hv = (hv ^ (hv >> s2)) * m2
    return hv ^ (hv >> s3)


def minhash(values: Iterable[bytes]) -> np.ndarray:
    """The ``NUM_PERM`` minimum hash values (uint32) of a non-empty set of byte strings."""
    sha1 = hashlib.sha1
    # the digests' first 4 bytes read as little-endian uint32 in one go (a quarter faster
    # than an int per value): whole 20-byte digests joined, then every fifth uint32
    hv = np.frombuffer(b"".join([sha1(v).digest() for v in values]), dtype="<u4")[::5]
    a, b = PERMUTATIONS
    with np.errstate(over="ignore"):  # arithmetic mod 2**32 is the point
        return (_fmix32(hv)[:, None] * a + b).min(axis=0)


# Drawn once: datasketch's MinHash redraws them from the seed for every document.
PERMUTATIONS = _permutations(NUM_PERM, MINHASH_SEED)
