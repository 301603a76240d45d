"""Face verification benchmark: load time, latency on one core, distance distributions.

    .venv/bin/python -m bench.faces                 # all of shared/data/faces (~1 min)
    .venv/bin/python -m bench.faces --repeat 20 --json /tmp/faces.json

The process pins itself to one core (``os.sched_setaffinity``). Model load = building
``FaceVerifier()`` (HOG detector + 5-point shape model + ResNet descriptor), measured in a
fresh interpreter after ``import dlib``. One verification = ``verify(live, id_photo)``:
HOG detection, landmarks and descriptor on both images and the distance (decoding
excluded), the live image being a full photo and the ID photo a simulated chip photo.

Distributions: every photo of ``shared/data/faces`` with a single known person
(``two_people.jpg`` is left out: two faces, neither labelled), person from the file name.
Pairs: photo vs photo (all unordered pairs), and photo vs simulated ID-card photo (each
photo against the chip photo made from every *other* photo: 102x126 crop, JPEG 40,
greyscale, upsampled x2; see ``tests/identification/faces/idphoto.py``), split into
genuine (same person) and impostor pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/faces")
PERSON_PREFIX = {
    "alex_lacamoire": "alex_lacamoire",
    "test_alex_lacamoire": "alex_lacamoire",
    "biden": "biden",
    "kit_harington": "kit_harington",
    "test_johnsnow": "kit_harington",
    "lin-manuel-miranda": "lin_manuel_miranda",
    "obama": "obama",
    "test_obama": "obama",
    "rose_leslie": "rose_leslie",
}
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6)


def person_of(name: str) -> str | None:
    for prefix in sorted(PERSON_PREFIX, key=len, reverse=True):
        if name.startswith(prefix):
            return PERSON_PREFIX[prefix]
    return None


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def _load_time() -> float:
    code = (
        "import time, dlib\n"
        "from gangting.identification.faces import FaceVerifier\n"
        "t = time.perf_counter(); FaceVerifier(); print(time.perf_counter() - t)\n"
    )
    cpu = str(sorted(os.sched_getaffinity(0))[0])
    out = subprocess.run(
        ["taskset", "-c", cpu, sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=10, help="timing passes over all photos")
    ap.add_argument("--core", type=int, default=None, help="CPU to pin to (default: last)")
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    args = ap.parse_args()

    core = args.core if args.core is not None else max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    sys.path.insert(0, str(ROOT))

    import cv2
    import dlib
    from tests.identification.faces.idphoto import simulate_id_photo

    from gangting.identification.faces import FaceVerifier, face_distance

    cv2.setNumThreads(1)
    load_s = statistics.median(_load_time() for _ in range(3))
    verifier = FaceVerifier()

    photos = {}
    for path in sorted(args.data.iterdir()):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"} or path.name == "two_people.jpg":
            continue
        person = person_of(path.name)
        if person is None:
            continue
        photos[path.name] = (person, cv2.imread(str(path), cv2.IMREAD_COLOR))

    emb = {}
    cards = {}
    for name, (_, img) in photos.items():
        e = verifier.embed(img)
        if e is None:
            print(f"no face: {name}", file=sys.stderr)
            continue
        emb[name] = e
        card = simulate_id_photo(img, e.face.box, grey=True)
        ce = verifier.embed(card)
        if ce is None:
            print(f"no face in the ID photo of {name}", file=sys.stderr)
            continue
        cards[name] = (card, ce)

    names = sorted(emb)
    pp: dict[str, list[float]] = {"genuine": [], "impostor": []}
    for a, b in itertools.combinations(names, 2):
        kind = "genuine" if photos[a][0] == photos[b][0] else "impostor"
        pp[kind].append(face_distance(emb[a].vector, emb[b].vector))
    pc: dict[str, list[float]] = {"genuine": [], "impostor": [], "same_source": []}
    for a in names:
        for b in sorted(cards):
            d = face_distance(emb[a].vector, cards[b][1].vector)
            if a == b:
                pc["same_source"].append(d)
            else:
                pc["genuine" if photos[a][0] == photos[b][0] else "impostor"].append(d)

    def errors(dist: dict[str, list[float]], thr: float) -> dict[str, int]:
        return {
            "false_reject": sum(d > thr for d in dist["genuine"]),
            "false_accept": sum(d <= thr for d in dist["impostor"]),
        }

    # timing: verify(live photo, simulated ID photo of the same person's other photo)
    pairs = [
        (a, b) for a in names for b in sorted(cards) if a != b and photos[a][0] == photos[b][0]
    ]
    verify_ms: list[float] = []
    embed_ms: list[float] = []
    for _ in range(args.repeat):
        for a, b in pairs:
            t = time.perf_counter()
            verifier.verify(photos[a][1], cards[b][0])
            verify_ms.append((time.perf_counter() - t) * 1000)
        for a in names:
            t = time.perf_counter()
            verifier.embed(photos[a][1])
            embed_ms.append((time.perf_counter() - t) * 1000)

    result = {
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "cpu_model": cpu_model(),
        "core": core,
        "dlib": dlib.__version__,
        "photos": len(photos),
        "people": len({p for p, _ in photos.values()}),
        "load_s": round(load_s, 3),
        "verify_ms": {
            "n": len(verify_ms),
            "median": round(statistics.median(verify_ms), 1),
            "p99": round(_pct(verify_ms, 99), 1),
        },
        "embed_photo_ms": {
            "median": round(statistics.median(embed_ms), 1),
            "p99": round(_pct(embed_ms, 99), 1),
        },
        "photo_vs_photo": {k: _summary(v) for k, v in pp.items()},
        "photo_vs_id": {k: _summary(v) for k, v in pc.items()},
        "errors": {
            str(t): {"photo_vs_photo": errors(pp, t), "photo_vs_id": errors(pc, t)}
            for t in THRESHOLDS
        },
        "threshold": verifier.threshold,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
