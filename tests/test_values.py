"""Value stability: pinned outputs of every public initialiser.

A change in the generator, a transform, or the fan/gain arithmetic fails
here. An intended change must update the table (and the version: it changes
every user's weights). Regenerate with: python tests/test_values.py
"""

import hashlib
import sys

import numpy as np
import pytest

import varscale

CASES = {
    "xavier_uniform": lambda dt: varscale.xavier_uniform((64, 48), dtype=dt, seed=0),
    "xavier_normal": lambda dt: varscale.xavier_normal((64, 48, 3), gain=2.0, dtype=dt, seed=1, stream=5),
    "kaiming_uniform": lambda dt: varscale.kaiming_uniform((32, 16, 3, 3), a=5**0.5, dtype=dt, seed=2),
    "kaiming_normal": lambda dt: varscale.kaiming_normal((100, 30), mode="fan_out", nonlinearity="relu", dtype=dt,
                                                         seed=3),
    "lecun_uniform": lambda dt: varscale.lecun_uniform((3, 3, 8, 16), layout="keras", dtype=dt, seed=4),
    "lecun_normal": lambda dt: varscale.lecun_normal((50, 70), dtype=dt, seed=2**64 - 1, stream=2**64 - 1),
    "variance_scaling": lambda dt: varscale.variance_scaling((40, 60), 2.0, "fan_avg", dtype=dt, seed=6),
    "uniform": lambda dt: varscale.uniform(1000, -2.0, 3.0, dtype=dt, seed=7),
    "normal": lambda dt: varscale.normal(1000, 1.0, 0.5, dtype=dt, seed=8),
    "truncated_normal": lambda dt: varscale.truncated_normal(1000, 0.0, 1.0, -1.0, 3.0, dtype=dt, seed=9),
    "constant": lambda dt: varscale.constant((7, 3), 0.1, dtype=dt),
}

PINNED = {
    ('constant', 'float32'): ([0.10000000149011612, 0.10000000149011612, 0.10000000149011612], 'c97609f42a7f7365'),
    ('constant', 'float64'): ([0.1, 0.1, 0.1], '4cda22e9627f9b7f'),
    ('kaiming_normal', 'float32'): ([0.03874676674604416, -0.04158859699964523, -0.07216330617666245], '5d1f8f8776e5e315'),
    ('kaiming_normal', 'float64'): ([-0.041588597575845106, -0.048054798271201, 0.24169508386155303], '18d33c071de710aa'),
    ('kaiming_uniform', 'float32'): ([-0.024756139144301414, 0.024909254163503647, 0.0011360596399754286], '3e05a48d22946f6d'),
    ('kaiming_uniform', 'float64'): ([0.02490925538010052, 0.08064340064716587, 0.06372236315231194], 'a63a4d8971ef6a0e'),
    ('lecun_normal', 'float32'): ([-0.28116682171821594, 0.10798881947994232, 0.1362602561712265], '9770c7dd1f990cf7'),
    ('lecun_normal', 'float64'): ([0.10798881122211658, -0.14213539254537164, 0.12438879768401677], '59bb9821277de5ca'),
    ('lecun_uniform', 'float32'): ([0.10047948360443115, 0.10836519300937653, 0.009628411382436752], '81e504966572983f'),
    ('lecun_uniform', 'float64'): ([0.10836518798972386, 0.06783373318722195, -0.15532876716497027], 'c952f830d65a8bc2'),
    ('normal', 'float32'): ([0.805437445640564, 1.0434452295303345, 0.32592809200286865], '140ddb6cb71a2ed6'),
    ('normal', 'float64'): ([1.0434451961462188, 1.1867146573225422, 0.9763744977123209], 'dbce0b182f227162'),
    ('truncated_normal', 'float32'): ([1.2328541278839111, -0.9159313440322876, 0.2565557658672333], 'f622137619aba2b4'),
    ('truncated_normal', 'float64'): ([-0.9159314323929294, -0.9655958718210275, -0.5315536989199062], 'f8f240efcecc33e0'),
    ('uniform', 'float32'): ([2.7413454055786133, -0.91042160987854, 2.7454025745391846], 'a6ed36ed4176a18c'),
    ('uniform', 'float64'): ([-0.9104216930593022, 2.33135466062124, 2.276642275641988], '38b634caa99e2a82'),
    ('variance_scaling', 'float32'): ([0.12745541334152222, -0.19855095446109772, -0.025440050289034843], '97ee592a9260430d'),
    ('variance_scaling', 'float64'): ([-0.19855091467238611, 0.0790686643424173, -0.2511471691591331], 'adfa118fa08be314'),
    ('xavier_normal', 'float32'): ([0.1279555857181549, -0.038577571511268616, 0.14237888157367706], '4358d40a4d6cd3c2'),
    ('xavier_normal', 'float64'): ([-0.03857757101539649, 0.023688102626766617, -0.36174794281622263], '70f6ea2896a9019e'),
    ('xavier_uniform', 'float32'): ([0.1642066389322281, 0.12357921153306961, -0.2002876102924347], 'd64278aa00970364'),
    ('xavier_uniform', 'float64'): ([0.123579222077292, -0.20231014115137708, -0.17969239641763962], 'd761bcb508dfb5f0'),
}


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(a.tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(CASES))
def test_pinned(name, dtype):
    a = CASES[name](dtype)
    first, h = PINNED[(name, dtype)]
    assert [float(v) for v in a.reshape(-1)[:3]] == first
    assert digest(a) == h


if __name__ == "__main__":
    # Print the table for an intended change of values.
    for name in sorted(CASES):
        for dt in ["float32", "float64"]:
            a = CASES[name](dt)
            print(f"    ({name!r}, {dt!r}): ({[float(v) for v in a.reshape(-1)[:3]]}, {digest(a)!r}),")
    sys.exit(0)
