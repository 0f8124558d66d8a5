"""`aisnode run`: start a single-node store (proxy and target in one process)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from ..errors import AisError


class _JsonFormatter(logging.Formatter):
    def format(self, r: logging.LogRecord) -> str:
        doc = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(r.created)),
               "level": r.levelname.lower(), "logger": r.name, "msg": r.getMessage()}
        if r.exc_info:
            doc["exc"] = self.formatException(r.exc_info)
        return json.dumps(doc)


def _setup_logging(level: str, as_json: bool) -> None:
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(_JsonFormatter() if as_json else logging.Formatter(
        "%(asctime)s %(levelname).1s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[h], force=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="aisnode", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a single-node store (proxy + target)")
    run.add_argument("--host", help="listen address (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="listen port (default 8080)")
    run.add_argument("--data-dir", help="data directory (default ./.aisnode)")
    run.add_argument("--mountpath", action="append", dest="mountpaths",
                     help="object directory; repeat for several (default: <data-dir>/mp0)")
    run.add_argument("--config", help="JSON config file ({\"local\":{...},\"cluster\":{...}})")
    run.add_argument("--log-level", help="debug, info, warning, error")
    run.add_argument("--log-json", action="store_true", default=None,
                     help="structured JSON log lines")
    args = p.parse_args(argv)

    from ..config import load_config

    try:
        cfg = load_config(args.config, {
            "host": args.host, "port": args.port, "data_dir": args.data_dir,
            "mountpaths": tuple(args.mountpaths) if args.mountpaths else None,
            "log_level": args.log_level, "log_json": args.log_json,
        })
    except AisError as e:
        print(f"Error: {e.message}", file=sys.stderr)
        return 2
    _setup_logging(cfg.local.log_level, cfg.local.log_json)
    import uvloop

    from ..node import serve

    try:
        uvloop.run(serve(cfg))
    except AisError as e:
        logging.getLogger("aisnode").error("%s", e.message)
        return 1
    except OSError as e:
        logging.getLogger("aisnode").error("cannot start: %s", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
