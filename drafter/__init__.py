"""drafter: draft Chinese bureau work summaries (工作总结) for human review."""

__version__ = "0.1.0"
