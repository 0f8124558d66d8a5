"""The wire vocabulary shared by server, client and CLI: paths, headers, query keys, actions,
message shapes and bucket addressing. Nothing here knows about storage or HTTP frameworks."""
