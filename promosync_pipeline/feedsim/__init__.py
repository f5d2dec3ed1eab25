"""A Promidata-compatible feed simulator: generator, HTTP server and fault injection."""

from promosync_pipeline.feedsim.faults import Fault, FaultPlan, parse_fault
from promosync_pipeline.feedsim.generator import FeedGenerator, FeedSpec
from promosync_pipeline.feedsim.server import FeedServer, ServerStats

__all__ = [
    "Fault",
    "FaultPlan",
    "FeedGenerator",
    "FeedServer",
    "FeedSpec",
    "ServerStats",
    "parse_fault",
]
