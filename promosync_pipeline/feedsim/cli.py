"""``promosync feed serve``."""

from __future__ import annotations

import argparse

from promosync_pipeline.feedsim.faults import parse_fault
from promosync_pipeline.feedsim.generator import FeedGenerator, FeedSpec
from promosync_pipeline.feedsim.server import serve_forever


def serve_command(args: argparse.Namespace) -> int:
    faults = [parse_fault(spec) for spec in args.fault]
    spec = FeedSpec(
        seed=args.seed,
        suppliers=args.suppliers,
        families=args.families,
        exact=not args.spread,
    )
    serve_forever(FeedGenerator(spec), args.host, args.port, faults)
    return 0
