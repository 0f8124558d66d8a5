"""Jobs [AIS xactions]: long-running, observable operations with ids, progress and status."""
