"""Read one sample out of a Prometheus /metrics page."""

from __future__ import annotations


def sample(metrics: str, service: str, handler: str, method: str, status: str) -> float:
    """The value of ``codeflix_<service>_http_requests_total`` for one route, or 0."""
    labels = f'handler="{handler}",method="{method}",status="{status}"'
    prefix = f"codeflix_{service}_http_requests_total{{{labels}}} "
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0
