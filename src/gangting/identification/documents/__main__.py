"""Read a document image from the command line and print the fields as JSON.

    python -m gangting.identification.documents idcard card.jpg
    python -m gangting.identification.documents health-certificate form.jpg --on 2026-11-26

Exit status 0 when the document reads and checks out (``ok``), 1 when it does not, 2 on a
usage error or an image that cannot be opened. The output holds personal data: it goes to
standard output only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date

import cv2
import numpy as np

from gangting.identification.documents.engine import OcrEngine
from gangting.identification.documents.health_certificate import read_health_certificate
from gangting.identification.documents.idcard import read_id_card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gangting.identification.documents",
        description="识别身份证正面或机动车驾驶人身体条件证明，输出 JSON",
    )
    parser.add_argument("kind", choices=("idcard", "health-certificate"))
    parser.add_argument("image", help="image file (JPEG, PNG, …)")
    parser.add_argument("--on", type=date.fromisoformat, help="today, YYYY-MM-DD (validity)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    raw = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if raw is None:
        print(f"无法打开图像：{args.image}", file=sys.stderr)
        return 2
    image = np.asarray(raw, dtype=np.uint8)
    engine = OcrEngine(threads=args.threads)
    if args.kind == "idcard":
        result = read_id_card(image, engine=engine, on=args.on).to_dict()
    else:
        result = read_health_certificate(image, engine=engine, on=args.on).to_dict()
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
